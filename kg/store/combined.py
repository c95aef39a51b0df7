"""Cross-city answers combined from every case's kept rows (:mod:`kg.store.results`), where a
column of the answer is over every case and each case keeps what it decides alone: question 17's
statistics over every city's days, question 20's cities per scenario type and which was first.

Each combine takes the kept query's columns, every case's rows put together (in case order) and
the values of the parameters left to it, and gives the named query's columns and rows, as the
named query asked of the case graphs gives them (tests/test_results.py checks both ways)."""

from __future__ import annotations

from collections.abc import Mapping

import pyoxigraph as ox

from kg.sparql.named import get_query
from kg.store.ordering import Row, order_keys, sorted_rows

Term = ox.NamedNode | ox.Literal
Cell = ox.NamedNode | ox.BlankNode | ox.Literal | None  # a row's value: a term, or unbound
_INTEGER = ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")

# question 17's statistics, over every city's days, computed by the engine as the query computes
# them (the same rounding, the same numbers' forms); the counts are Python integers
_YEARS_STATISTICS = """SELECT ?citiesCompared ?minDays ?maxDays ?minYears ?maxYears ?rangeYears WHERE {
  BIND (ROUND(?minDays / 365.25 * 100) / 100 AS ?minYears)
  BIND (ROUND(?maxDays / 365.25 * 100) / 100 AS ?maxYears)
  BIND (ROUND((?maxDays - ?minDays) / 365.25 * 100) / 100 AS ?rangeYears)
}"""
_STATISTICS = ("citiesCompared", "minYears", "maxYears", "rangeYears")


def years_statistics(
    columns: list[str], rows: list[Row], values: Mapping[str, Term]
) -> tuple[list[str], list[Row]]:
    """Question 17's rows with its statistics (how many cities have both dates, the fewest,
    most and range of years) over every city's ``days``, not each city's own (its rows are
    kept with its default parameters: ``values`` is empty)."""
    if values:  # never: question 17 is kept for its defaults alone (results.stored_for)
        raise ValueError(f"question 17's kept rows take no parameters, not {sorted(values)}")
    days = [int(d.value) for r in rows if isinstance(d := r.get("days"), ox.Literal)]
    figures: dict[ox.Variable, ox.Literal] = {
        ox.Variable("citiesCompared"): ox.Literal(str(len(days)), datatype=_INTEGER)
    }
    if days:
        figures[ox.Variable("minDays")] = ox.Literal(str(min(days)), datatype=_INTEGER)
        figures[ox.Variable("maxDays")] = ox.Literal(str(max(days)), datatype=_INTEGER)
    found = ox.Store().query(_YEARS_STATISTICS, substitutions=figures)  # type: ignore[arg-type]
    assert isinstance(found, ox.QuerySolutions)
    solution = next(iter(found))
    statistics = {name: solution[name] for name in _STATISTICS}
    return columns, [row | statistics for row in rows]


def _number(term: object, known: dict[object, int]) -> int:
    """A number the kept query binds in every row; ``known`` holds those read so far (the rows
    share their terms: a date is read once)."""
    found = known.get(term)
    if found is None:
        if not isinstance(term, ox.Literal):  # pragma: no cover - bound in every row
            raise ValueError("a kept query left a number unbound")
        found = known[term] = int(term.value)
    return found


def shared_scenario_types(
    columns: list[str], rows: list[Row], values: Mapping[str, Term]
) -> tuple[list[str], list[Row]]:
    """Question 20's rows (its columns, its order) from each case's rows of its per-case part
    (``queries/kept/20-shared-scenario-types.rq``): per scenario type, the cases that code it
    (``cities``: kept when at least ``n``), each case's rows for a city it studies, and ``first``
    as question 20 decides it, from the type's earliest and latest possible first launches over
    every case."""
    n = values["n"]
    known: dict[object, int] = {}
    earliest: dict[Cell, dict[Cell, int]] = {}  # type -> case -> its earliest first launch
    latest: dict[Cell, int] = {}  # type -> the smallest latest possible first launch of a case
    read: list[tuple[Cell, int, int]] = []  # each row's type, earliest and latest first launch
    for row in rows:
        kind = row["scenarioType"]
        own_earliest, own_latest = _number(row["earliest"], known), _number(row["latest"], known)
        read.append((kind, own_earliest, own_latest))
        earliest.setdefault(kind, {})[row["case"]] = own_earliest
        latest[kind] = min(latest.get(kind, 99991231), own_latest)
    figures: dict[Cell, tuple[int, int, int]] = {}  # type -> earliest, cities at it, next one
    cities: dict[Cell, ox.Literal] = {}  # type -> how many cities code it
    for kind, by_case in earliest.items():
        first = min(by_case.values())
        figures[kind] = (
            first,
            sum(1 for e in by_case.values() if e == first),
            min((e for e in by_case.values() if e > first), default=100000000),
        )
        cities[kind] = ox.Literal(str(len(by_case)), datatype=_INTEGER)
    verdicts = {verdict: ox.Literal(verdict) for verdict in ("yes", "no", "unknown")}
    at_least = int(n.value)
    out: list[Row] = []
    for row, (kind, own_earliest, own_latest) in zip(rows, read, strict=True):
        if row["city"] is None or len(earliest[kind]) < at_least:
            continue
        type_earliest, at_earliest, next_earliest = figures[kind]
        if latest[kind] < own_earliest:
            verdict = "no"
        elif own_earliest == type_earliest and at_earliest == 1 and own_latest < next_earliest:
            verdict = "yes"
        else:
            verdict = "unknown"
        out.append(row | {"n": n, "cities": cities[kind], "first": verdicts[verdict]})
    names = get_query("shared-scenario-types").column_names
    keys = order_keys(get_query("shared-scenario-types").text) or []
    ordered = sorted_rows(out, keys, [*names, "earliest"])  # its ORDER BY also has ?earliest
    left_out = [c for c in columns if c not in names]  # the kept query's own columns
    for row in ordered:  # rows made here: only the named query's columns left
        for column in left_out:
            del row[column]
    return names, ordered
