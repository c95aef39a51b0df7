"""Synthetic cities: their own IRI space, marked synthetic, valid, reproducible."""

from __future__ import annotations

from rdflib import Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDF

from kg.check.validation import CaseValidator
from kg.rdf.read import read_cases
from kg.synth import case_iri, synthetic_case
from kg.vocab import FW, SYNTHETIC
from tests.conftest import run_flywheel


def test_synthetic_case_is_marked_valid_and_in_its_own_space(validator: CaseValidator) -> None:
    graph = synthetic_case(7, actions=20)
    assert case_iri(7) == f"{SYNTHETIC}city-0007"
    (study,) = graph.subjects(RDF.type, FW.CaseStudy)
    assert (study, FW.isSynthetic, Literal(True)) in graph
    subjects = {s for s in graph.subjects() if isinstance(s, URIRef)}
    assert all(str(s).startswith(str(SYNTHETIC)) for s in subjects)
    labels = {str(o) for o in graph.objects(URIRef(case_iri(7)), None) if isinstance(o, Literal)}
    assert any("synthetic" in label for label in labels) and any(
        "合成" in label for label in labels
    )
    report = validator.validate(graph)
    assert report.conforms, [
        (f.shape, f.focus) for f in report.findings if f.severity.name == "VIOLATION"
    ]
    stages = {graph.value(e, FW.ofStage) for e in graph.subjects(RDF.type, FW.StageEpisode)}
    assert stages == {FW.StartupStage, FW.RotationStage, FW.AccelerationStage, FW.InertiaStage}


def test_same_seed_same_city() -> None:
    assert isomorphic(synthetic_case(3, actions=12, seed=5), synthetic_case(3, actions=12, seed=5))
    assert not isomorphic(
        synthetic_case(3, actions=12, seed=5), synthetic_case(3, actions=12, seed=6)
    )


def test_synth_command_writes_loadable_cases(tmp_path) -> None:
    out = tmp_path / "synthetic"
    result = run_flywheel("synth", "3", "--actions", "12", "-o", str(out))
    assert result.returncode == 0, result.stderr
    files = sorted(out.glob("*.ttl"))
    assert [f.name for f in files] == [f"synthetic-000{i}.ttl" for i in (1, 2, 3)]
    assert [c.iri for f in files for c in read_cases(f)] == [case_iri(i) for i in (1, 2, 3)]
    loaded = run_flywheel("load", str(out), "--store", str(tmp_path / "store"))
    assert loaded.returncode == 0, loaded.stderr
    assert "Loaded 3 case(s)" in loaded.stdout
