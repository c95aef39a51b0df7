"""The comparison row of a case (``flywheel compare``, ``/compare``, the page): its columns, and
its assembly from compare's four queries (``queries/compare``: summary, confidence, logics; and
question 2, the stage timeline) over that case alone.

A row depends on its case's graph and the ontology only, so each case keeps its finished rows
(its ends left unknown, and closed at the next start) with its catalog entry, made when it is
written (:mod:`kg.store.results`); ``compare`` reads them, and assembles them here from the
queries' rows over the case graphs when they are not current. Leaving out weakly graded starts
(``--min-confidence``) is done on a finished row, with what :class:`CaseRow` keeps for it.

Each stage's start and end with their precision and inclusive earliest/latest bounds (an end
not coded stays unknown unless the caller asks to close it at the next episode's start, and
``{stage}_end_basis`` says which; bounds as query 02 gives them, from the case's coded bounds or
else from the precision), years from startup to inertia (from the comparable values, and the
fewest and most the bounds allow), whether and since when the loop is closed, the dominant
logic per stage (most coded actions; ties joined with '+'), and counts of actions, flows and
scenarios. Unknown stays visible: an unknown date is an empty cell with precision 'unknown',
never a guess.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from kg.vocab import (
    CONFIDENCE_OF,
    CONFIDENCES,
    LOGIC_OF,
    PRECISION_WORDS,
    PRECISIONS,
    STAGE_OF,
    STAGES,
)

PlainRow = dict[str, str | None]  # a query's row, every value as its text (unbound: None)

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


@dataclass(frozen=True)
class CaseRow:
    """A case's comparison row (a value for each of :data:`COLUMNS`) and, for each stage whose
    first episode it dates, the stage whose end that episode's start closed (its end not coded,
    closed at the next start: emptied with the start it came from), or None."""

    row: dict[str, object]
    closes: dict[str, str | None]

    def to_json(self) -> list:
        """The row as JSON keeps it: its values in :data:`COLUMNS` order, then ``closes``."""
        return [[self.row[c] for c in COLUMNS], self.closes]

    @classmethod
    def from_json(cls, kept: list) -> CaseRow:
        values, closes = kept
        return cls(dict(zip(COLUMNS, values, strict=True)), closes)


def _bound(value: str | None) -> str:
    """The text of a variable the query binds in every row."""
    if value is None:  # pragma: no cover - the compare queries bind it in every row
        raise ValueError("a compare query left a variable unbound")
    return value


def assemble(
    summary: Iterable[PlainRow],
    timeline: Iterable[PlainRow],
    confidence: Iterable[PlainRow],
    logics: Iterable[PlainRow],
) -> dict[str, CaseRow]:
    """Each case's comparison row, by case IRI, from its rows of compare's queries (the
    timeline's in sequence order within a case): every case that has a summary row."""
    rows: dict[str, dict[str, object]] = {}
    for r in summary:
        case = _bound(r["case"])
        rows[case] = dict.fromkeys(COLUMNS) | {
            "case": case,
            "city": r.get("cityLabel"),
            "actions": int(_bound(r["actions"])),
            "flows": int(_bound(r["flows"])),
            "scenarios": int(_bound(r["scenarios"])),
            "loop_closed": r["loopClosed"] == "true",
            "loop_closed_since": r.get("loopSince"),
            "loop_closed_since_precision": PRECISION_WORDS.get(r.get("loopSincePrecision") or ""),
            "loop_closed_by": r.get("loopClosedBy"),
            "starts_left_out": 0,
        }
    firsts: dict[tuple[str, str], str] = {}  # (case, stage) -> its first episode
    closes: dict[str, dict[str, str | None]] = defaultdict(dict)
    before: dict[str, tuple[str | None, str | None]] = {}  # case -> its last episode's
    for r in timeline:  # in sequence order within a case
        case, stage = _bound(r["case"]), STAGE_OF.get(r["stage"] or "")
        first = case in rows and stage is not None and (case, stage) not in firsts
        previous, basis = before.get(case, (None, None))
        before[case] = (stage if first else None, r["endBasis"])
        if not first or stage is None:
            continue  # only the first episode of each stage
        firsts[(case, stage)] = _bound(r["episode"])
        closes[case][stage] = previous if basis == "next episode" else None
        row = rows[case]
        row[f"{stage}_start"] = r.get("start")
        row[f"{stage}_start_precision"] = PRECISION_WORDS.get(r.get("startPrecision") or "")
        row[f"{stage}_end"] = r.get("end")
        row[f"{stage}_end_precision"] = PRECISION_WORDS.get(r.get("endPrecision") or "")
        row[f"{stage}_end_basis"] = r.get("endBasis")
        for part, variable in (
            ("start_earliest", "startEarliest"),
            ("start_latest", "startLatest"),
            ("end_earliest", "endEarliest"),
            ("end_latest", "endLatest"),
        ):
            row[f"{stage}_{part}"] = r.get(variable)
    weakest = {(_bound(r["case"]), _bound(r["episode"])): r["weakest"] for r in confidence}
    for (case, stage), episode in firsts.items():
        rows[case][f"{stage}_confidence"] = CONFIDENCE_OF.get(weakest.get((case, episode)) or "")
    counts: dict[tuple[str, str], dict[str, int]] = defaultdict(dict)
    for r in logics:
        stage = STAGE_OF.get(r["stage"] or "")
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
        _with_years(row)
    return {case: CaseRow(row, closes[case]) for case, row in rows.items()}


def without_weak_starts(kept: CaseRow, min_confidence: str) -> dict[str, object]:
    """A copy of the row with each stage start graded weaker than ``min_confidence`` (a word of
    :data:`kg.vocab.CONFIDENCES`), or not graded, left out: its start and bounds emptied, the
    end it closed at the next start emptied too (its basis 'unknown'), the years recomputed, and
    ``starts_left_out`` counting them."""
    floor = CONFIDENCES.index(min_confidence)
    row = dict(kept.row)
    for stage, closed in kept.closes.items():
        level = row[f"{stage}_confidence"]
        if isinstance(level, str) and CONFIDENCES.index(level) <= floor:
            continue
        for part in ("start", "start_precision", "start_earliest", "start_latest"):
            row[f"{stage}_{part}"] = None
        row["starts_left_out"] = int(str(row["starts_left_out"])) + 1
        if closed is not None:
            for part in ("end", "end_precision", "end_earliest", "end_latest"):
                row[f"{closed}_{part}"] = None
            row[f"{closed}_end_basis"] = "unknown"
    if row["starts_left_out"]:
        _with_years(row)
    return row


def _with_years(row: dict[str, object]) -> None:
    """Set the row's years from startup to inertia and their bounds from its dates."""
    row["years_startup_to_inertia"], row["years_precision"] = _years(row)
    row["years_at_least"], row["years_at_most"] = _years_bounds(row)


def days_to_inertia(row: Mapping[str, object]) -> int | None:
    """Days from the start of the startup stage to the start of the inertia stage, if both are
    dated."""
    return _between(row.get("startup_start"), row.get("inertia_start"))


def _years(row: Mapping[str, object]) -> tuple[float | None, str | None]:
    days = days_to_inertia(row)
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
