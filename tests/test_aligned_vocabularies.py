"""Issue 14, item 7: the ontology checked with the vocabularies it aligns to. With the bundled
copies of PROV-O, ORG, DCAT 3, SKOS and OWL-Time loaded (read offline), HermiT finds the ontology
and every bundled case consistent, and the 0.1 error is gone: a scenario that reuses a data
foundation is no longer made a prov:Activity (fw:reuses was a subproperty of prov:used, and PROV-O
makes activities and entities disjoint)."""

from __future__ import annotations

import time

import owlready2
import pytest
from rdflib import Graph, URIRef

from kg import ontology, paths
from kg.check.reasoning import ReasoningResult, _hermit, reason_files, reason_graph
from kg.rdf.read import read_cases
from tests.conftest import REPO, run_flywheel

pytestmark = pytest.mark.reasoner  # HermiT: Java

PROV = "http://www.w3.org/ns/prov#"
EX = "https://example.org/aligned/"

SCENARIO = f"""
@prefix fw: <https://w3id.org/dataflywheel/ontology#> .
@prefix ex: <{EX}> .
ex:foundation a fw:DataFoundation .
ex:scenario a fw:ApplicationScenario ; fw:reuses ex:foundation .
"""


def test_the_copies_are_bundled_with_their_provenance() -> None:
    names = {p.name for p in paths.aligned_vocabulary_files()}
    assert names == {"prov-o.ttl", "org.ttl", "dcat3.ttl", "skos.ttl", "time.ttl"}
    readme = (paths.ALIGNED_DIR / "README.md").read_text(encoding="utf-8")
    for name in names:
        assert f"`{name}`" in readme
    assert "W3C Software and Document" in readme
    graph = ontology.aligned_vocabularies()
    for cls in (
        f"{PROV}Activity",
        "http://www.w3.org/ns/org#ChangeEvent",
        "http://www.w3.org/ns/dcat#Catalog",
        "http://www.w3.org/2004/02/skos/core#Concept",
        "http://www.w3.org/2006/time#ProperInterval",
    ):
        assert any(True for _ in graph.triples((URIRef(cls), None, None))), cls


def _roles_example() -> Graph:
    """The Turtle example of docs/actors-roles-jurisdictions.md."""
    import re

    page = (REPO / "docs" / "actors-roles-jurisdictions.md").read_text(encoding="utf-8")
    match = re.search(r"```turtle\n(.*?)```", page, re.S)
    assert match is not None
    return Graph().parse(data=match.group(1), format="turtle")


@pytest.fixture(scope="module")
def everything() -> ReasoningResult:
    """One HermiT run over the ontology, the aligned vocabularies, every bundled case and the
    roles page's example together (each HermiT run here takes 7-10 s, most of it loading).

    OWL 2 is monotonic: what the union entails, each part's consequences included, only grows
    with more axioms. So if the union is consistent, each case is consistent on its own, and a
    class satisfiable in the union is satisfiable with the ontology alone. A test whose part the
    union does not clear reasons over that part alone, to say which part fails and why."""
    graph = Graph()
    for case in paths.bundled_case_files():
        for read in read_cases(case):
            graph += read.graph
    graph += _roles_example()
    started = time.perf_counter()
    result = reason_graph(graph, aligned=True)
    print(
        f"HermiT, ontology + aligned vocabularies + all bundled cases: {time.perf_counter() - started:.1f} s"
    )
    return result


def test_the_bundled_cases_together_are_consistent_with_the_aligned_vocabularies(
    everything: ReasoningResult,
) -> None:
    """What a comparative researcher loads: every bundled case in one store."""
    assert everything.consistent, everything.clashes


def test_ontology_with_aligned_vocabularies_is_consistent_with_no_unsatisfiable_class(
    everything: ReasoningResult,
) -> None:
    if everything.consistent and not everything.unsatisfiable_classes:
        return  # cleared by the union (see `everything`)
    result = reason_graph(Graph(), aligned=True)
    assert result.consistent
    assert [c for c in result.unsatisfiable_classes if c.startswith("fw:")] == []


@pytest.mark.parametrize("case", paths.bundled_case_files(), ids=lambda p: p.stem)
def test_every_bundled_case_is_consistent_with_the_aligned_vocabularies(
    case, everything: ReasoningResult
) -> None:
    if everything.consistent:
        return  # cleared by the union (see `everything`)
    result = reason_files([case], aligned=True)
    assert result.consistent, result.clashes


