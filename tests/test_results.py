"""Issue 16, item 1: the rows each case keeps for the cross-city questions are what the same
SPARQL gives over the case graphs, in the same order; a store whose rows are stale (another
version) is answered from the case graphs until `flywheel reindex` brings them up to date."""

from __future__ import annotations

import csv
import io
import json
import random

import pyoxigraph as ox
import pytest

from kg import paths
from kg.rdf.read import CaseGraph
from kg.sparql.named import run
from kg.store import open_store
from kg.store.loading import load_files
from kg.store.ordering import order_keys, sorted_rows
from kg.store.results import (
    VERSION,
    answer,
    decode_rows,
    encode_rows,
    read_compare_rows,
    read_rows,
    run_named,
    stale_cases,
    stored,
    stored_queries,
)
from kg.synth import case_iri, synthetic_case
from kg.views.comparison import compare
from kg.vocab import CATALOG, CONFIDENCES
from tests.conftest import FIXTURES, run_flywheel

NAMED = [q.key for q in stored_queries() if q.key[:2].isdigit() and "." not in q.key]


def _values(key: str) -> dict[str, str]:
    return {"case": "*"} if key.startswith("02-") else {}


def _forget(store) -> None:
    """Make every case's stored rows stale, as a store written by an older version has them."""
    store._write({}, (), f"DELETE WHERE {{ GRAPH <{CATALOG}> {{ ?case {VERSION} ?version }} }}")


def _by_value(columns, rows) -> list[dict]:
    """Rows of terms (in the order of ``columns``) as run() gives them: by column, as text."""
    return [
        {c: (t.value if t is not None else None) for c, t in zip(columns, row, strict=True)}
        for row in rows
    ]


SEEDS = {"params": [1, 2, 3], "ids": lambda seed: f"seed{seed}"}


@pytest.fixture(scope="module", **SEEDS)
def random_store(request):
    """A random store (:func:`_random_store`) shared by the tests of this module that only read
    it (made once a seed: it takes about a second)."""
    return _random_store(request.param)


@pytest.fixture(**SEEDS)
def own_random_store(request):
    """A random store of this test's own, which it may change."""
    return _random_store(request.param)


def _random_store(seed: int):
    """The bundled cases and a few synthetic ones of random size, from a seeded generator."""
    rng = random.Random(seed)
    store = open_store("memory:")
    assert load_files(store, paths.bundled_case_files()).ok
    cases = [
        CaseGraph(
            case_iri(n),
            f"synthetic {n}",
            synthetic_case(n, actions=rng.randint(4, 30), seed=rng.randint(0, 10**6)),
        )
        for n in range(1, rng.randint(3, 6))
    ]
    store.put_cases(cases)
    return store


def test_what_is_kept_is_listed() -> None:
    assert NAMED == [
        "16-cities-loop-closed",
        "17-startup-to-inertia",
        "18-dominant-logic",
        "19-data-bureau-delay",
        "20-shared-scenario-types",
        "21-condition-table",
        "22-secondary-only-cities",
        "23-coder-disagreements",
        "02-stage-timeline",
    ]


@pytest.mark.parametrize("key", NAMED)
def test_stored_rows_are_the_querys_rows_in_its_order(random_store, key: str) -> None:
    stored_answer = answer(random_store, key, _values(key))
    assert stored_answer is not None, "every case was written with its rows"
    columns, rows = stored_answer
    from_graphs = run(random_store, key, _values(key))
    assert _by_value(columns, rows) == from_graphs
    assert run_named(random_store, key, _values(key)) == from_graphs


def test_compare_reads_the_stored_rows_and_gives_the_same_table(own_random_store) -> None:
    chosen = [i.iri for i in own_random_store.cases()][:2]
    kept_rows = read_compare_rows(own_random_store, None, close_at_next=True)
    assert kept_rows is not None  # current: compare reads these
    assert [k.row for k in kept_rows] == compare(own_random_store, close_at_next=True)
    for cases in (None, chosen, [chosen[1], chosen[0], chosen[1]]):
        for close in (False, True):
            for floor in (None, *CONFIDENCES):
                kept = compare(own_random_store, cases, floor, close_at_next=close)
                assert kept == compare(own_random_store, cases, floor, close, stored_rows=False)
                assert [r["case"] for r in kept] == sorted(set(cases or [r["case"] for r in kept]))
    kept = compare(own_random_store, None, "confirmed")
    _forget(own_random_store)
    assert read_rows(own_random_store, stored("18-dominant-logic"), None) is None
    assert read_compare_rows(own_random_store, None, close_at_next=False) is None
    assert compare(own_random_store, None, "confirmed") == kept


