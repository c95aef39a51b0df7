"""Comparing cities: one row per case, from the named queries and two compare queries.

Each stage's start and end with their precision and inclusive earliest/latest bounds (an end
not coded stays unknown unless the caller asks to close it at the next episode's start, and
``{stage}_end_basis`` says which; bounds as query 02 gives them, from the
case's coded bounds or else from the precision), years from startup to inertia (from the
comparable values, and the fewest and most the bounds allow), whether and since when the loop is closed, the
dominant logic per stage (most coded actions; ties joined with '+'), and counts of actions,
flows and scenarios. Unknown stays visible: an unknown date is an empty cell with precision
'unknown', never a guess.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence

from kg import paths
from kg.errors import BadInput
from kg.sparql.named import EVERY_CASE, bind, get_query
from kg.store import CaseStore, Row, Term
from kg.store.results import PlainRow, read_texts, stored
from kg.views.common import rows_for_cases
from kg.vocab import (
    CONFIDENCE_OF,
    CONFIDENCES,
    LOGIC_OF,
    PRECISION_WORDS,
    PRECISIONS,
    STAGE_OF,
    STAGES,
)

_RANK = {word: rank for rank, word in enumerate(PRECISIONS)}  # finest first

COLUMNS: tuple[str, ...] = (
    "case",
    "city",
    *[
        f"{s}_{part}"
        for s in STAGES
        for part in (
            "start",
            "start_precision",
            "start_earliest",
            "start_latest",
            "end",
            "end_precision",
            "end_earliest",
            "end_latest",
            "end_basis",
            "confidence",
        )
    ],
    "years_startup_to_inertia",
    "years_precision",
    "years_at_least",
    "years_at_most",
    "loop_closed",
    "loop_closed_since",
    "loop_closed_since_precision",
    "loop_closed_by",
    *[f"{s}_dominant_logic" for s in STAGES],
    "actions",
    "flows",
    "scenarios",
    "starts_left_out",
)
DESCRIPTIONS: dict[str, str] = {
    "case": "the case graph",
    "city": "the city's English name",
    "years_startup_to_inertia": "years from the start of the startup stage to the start of the inertia stage (empty when either is unknown)",
    "years_precision": "the coarser precision of the two dates the years are computed from",
    "years_at_least": "the fewest years the dates' bounds allow: the inertia start's earliest bound minus the startup start's latest (empty when either bound is unknown)",
    "years_at_most": "the most years the dates' bounds allow: the inertia start's latest bound minus the startup start's earliest (empty when either bound is unknown)",
    "loop_closed": "true when a re-aggregation flow feeds data back into a data foundation",
    "loop_closed_since": "the earliest dated re-aggregation flow (empty when none is dated)",
    "loop_closed_by": "the day by which the loop had certainly closed: the smallest latest bound of a re-aggregation flow's date (empty when none has one)",
    "actions": "governance actions coded",
    "flows": "data flows coded",
    "scenarios": "scenarios coded",
    "starts_left_out": "stage starts left out because the confidence behind them is below the minimum asked for (flywheel compare --min-confidence; 0 when none was asked): their start and bounds are empty, and so is the end of a stage they closed",
}
for _s in STAGES:
    DESCRIPTIONS[f"{_s}_start"] = (
        f"start of the city's first {_s} episode as a comparable day (xsd:date: the earliest "
        "it can be, else the latest)"
    )
    DESCRIPTIONS[f"{_s}_start_earliest"] = "the earliest day that episode can have started"
    DESCRIPTIONS[f"{_s}_start_latest"] = "the latest day that episode can have started"
    DESCRIPTIONS[f"{_s}_end"] = (
        "its stated end; else, when asked (flywheel compare --close-at-next), the next "
        "episode's start; else empty"
    )
    DESCRIPTIONS[f"{_s}_end_basis"] = (
        "where that end comes from: stated (coded), next episode (not coded; closed at the "
        "next episode's start because it was asked), unknown (not coded; a later episode "
        "exists) or open (no later episode, or coded as not yet ended)"
    )
    DESCRIPTIONS[f"{_s}_end_earliest"] = "the earliest bound of that end"
    DESCRIPTIONS[f"{_s}_end_latest"] = "the latest bound of that end"
    DESCRIPTIONS[f"{_s}_confidence"] = (
        "the weakest confidence behind that episode's start: its start's own claims (their "
        "confidence and their evidence's), else the episode's evidence"
    )
    DESCRIPTIONS[f"{_s}_dominant_logic"] = (
        f"the logic most coded actions in the {_s} stage followed"
    )


def _text(term: Term | str | None) -> str | None:
    return term if term is None or isinstance(term, str) else term.value


def _bound(term: Term | str | None) -> str:
    """The text of a variable the query binds in every row."""
    text = _text(term)
    if text is None:  # pragma: no cover - the compare queries bind it in every row
        raise ValueError("a compare query left a variable unbound")
    return text


def _compare_query(name: str) -> str:
    return paths.query_file_text(f"compare/{name}")


def compare(
    store: CaseStore,
    cases: Sequence[str] | None = None,
    min_confidence: str | None = None,
    close_at_next: bool = False,
    stored_rows: bool = True,
) -> list[dict[str, object]]:
    """One row per case (all cases, or those whose graph IRI is in ``cases``). With
    ``min_confidence`` (a word of :data:`kg.vocab.CONFIDENCES`), a stage start whose weakest
    confidence is weaker, or not graded, is left out, with the end of the stage it closed, and
    each row counts them (``starts_left_out``). With ``close_at_next``, a stage whose end is not
    coded ends at the next episode's start (``{stage}_end_basis`` 'next episode'); without it,
    that end stays unknown ('unknown'). The rows each case keeps (:mod:`kg.store.results`) are
    read where current; ``stored_rows=False`` asks the case graphs (the same table, slower)."""
    if min_confidence is not None and min_confidence not in CONFIDENCES:
        raise BadInput(f"no confidence level '{min_confidence}': one of {', '.join(CONFIDENCES)}")
    rows: dict[str, dict[str, object]] = {}
    timeline = get_query("stage-timeline")
    closing = {"closeAtNext": "true" if close_at_next else "false"}
    asked = {v.value: t for v, t in bind(timeline, closing | {"case": EVERY_CASE}).items()}
    queries = {
        "summary": ("compare-summary", _compare_query("summary"), None),
        "timeline": (
            timeline.name + (".closed-at-next" if close_at_next else ""),
            timeline.text,
            asked,
        ),
        "confidence": ("compare-confidence", _compare_query("confidence"), None),
        "logics": ("compare-logics", _compare_query("logics"), None),
    }
    kept = [stored(key) for key, _, _ in queries.values()] if stored_rows else []
    found = (
        read_texts(store, [k for k in kept if k is not None], cases)
        if kept and None not in kept
        else None
    )

    def results(name: str) -> list[PlainRow]:
        """The rows the cases keep for this query when current, else the query's own."""
        key, text, bindings = queries[name]
        if found is not None:
            return found[key]
        return [
            {k: _text(v) for k, v in r.items()}
            for r in rows_for_cases(store, text, cases, bindings)
        ]

    for r in results("summary"):
        case = _bound(r["case"])
        rows[case] = dict.fromkeys(COLUMNS) | {
            "case": case,
            "city": _text(r.get("cityLabel")),
            "actions": int(_bound(r["actions"])),
            "flows": int(_bound(r["flows"])),
            "scenarios": int(_bound(r["scenarios"])),
            "loop_closed": _text(r["loopClosed"]) == "true",
            "loop_closed_since": _text(r.get("loopSince")),
            "loop_closed_since_precision": PRECISION_WORDS.get(
                _text(r.get("loopSincePrecision")) or ""
            ),
            "loop_closed_by": _text(r.get("loopClosedBy")),
            "starts_left_out": 0,
        }
        for s in STAGES:
            rows[case][f"{s}_start_precision"] = rows[case][f"{s}_end_precision"] = None
    seen: set[tuple[str, str]] = set()
    firsts: list[tuple[str, str, str]] = []  # (case, stage, its first episode)
    # every episode in the city's order: (episode, the stage it is the first of, its end basis)
    order: dict[str, list[tuple[str, str | None, str | None]]] = defaultdict(list)
    for r in results("timeline"):  # ordered by sequence within a case
        case, stage = _bound(r["case"]), STAGE_OF.get(_text(r["stage"]) or "")
        first = case in rows and stage is not None and (case, stage) not in seen
        order[case].append((_bound(r["episode"]), stage if first else None, _text(r["endBasis"])))
        if not first or stage is None:
            continue  # only the first episode of each stage
        seen.add((case, stage))
        firsts.append((case, stage, _bound(r["episode"])))
        row = rows[case]
        row[f"{stage}_start"] = _text(r.get("start"))
        row[f"{stage}_start_precision"] = PRECISION_WORDS.get(_text(r.get("startPrecision")) or "")
        row[f"{stage}_end"] = _text(r.get("end"))
        row[f"{stage}_end_precision"] = PRECISION_WORDS.get(_text(r.get("endPrecision")) or "")
        row[f"{stage}_end_basis"] = _text(r.get("endBasis"))
        for part, variable in (
            ("start_earliest", "startEarliest"),
            ("start_latest", "startLatest"),
            ("end_earliest", "endEarliest"),
            ("end_latest", "endLatest"),
        ):
            row[f"{stage}_{part}"] = _text(r.get(variable))
    weakest = {
        (_bound(r["case"]), _bound(r["episode"])): CONFIDENCE_OF.get(_bound(r["weakest"]))
        for r in results("confidence")
    }
    for case, stage, episode in firsts:
        rows[case][f"{stage}_confidence"] = weakest.get((case, episode))
    if min_confidence is not None:
        _leave_out(rows, firsts, order, CONFIDENCES.index(min_confidence))
    counts: dict[tuple[str, str], dict[str, int]] = defaultdict(dict)
    for r in results("logics"):
        stage = STAGE_OF.get(_text(r["stage"]) or "")
        if stage:
            logic = LOGIC_OF.get(_bound(r["logic"]), _bound(r["logic"]))
            counts[(_bound(r["case"]), stage)][logic] = int(_bound(r["actions"]))
    for (case, stage), by_logic in counts.items():
        if case in rows:
            top = max(by_logic.values())
            rows[case][f"{stage}_dominant_logic"] = "+".join(
                sorted(k for k, v in by_logic.items() if v == top)
            )
    for row in rows.values():
        row["years_startup_to_inertia"], row["years_precision"] = _years(row)
        row["years_at_least"], row["years_at_most"] = _years_bounds(row)
    chosen = [rows[c] for c in sorted(rows) if cases is None or c in cases]
    return chosen


