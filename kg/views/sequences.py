"""Each city's sequence of stages for sequence analysis (R's TraMineR), from question 2.

Two layouts TraMineR reads (``seqformat``, ``seqdef``):

- **SPELL**: one row per episode: the city, its place in the city's sequence, the stage, and
  its begin and end each with their comparable day, bounds and precision, and as a month index
  (months since December 1999: January 2000 = 1), the integer time TraMineR's SPELL format
  wants. An end is as question 2 gives it: stated; one not coded is empty unless the caller
  asks to close it at the next episode's start (``end_basis`` says which).
- **STS**: one row per city, one column per calendar month: the stage in force on the month's
  last day, by the episodes' comparable starts (the earliest each can be); empty before the
  first episode, after a stated end with nothing coded after it, and for a city whose starts are
  unknown. The last episode, if open, is carried to the table's last month (the last month any
  city's coded date reaches) and the codebook says so.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pyoxigraph as ox

from kg.sparql.named import EVERY_CASE, bind, get_query
from kg.store import CaseStore
from kg.views.common import rows_for_cases
from kg.vocab import PRECISION_WORDS, STAGE_OF

SPELL_COLUMNS = (
    "id",
    "case",
    "sequence",
    "stage",
    "begin",
    "begin_earliest",
    "begin_latest",
    "begin_precision",
    "begin_month",
    "end",
    "end_earliest",
    "end_latest",
    "end_precision",
    "end_month",
    "end_basis",
)


def month_index(day: dt.date) -> int:
    """Months since December 1999: January 2000 is 1, December 2016 is 204."""
    return (day.year - 2000) * 12 + day.month


def month_label(index: int) -> str:
    """'2016-04' for a month index."""
    year, month = divmod(index - 1, 12)
    return f"{2000 + year:04d}-{month + 1:02d}"


def _text(term: object) -> str | None:
    return term.value if isinstance(term, ox.NamedNode | ox.Literal) else None


def _day(text: str | None) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


def spell_rows(
    store: CaseStore, cases: Sequence[str] | None = None, close_at_next: bool = False
) -> list[dict[str, object]]:
    """One row per stage episode of every case (or of ``cases``, IRIs), in each case's order;
    an end not coded is closed at the next episode's start only with ``close_at_next``."""
    timeline = get_query("stage-timeline")
    asked = {"closeAtNext": "true" if close_at_next else "false", "case": EVERY_CASE}
    bindings = {v.value: t for v, t in bind(timeline, asked).items()}
    found = rows_for_cases(store, timeline.text, cases, bindings)
    rows: list[dict[str, object]] = []
    for r in found:
        case = _text(r.get("case")) or ""
        begin, end = _day(_text(r.get("start"))), _day(_text(r.get("end")))
        rows.append(
            {
                "id": case.rstrip("/").rsplit("/", 1)[-1],
                "case": case,
                "sequence": int(_text(r.get("sequence")) or 0) or None,
                "stage": STAGE_OF.get(_text(r.get("stage")) or ""),
                "begin": _text(r.get("start")),
                "begin_earliest": _text(r.get("startEarliest")),
                "begin_latest": _text(r.get("startLatest")),
                "begin_precision": PRECISION_WORDS.get(_text(r.get("startPrecision")) or ""),
                "begin_month": month_index(begin) if begin else None,
                "end": _text(r.get("end")),
                "end_earliest": _text(r.get("endEarliest")),
                "end_latest": _text(r.get("endLatest")),
                "end_precision": PRECISION_WORDS.get(_text(r.get("endPrecision")) or ""),
                "end_month": month_index(end) if end else None,
                "end_basis": _text(r.get("endBasis")),
            }
        )
    rows.sort(key=lambda row: (str(row["case"]), row["sequence"] or 0))
    return rows


def _last_day(index: int) -> dt.date:
    year, month = divmod(index, 12)  # the first day of the next month, less one day
    return dt.date(2000 + year, month + 1, 1) - dt.timedelta(days=1)


def sts_rows(spells: Sequence[dict[str, object]]) -> tuple[list[str], list[dict[str, object]]]:
    """The SPELL rows as one row per case and one column per month (see the module's rule)."""
    months = [m for s in spells for m in (s["begin_month"], s["end_month"]) if isinstance(m, int)]
    columns = ["id", "case"]
    if not months:
        return columns, []
    grid = list(range(min(months), max(months) + 1))
    columns += [month_label(m) for m in grid]
    by_case: dict[str, list[dict[str, object]]] = {}
    for spell in spells:
        by_case.setdefault(str(spell["case"]), []).append(spell)
    rows = []
    for case, episodes in sorted(by_case.items()):
        row: dict[str, object] = {"id": episodes[0]["id"], "case": case}
        # (comparable start, sequence, stage, stated end or None) of the episodes with a start
        placed = [
            (begin, int(str(e["sequence"] or 0)), e["stage"], _stated_end(e))
            for e in episodes
            if (begin := _day(_text_of(e["begin"]))) is not None
        ]
        for month in grid:
            last = _last_day(month)
            started = [p for p in placed if p[0] <= last]
            state = None
            if started:
                _, _, stage, end = max(started, key=lambda p: (p[0], p[1]))
                state = stage if end is None or end >= last else None
            row[month_label(month)] = state
        rows.append(row)
    return columns, rows


def _text_of(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _stated_end(spell: dict[str, object]) -> dt.date | None:
    """An episode's stated end; None when it is closed by the next start or open."""
    return _day(_text_of(spell["end"])) if spell["end_basis"] == "stated" else None