def test_the_roles_and_jurisdictions_example_is_consistent(everything: ReasoningResult) -> None:
    if everything.consistent:
        return  # cleared by the union (see `everything`)
    assert reason_graph(_roles_example(), aligned=True).consistent


def test_the_union_clears_its_parts_only_when_it_should() -> None:
    """The control for the shortcut above: a union holding one inconsistent part (a source that
    is also a prov:Activity, which PROV-O makes disjoint from prov:Entity) is not consistent, so
    the parts' tests would reason over each part alone."""
    graph = Graph()
    for read in read_cases(paths.bundled_case_files()[0]):
        graph += read.graph
    graph.parse(REPO / "tests" / "fixtures" / "reasoning" / "aligned-only-clash.ttl")
    assert not reason_graph(graph, aligned=True).consistent


def _scenario_world(extra: str = "") -> tuple[bool, owlready2.World | None]:
    graph = ontology.ontology_graph()
    graph += ontology.aligned_vocabularies()
    graph.parse(data=SCENARIO + extra, format="turtle")
    return _hermit(graph)


def test_a_scenario_that_reuses_a_foundation_is_not_a_prov_activity() -> None:
    consistent, world = _scenario_world()
    assert consistent and world is not None
    try:
        scenario = world[f"{EX}scenario"]
        types = {c.iri for c in scenario.INDIRECT_is_a if hasattr(c, "iri")}
        assert f"{PROV}Entity" in types
        assert f"{PROV}Activity" not in types
    finally:
        world.close()


def test_putting_the_0_1_alignment_back_makes_it_inconsistent() -> None:
    """The control for the test above: with 0.1's fw:reuses ⊑ prov:used, HermiT must fail."""
    consistent, world = _scenario_world(
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        f"fw:reuses rdfs:subPropertyOf <{PROV}used> ."
    )
    if world is not None:
        world.close()
    assert not consistent


def test_one_organisation_may_play_several_parts() -> None:
    """City A's platform actor is a command center (Chinese abstract) and a big data center
    (English abstract); an organisation may also be a technical department. 0.1 declared these
    disjoint; 0.2 must not."""
    graph = Graph().parse(
        data=f"""
@prefix fw: <https://w3id.org/dataflywheel/ontology#> .
@prefix ex: <{EX}> .
ex:centre a fw:BigDataCenter , fw:CommandCenter , fw:TechnicalDepartment ;
    fw:playsRole ex:role-platform , ex:role-technical .
ex:role-platform a fw:ActorRole ; fw:roleKind fw:CommandCenterKind ; fw:roleIn ex:city .
ex:role-technical a fw:ActorRole ; fw:roleKind fw:TechnicalDepartmentKind ; fw:roleIn ex:city .
ex:city a fw:City ; fw:jurisdictionLevel fw:PrefectureLevel ; fw:withinJurisdiction ex:province .
ex:province a fw:Jurisdiction ; fw:jurisdictionLevel fw:ProvincialLevel .
ex:leaders a fw:LeadingOfficial , fw:LeadershipCollective .
""",
        format="turtle",
    )
    assert reason_graph(graph, aligned=True).consistent
    # but the leaders' part is never played by an organisation
    graph.parse(
        data=f"<{EX}leaders> a <https://w3id.org/dataflywheel/ontology#TechnicalDepartment> .",
        format="turtle",
    )
    assert not reason_graph(graph).consistent


def test_the_command_reasons_with_the_aligned_vocabularies_when_asked() -> None:
    # tests/fixtures/reasoning/aligned-only-clash.ttl: a source also typed prov:Activity. By
    # hand: consistent with the flywheel ontology alone (fw:Source ⊑ prov:Entity, and nothing
    # there relates prov:Entity and prov:Activity), inconsistent with PROV-O (prov:Activity
    # owl:disjointWith prov:Entity).
    fixture = REPO / "tests" / "fixtures" / "reasoning" / "aligned-only-clash.ttl"
    alone = run_flywheel("reason", str(fixture))
    assert alone.returncode == 0, alone.stdout + alone.stderr
    assert alone.stdout.startswith("Consistent")
    aligned = run_flywheel("reason", "--aligned", str(fixture))
    assert aligned.returncode == 1, aligned.stdout + aligned.stderr
    assert aligned.stdout.startswith("Inconsistent")
