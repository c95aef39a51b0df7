"""flywheel on Virtuoso, for real: a Virtuoso Open Source server (``virtuoso-t``, started here on
127.0.0.1 with a configuration this module writes) holds the bundled cases and 100 synthetic
cities, loaded through ``flywheel load --store virtuoso.toml``, and the date and agreement
fixtures (which carry findings on purpose: written through the store itself; one coder's coding
of the agreement case); an embedded store
holds the same cases. Every named query (with its default parameters, and for every case at once
where it takes a case), the queries behind ``flywheel compare`` and the API, and the comparison
itself must give the same rows on both, compared by value (a number by its value, whatever its
XSD type; a boolean as true or false).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest
from rdflib.compare import isomorphic

from kg import paths
from kg.rdf.read import read_cases
from kg.sparql.named import EVERY_CASE, bind, load_queries
from kg.store import CaseStore, RemoteStore, StoreError, open_store, read_store_config
from kg.store.config import Dialect
from kg.views.comparison import compare
from tests.conftest import FIXTURES, run_flywheel
from tests.servers import api_server, marks_its_users, virtuoso_server

SYNTHETIC_CITIES = 100
XSD = "http://www.w3.org/2001/XMLSchema#"
NUMBERS = {XSD + t for t in ("integer", "decimal", "double", "float", "int", "long")}
HANGZHOU = "https://w3id.org/dataflywheel/case/hangzhou"
# one coder's coding of the agreement case: both codings share the case's IRI
FIXTURE_FILES = [
    *sorted((FIXTURES / "dates").glob("*.ttl")),
    FIXTURES / "agreement" / "coder-a.ttl",
    FIXTURES / "diffusion" / "province.ttl",  # question 27's provinces
]
QUERIES = load_queries()
RUNS = [(name, False) for name in QUERIES] + [
    (q.name, True) for q in QUERIES.values() if "case" in q.param_names
]
OTHER_QUERIES = sorted(
    p.relative_to(paths.QUERIES_DIR).with_suffix("").as_posix()
    for folder in ("compare", "api")
    for p in (paths.QUERIES_DIR / folder).glob("*.rq")
)

pytestmark = pytest.mark.server


@pytest.fixture(scope="module")
@marks_its_users("server")
def virtuoso(tmp_path_factory) -> Iterator[tuple[str, Path]]:
    """The URL of a fresh Virtuoso of this module and a store configuration for it."""
    with virtuoso_server(tmp_path_factory.mktemp("virtuoso")) as started:
        yield started


@pytest.fixture(scope="module")
def stores(virtuoso, tmp_path_factory) -> Iterator[tuple[CaseStore, CaseStore]]:
    """The embedded store and the Virtuoso store, holding the same cases."""
    _url, config = virtuoso
    synthetic = tmp_path_factory.mktemp("synthetic")
    made = run_flywheel("synth", str(SYNTHETIC_CITIES), "--actions", "4", "-o", str(synthetic))
    assert made.returncode == 0, made.stderr
    loaded = run_flywheel("load", "--bundled", str(synthetic), "--store", str(config))
    assert loaded.returncode == 0, loaded.stderr
    assert f"Loaded {SYNTHETIC_CITIES + 3} case(s)" in loaded.stdout
    files = [*paths.bundled_case_files(), *sorted(synthetic.glob("*.ttl"))]
    fixtures = [case for path in FIXTURE_FILES for case in read_cases(path)]
    remote = open_store(config)
    remote.put_cases(fixtures)
    embedded = open_store("memory:")
    embedded.put_cases([case for path in files for case in read_cases(path)] + fixtures)
    yield embedded, remote
    remote.close()
    embedded.close()


def value(term: ox.NamedNode | ox.BlankNode | ox.Literal | None) -> tuple | None:
    """A result term as what it means: a number by its value, other literals by their text,
    language and datatype, an IRI by itself, a blank node as one (its label is the server's)."""
    if term is None:
        return None
    if isinstance(term, ox.Literal):
        if term.datatype.value in NUMBERS:
            return ("number", Decimal(term.value))
        return ("literal", term.value, term.language, term.datatype.value)
    if isinstance(term, ox.BlankNode):
        return ("blank",)
    return ("iri", term.value)


def same_rows(stores: tuple[CaseStore, CaseStore], text: str, bindings: dict | None = None) -> int:
    """Run the query on both stores and assert the same columns and rows (as multisets);
    returns how many rows."""
    embedded, remote = (s.query(text, bindings) for s in stores)
    assert remote.variables == embedded.variables
    columns = embedded.variables

    def rows(result) -> Counter:
        return Counter(tuple(value(row.get(c)) for c in columns) for row in result.rows)

    expected, got = rows(embedded), rows(remote)
    assert got == expected, (
        f"only on Virtuoso: {list((got - expected).elements())[:3]}; "
        f"only embedded: {list((expected - got).elements())[:3]}"
    )
    return len(embedded.rows)


@pytest.mark.parametrize(
    ("name", "every"), RUNS, ids=[f"{n}{'-every-case' if e else ''}" for n, e in RUNS]
)
def test_a_named_query_gives_the_same_rows(stores, name: str, every: bool) -> None:
    query = QUERIES[name]
    bindings = bind(query, {"case": EVERY_CASE} if every else {})
    rows = same_rows(stores, query.text, {v.value: t for v, t in bindings.items()})
    assert rows > 0 or not every  # every case at once: the data give each question rows


def test_stages_closed_at_the_next_start_give_the_same_rows(stores) -> None:
    query = QUERIES["02-stage-timeline"]
    bindings = bind(query, {"case": EVERY_CASE, "closeAtNext": "true"})
    assert same_rows(stores, query.text, {v.value: t for v, t in bindings.items()}) > 0


@pytest.mark.parametrize("name", OTHER_QUERIES)
def test_the_compare_and_api_queries_give_the_same_rows(stores, name: str) -> None:
    text = paths.query_file_text(name)
    rows = same_rows(stores, text)
    if name.startswith("api/"):  # asked for one case by the API
        same_rows(stores, text, {"case": ox.NamedNode(HANGZHOU)})
    assert rows > 0 or name == "compare/coders"


def test_the_comparison_is_the_same(stores) -> None:
    embedded, remote = stores
    table = compare(embedded)
    # one row per case that studies a city (the province fixture studies a province)
    assert [r["case"] for r in table] == sorted(i.iri for i in embedded.cases() if i.city)
    assert len(table) > SYNTHETIC_CITIES + 3
    assert compare(remote) == table
    assert compare(remote, min_confidence="suspected") == compare(
        embedded, min_confidence="suspected"
    )
    assert compare(remote, cases=[HANGZHOU]) == compare(embedded, cases=[HANGZHOU])


def test_the_catalog_and_a_case_graph_come_back_whole(stores) -> None:
    """Blank nodes (the ontology's lists), booleans stored as 1 (fw:isSynthetic) and every
    catalog entry read back as they went in."""
    embedded, remote = stores

    def entries(store: CaseStore) -> list[tuple]:
        return [
            (c.iri, c.city_label, c.triples, c.sha256, c.sources, c.synthetic)
            for c in store.cases()
        ]

    assert entries(remote) == entries(embedded)
    assert sum(c.synthetic for c in remote.cases()) >= SYNTHETIC_CITIES
    for iri in (HANGZHOU, "https://w3id.org/dataflywheel/synthetic/city-0042"):
        assert isomorphic(remote.case_graph(iri), embedded.case_graph(iri))
    lists = (
        "SELECT (COUNT(*) AS ?n) WHERE { GRAPH <https://w3id.org/dataflywheel/ontology> "
        "{ ?list <http://www.w3.org/1999/02/22-rdf-syntax-ns#first> ?item } }"
    )
    assert same_rows(stores, lists) == 1


def test_booleans_are_read_as_booleans_only_in_the_virtuoso_dialect(virtuoso, stores) -> None:
    """Virtuoso answers a computed boolean with a number: the generic dialect passes it on as
    it came, the Virtuoso dialect reads it as true or false (question 21's loopClosed)."""
    url, config = virtuoso
    settings = read_store_config(config)
    generic = RemoteStore(url, settings=replace(settings, dialect=Dialect.GENERIC))
    text = QUERIES["21-condition-table"].text
    try:
        raw = {r["case"].value: r["loopClosed"] for r in generic.query(text).rows}
    finally:
        generic.close()
    read = {r["case"].value: r["loopClosed"] for r in stores[1].query(text).rows}
    assert {t.datatype.value for t in raw.values()} == {XSD + "integer"}
    assert {t.datatype.value for t in read.values()} == {XSD + "boolean"}
    assert {case: {"1": "true", "0": "false"}[t.value] for case, t in raw.items()} == {
        case: t.value for case, t in read.items()
    }
    assert {t.value for t in read.values()} == {"true", "false"}


def test_the_endpoint_passes_booleans_on_as_booleans(stores) -> None:
    """A protocol query forwarded to Virtuoso (the API's /sparql) comes back as JSON results
    with its computed booleans true or false."""
    forwarded = stores[1].forward(
        "SELECT ?closed ?n WHERE { BIND (1 < 2 AS ?closed) BIND (1 AS ?n) }",
        [],
        [],
        False,
        "application/sparql-results+json",
    )
    assert forwarded.status == 200
    (row,) = json.loads(forwarded.body)["results"]["bindings"]
    assert row["closed"] == {"type": "literal", "value": "true", "datatype": XSD + "boolean"}
    assert row["n"]["value"] == "1" and row["n"]["datatype"] == XSD + "integer"


def test_a_refused_sign_in_is_said_in_words(virtuoso, tmp_path) -> None:
    _url, config = virtuoso
    secret = tmp_path / "wrong.secret"
    secret.write_text("not the password\n")
    wrong = tmp_path / "wrong.toml"
    text = config.read_text().replace('password-file = "dba.secret"', f'password-file = "{secret}"')
    wrong.write_text(text)
    result = run_flywheel("load", str(FIXTURE_FILES[0]), "--store", str(wrong), "--force")
    assert result.returncode == 3, result.stdout + result.stderr
    assert "refused the digest sign-in of user 'dba'" in result.stderr
    assert "Traceback" not in result.stderr
    with pytest.raises(StoreError, match="sign-in"):
        store = open_store(wrong)
        try:
            store.remove_case(HANGZHOU)
        finally:
            store.close()


def test_backup_and_restore_leave_a_virtuoso_to_its_own_tools(virtuoso, stores, tmp_path) -> None:
    """Virtuoso's default graph is every graph, its own system graphs included: flywheel
    neither copies it nor replaces it, and says what to use instead."""
    _url, config = virtuoso
    backup = run_flywheel("backup", str(tmp_path / "all.nq"), "--store", str(config))
    assert backup.returncode == 3, backup.stdout + backup.stderr
    assert "backup_online" in backup.stderr and not (tmp_path / "all.nq").exists()
    source = tmp_path / "one.nq"
    source.write_text("<https://example.org/s> <https://example.org/p> <https://example.org/o> .\n")
    restore = run_flywheel("restore", str(source), "--replace", "--store", str(config))
    assert restore.returncode == 3, restore.stdout + restore.stderr
    assert "cannot be restored as a whole" in restore.stderr
    assert len(stores[1].cases()) == len(stores[0].cases())  # nothing was dropped


def test_the_api_serves_a_virtuoso_store(virtuoso, stores, tmp_path) -> None:
    """`flywheel serve` over the Virtuoso store: the catalog, the SPARQL endpoint (whose named
    graphs are flywheel's, not Virtuoso's own), a named query's booleans, a case's timeline."""
    _url, config = virtuoso
    expected = len(stores[0].cases())
    with api_server(config, tmp_path / "api.log") as base:
        assert len(httpx.get(f"{base}/cases", timeout=60).json()["cases"]) == expected
        counted = httpx.post(
            f"{base}/sparql",
            data={
                "query": "SELECT (COUNT(?case) AS ?n) WHERE { GRAPH "
                "<https://w3id.org/dataflywheel/catalog> { <https://w3id.org/dataflywheel/catalog> "
                "<http://www.w3.org/ns/dcat#dataset> ?case } }"
            },
            headers={"Accept": "application/sparql-results+json"},
            timeout=60,
        )
        assert counted.status_code == 200, counted.text
        (row,) = counted.json()["results"]["bindings"]
        assert int(row["n"]["value"]) == expected
        table = httpx.get(f"{base}/queries/21-condition-table/results", timeout=60).json()
        closed = {row["loopClosed"] for row in table["rows"]}
        assert closed == {"true", "false"}
        timeline = httpx.get(f"{base}/cases/hangzhou/timeline", timeout=60)
        assert timeline.status_code == 200 and len(timeline.json()["episodes"]) == 4
