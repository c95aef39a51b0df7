"""The lexical forms flywheel accepts for values typed by people (named-query parameters,
workbook cells): one definition each, used everywhere.

A date as scholars write it is EDTF levels 0-1 (docs/dates.md), parsed by the `edtf` package
(never by a regular expression here): :func:`parse_edtf` gives its comparable value, inclusive
bounds and precision.

An IRI is checked by pyoxigraph's IRI parser (RFC 3987) after a stricter look at its characters:
no white space of any script (U+3000 included: a typing slip, never meant) and no control or
format character anywhere, though RFC 3987 allows some of them.
"""

from __future__ import annotations

import datetime as dt
import re
import time
import unicodedata
from dataclasses import dataclass

import pyoxigraph as ox

__all__ = [
    "DAY",
    "DECIMAL",
    "INTEGER",
    "MONTH",
    "YEAR",
    "DateError",
    "EDTFDate",
    "is_absolute_iri",
    "parse_edtf",
]

DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")  # YYYY-MM-DD (is it a real day: datetime says)
MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
YEAR = re.compile(r"^\d{4}$")
INTEGER = re.compile(r"^[+-]?\d+$")
DECIMAL = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$")  # a whole number is a decimal too
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")


def is_absolute_iri(text: str) -> bool:
    """Whether the text is an absolute IRI (a scheme, then what RFC 3987 allows), with no white
    space, control or format character in it."""
    if not _SCHEME.match(text):
        return False
    if any(c.isspace() or unicodedata.category(c) in ("Cc", "Cf") for c in text):
        return False
    try:
        ox.NamedNode(text)
    except ValueError:
        return False
    return True


# ------------------------------------------------------------------------------------------------
# Dates as scholars write them: EDTF levels 0 and 1 (docs/dates.md), parsed by the `edtf` package
# ------------------------------------------------------------------------------------------------


# the edtf classes of levels 0 and 1 this project accepts (level 2, times of day and years
# beyond four digits are refused: case sources do not need them)
_EDTF_POINTS = {"Date", "UncertainOrApproximate", "Season", "Unspecified"}
_EDTF_INTERVALS = {"Interval", "Level1Interval"}
_OPEN_WORDS = {"..", ""}


class DateError(ValueError):
    """A date that cannot be read, saying what is wrong in English (``str``) and Chinese
    (``zh``)."""

    def __init__(self, en: str, zh: str) -> None:
        super().__init__(en)
        self.zh = zh


_HOW_EN = (
    "write 2016-04-13 (day), 2016-04 (month), 2016 (year), 2016/2017 (some day between), "
    "../2018-06 (on or before: first attested), 2020/.. (on or after) or unknown"
)
_HOW_ZH = (
    "请写 2016-04-13(日)、2016-04(月)、2016(年)、2016/2017(其间某日)、"
    "../2018-06(不晚于,即最早见证)、2020/..(不早于)或“未知”"
)


@dataclass(frozen=True)
class EDTFDate:
    """A date as written in EDTF, with what docs/dates.md derives from it: the comparable value
    (the earliest bound, else the latest), inclusive bounds (None: not known) and a precision
    word of :data:`kg.vocab.PRECISIONS`. ``uncertain`` when the text marks it ``?``, ``~`` or ``%``
    (the claim's business: code it fw:Suspected)."""

    text: str
    value: dt.date | None
    earliest: dt.date | None
    latest: dt.date | None
    precision: str
    uncertain: bool = False


def _edtf_day(parts: time.struct_time, text: str) -> dt.date:
    """A struct_time from the edtf package as a real calendar day (edtf lets 2015-02-29 pass)."""
    year, month, day = parts.tm_year, parts.tm_mon, parts.tm_mday
    if not 1 <= year <= 9999:
        raise DateError(f"“{text}”: write a year of four digits", f"“{text}”:年份请写四位数字")
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise DateError(
            f"“{text}” is not a day of the calendar", f"“{text}”不是日历上存在的日期"
        ) from None


def _edtf_point(node: object, text: str) -> tuple[dt.date, dt.date, str, bool]:
    """Bounds, precision word and uncertainty of one EDTF date (not an interval)."""
    kind = type(node).__name__
    if kind not in _EDTF_POINTS:
        raise DateError(
            f"“{text}” uses EDTF beyond level 1 or a time of day: {_HOW_EN}",
            f"“{text}”超出了 EDTF 第 1 级或带有时刻:{_HOW_ZH}",
        )
    earliest = _edtf_day(node.lower_strict(), text)  # type: ignore[attr-defined]
    latest = _edtf_day(node.upper_strict(), text)  # type: ignore[attr-defined]
    wrapped = kind == "UncertainOrApproximate"
    inner = getattr(node, "date", node) if wrapped else node
    uncertain = wrapped and bool(getattr(node, "ua", None))
    if type(inner).__name__ == "Date":
        precision = getattr(inner, "precision", None) or "range"
    else:
        precision = "range"
    if precision not in ("day", "month", "year"):
        precision = "range"
    return earliest, latest, precision, uncertain


def parse_edtf(text: str, *, end: bool = False) -> EDTFDate:
    """The date a coder wrote in EDTF levels 0-1 (``2016``, ``2016-04``, ``2016-04-13``,
    ``2016-04?``, ``2016-21``, ``201X``, ``2016/2017``, ``../2018-06``, ``2020/..``), with its
    comparable value, bounds and precision as docs/dates.md gives them. ``end``: the text is an
    end, where ``..`` alone means not yet ended (ongoing) and an empty text an unknown end.
    Raises :class:`DateError` (a ValueError) saying what is wrong, in English and Chinese."""
    from edtf import parse_edtf as _parse  # the edtf package; its grammar is pyparsing's
    from edtf.parser.edtf_exceptions import EDTFParseException

    written = text.strip()
    if end and written == "..":
        return EDTFDate(written, None, None, None, "ongoing")
    if not written:
        return EDTFDate(written, None, None, None, "unknown")
    try:
        parsed = _parse(written)
    except EDTFParseException:
        raise DateError(
            f"“{written}” is not a date in EDTF: {_HOW_EN}",
            f"“{written}”不是 EDTF 日期:{_HOW_ZH}",
        ) from None
    kind = type(parsed).__name__
    if kind not in _EDTF_INTERVALS:
        first, last, precision, marked = _edtf_point(parsed, written)
        return EDTFDate(written, first, first, last, precision, marked)
    lower, upper = parsed.lower, parsed.upper
    low = None if type(lower).__name__ == "UnspecifiedIntervalSection" else lower
    high = None if type(upper).__name__ == "UnspecifiedIntervalSection" else upper
    if low is None and high is None:
        raise DateError(
            f"“{written}” gives neither a start nor an end", f"“{written}”既无起点也无终点"
        )
    uncertain = False
    earliest: dt.date | None = None
    latest: dt.date | None = None
    if low is not None:
        earliest, _, _, low_uncertain = _edtf_point(low, written)
        uncertain = uncertain or low_uncertain
    if high is not None:
        _, latest, _, high_uncertain = _edtf_point(high, written)
        uncertain = uncertain or high_uncertain
    if earliest is not None and latest is not None:
        if earliest > latest:
            raise DateError(
                f"“{written}”: the interval starts after it ends",
                f"“{written}”:区间的起点晚于终点",
            )
        return EDTFDate(written, earliest, earliest, latest, "range", uncertain)
    if earliest is not None:
        return EDTFDate(written, earliest, earliest, None, "on or after", uncertain)
    return EDTFDate(written, latest, None, latest, "on or before", uncertain)