@pytest.mark.parametrize("n", ["1", "2", "3", "5"])  # 5: no type is in as many cities
def test_question_20_is_combined_from_each_cases_part_for_any_n(random_store, n: str) -> None:
    stored_answer = answer(random_store, "20", {"n": n})
    assert stored_answer is not None, "its per-case part is kept; n is applied when combining"
    columns, rows = stored_answer
    from_graphs = run(random_store, "20", {"n": n})
    assert _by_value(columns, rows) == from_graphs


def test_kept_rows_are_written_compactly_and_read_back_as_the_same_terms() -> None:
    """encode_rows keeps each distinct term once and rows as indexes; decode_rows gives back
    the same terms, unbound values included, across several cases one after the other."""
    xsd = "http://www.w3.org/2001/XMLSchema#"
    city = ox.NamedNode("https://w3id.org/dataflywheel/case/x/city")
    label_zh = ox.Literal('杭州 "城市"\n', language="zh")
    count = ox.Literal("07", datatype=ox.NamedNode(xsd + "integer"))  # not the same as "7"
    plain = ox.Literal("a note")
    typed_string = ox.Literal("a note", datatype=ox.NamedNode(xsd + "string"))  # = plain
    blank = ox.BlankNode("b0")
    variables = ["city", "label", "n", "note"]
    first = [
        (city, label_zh, count, plain),
        (city, None, ox.Literal("7", datatype=count.datatype), blank),
    ]
    second = [(city, ox.Literal("Hangzhou", language="en"), None, typed_string)]
    texts = [encode_rows(variables, first), encode_rows(variables, second)]
    kept = json.loads(texts[0])
    assert kept["vars"] == variables
    assert kept["terms"][0] == city.value and kept["terms"][1] == [label_zh.value, "@zh"]
    assert kept["terms"][2] == ["07", xsd + "integer"] and kept["terms"][3] == ["a note"]
    assert kept["rows"] == [[0, 1, 2, 3], [0, -1, 4, 5]]  # city once; label unbound
    assert kept["terms"][5] == {"_": "b0"}
    assert json.loads(texts[1])["terms"][2] == ["a note"]  # an xsd:string is a plain literal
    assert decode_rows(texts) == (variables, [*first, *second])
    assert decode_rows([]) == ([], [])


def test_other_parameters_and_one_case_ask_the_graphs() -> None:
    store = open_store("memory:")
    assert load_files(store, paths.bundled_case_files()).ok
    assert answer(store, "21", {"k": "3"}) is None  # rows are kept for k = 1 only
    assert answer(store, "21", {"k": "1"}) is not None
    assert answer(store, "02", {"case": "https://w3id.org/dataflywheel/case/hangzhou"}) is None
    assert answer(store, "02", {}) is None  # its default asks Hangzhou alone
    assert run_named(store, "21", {"k": "3"}) == run(store, "21", {"k": "3"})


def test_stale_rows_are_not_read_and_reindex_renews_them() -> None:
    store = open_store("memory:")
    assert load_files(store, paths.bundled_case_files()).ok
    assert stale_cases(store) == []
    before = run_named(store, "18")
    _forget(store)
    assert len(stale_cases(store)) == 3
    assert answer(store, "18") is None
    assert run_named(store, "18") == before  # from the case graphs
    assert len(store.reindex()) == 3
    assert stale_cases(store) == [] and answer(store, "18") is not None
    assert run_named(store, "18") == before
    assert store.reindex() == []  # nothing stale is left
    assert len(store.reindex(every=True)) == 3


def test_a_replaced_case_keeps_its_new_rows_and_a_removed_one_none() -> None:
    store = open_store("memory:")
    small, large = synthetic_case(1, actions=4, seed=1), synthetic_case(1, actions=40, seed=2)
    store.put_cases([CaseGraph(case_iri(1), "first", small)])
    first = run_named(store, "18")
    store.put_cases([CaseGraph(case_iri(1), "second", large)])
    assert run_named(store, "18") == run(store, "18") != first
    store.remove_case(case_iri(1))
    assert run_named(store, "18") == [] == run(store, "18")


