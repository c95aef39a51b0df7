"""Per-case results, computed once when a case is written and kept with its catalog entry.

A cross-city question (``flywheel compare``, the named queries that ask every case) is made of
per-case answers: each case's rows depend on that case's graph and the ontology alone. So when a
case is written, the queries of :func:`stored_queries` run on it once, in a scratch store holding
only that case and the ontology, and their rows (:func:`encode_rows`: a table of the case's
distinct terms, and each row as indexes into it) go into the case's catalog entry; so do its
finished comparison rows (:mod:`kg.store.comparison_rows`, compact JSON), with
:func:`results_version` (a hash of the package version, how the rows are written, the
ontology's and the queries' texts and the code that assembles the comparison rows). A cross-city question then reads these rows
instead of every case graph, when every case asked about carries the current version; otherwise
it runs the query itself, as before, and ``flywheel reindex`` brings the kept rows up to date.
Where a column is over every case (question 17's statistics, question 20's cities per scenario
type and which was first), each case keeps what it decides alone and :mod:`kg.store.combined`
puts the answer together.

The queries stay the authority: the stored rows, combined, are what the same SPARQL gives over
the case graphs (tests/test_results.py checks both ways on random stores).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, cast

import pyoxigraph as ox

from kg import ontology, paths
from kg.collector import collector_paused
from kg.rdf.read import to_oxigraph
from kg.sparql.named import EVERY_CASE, bind, get_query, run
from kg.store import comparison_rows
from kg.store.combined import shared_scenario_types, years_statistics
from kg.store.comparison_rows import PlainRow
from kg.store.ordering import Row, order_keys, sorted_rows
from kg.version import ONTOLOGY_IRI, __version__
from kg.vocab import CATALOG

if TYPE_CHECKING:
    from kg.store.base import CaseStore

# the catalog's words for a case's stored rows and their version
RESULTS = CATALOG + "#results-"
VERSION = ox.NamedNode(CATALOG + "#resultsVersion")
# how the rows are written (:func:`encode_rows`); part of :func:`results_version`. 1 was SPARQL
# JSON results, 2 a table of terms and rows of indexes (a sixth of the size, read in 0.4-0.7
# times the time: the README's figures)
ROWS_FORMAT = 2


Term = ox.NamedNode | ox.Literal
Combine = Callable[[list[str], list[Row], Mapping[str, Term]], tuple[list[str], list[Row]]]


@dataclass(frozen=True)
class Stored:
    """One query whose per-case rows are kept: its key in the catalog (the named query it
    answers), its text, and the values its other variables are bound to (a named query's
    defaults; ``?case`` is the case). ``combine`` (:mod:`kg.store.combined`) turns every case's
    rows, put together, into the named query's answer where some of its columns are over every
    case; it applies the parameters named in ``left`` (not bound when the rows are kept)."""

    key: str
    text: str
    values: tuple[tuple[str, Term], ...] = ()
    combine: Combine | None = None
    left: tuple[str, ...] = ()

    @property
    def predicate(self) -> ox.NamedNode:
        return ox.NamedNode(RESULTS + self.key)


def _named(name: str, combine: Combine | None = None) -> Stored:
    query = get_query(name)
    bound = bind(query, {"case": EVERY_CASE} if "case" in query.param_names else {})
    values = tuple(sorted((v.value, t) for v, t in bound.items()))
    return Stored(query.name, query.text, values, combine)


def _part(name: str, combine: Combine) -> Stored:
    """A named query whose per-case part (``queries/kept/<name>.rq``) is kept, its answer
    combined from every case's rows, with the query's own parameters left to ``combine``."""
    query = get_query(name)
    part = paths.query_file_text(f"kept/{query.name}")
    return Stored(query.name, part, (), combine, tuple(query.param_names))


def _compare(name: str) -> Stored:
    return Stored(f"compare-{name}", paths.query_file_text(f"compare/{name}"))


@cache
def compare_inputs() -> tuple[Stored, Stored, Stored]:
    """Compare's own queries (summary, confidence, logics): asked of each case when it is
    written, to assemble its comparison rows with its stage timeline; their rows are not kept."""
    return _compare("summary"), _compare("confidence"), _compare("logics")


# the finished comparison rows each case keeps: its ends left unknown, and closed at the next start
COMPARE_ROW = ox.NamedNode(RESULTS + "compare-row")
COMPARE_ROW_CLOSED = ox.NamedNode(RESULTS + "compare-row.closed-at-next")


@cache
def stored_queries() -> tuple[Stored, ...]:
    """The queries whose rows each case keeps: the cross-city named queries that are a union of
    per-case rows (16, 18, 19, 21-23, with their default parameters) or combine them (17, its
    statistics over every city; 20, from its per-case part, for any ``n``), and question 2 for every case, its ends left unknown and closed
    at the next start (which the comparison rows are also assembled from)."""
    timeline = get_query("stage-timeline")
    closed = bind(timeline, {"case": EVERY_CASE, "closeAtNext": "true"})
    return (
        _named("cities-loop-closed"),
        _named("startup-to-inertia", years_statistics),
        _named("dominant-logic"),
        _named("data-bureau-delay"),
        _part("shared-scenario-types", shared_scenario_types),
        _named("condition-table"),
        _named("secondary-only-cities"),
        _named("coder-disagreements"),
        _named("stage-timeline"),
        Stored(
            f"{timeline.name}.closed-at-next",
            timeline.text,
            tuple(sorted((v.value, t) for v, t in closed.items())),
        ),
    )


def stored(key: str) -> Stored | None:
    """The stored query with this key (a named query's name, or compare-…), if it is kept."""
    return next((s for s in stored_queries() if s.key == key), None)


@cache
def results_version() -> str:
    """A hash of what the stored rows depend on besides the case: the package's version, how
    the rows are written (:data:`ROWS_FORMAT`), the ontology's text, each query asked with its
    bound values, and the code that assembles the comparison rows."""
    digest = hashlib.sha256(__version__.encode())
    digest.update(f"rows format {ROWS_FORMAT}".encode())
    digest.update(paths.ONTOLOGY_TTL.read_bytes())
    digest.update(Path(comparison_rows.__file__).read_bytes())
    for query in (*stored_queries(), *compare_inputs()):
        digest.update(query.key.encode() + b"\0" + query.text.encode())
        for name, term in query.values:
            digest.update(f"{name}={term}".encode())
    return digest.hexdigest()[:32]


@cache
def _ontology_quads() -> tuple[ox.Quad, ...]:
    """The ontology as a case store keeps it, as quads of its own graph."""
    return tuple(to_oxigraph(ontology.stored_ontology_graph(), ONTOLOGY_IRI))


def case_results(iri: str, quads: Sequence[ox.Quad]) -> list[ox.Quad]:
    """The catalog statements that keep this case's rows of every stored query, and their
    version (``quads`` are the case graph's, in graph ``iri``).

    Asked in a new in-memory store holding the ontology and this case alone (2-3 ms to fill):
    an in-memory Oxigraph store keeps the memory of what is removed from it, so one store
    reused for every case grew by about 1 MB per case (1.5 GB over a load of 1,000 cities)."""
    case = ox.NamedNode(iri)
    catalog = ox.NamedNode(CATALOG)
    out = [ox.Quad(case, VERSION, ox.Literal(results_version()), catalog)]
    scratch = ox.Store()
    scratch.extend(_ontology_quads())
    scratch.extend(ox.Quad(q.subject, q.predicate, q.object, case) for q in quads)
    found: dict[str, tuple[list[str], list[Row]]] = {}
    for query in (*stored_queries(), *compare_inputs()):
        values = {ox.Variable(n): t for n, t in query.values}
        values[ox.Variable("case")] = case
        solutions = scratch.query(query.text, substitutions=values)  # type: ignore[arg-type]
        if not isinstance(solutions, ox.QuerySolutions):
            raise TypeError(f"the stored query {query.key} is not a SELECT query")
        variables = [v.value for v in solutions.variables]
        found[query.key] = (variables, [tuple(solution) for solution in solutions])
    for query in stored_queries():
        text = encode_rows(*found[query.key])
        out.append(ox.Quad(case, query.predicate, ox.Literal(text), catalog))
    summary, confidence, logics = (_plain_rows(*found[q.key]) for q in compare_inputs())
    timeline = get_query("stage-timeline").name
    for predicate, key in (
        (COMPARE_ROW, timeline),
        (COMPARE_ROW_CLOSED, f"{timeline}.closed-at-next"),
    ):
        rows = comparison_rows.assemble(summary, _plain_rows(*found[key]), confidence, logics)
        kept = rows[iri].to_json() if iri in rows else None  # null: no city, no row
        out.append(ox.Quad(case, predicate, ox.Literal(json.dumps(kept)), catalog))
    return out


def _plain_rows(columns: Sequence[str], rows: Iterable[Row]) -> list[PlainRow]:
    """Rows as plain text by column: an IRI, or a literal's lexical form; unbound values None."""
    return [dict(zip(columns, map(_plain, row), strict=True)) for row in rows]


def _plain(term: object) -> str | None:
    return term.value if isinstance(term, ox.NamedNode | ox.Literal | ox.BlankNode) else None


# --- how a case's rows are written: a table of its terms, and rows of indexes into it -----------

_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
Encoded = str | list[str] | dict[str, str]  # a term in the table (see encode_rows)


def _encoded(term: ox.NamedNode | ox.BlankNode | ox.Literal) -> Encoded:
    if isinstance(term, ox.NamedNode):
        return term.value
    if isinstance(term, ox.BlankNode):
        return {"_": term.value}
    if term.language:
        return [term.value, "@" + term.language]
    datatype = term.datatype.value
    return [term.value] if datatype == _XSD_STRING else [term.value, datatype]


def encode_rows(variables: Sequence[str], rows: Sequence[Row]) -> str:
    """Rows of terms (each its values in the order of ``variables``) as a case keeps them in
    the catalog, compact JSON: ``vars``, the variables; ``terms``, each distinct term once (an
    IRI as its text; a literal as ``[lexical form]``, with ``"@tag"`` or its datatype's IRI
    second unless an xsd:string; a blank node as ``{"_": label}``); ``rows``, each row as the
    index of its terms in ``terms`` (-1 unbound). A case's rows repeat their terms: this is a
    sixth of the size of SPARQL JSON results, and is read in 0.4-0.7 times the time (the
    README's figures)."""
    index: dict[ox.NamedNode | ox.BlankNode | ox.Literal, int] = {}
    encoded: list[Encoded] = []
    out_rows: list[list[int]] = []
    for row in rows:
        if len(row) != len(variables):
            raise ValueError(f"a row of {len(row)} values for {len(variables)} variables")
        out_row = []
        for term in row:
            if term is None:
                out_row.append(-1)
                continue
            at = index.get(term)
            if at is None:
                at = index[term] = len(encoded)
                encoded.append(_encoded(term))
            out_row.append(at)
        out_rows.append(out_row)
    kept = {"vars": list(variables), "terms": encoded, "rows": out_rows}
    return json.dumps(kept, ensure_ascii=False, separators=(",", ":"))


def _decoded(item: Encoded) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    """The term an entry of a kept table of terms stands for (:func:`encode_rows`)."""
    if isinstance(item, str):
        return ox.NamedNode(item)
    if isinstance(item, dict):
        return ox.BlankNode(item["_"])
    if len(item) == 1:
        return ox.Literal(item[0])
    value, tag = item
    if tag.startswith("@"):
        return ox.Literal(value, language=tag[1:])
    return ox.Literal(value, datatype=ox.NamedNode(tag))


def decode_rows(texts: Iterable[str]) -> tuple[list[str], list[Row]]:
    """The variables and rows of several cases' kept rows (:func:`encode_rows`), one after
    the other, each row its RDF terms in the order of the variables (None: unbound). Each
    distinct term is made once: terms repeat across cases, and making a pyoxigraph term is
    what reading the rows costs most."""
    made: dict[str | tuple[str, ...], ox.NamedNode | ox.BlankNode | ox.Literal] = {}
    variables: list[str] = []
    rows: list[Row] = []
    for text in texts:
        kept = json.loads(text)
        variables = kept["vars"]
        table: list[Term | ox.BlankNode | None] = []
        for item in kept["terms"]:
            key = (
                item
                if isinstance(item, str)
                else tuple(item)
                if isinstance(item, list)
                else ("_", item["_"], "")
            )
            term = made.get(key)
            if term is None:
                term = made[key] = _decoded(item)
            table.append(term)
        table.append(None)  # index -1: unbound
        entry, width = table.__getitem__, len(variables)
        for row in kept["rows"]:
            if len(row) != width:
                raise ValueError(f"a kept row of {len(row)} values for {width} variables")
            rows.append(tuple(map(entry, row)))
    return variables, rows


def _kept_texts(
    source: CaseStore, predicate: ox.NamedNode, cases: Sequence[str] | None
) -> list[str] | None:
    """What every case (or each of ``cases``, IRIs) keeps under ``predicate``, in case order,
    in one read of the catalog; None when a case asked about lacks its current version (the
    caller then asks the case graphs)."""
    version = ox.Literal(results_version())
    found = source.query(
        f"SELECT ?case ?rows WHERE {{ GRAPH <{CATALOG}> {{ "
        f"<{CATALOG}> <http://www.w3.org/ns/dcat#dataset> ?case . "
        f"OPTIONAL {{ ?case {VERSION} {version} ; {predicate} ?rows }} }} }}"
    )
    held: dict[str, str | None] = {}
    for row in found.rows:
        held[str(_plain(row["case"]))] = _plain(row.get("rows"))
    chosen = [held.get(c) for c in (sorted(held) if cases is None else cases)]
    return None if None in chosen else cast(list[str], chosen)


def read_compare_rows(
    source: CaseStore, cases: Sequence[str] | None, close_at_next: bool
) -> list[comparison_rows.CaseRow] | None:
    """The comparison rows every case (or each of ``cases``, IRIs) keeps, in case order (a case
    that studies no city has none), its ends closed at the next start or not; None when a case
    asked about lacks the current rows."""
    chosen = None if cases is None else sorted(set(cases))
    predicate = COMPARE_ROW_CLOSED if close_at_next else COMPARE_ROW
    found = _kept_texts(source, predicate, chosen)
    if found is None:
        return None
    kept = (json.loads(text) for text in found)
    return [comparison_rows.CaseRow.from_json(k) for k in kept if k is not None]


def read_rows(
    source: CaseStore, query: Stored, cases: Sequence[str] | None
) -> tuple[list[str], list[Row]] | None:
    """The stored rows of ``query`` for every case (or ``cases``, IRIs), in case order, with
    the query's variables, as RDF terms; None when a case asked about has none of the current
    version (the caller then asks the case graphs)."""
    found = _kept_texts(source, query.predicate, cases)
    return None if found is None else decode_rows(found)


def stored_for(
    name: str, values: Mapping[str, str] | None
) -> tuple[Stored, dict[str, Term]] | None:
    """The stored query that answers named query ``name`` asked with ``values`` (kept, and
    asked for every case with the values the rows were computed with), and the values of the
    parameters left to its combine; else None."""
    query = get_query(name)
    kept = stored(query.name)
    if kept is None:
        return None
    asked = {k: v for k, v in (values or {}).items() if v}
    if "case" in query.param_names:
        if asked.get("case", query.param("case").default) != EVERY_CASE:
            return None
        asked["case"] = EVERY_CASE
    bound = {v.value: t for v, t in bind(query, asked).items()}
    fixed = tuple(sorted((n, t) for n, t in bound.items() if n not in kept.left))
    left = {n: t for n, t in bound.items() if n in kept.left}
    return (kept, left) if fixed == kept.values else None


# --- a cross-city named query answered from the stored rows --------------------------------------


def answer(
    store: CaseStore, name: str, values: Mapping[str, str] | None = None
) -> tuple[list[str], list[Row]] | None:
    """A named query's columns and rows (each its RDF terms in the order of the columns; None:
    unbound) from the stored per-case rows, in the query's order, when the query is kept for
    these values and every case has them; else None (the caller asks the case graphs)."""
    chosen = stored_for(name, values)
    if chosen is None:
        return None
    kept, left = chosen
    keys = order_keys(kept.text)
    found = read_rows(store, kept, None) if keys is not None else None
    if found is None or keys is None:
        return None
    columns, rows = found
    if kept.combine is not None:
        columns, rows = kept.combine(columns, rows, left)
    return columns, sorted_rows(rows, keys, columns)


def run_named(
    store: CaseStore | ox.Store, name: str | int, values: Mapping[str, str] | None = None
) -> list[dict[str, str | None]]:
    """:func:`kg.sparql.named.run`, answered from the stored per-case rows where it can be."""
    from kg.store.base import CaseStore

    if not isinstance(store, CaseStore):
        return run(store, name, values)
    with collector_paused():  # the rows as terms are made and dropped here (kg.collector)
        found = answer(store, str(name), values)
        plain = None if found is None else _plain_rows(*found)
        del found
    return run(store, name, values) if plain is None else plain


def results_update(iri: str, quads: Sequence[ox.Quad]) -> str:
    """A SPARQL update that replaces a case's stored rows and their version in the catalog by
    those computed now from its graph's ``quads`` (``flywheel reindex``)."""
    case, catalog = ox.NamedNode(iri), ox.NamedNode(CATALOG)
    fresh = " ".join(f"{q.subject} {q.predicate} {q.object} ." for q in case_results(iri, quads))
    return (
        f"DELETE {{ GRAPH {catalog} {{ {case} ?p ?o }} }} WHERE {{ GRAPH {catalog} {{ {case} ?p ?o "
        f'FILTER (?p = {VERSION} || STRSTARTS(STR(?p), "{RESULTS}")) }} }} ;\n'
        f"INSERT DATA {{ GRAPH {catalog} {{ {fresh} }} }}"
    )


def stale_cases(store: CaseStore) -> list[str]:
    """The cases whose stored rows are missing or of another version than this package's."""
    version = ox.Literal(results_version())
    found = store.query(
        f"SELECT ?case WHERE {{ GRAPH <{CATALOG}> {{ "
        f"<{CATALOG}> <http://www.w3.org/ns/dcat#dataset> ?case . "
        f"FILTER NOT EXISTS {{ ?case {VERSION} {version} }} }} }} ORDER BY ?case"
    )
    return [str(_plain(r["case"])) for r in found.rows]