def _leave_out(
    rows: dict[str, dict[str, object]],
    firsts: Sequence[tuple[str, str, str]],
    order: Mapping[str, Sequence[tuple[str, str | None, str | None]]],
    floor: int,
) -> None:
    """Empty the starts graded weaker than the ``floor``'s level (or not graded), and the end
    of the stage each closed; count them per case."""
    left_out: Counter[str] = Counter()
    for case, stage, episode in firsts:
        row = rows[case]
        level = row[f"{stage}_confidence"]
        if isinstance(level, str) and CONFIDENCES.index(level) <= floor:
            continue
        for part in ("start", "start_precision", "start_earliest", "start_latest"):
            row[f"{stage}_{part}"] = None
        left_out[case] += 1
        episodes = [e for e, _, _ in order[case]]
        at = episodes.index(episode)
        if at > 0:
            _, before, basis = order[case][at - 1]
            if before is not None and basis == "next episode":
                for part in ("end", "end_precision", "end_earliest", "end_latest"):
                    row[f"{before}_{part}"] = None
                row[f"{before}_end_basis"] = "unknown"
    for case, count in left_out.items():
        rows[case]["starts_left_out"] = count


def _days(row: Mapping[str, object]) -> int | None:
    """Days from the start of the startup stage to the start of the inertia stage, if both are
    dated."""
    start, end = row.get("startup_start"), row.get("inertia_start")
    if not start or not end:
        return None
    return (dt.date.fromisoformat(str(end)) - dt.date.fromisoformat(str(start))).days


