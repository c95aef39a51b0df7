"""Every case shape has a fixture that makes it fire, with the severity the shapes file declares.

The fixtures live in ``tests/fixtures/shapes/<LocalName>.ttl``; each starts with a
``# Tries:`` line saying what is wrong in it. A fixture tries one thing: the shape it is named
after is the only one that reports a violation (other shapes may add warnings or infos).

The theory shapes and the checks added with ontology 0.2 also have a control,
``tests/fixtures/shapes/controls/<LocalName>.ttl`` (first line ``# Controls:``): the nearest case
that must not make the shape fire, and conforms. The expected findings below were worked out by
hand from the fixture files.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef, namespace
from rdflib.namespace import SH

from kg import paths
from kg.check.validation import (
    LANGUAGES,
    CaseReport,
    CaseValidator,
    Severity,
    framework_statements,
    value_datatypes,
)
from kg.vocab import FW, FWS, curie

FIXTURES = Path(__file__).parent / "fixtures" / "shapes"
CONTROLS = FIXTURES / "controls"

# The shapes that compare a case with the theory, and those added for ontology 0.2: each has a
# control as well as a firing fixture.
WITH_CONTROLS = sorted(
    [
        "fws:ActionActorLogicShape",
        "fws:ActionDateInEpisodeShape",
        "fws:ActionLogicFitShape",
        "fws:ActorKindShape",
        "fws:ClaimAboutShape",
        "fws:ClaimCoderShape",
        "fws:ConfirmedQuoteShape",
        "fws:ClaimConfidenceShape",
        "fws:ClaimEvidenceShape",
        "fws:ClaimPropertyDeclaredShape",
        "fws:ClaimPropertyShape",
        "fws:ClaimRecordShape",
        "fws:ClaimValueClassShape",
        "fws:ClaimValueKindShape",
        "fws:ClaimValueShape",
        "fws:ClaimValueUnknownShape",
        "fws:CreatedUnitChangeShape",
        "fws:DeprecatedTermShape",
        "fws:EpisodeMechanismFitShape",
        "fws:InertiaCommandCenterShape",
        "fws:InertiaPlatformShape",
        "fws:InertiaReaggregationShape",
        "fws:LoopStepStageShape",
        "fws:OutdatedOntologyShape",
        "fws:PeriodEndBeforeStartShape",
        "fws:PeriodOutsideOrganisationShape",
        "fws:PeriodPossiblyEndsBeforeStartShape",
        "fws:RoleJurisdictionShape",
        "fws:RoleKindShape",
        "fws:ScenarioBeforeFoundationShape",
        "fws:ScenarioPossiblyBeforeFoundationShape",
        "fws:StageOrderShape",
        "fws:StageSkippedShape",
        "fws:StartupLeaderShape",
        "fws:TenureHolderShape",
        "fws:TenurePostShape",
    ]
)

# The theory shapes: their SPARQL must read the expectations from the ontology's statements,
# so it names none of the stage, mechanism, logic or actor-kind individuals.
THEORY_SHAPES = [
    "fws:StageOrderShape",
    "fws:StageSkippedShape",
    "fws:EpisodeMechanismFitShape",
    "fws:StartupLeaderShape",
    "fws:InertiaCommandCenterShape",
    "fws:InertiaPlatformShape",
    "fws:InertiaReaggregationShape",
    "fws:LoopStepStageShape",
    "fws:ActionLogicFitShape",
    "fws:ActionActorLogicShape",
    "fws:ActorKindShape",
]

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
    files = sorted(p for p in FIXTURES.iterdir() if not p.name.startswith(".") and p.is_file())
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


# ---------------------------------------------------------------------------------------------
# Controls: the nearest case that must not make the shape fire


def control_params() -> list:
    return [pytest.param(shape, id=local(shape)) for shape in WITH_CONTROLS]


@pytest.mark.parametrize("shape", control_params())
def test_control_does_not_fire(shape: str, validator: CaseValidator) -> None:
    path = CONTROLS / f"{local(shape)}.ttl"
    assert path.is_file(), f"no control for {shape}: expected {path}"
    first_line = path.read_text(encoding="utf-8").splitlines()[0]
    assert first_line.startswith("# Controls: ") and first_line[len("# Controls: ") :].strip()
    case_reports = validator.validate_file(path)
    findings = findings_of(case_reports)
    assert not [f for f in findings if f.shape == shape], f"{shape} fired on its control"
    assert all(report.conforms for report in case_reports), sorted(
        {f.shape for f in findings if f.severity is Severity.VIOLATION}
    )


def test_no_controls_for_unknown_shapes() -> None:
    known = {local(shape) for shape in WITH_CONTROLS}
    strays = sorted(p.name for p in CONTROLS.iterdir() if p.stem not in known)
    assert not strays, f"controls for shapes without one expected: {strays}"


def test_with_controls_are_shapes() -> None:
    assert set(WITH_CONTROLS) <= set(SHAPE_NAMES)


# ---------------------------------------------------------------------------------------------
# The theory is read from the ontology


def test_framework_statements_are_the_ontologys() -> None:
    """The statements the theory shapes read, checked against flywheel.ttl's stage individuals
    (lines "fw:nextStage fw:RotationStage ; fw:drivenBy fw:HighLevelPromotion" and so on)."""
    graph = framework_statements()
    assert (FW.StartupStage, FW.nextStage, FW.RotationStage) in graph
    assert (FW.InertiaStage, FW.drivenBy, FW.PlatformOperation) in graph
    assert (FW.AccelerationStage, FW.stageActorKind, FW.TechnicalDepartmentKind) in graph
    assert (FW.CommandCenterKind, FW.followsLogic, FW.PlatformLogic) in graph
    assert (FW.TechnicalDepartmentKind, FW.playerClass, FW.FunctionalDepartment) in graph
    assert (FW.RotationStage, FW.characteristicLoopStep, FW.Fusion) in graph
    assert (FW.characteristicLoopStep, FW.basis, FW.ProjectReading) in graph
    # the last stage has no next stage: that is how the shapes find the inertia stage
    assert not list(graph.objects(FW.InertiaStage, FW.nextStage))
    # only the framework, not the ontology: no labels, definitions or class axioms
    assert not list(graph.triples((None, SH.message, None)))
    assert {p for p in graph.predicates()} <= {
        *(p for p in graph.subjects(FW.basis, None)),
        FW.order,
        FW.playerClass,
        FW.basis,
    }


@pytest.mark.parametrize("shape", [pytest.param(s, id=local(s)) for s in THEORY_SHAPES])
def test_theory_shapes_name_no_concept_of_the_theory(shape: str) -> None:
    names = {
        str(FW[n])
        for n in [
            "StartupStage",
            "RotationStage",
            "AccelerationStage",
            "InertiaStage",
            "HighLevelPromotion",
            "InstitutionalFineTuning",
            "ScenarioEmpowerment",
            "PlatformOperation",
            "PoliticalLogic",
            "BureaucraticLogic",
            "TechnicalLogic",
            "PlatformLogic",
            "LeadersKind",
            "FunctionalDepartmentKind",
            "TechnicalDepartmentKind",
            "CommandCenterKind",
            "LeadingOfficial",
            "LeadingGroup",
            "FunctionalDepartment",
            "TechnicalDepartment",
            "CommandCenter",
            "Aggregation",
            "Fusion",
            "Transformation",
            "Circulation",
            "Reaggregation",
        ]
    }
    texts = [
        str(select)
        for constraint in SHAPES.objects(iri(shape), SH.sparql)
        for select in SHAPES.objects(constraint, SH.select)
    ]
    assert texts, f"{shape} has no SPARQL constraint"
    for text in texts:
        for name in names:
            local_name = "fw:" + name.rsplit("#", 1)[1]
            assert not re.search(re.escape(local_name) + r"(?![A-Za-z])", text), (
                f"{shape} names {local_name} instead of reading it from the ontology"
            )


# ---------------------------------------------------------------------------------------------
# What each new check finds, worked out by hand from its fixture


def hits(reports, shape: str) -> set[tuple[str, str | None]]:
    return {
        (f.focus.rsplit("/", 1)[-1], f.value.rsplit("#", 1)[-1] if f.value else None)
        for f in findings_of(reports(shape))
        if f.shape == shape
    }


def test_stage_skipped_finds_both_kinds(reports) -> None:
    # startup (1), acceleration (2), inertia (3, fw:passage fw:Skipped): rotation is missing
    # between startup and acceleration; inertia is recorded as skipped.
    assert hits(reports, "fws:StageSkippedShape") == {
        ("ep-2", "RotationStage"),
        ("ep-3", "InertiaStage"),
    }


def test_episode_mechanism_fit_names_the_coded_mechanism(reports) -> None:
    assert hits(reports, "fws:EpisodeMechanismFitShape") == {("ep-1", "HighLevelPromotion")}


def test_scenario_certainly_before_is_not_also_possibly(reports) -> None:
    # scenario latest 2016-06-30 (fw:dateLatest) < foundation earliest 2016-07-01 (July 2016)
    found = findings_of(reports("fws:ScenarioBeforeFoundationShape"))
    shapes = {f.shape for f in found if f.focus.endswith("/scenario")}
    assert "fws:ScenarioBeforeFoundationShape" in shapes
    assert "fws:ScenarioPossiblyBeforeFoundationShape" not in shapes


def test_scenario_possibly_before_is_not_certainly(reports) -> None:
    # scenario 2016 (2016-01-01..2016-12-31), foundation July 2016 (2016-07-01..2016-07-31)
    found = findings_of(reports("fws:ScenarioPossiblyBeforeFoundationShape"))
    shapes = {f.shape for f in found if f.focus.endswith("/scenario")}
    assert shapes >= {"fws:ScenarioPossiblyBeforeFoundationShape"}
    assert "fws:ScenarioBeforeFoundationShape" not in shapes


def test_action_actor_logic_names_the_action(reports) -> None:
    assert hits(reports, "fws:ActionActorLogicShape") == {("act-1", None)}


def test_created_unit_change_names_the_action(reports) -> None:
    assert hits(reports, "fws:CreatedUnitChangeShape") == {("act-1", None)}


def test_loop_step_stage_is_the_projects_reading(validator: CaseValidator) -> None:
    assert validator.messages(str(FWS.LoopStepStageShape))["en"].count("project's reading") == 1
    assert "项目组的解读" in validator.messages(str(FWS.LoopStepStageShape))["zh"]


def test_outdated_ontology_tells_to_migrate_this_file(reports) -> None:
    path = fixture_path("fws:OutdatedOntologyShape")
    found = [f for f in findings_of(reports("fws:OutdatedOntologyShape"))]
    outdated = [f for f in found if f.shape == "fws:OutdatedOntologyShape"]
    assert len(outdated) == 1
    assert outdated[0].value == "https://w3id.org/dataflywheel/ontology/0.1.0"
    assert f"flywheel migrate {path}" in outdated[0].message("en")
    assert f"flywheel migrate {path}" in outdated[0].message("zh")
    assert "fws:OntologyVersionShape" not in {f.shape for f in found}


def test_later_ontology_is_a_warning_not_a_migration(reports) -> None:
    found = findings_of(reports("fws:OntologyVersionShape"))
    assert {f.shape for f in found} & {"fws:OntologyVersionShape", "fws:OutdatedOntologyShape"} == {
        "fws:OntologyVersionShape"
    }
    assert "9.0.0" in next(f for f in found if f.shape == "fws:OntologyVersionShape").message()


def test_deprecated_term_names_its_replacement(reports) -> None:
    found = [
        f
        for f in findings_of(reports("fws:DeprecatedTermShape"))
        if f.shape == "fws:DeprecatedTermShape"
    ]
    assert [(f.focus.rsplit("/", 1)[-1], f.value) for f in found] == [
        ("city", str(FW.reachedGovernance))
    ]
    assert "fw:movesToward" in found[0].message("en")
    assert "fw:movesToward" in found[0].message("zh")


def test_current_ontology_raises_no_version_finding(validator: CaseValidator) -> None:
    for report in validator.validate_file(CONTROLS / "OutdatedOntologyShape.ttl"):
        assert not {f.shape for f in report.findings} & {
            "fws:OutdatedOntologyShape",
            "fws:OntologyVersionShape",
            "fws:DeprecatedTermShape",
        }


# ---------------------------------------------------------------------------------------------
# Claims (issue 14): what each check finds, worked out by hand from its fixture


def test_claim_confidence_names_the_wrong_level_and_both_of_two(reports) -> None:
    # claim-1 gives fw:Skipped (a stage passage); claim-2 gives fw:Inferred and fw:Reported
    assert hits(reports, "fws:ClaimConfidenceShape") == {
        ("claim-1", "Skipped"),
        ("claim-2", "Inferred"),
        ("claim-2", "Reported"),
    }


def test_claim_value_kind_covers_claims_and_0_1_codings(reports) -> None:
    # "2017" (a plain string for fw:startDate, whose shapes ask xsd:date), "startup"@en (a
    # literal for the object property fw:ofStage), and the 0.1 fw:Coding's "rotation"
    found = {
        (f.focus.rsplit("/", 1)[-1], f.value)
        for f in findings_of(reports("fws:ClaimValueKindShape"))
        if f.shape == "fws:ClaimValueKindShape"
    }
    assert found == {("claim-date", "2017"), ("claim-stage", "startup"), ("coding-1", "rotation")}


def test_claim_value_class_reads_the_range_from_the_ontology(reports) -> None:
    # fw:ofStage's range is fw:FlywheelStage, fw:performedBy's fw:Actor
    assert hits(reports, "fws:ClaimValueClassShape") == {
        ("claim-stage", "PoliticalLogic"),
        ("claim-actor", "https://example.org/fixture/ClaimValueClassShape/ep-1"),
    }


def test_claim_record_and_unknown_value_name_the_iri(reports) -> None:
    assert hits(reports, "fws:ClaimRecordShape") == {
        ("claim-1", "https://example.org/fixture/ClaimRecordShape/ep-9")
    }
    assert hits(reports, "fws:ClaimValueUnknownShape") == {
        ("claim-actor", "https://example.org/fixture/ClaimValueUnknownShape/mayors-office")
    }


def test_a_well_formed_0_1_coding_raises_only_deprecation_warnings(validator) -> None:
    (report,) = validator.validate_file(CONTROLS / "ClaimValueKindShape.ttl")
    about_coding = {f.shape for f in report.findings if f.focus.endswith("/coding-1")}
    assert about_coding == {"fws:DeprecatedTermShape"}


def test_the_confidence_levels_are_read_from_the_ontology() -> None:
    texts = [
        str(select)
        for constraint in SHAPES.objects(FWS.ClaimConfidenceShape, SH.sparql)
        for select in SHAPES.objects(constraint, SH.select)
    ]
    assert texts
    for level in ("Confirmed", "Suspected", "Reported", "Inferred"):
        assert all(f"fw:{level}" not in text for text in texts)


def test_value_datatypes_come_from_the_shapes_and_the_ranges() -> None:
    found = value_datatypes(SHAPES)
    assert set(found.objects(FW.startDate, FWS.valueDatatype)) == {namespace.XSD.date}  # a shape
    assert set(found.objects(FW.periodStart, FWS.valueDatatype)) == {
        namespace.XSD.gYear
    }  # alternativePath
    assert set(found.objects(FW.volume, FWS.valueDatatype)) == {
        namespace.XSD.decimal,
        namespace.XSD.integer,
    }  # sh:or
    assert set(found.objects(FW.startEDTF, FWS.valueDatatype)) == {
        namespace.XSD.string
    }  # the range
    assert not set(found.objects(FW.startEarliest, FWS.valueDatatype))  # rdfs:Literal: no check


# ---------------------------------------------------------------------------------------------
# Roles and tenures (issue 14)


def test_periods_name_the_role_or_tenure_and_the_organisation(reports) -> None:
    assert {f for f, _ in hits(reports, "fws:PeriodEndBeforeStartShape")} == {"tenure-1"}
    assert {f for f, _ in hits(reports, "fws:PeriodPossiblyEndsBeforeStartShape")} == {"role-1"}
    # the role began by 2016-12-31, the center was founded 2018-01-01 at the earliest; the
    # tenure is still running, the committee was dissolved by 2019-12-31
    assert hits(reports, "fws:PeriodOutsideOrganisationShape") == {
        ("role-1", "https://example.org/fixture/PeriodOutsideOrganisationShape/center-org"),
        ("tenure-1", "https://example.org/fixture/PeriodOutsideOrganisationShape/committee"),
    }


def test_certainly_before_is_not_also_possibly_before(reports) -> None:
    shapes = {f.shape for f in findings_of(reports("fws:PeriodEndBeforeStartShape"))}
    assert "fws:PeriodPossiblyEndsBeforeStartShape" not in shapes


# ---------------------------------------------------------------------------------------------
# The inertia checks use the bounds (issue 14): a platform and a re-aggregation flow known only
# as 2016/2018 (2016-01-01..2018-12-31); the inertia episode starts in 2017 or in 2019.

BOUNDS = FIXTURES / "bounds"
INERTIA = {"fws:InertiaPlatformShape", "fws:InertiaReaggregationShape"}


def test_possibly_in_the_episode_is_shown(validator: CaseValidator) -> None:
    # latest bound 2018-12-31 >= the episode's earliest start 2017-01-01: possibly in it
    # (the plain dates, 2016-01-01 < 2017-01-01, made both fire before)
    (report,) = validator.validate_file(BOUNDS / "inertia-2017.ttl")
    assert not {f.shape for f in report.findings} & INERTIA
    assert report.conforms


def test_certainly_before_the_episode_is_not_shown(validator: CaseValidator) -> None:
    # latest bound 2018-12-31 < the episode's earliest start 2019-01-01: certainly before it
    (report,) = validator.validate_file(BOUNDS / "inertia-2019.ttl")
    found = [f for f in report.findings if f.shape in INERTIA]
    assert sorted((f.shape, f.focus.rsplit("/", 1)[-1]) for f in found) == [
        ("fws:InertiaPlatformShape", "ep-2"),
        ("fws:InertiaReaggregationShape", "ep-2"),
    ]
    assert "possibly" in found[0].message("en")
