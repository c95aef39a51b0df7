"""Comparing cities: one row per case (:mod:`kg.store.comparison_rows` says what a row holds and
assembles it), read from the rows each case keeps where they are current, else assembled from
compare's queries over the case graphs; question 17's statistics over the rows; the few columns
a terminal shows."""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence

from kg import paths
from kg.errors import BadInput
from kg.sparql.named import EVERY_CASE, bind, get_query
from kg.store import CaseStore, Row
from kg.store.comparison_rows import (
    COLUMNS,
    DESCRIPTIONS,
    CaseRow,
    PlainRow,
    assemble,
    days_to_inertia,
    without_weak_starts,
)
from kg.store.results import read_compare_rows
from kg.views.common import rows_for_cases
from kg.vocab import CONFIDENCES, STAGES

__all__ = [
    "COLUMNS",
    "DESCRIPTIONS",
    "compare",
    "condition_table",
    "summary_rows",
    "years_statistics",
]


def compare(
    store: CaseStore,
    cases: Sequence[str] | None = None,
    min_confidence: str | None = None,
    close_at_next: bool = False,
    stored_rows: bool = True,
) -> list[dict[str, object]]:
    """One row per case (all cases, or those whose graph IRI is in ``cases``), in case order.
    With ``min_confidence`` (a word of :data:`kg.vocab.CONFIDENCES`), a stage start whose weakest
    confidence is weaker, or not graded, is left out, with the end of the stage it closed, and
    each row counts them (``starts_left_out``). With ``close_at_next``, a stage whose end is not
    coded ends at the next episode's start (``{stage}_end_basis`` 'next episode'); without it,
    that end stays unknown ('unknown'). The rows each case keeps (:mod:`kg.store.results`) are
    read where current; ``stored_rows=False`` asks the case graphs (the same table, slower)."""
    if min_confidence is not None and min_confidence not in CONFIDENCES:
        raise BadInput(f"no confidence level '{min_confidence}': one of {', '.join(CONFIDENCES)}")
    kept = read_compare_rows(store, cases, close_at_next) if stored_rows else None
    if kept is None:
        kept = _from_graphs(store, cases, close_at_next)
    if min_confidence is None:
        return [k.row for k in kept]
    return [without_weak_starts(k, min_confidence) for k in kept]


def _from_graphs(
    store: CaseStore, cases: Sequence[str] | None, close_at_next: bool
) -> list[CaseRow]:
    """The comparison rows assembled from compare's queries asked of the case graphs."""
    timeline = get_query("stage-timeline")
    closing = {"closeAtNext": "true" if close_at_next else "false"}
    asked = {v.value: t for v, t in bind(timeline, closing | {"case": EVERY_CASE}).items()}

    def results(text: str, bindings: Mapping | None = None) -> list[PlainRow]:
        return [
            {k: (v.value if v is not None else None) for k, v in r.items()}
            for r in rows_for_cases(store, text, cases, bindings)
        ]

    rows = assemble(
        results(paths.query_file_text("compare/summary")),
        results(timeline.text, asked),
        results(paths.query_file_text("compare/confidence")),
        results(paths.query_file_text("compare/logics")),
    )
    return [rows[c] for c in sorted(rows) if cases is None or c in cases]


def years_statistics(rows: Sequence[Mapping[str, object]]) -> dict[str, object]:
    """Question 17's statistics over :func:`compare`'s rows whose startup and inertia starts are
    both dated: how many such cities, and the median, shortest, longest and range of their years
    from startup to inertia (computed on days, then days / 365.25 to two decimals, as query 17
    computes its range; None when no city has both dates). Query 17 leaves the median out:
    SPARQL can rank a city only by comparing it with every other one."""
    days = [d for d in map(days_to_inertia, rows) if d is not None]
    if not days:
        return {"cities": 0, "median": None, "min": None, "max": None, "range": None}

    def years(value: float) -> float:
        return round(value / 365.25, 2)

    return {
        "cities": len(days),
        "median": years(statistics.median(days)),
        "min": years(min(days)),
        "max": years(max(days)),
        "range": years(max(days) - min(days)),
    }


def condition_table(
    store: CaseStore, cases: Sequence[str] | None = None, min_scenarios: int | None = None
) -> tuple[list[str], list[Row]]:
    """The city × condition table of question 21 (the ``condition-table`` query): its columns
    and a row per case, only ``cases`` (IRIs) when given; ``min_scenarios`` is the query's
    ``k`` (scenarios needed for the 'enoughScenarios' condition)."""
    named = get_query("condition-table")
    values = {} if min_scenarios is None else {"k": str(min_scenarios)}
    result = store.query(named.text, {v.value: t for v, t in bind(named, values).items()})
    rows = [
        r
        for r in result.rows
        if cases is None or ((case := r.get("case")) is not None and case.value in cases)
    ]
    return list(result.variables), rows


def _when(row: Mapping[str, object], stage: str) -> str:
    start = row[f"{stage}_start"]
    precision = row[f"{stage}_start_precision"]
    return f"{start} ({precision})" if start else ("unknown" if precision else "—")


def _years_text(row: Mapping[str, object]) -> str:
    """Years to inertia for a terminal: the comparable values' years and their precision, then
    the fewest to most the bounds allow when these differ ("3.9 (month, 3.84–4.0)")."""
    least, most = row.get("years_at_least"), row.get("years_at_most")
    span = ""
    if least != most:
        span = f", {'?' if least is None else least}–{'?' if most is None else most}"
    if row["years_startup_to_inertia"] is None:
        return "" if not span else f"({span[2:]})"
    return f"{row['years_startup_to_inertia']} ({row['years_precision']}{span})"


def summary_rows(rows: Sequence[Mapping[str, object]]) -> list[dict[str, str]]:
    """The comparison in the few columns a terminal shows: a city's stage starts with their
    precision, years to inertia, loop closure, dominant logics and counts (as text)."""
    return [
        {
            "city": str(r["city"]),
            **{stage: _when(r, stage) for stage in STAGES},
            "years to inertia": _years_text(r),
            "loop closed": (
                "yes" + (f" since {r['loop_closed_since']}" if r["loop_closed_since"] else "")
            )
            if r["loop_closed"]
            else "no",
            "dominant logics": " / ".join(str(r[f"{s}_dominant_logic"] or "—") for s in STAGES),
            "actions/flows/scenarios": f"{r['actions']}/{r['flows']}/{r['scenarios']}",
        }
        for r in rows
    ]