def _years(row: dict[str, object]) -> tuple[float | None, str | None]:
    days = _days(row)
    if days is None:
        return None, None
    precision = max(
        str(row["startup_start_precision"]),
        str(row["inertia_start_precision"]),
        key=lambda p: _RANK.get(p, 3),
    )
    return round(days / 365.25, 1), precision


def _between(start: object, end: object) -> int | None:
    """Days from one ISO date to another; None when either is missing."""
    if not start or not end:
        return None
    return (dt.date.fromisoformat(str(end)) - dt.date.fromisoformat(str(start))).days


def _years_bounds(row: Mapping[str, object]) -> tuple[float | None, float | None]:
    """The fewest and most years from startup to inertia the dates' bounds allow (as query 17:
    inertia's earliest start minus startup's latest, inertia's latest minus startup's earliest;
    days / 365.25 to two decimals); None where a bound is unknown."""
    least = _between(row.get("startup_start_latest"), row.get("inertia_start_earliest"))
    most = _between(row.get("startup_start_earliest"), row.get("inertia_start_latest"))
    return (
        None if least is None else round(least / 365.25, 2),
        None if most is None else round(most / 365.25, 2),
    )


def years_statistics(rows: Sequence[Mapping[str, object]]) -> dict[str, object]:
    """Question 17's statistics over :func:`compare`'s rows whose startup and inertia starts are
    both dated: how many such cities, and the median, shortest, longest and range of their years
    from startup to inertia (computed on days, then days / 365.25 to two decimals, as query 17
    computes its range; None when no city has both dates). Query 17 leaves the median out:
    SPARQL can rank a city only by comparing it with every other one."""
    days = [d for d in map(_days, rows) if d is not None]
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
