"""The query text checks and the parameter substitution used for remote SPARQL servers
(kg/sparql.py). Expected texts are written out by hand."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from kg.sparql.check import QueryRefused, check_query, substitute_terms

CASE = ox.NamedNode("https://w3id.org/dataflywheel/case/hangzhou")
C = "<https://w3id.org/dataflywheel/case/hangzhou>"


def test_a_projected_variable_becomes_an_expression_and_a_key_a_bracketed_term() -> None:
    text = "SELECT ?case ?x WHERE { GRAPH ?case { ?x ?p ?case } } GROUP BY ?case ?x ORDER BY ?case"
    assert substitute_terms(text, {"case": CASE}) == (
        f"SELECT ({C} AS ?case) ?x WHERE {{ GRAPH {C} {{ ?x ?p {C} }} }} "
        f"GROUP BY ({C}) ?x ORDER BY ({C})"
    )


def test_inside_expressions_the_term_stands_in_and_bound_is_true() -> None:
    text = "ASK { ?s ?p ?o FILTER (BOUND( ?case ) && STR(?case) != '' && ?o < ?case) }"
    assert substitute_terms(text, {"case": CASE}) == (
        f"ASK {{ ?s ?p ?o FILTER (true && STR({C}) != '' && ?o < {C}) }}"
    )


def test_strings_iris_comments_and_longer_names_are_left_alone() -> None:
    text = (
        "SELECT ?x WHERE { <http://e/?case> ?p '?case' . # ?case\n ?x ?p \"?case\", ?cases, $case }"
    )
    assert substitute_terms(text, {"case": CASE}) == (
        "SELECT ?x WHERE { <http://e/?case> ?p '?case' . # ?case\n"
        f' ?x ?p "?case", ?cases, {C} }}'
    )


def test_sub_selects_hand_out_the_value_under_names_used_nowhere_else() -> None:
    text = (
        "SELECT ?case ?n WHERE { { SELECT ?case (COUNT(*) AS ?n) WHERE { GRAPH ?case { ?s ?p ?o"
        " } } GROUP BY ?case } { SELECT ?case WHERE { GRAPH ?case { ?s a ?t } } } ?case_1 ?p ?o }"
    )
    assert substitute_terms(text, {"case": CASE}) == (
        f"SELECT ({C} AS ?case) ?n WHERE {{ {{ SELECT ({C} AS ?case_2) (COUNT(*) AS ?n) WHERE "
        f"{{ GRAPH {C} {{ ?s ?p ?o }} }} GROUP BY ({C}) }} {{ SELECT ({C} AS ?case_3) WHERE {{ "
        f"GRAPH {C} {{ ?s a ?t }} }} }} ?case_1 ?p ?o }}"
    )


def test_select_star_keeps_its_columns_by_a_values_block() -> None:
    assert substitute_terms("SELECT * WHERE { GRAPH ?case { ?s ?p ?o } }", {"case": CASE}) == (
        f"SELECT * WHERE {{ VALUES (?case) {{ ({C}) }}  GRAPH ?case {{ ?s ?p ?o }} }}"
    )


@pytest.mark.parametrize(
    "text",
    [
        "SELECT ?x WHERE { BIND (1 AS ?case) }",
        "SELECT ?x WHERE { VALUES ?case { <http://e/a> } }",
        "SELECT ?x WHERE { ?x ?p ?o } VALUES (?x ?case) { (1 2) }",
        "SELECT (1 AS ?case) WHERE { ?x ?p ?o }",
    ],
)
def test_a_variable_the_query_assigns_cannot_be_a_parameter(text: str) -> None:
    with pytest.raises(QueryRefused, match=r"\?case"):
        substitute_terms(text, {"case": CASE})


def test_a_hostile_value_is_one_escaped_term_with_the_same_answers() -> None:
    store = ox.Store()
    g = ox.NamedNode("http://e/g")
    store.add(ox.Quad(ox.NamedNode("http://e/s"), ox.NamedNode("http://e/p"), ox.Literal("a"), g))
    store.add(ox.Quad(ox.NamedNode("http://e/t"), ox.NamedNode("http://e/p"), ox.Literal("b"), g))
    text = "SELECT ?s ?v WHERE { GRAPH ?g { ?s ?p ?v } }"
    for value in ('a" } UNION { ?s ?p ?v } #', "a'\n} UNION {", 'a"""', "a\\", "a"):
        term = ox.Literal(value)
        sent = substitute_terms(text, {"v": term})
        expected = list(store.query(text, substitutions={ox.Variable("v"): term}))
        assert [tuple(r) for r in store.query(sent)] == [tuple(r) for r in expected], value
        assert len(expected) == (1 if value == "a" else 0)


def test_service_between_two_comparisons_is_still_seen() -> None:
    """``?o < 1 … > 2`` once read, to the check, like one IRI hiding what lay between."""
    with pytest.raises(QueryRefused, match="SERVICE"):
        check_query(
            "SELECT * WHERE { ?s ?p ?o FILTER (?o < 1) SERVICE <http://127.0.0.1:1/s> "
            "{ ?s ?p ?x } FILTER (?x > 2) }"
        )
    with pytest.raises(QueryRefused, match="INSERT"):
        check_query("SELECT * WHERE { FILTER (1 < 2) } ; INSERT DATA { <a:b> <a:c> 3 > 2 }")


@pytest.mark.parametrize(
    ("text", "says"),
    [
        (
            "PREFIX m: <file:///etc/> SELECT * FROM m:passwd WHERE { ?s ?p ?o }",
            "file:///etc/passwd",
        ),
        ("PREFIX : <file:///etc/passwd> SELECT * FROM NAMED : WHERE { ?s ?p ?o }", "local file"),
        ("SELECT * FROM m:x WHERE { ?s ?p ?o }", "not declared"),
    ],
)
def test_from_a_prefixed_name_is_checked_as_its_iri(text: str, says: str) -> None:
    with pytest.raises(QueryRefused, match=says):
        check_query(text)


def test_from_as_a_local_name_or_inside_a_string_is_not_a_dataset() -> None:
    check_query(
        "PREFIX ex: <file:///d/> PREFIX fw: <https://w3id.org/dataflywheel/ontology#> "
        "SELECT * WHERE { ?s fw:from ex:x ; ?p 'FROM ex:y' }"
    )
    check_query(
        "PREFIX case: <https://w3id.org/dataflywheel/case/> "
        "SELECT * FROM case:hangzhou WHERE { ?s ?p ?o }"
    )