@pytest.mark.slow  # a command in a subprocess
def test_the_reindex_command(tmp_path) -> None:
    location = str(tmp_path / "store")
    assert run_flywheel("load", "--bundled", "--store", location).returncode == 0
    result = run_flywheel("reindex", "--store", location)
    assert result.returncode == 0, result.stderr
    assert "Recomputed the kept rows of 0 case(s)." in result.stdout
    result = run_flywheel("reindex", "--all", "--store", location)
    assert "Recomputed the kept rows of 3 case(s)." in result.stdout
    assert "Rebuilt the default graph" in result.stdout and "from 3 case graph(s)" in result.stdout
    with open_store(location) as store:
        _forget(store)  # as a store written by an older version
    result = run_flywheel("compare", "--format", "csv", "--store", location)
    assert result.returncode == 0, result.stderr
    assert "note: 3 case(s) keep rows made by another version" in result.stderr
    assert (
        "Recomputed the kept rows of 3 case(s)."
        in run_flywheel("reindex", "--store", location).stdout
    )
    result = run_flywheel("compare", "--format", "csv", "--store", location)
    assert "note:" not in result.stderr


def test_a_case_that_studies_no_city_keeps_no_comparison_row() -> None:
    store = open_store("memory:")
    province = FIXTURES / "diffusion" / "province.ttl"
    assert load_files(store, [*paths.bundled_case_files(), province], force=True).ok
    kept = read_compare_rows(store, None, close_at_next=False)
    assert kept is not None and len(store.cases()) == 4
    cities = ["city-a", "hangzhou", "shanghai"]
    assert [k.row["case"] for k in kept] == [
        f"https://w3id.org/dataflywheel/case/{c}" for c in cities
    ]
    assert [k.row for k in kept] == compare(store, stored_rows=False)


@pytest.mark.slow  # commands in subprocesses
def test_the_query_command_reads_the_kept_rows_and_answers_as_the_graphs(tmp_path) -> None:
    location = str(tmp_path / "store")
    assert run_flywheel("load", "--bundled", "--store", location).returncode == 0
    result = run_flywheel("query", "20", "-p", "n=1", "--format", "csv", "--store", location)
    assert result.returncode == 0, result.stderr
    table = list(csv.DictReader(io.StringIO(result.stdout)))
    with open_store(location) as store:
        assert answer(store, "20", {"n": "1"}) is not None  # read from the kept rows
        expected = run(store, "20", {"n": "1"})  # asked of the case graphs
    assert len(expected) > 3
    assert table == [{k: v or "" for k, v in row.items()} for row in expected]


def test_kept_rows_are_sorted_as_the_engine_orders_them() -> None:
    """sorted_rows (runs of one direction sorted at once) gives the order Oxigraph's ORDER BY
    gives the same rows: descending and ascending keys, ties broken by the next key, unbound
    values, numbers by value, IRIs before literals."""
    xsd = "http://www.w3.org/2001/XMLSchema#"
    pick = random.Random(16)
    values = [
        None,
        ox.NamedNode("https://example.org/a"),
        ox.NamedNode("https://example.org/b"),
        ox.Literal("b"),
        ox.Literal("B", language="en"),
        *(ox.Literal(n, datatype=ox.NamedNode(xsd + "integer")) for n in ("2", "10", "-1")),
        ox.Literal("1.5", datatype=ox.NamedNode(xsd + "decimal")),
    ]
    rows = list(dict.fromkeys(tuple(pick.choice(values) for _ in "abc") for _ in range(300)))
    table = " ".join(
        "(" + " ".join("UNDEF" if t is None else str(t) for t in row) + ")" for row in rows
    )
    for order in ("DESC(?a) ?b ?c", "?a DESC(?b) DESC(?c)", "(!BOUND(?b)) ?c DESC(?a) ?b"):
        text = f"SELECT ?a ?b ?c WHERE {{ VALUES (?a ?b ?c) {{ {table} }} }} ORDER BY {order}"
        keys = order_keys(text)
        assert keys is not None and len(keys) == order.count("?")
        engine = [tuple(solution) for solution in ox.Store().query(text)]
        assert sorted_rows(rows, keys, ["a", "b", "c"]) == engine, order
