"""Every case shape has a fixture that makes it fire, with the severity the shapes file declares.

The fixtures live in ``tests/fixtures/shapes/<LocalName>.ttl``; each starts with a
``# Tries:`` line saying what is wrong in it. A fixture tries one thing: the shape it is named
after is the only one that reports a violation (other shapes may add warnings or infos).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import SH

from kg import paths
from kg.check.validation import LANGUAGES, CaseReport, CaseValidator, Severity
from kg.vocab import FWS, curie

FIXTURES = Path(__file__).parent / "fixtures" / "shapes"

# The shapes graph as plain RDF, read here with rdflib so that the tests check the validator
# against the shapes file itself (severities and messages are not copied into the tests).
SHAPES = Graph().parse(paths.CASE_SHAPES, format="turtle")

# The named shapes that carry a message; test_shape_names_match_validator checks that this is
# exactly CaseValidator.shape_names(), so the parametrization below covers the validator's list.
SHAPE_NAMES: list[str] = sorted(
    curie(str(s)) for s in set(SHAPES.subjects(SH.message, None)) if isinstance(s, URIRef)
)


def local(shape: str) -> str:
    return shape.split(":", 1)[1]


def iri(shape: str) -> URIRef:
    return FWS[local(shape)]


def declared_severity(shape: str) -> Severity:
    """The sh:severity the shapes file gives the shape (SHACL's default is sh:Violation)."""
    return Severity.from_iri(SHAPES.value(iri(shape), SH.severity, default=SH.Violation))


def fixture_path(shape: str) -> Path:
    return FIXTURES / f"{local(shape)}.ttl"


def shape_params() -> list:
    return [pytest.param(shape, id=local(shape)) for shape in SHAPE_NAMES]


@pytest.fixture(scope="module")
def validator() -> CaseValidator:
    return CaseValidator()


@pytest.fixture(scope="module")
def reports(validator: CaseValidator):
    """Validate each fixture once and share the reports between the tests."""
    cache: dict[str, list[CaseReport]] = {}

    def get(shape: str) -> list[CaseReport]:
        if shape not in cache:
            path = fixture_path(shape)
            assert path.is_file(), f"no fixture for {shape}: expected {path}"
            cache[shape] = validator.validate_file(path)
        return cache[shape]

    return get


def findings_of(case_reports: list[CaseReport]) -> list:
    return [finding for report in case_reports for finding in report.findings]


def test_shape_names_match_validator(validator: CaseValidator) -> None:
    assert validator.shape_names() == SHAPE_NAMES
    assert SHAPE_NAMES, "the shapes file declares no named shapes with messages"


@pytest.mark.parametrize("shape", shape_params())
def test_fixture_exists(shape: str) -> None:
    path = fixture_path(shape)
    assert path.is_file(), f"no fixture for {shape}: expected {path}"
    first_line = path.read_text(encoding="utf-8").splitlines()[0]
    assert first_line.startswith("# Tries: ") and first_line[len("# Tries: ") :].strip()


@pytest.mark.parametrize("shape", shape_params())
def test_fixture_fires_shape(shape: str, reports) -> None:
    expected = declared_severity(shape)
    findings = findings_of(reports(shape))
    hits = [f for f in findings if f.shape == shape]
    assert hits, (
        f"{shape} did not fire on {fixture_path(shape).name}; findings: "
        f"{sorted({(f.shape, f.severity.name) for f in findings})}"
    )
    assert any(f.severity is expected for f in hits)
    assert all(f.severity is expected for f in hits), (
        f"{shape} is declared {expected.name} but reported "
        f"{sorted({f.severity.name for f in hits})}"
    )


@pytest.mark.parametrize("shape", shape_params())
def test_fixture_conformance(shape: str, reports) -> None:
    case_reports = reports(shape)
    hits = [f for f in findings_of(case_reports) if f.shape == shape]
    if declared_severity(shape) is Severity.VIOLATION:
        assert not all(report.conforms for report in case_reports)
    else:
        assert all(f.severity is not Severity.VIOLATION for f in hits)


@pytest.mark.parametrize("shape", shape_params())
def test_fixture_tries_one_thing(shape: str, reports) -> None:
    """No other shape reports a violation, so the fixture tests only its own shape."""
    others = sorted(
        {
            f.shape
            for f in findings_of(reports(shape))
            if f.severity is Severity.VIOLATION and f.shape != shape
        }
    )
    assert not others, f"{fixture_path(shape).name} also violates {others}"


def test_no_fixtures_for_unknown_shapes() -> None:
    known = {local(shape) for shape in SHAPE_NAMES}
    files = sorted(p for p in FIXTURES.iterdir() if not p.name.startswith("."))
    assert files, f"no fixtures in {FIXTURES}"
    strays = [p.name for p in files if p.suffix != ".ttl" or p.stem not in known]
    assert not strays, f"fixtures for shapes that do not exist: {strays}"


@pytest.mark.parametrize("shape", shape_params())
def test_messages_in_both_languages(shape: str, validator: CaseValidator) -> None:
    messages = validator.messages(str(iri(shape)))
    for lang in LANGUAGES:
        assert messages.get(lang, "").strip(), f"{shape} has no {lang} message"
    in_file = {
        m.language: str(m) for m in SHAPES.objects(iri(shape), SH.message) if isinstance(m, Literal)
    }
    for lang in ("en", "zh"):
        assert in_file.get(lang, "").strip(), f"{shape} has no sh:message@{lang} in the shapes file"
        assert messages[lang] == in_file[lang]


def test_every_shape_with_severity_has_messages(validator: CaseValidator) -> None:
    with_severity = set(SHAPES.subjects(SH.severity, None))
    assert with_severity
    for shape in with_severity:
        assert isinstance(shape, URIRef), f"an anonymous shape has sh:severity: {shape}"
        assert curie(str(shape)) in validator.shape_names(), f"{curie(str(shape))} has no message"
        messages = validator.messages(str(shape))
        for lang in ("en", "zh"):
            assert messages.get(lang, "").strip(), f"{curie(str(shape))} has no {lang} message"


def test_validation_does_not_change_graph(validator: CaseValidator) -> None:
    graph = Graph().parse(FIXTURES / "ActionEvidenceShape.ttl", format="turtle")
    before = set(graph)
    size = len(graph)
    report = validator.validate(graph)
    assert any(f.shape == "fws:ActionEvidenceShape" for f in report.findings)
    assert len(graph) == size
    assert set(graph) == before
