"""HermiT through owlready2: consistency, explanations of clashes, inferred types, isolation."""

from __future__ import annotations

import tempfile

import pytest
from rdflib import Graph

from kg.check.reasoning import reason_files, reason_graph
from tests.conftest import FIXTURES

pytestmark = pytest.mark.reasoner  # HermiT: Java

REASONING = FIXTURES / "reasoning"


def test_ontology_alone_is_consistent_with_no_unsatisfiable_class() -> None:
    result = reason_graph(Graph())
    assert result.consistent
    assert result.unsatisfiable_classes == ()


@pytest.mark.parametrize(
    ("fixture", "individual", "words"),
    [
        (
            "actor-two-kinds.ttl",
            "https://example.org/fixture/reasoning/mayor",
            ["fw:LeadingOfficial", "fw:FunctionalDepartment", "disjoint"],
        ),
        (
            "city-as-action.ttl",
            "https://example.org/fixture/reasoning/city",
            [
                "fw:City",
                "fw:GovernanceAction",
                "fw:performedBy, whose domain is fw:GovernanceAction",
            ],
        ),
        (
            "evidence-two-confidences.ttl",
            "https://example.org/fixture/reasoning/ev",
            ["fw:confidence", "fw:Confirmed", "fw:Inferred"],
        ),
    ],
)
def test_inconsistency_names_individual_and_axioms(
    fixture: str, individual: str, words: list[str]
) -> None:
    result = reason_files([REASONING / fixture])
    assert not result.consistent
    clash = next(c for c in result.clashes if individual in c.individuals)
    assert clash.axioms
    for word in words:
        assert word in clash.explanation


def test_inferred_type_from_property_range() -> None:
    result = reason_files([REASONING / "untyped-actor.ttl"])
    assert result.consistent
    # ex:office is only the value of fw:performedBy, whose range is fw:Actor
    assert result.inferred_types == {"https://example.org/fixture/reasoning/office": ("fw:Actor",)}


def test_isolation_when_no_simple_explanation(monkeypatch) -> None:
    """With the simple explanations switched off, delta debugging still finds the culprit."""
    import kg.check.reasoning as reasoning

    monkeypatch.setattr(reasoning, "explain_inconsistency", lambda merged: [])
    graph = Graph().parse(REASONING / "actor-two-kinds.ttl")
    graph.parse(
        data="""@prefix fw: <https://w3id.org/dataflywheel/ontology#> .
        <https://example.org/x/a> a fw:City . <https://example.org/x/b> a fw:Evidence .""",
        format="turtle",
    )
    result = reason_graph(graph)
    assert not result.consistent
    (clash,) = result.clashes
    assert clash.individuals == ("https://example.org/fixture/reasoning/mayor",)


def test_nothing_left_behind_and_input_unchanged(tmp_path, monkeypatch) -> None:
    # A temporary folder of this test's own: the machine's is shared with other test processes
    # (and other people's), whose folders come and go meanwhile.
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    graph = Graph().parse(REASONING / "actor-two-kinds.ttl")
    triples = set(graph)
    reason_graph(graph)  # inconsistent: owlready2 would keep its HermiT input file
    reason_graph(Graph())
    assert list(tmp_path.iterdir()) == []
    assert set(graph) == triples
