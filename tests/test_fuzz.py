"""Property-based tests (hypothesis) of what takes user data: query parameter binding, the RDF
importers and the workbook importer. Bounded (few examples each, derandomised for CI) so the file
runs in well under a minute.

* Binding: any text given for a parameter of any type is refused with QueryParameterError or
  becomes one RDF term; the query bound to it answers exactly the rows of the unbound query whose
  variable is that term, both through pyoxigraph's substitutions and through the VALUES text a
  remote store is sent: a value can never change the query (no injection).
* RDF importers: ``parse_cases`` on arbitrary bytes and on mutated bundled cases, in every
  syntax, and ``read_quads`` on the same bytes as a file, raise RdfInputError or nothing.
* Workbook: a CSV workbook of a bundled case with fuzzed cells raises WorkbookError (every
  mistake with its sheet) or nothing.
"""

from __future__ import annotations

import csv
import shutil
import tempfile
from pathlib import Path

import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kg.paths import bundled_case_files
from kg.rdf.read import RdfInputError, parse_cases, read_quads
from kg.sparql.check import substitute_terms
from kg.sparql.named import (
    Param,
    ParamType,
    QueryParameterError,
    bind,
    get_query,
    run,
    to_term,
)
from kg.workbook import WorkbookError, read_workbook, write_case

FUZZ = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
FEW = settings(FUZZ, max_examples=25)
XSD = "http://www.w3.org/2001/XMLSchema#"
CASES = {p.stem: p for p in bundled_case_files()}


def _dataset() -> ox.Store:
    """The bundled cases in memory, each in its named graph (no code under test involved)."""
    store = ox.Store()
    for name, path in CASES.items():
        graph = ox.NamedNode(f"https://w3id.org/dataflywheel/case/{name}")
        store.bulk_extend(
            ox.Quad(t.subject, t.predicate, t.object, graph)
            for t in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE)
        )
    return store


STORE = _dataset()
PROBE = "SELECT ?s ?p ?x WHERE { GRAPH ?g { ?s ?p ?x } }"
UNBOUND = [(r["s"], r["p"], r["x"]) for r in STORE.query(PROBE)]
OBJECTS = sorted({x for _, _, x in UNBOUND}, key=str)


def _values() -> st.SearchStrategy[str]:
    """Text of every kind: arbitrary, SPARQL-breaking, and values taken from the data."""
    hostile = st.sampled_from(
        [
            "https://x.org/a> } ; DROP ALL ; SELECT * WHERE { ?s ?p ?o",
            '2019-01-01"^^<http://www.w3.org/2001/XMLSchema#date> } UNION { ?s ?p ?x',
            "1 } UNION { ?s ?p ?x",
            'x" . ?s ?p ?x . FILTER("a',
            "<https://w3id.org/dataflywheel/case/hangzhou>",
            "https://w3id.org/dataflywheel/case/hangzhou#\n} ?s ?p ?x {",
            "\\u0022) } #",
            "٢٠١٩-٠١-٠١",
            "1e999",
            "-0",
            ".5",
            "",
        ]
    )
    from_data = st.sampled_from(OBJECTS).map(lambda t: t.value)
    return st.one_of(st.text(max_size=80), hostile, from_data, st.from_regex(r"[0-9.+-]{1,12}"))


@pytest.mark.parametrize("kind", list(ParamType), ids=lambda k: k.value)
@FUZZ
@given(value=_values())
def test_a_bound_value_is_one_term_never_more_rows(kind: ParamType, value: str) -> None:
    param = Param("x", kind, None, "fuzzed")
    try:
        term = to_term(param, value)
    except QueryParameterError as error:
        assert "'x'" in str(error)
        return
    assert isinstance(term, ox.NamedNode | ox.Literal)
    if kind is ParamType.IRI:
        assert isinstance(term, ox.NamedNode) and term.value == value
    elif kind is ParamType.STRING:
        assert term == ox.Literal(value)
    else:
        assert isinstance(term, ox.Literal) and term.datatype.value == XSD + kind.value
    expected = sorted((s, p) for s, p, x in UNBOUND if x == term)
    substituted = STORE.query(PROBE, substitutions={ox.Variable("x"): term})
    assert sorted((r["s"], r["p"]) for r in substituted) == expected
    as_text = STORE.query(substitute_terms(PROBE, {"x": term}))  # what a remote store is sent
    assert sorted((r["s"], r["p"]) for r in as_text) == expected


NAMED = [
    ("02", "case"),
    ("01", "date"),
    ("01", "case"),
    ("20", "n"),
    ("21", "k"),
    ("10", "scenario"),
]


@pytest.mark.parametrize("query,name", NAMED, ids=lambda v: str(v))
@FEW
@given(value=_values())
def test_named_queries_refuse_or_answer_any_value(query: str, name: str, value: str) -> None:
    """bind() and run() on a real named query: refused with QueryParameterError or answered,
    never another error; an IRI that names no case answers no rows."""
    named = get_query(query)
    try:
        bind(named, {name: value})
    except QueryParameterError:
        with pytest.raises(QueryParameterError):
            run(STORE, named, {name: value})
        return
    rows = run(STORE, named, {name: value})
    if name == "case" and value and value.rstrip("/").rsplit("/", 1)[-1] not in CASES:
        assert rows == [] or query == "01"  # 01 answers one row of nulls for an unknown case
        assert all(v is None for r in rows for k, v in r.items() if k != "case")


# --- the RDF importers ---------------------------------------------------------------------------

