"""The ontology's own checks pass, and each check does fire on a broken ontology."""

from __future__ import annotations

import pytest
from rdflib import Graph

from kg.check.lint import lint_graph, lint_project, lint_queries, undeclared_uses, version_problems
from kg.ontology import declared_terms
from tests.conftest import FIXTURES


@pytest.mark.slow  # more than a few seconds
def test_shipped_ontology_shapes_queries_and_cases_are_clean() -> None:
    assert lint_project() == []


def test_every_lint_check_fires_on_the_broken_ontology() -> None:
    broken = Graph().parse(FIXTURES / "lint" / "broken-ontology.ttl")
    fired = {p.check for p in lint_graph(broken)}
    assert fired == {q.name for q in lint_queries()}


def test_broken_ontology_problems_name_the_terms() -> None:
    broken = Graph().parse(FIXTURES / "lint" / "broken-ontology.ttl")
    problems = {(p.check, p.subject) for p in lint_graph(broken)}
    assert ("label-zh", "fw:Thing") in problems
    assert ("definition-en", "fw:Thing") in problems
    assert ("untyped-term", "fw:Undeclared") in problems
    assert ("punning", "fw:StartupStage") in problems
    assert ("hierarchy-cycle", "fw:Loop1") in problems
    assert ("domain-range", "fw:prop") in problems


def test_undeclared_fw_term_in_a_query_is_reported() -> None:
    problems = undeclared_uses(
        [("queries/x.rq", "SELECT * { ?a fw:ofStage fw:StartupStag }")], declared_terms()
    )
    assert [(p.subject, p.check) for p in problems] == [("fw:StartupStag", "declared-use")]


def test_version_mismatch_is_reported() -> None:
    onto = Graph().parse(
        data="""@prefix owl: <http://www.w3.org/2002/07/owl#> .
        <https://w3id.org/dataflywheel/ontology> owl:versionIRI
            <https://w3id.org/dataflywheel/ontology/9.9.9> ; owl:versionInfo "9.9.9" .""",
        format="turtle",
    )
    assert len(version_problems(onto, Graph())) == 2


def test_the_helper_queries_in_subfolders_are_linted_too() -> None:
    """queries/api and queries/compare hold SPARQL the API, the figures and the comparison run;
    the lint read only the top folder."""
    from kg.check.lint import _project_texts

    names = {name for name, _ in _project_texts()}
    assert {"api/loop-steps.rq", "compare/summary.rq", "queries/01-stage-on-date.rq"} <= names
