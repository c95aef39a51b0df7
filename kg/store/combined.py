"""Cross-city answers combined from every case's kept rows (:mod:`kg.store.results`), where a
column of the answer is over every case and each case keeps what it decides alone: question 17's
statistics over every city's days, question 20's cities per scenario type and which was first.

Each combine takes the kept query's columns, every case's rows put together (in case order; each
row its values in the order of the columns) and the values of the parameters left to it, and
gives the named query's columns and rows, as the named query asked of the case graphs gives them
(tests/test_results.py checks both ways)."""

from __future__ import annotations

from collections.abc import Mapping
from operator import itemgetter

import pyoxigraph as ox

from kg.sparql.named import get_query
from kg.store.ordering import Cell, Row, order_keys, sorted_rows

Term = ox.NamedNode | ox.Literal
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
    at_days = columns.index("days")
    days = [int(d.value) for r in rows if isinstance(d := r[at_days], ox.Literal)]
    figures: dict[ox.Variable, ox.Literal] = {
        ox.Variable("citiesCompared"): ox.Literal(str(len(days)), datatype=_INTEGER)
    }
    if days:
        figures[ox.Variable("minDays")] = ox.Literal(str(min(days)), datatype=_INTEGER)
        figures[ox.Variable("maxDays")] = ox.Literal(str(max(days)), datatype=_INTEGER)
    found = ox.Store().query(_YEARS_STATISTICS, substitutions=figures)  # type: ignore[arg-type]
    assert isinstance(found, ox.QuerySolutions)
    solution = next(iter(found))
    statistics = {columns.index(name): solution[name] for name in _STATISTICS if name in columns}

    def with_statistics(row: Row) -> Row:
        values = list(row)
        for at, value in statistics.items():
            values[at] = value
        return tuple(values)

    return columns, [with_statistics(row) for row in rows]


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
    at = {column: i for i, column in enumerate(columns)}
    kind_at, case_at, city_at = at["scenarioType"], at["case"], at["city"]
    earliest_at, latest_at = at["earliest"], at["latest"]
    known: dict[object, int] = {}
    earliest: dict[Cell, dict[Cell, int]] = {}  # type -> case -> its earliest first launch
    latest: dict[Cell, int] = {}  # type -> the smallest latest possible first launch of a case
    read: list[tuple[Cell, int, int]] = []  # each row's type, earliest and latest first launch
    for row in rows:
        kind = row[kind_at]
        own_earliest = _number(row[earliest_at], known)
        own_latest = _number(row[latest_at], known)
        read.append((kind, own_earliest, own_latest))
        earliest.setdefault(kind, {})[row[case_at]] = own_earliest
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
    # each row with n, its type's cities and its verdict after its own values, then picked out
    # in the named query's columns, with the earliest first launch last (its ORDER BY has it)
    names = get_query("shared-scenario-types").column_names
    extended = {**at, "n": len(columns), "cities": len(columns) + 1, "first": len(columns) + 2}
    pick = itemgetter(*(extended[c] for c in (*names, "earliest")))
    out: list[Row] = []
    for row, (kind, own_earliest, own_latest) in zip(rows, read, strict=True):
        if row[city_at] is None or len(earliest[kind]) < at_least:
            continue
        type_earliest, at_earliest, next_earliest = figures[kind]
        if latest[kind] < own_earliest:
            verdict = "no"
        elif own_earliest == type_earliest and at_earliest == 1 and own_latest < next_earliest:
            verdict = "yes"
        else:
            verdict = "unknown"
        out.append(pick((*row, n, cities[kind], verdicts[verdict])))
    keys = order_keys(get_query("shared-scenario-types").text) or []
    ordered = sorted_rows(out, keys, [*names, "earliest"])
    return names, [row[:-1] for row in ordered]