FORMATS = {
    "turtle": ox.RdfFormat.TURTLE,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "nquads": ox.RdfFormat.N_QUADS,
    "trig": ox.RdfFormat.TRIG,
    "jsonld": ox.RdfFormat.JSON_LD,
    "rdfxml": ox.RdfFormat.RDF_XML,
}
SUFFIX = {"turtle": "ttl", "ntriples": "nt", "nquads": "nq", "trig": "trig", "jsonld": "jsonld"}
SUFFIX["rdfxml"] = "rdf"


def _serialised() -> dict[str, bytes]:
    """City A in every syntax (the dataset syntaxes with its named graph)."""
    graph = ox.NamedNode("https://w3id.org/dataflywheel/case/city-a")
    triples = list(ox.parse(path=str(CASES["city-a"]), format=ox.RdfFormat.TURTLE))
    out = {}
    for name, fmt in FORMATS.items():
        if fmt.supports_datasets:
            quads = [ox.Quad(t.subject, t.predicate, t.object, graph) for t in triples]
            out[name] = ox.serialize(quads, format=fmt)
        else:
            out[name] = ox.serialize(triples, format=fmt)
    out["turtle"] = CASES["city-a"].read_bytes()
    return out


SOURCES = _serialised()


@st.composite
def mutated(draw, fmt: str) -> bytes:
    """A bundled case in ``fmt`` with a few random cuts, insertions, duplications and flips."""
    data = bytearray(SOURCES[fmt])
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(data)))
        action = draw(st.sampled_from(["cut", "insert", "repeat", "flip"]))
        if action == "cut":
            del data[at : at + draw(st.integers(1, 200))]
        elif action == "insert":
            chunk = draw(
                st.one_of(
                    st.binary(max_size=20),
                    st.sampled_from([b"{", b"}", b"<", b'"', b"@prefix", b"\x00", b"&x;", b"\\u"]),
                    st.text(max_size=10).map(str.encode),
                )
            )
            data[at:at] = chunk
        elif action == "repeat":
            data[at:at] = data[at : at + draw(st.integers(1, 300))]
        elif at < len(data):
            data[at] ^= 1 << draw(st.integers(0, 7))
    return bytes(data)


def _import(data: bytes, fmt: str, folder: Path) -> None:
    """Both importers on the same bytes; only RdfInputError may escape."""
    for call in (
        lambda: parse_cases(data, FORMATS[fmt], "fuzz", base_iri="https://example.org/fuzz/"),
        lambda: parse_cases(data, FORMATS[fmt], "fuzz", "https://example.org/fuzz/case"),
    ):
        try:
            call()
        except RdfInputError as error:
            assert error.path == "fuzz" and error.message
    path = folder / f"fuzz.{SUFFIX[fmt]}"
    path.write_bytes(data)
    try:
        read_quads(path)
    except RdfInputError as error:
        assert error.path == str(path) and error.message


@pytest.fixture(scope="module")
def scratch() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="flywheel-fuzz-"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.parametrize("fmt", list(FORMATS))
@FEW
@given(data=st.binary(max_size=400))
def test_importers_on_arbitrary_bytes(fmt: str, data: bytes, scratch: Path) -> None:
    _import(data, fmt, scratch)


@pytest.mark.parametrize("fmt", list(FORMATS))
@FEW
@given(data=st.data())
def test_importers_on_mutated_cases(fmt: str, data, scratch: Path) -> None:
    _import(data.draw(mutated(fmt)), fmt, scratch)


def test_the_unmutated_sources_import() -> None:
    """The mutation's starting points are good cases (so a mutant's error is the mutation's)."""
    for fmt, data in SOURCES.items():
        cases = parse_cases(data, FORMATS[fmt], fmt, "https://w3id.org/dataflywheel/case/city-a")
        assert [c.iri for c in cases] == ["https://w3id.org/dataflywheel/case/city-a"]


# --- the workbook importer -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def workbook(scratch: Path) -> Path:
    """Hangzhou written as a CSV workbook, and read back without mistakes."""
    from rdflib import Graph

    graph = Graph().parse(CASES["hangzhou"], format="turtle")
    folder = write_case(graph, scratch / "hangzhou-workbook", as_csv=True)
    read_workbook(folder)
    return folder


def _sheets(folder: Path) -> dict[str, list[list[str]]]:
    out = {}
    for path in sorted(folder.glob("*.csv")):
        with path.open(encoding="utf-8-sig", newline="") as handle:
            out[path.name] = list(csv.reader(handle))
    return out


CELL = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        ["", "2019-02-30", "yes", "否", "fw:Nothing", "not an iri", "=1+1", "\x00", "9" * 400]
    ),
)


@FEW
@given(data=st.data())
@pytest.mark.slow  # more than a few seconds
def test_workbook_with_fuzzed_cells(workbook: Path, data) -> None:
    sheets = _sheets(workbook)
    names = [n for n, rows in sheets.items() if n != "lists.csv" and len(rows) > 1]
    folder = Path(tempfile.mkdtemp(prefix="wb-", dir=workbook.parent))
    try:
        for _ in range(data.draw(st.integers(1, 6))):
            name = data.draw(st.sampled_from(names))
            rows = sheets[name]
            row = data.draw(st.integers(0, len(rows) - 1))  # the header row too
            column = data.draw(st.integers(0, max(0, len(rows[row]) - 1)))
            if rows[row]:
                rows[row][column] = data.draw(CELL)
        for name, rows in sheets.items():
            with (folder / name).open("w", encoding="utf-8-sig", newline="") as out:
                csv.writer(out).writerows(rows)
        try:
            read_workbook(folder)
        except WorkbookError as error:
            assert error.errors
            for mistake in error.errors:
                assert mistake.message
                assert mistake.sheet or not mistake.row  # a cell's mistake names its sheet
    finally:
        shutil.rmtree(folder, ignore_errors=True)
