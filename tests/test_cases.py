"""The bundled cases: they conform, name their ontology version, and source every dated fact."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF

from kg import paths
from kg.check.validation import CaseValidator
from kg.rdf.read import read_cases
from kg.version import ONTOLOGY_VERSION_IRI
from kg.vocab import FW
from tests.conftest import FIXTURES

CASES = paths.bundled_case_files()
SLUGS = [p.stem for p in CASES]


def graph_of(path: Path) -> Graph:
    (case,) = read_cases(path)
    return case.graph


def test_the_three_cases_are_bundled() -> None:
    assert SLUGS == ["city-a", "hangzhou", "shanghai"]


@pytest.mark.parametrize("path", CASES, ids=SLUGS)
def test_case_conforms(path: Path, validator: CaseValidator) -> None:
    (report,) = validator.validate_file(path)
    assert report.conforms, [(f.shape, f.focus) for f in report.findings]


@pytest.mark.parametrize("path", CASES, ids=SLUGS)
def test_one_named_graph_importing_the_versioned_ontology(path: Path) -> None:
    (case,) = read_cases(path)
    assert case.iri == f"https://w3id.org/dataflywheel/case/{path.stem}"
    assert (URIRef(case.iri), OWL.imports, URIRef(ONTOLOGY_VERSION_IRI)) in case.graph
    assert len(list(case.graph.subjects(RDF.type, FW.CaseStudy))) == 1
    assert (None, FW.isSynthetic, None) not in case.graph


@pytest.mark.parametrize("path", CASES, ids=SLUGS)
def test_every_dated_fact_has_evidence_from_a_source(path: Path) -> None:
    graph = graph_of(path)
    rows = graph.query("""
        PREFIX fw: <https://w3id.org/dataflywheel/ontology#>
        SELECT ?node WHERE {
            { ?node fw:date ?d } UNION { ?node fw:startDate ?d } UNION { ?node fw:endDate ?d }
            FILTER NOT EXISTS { ?node a fw:Source }
            FILTER NOT EXISTS { ?node fw:hasEvidence/fw:source/a fw:Source }
        }""")
    assert [str(r.node) for r in rows] == []


@pytest.mark.parametrize("path", CASES, ids=SLUGS)
def test_every_episode_states_both_precisions(path: Path) -> None:
    graph = graph_of(path)
    for episode in graph.subjects(RDF.type, FW.StageEpisode):
        assert graph.value(episode, FW.startDatePrecision) is not None
        assert graph.value(episode, FW.endDatePrecision) is not None


def test_city_a_keeps_order_and_leaves_every_date_unknown() -> None:
    graph = graph_of(paths.CASES_DIR / "city-a.ttl")
    episodes = sorted(
        graph.subjects(RDF.type, FW.StageEpisode), key=lambda e: int(graph.value(e, FW.sequence))
    )
    assert [graph.value(e, FW.ofStage) for e in episodes] == [
        FW.StartupStage,
        FW.RotationStage,
        FW.AccelerationStage,
        FW.InertiaStage,
    ]
    for episode in episodes:
        assert graph.value(episode, FW.startDatePrecision) == FW.UnknownDate
        assert graph.value(episode, FW.endDatePrecision) == FW.UnknownDate
    assert (None, FW.startDate, None) not in graph
    assert (None, FW.endDate, None) not in graph
    # the only dated thing is the paper itself (a source), not any event in City A
    sources = set(graph.subjects(RDF.type, FW.Source))
    assert set(graph.subjects(FW.date, None)) <= sources


def test_city_a_quotes_are_from_the_abstract() -> None:
    abstract = (FIXTURES / "flywheel-paper-abstract.txt").read_text(encoding="utf-8")
    graph = graph_of(paths.CASES_DIR / "city-a.ttl")
    quotes = [str(q) for q in graph.objects(None, FW.quote)]
    assert quotes
    for quote in quotes:
        assert quote in abstract


@pytest.mark.parametrize("slug", ["hangzhou", "shanghai"])
def test_documented_cities_mark_their_stage_coding_as_inferred(slug: str) -> None:
    graph = graph_of(paths.CASES_DIR / f"{slug}.ttl")
    for episode in graph.subjects(RDF.type, FW.StageEpisode):
        confidences = {
            graph.value(ev, FW.confidence) for ev in graph.objects(episode, FW.hasEvidence)
        }
        assert confidences == {FW.Inferred}
