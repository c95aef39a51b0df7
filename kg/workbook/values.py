"""What the workbook modules share: mistakes, controlled values from the ontology, and the
spelling of ids, dates and IRIs in cells.

A date cell holds EDTF levels 0-1 (docs/dates.md), read by the `edtf` package: reading it writes
the date as written (fw:…EDTF), its comparable value, its inclusive bounds and its precision."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from rdflib import XSD, Literal, URIRef
from rdflib.namespace import SKOS
from rdflib.term import Node

from kg import ontology
from kg.errors import BadInput
from kg.rdf.lexical import DAY, DateError, parse_edtf
from kg.vocab import FW, KNOWN_PREFIXES, PRECISION_IRIS, curie
from kg.workbook.schema import LISTS, Column

ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._~-]*$")
SPLIT = re.compile(r"[;；\n]")
UNKNOWN_WORDS = {"unknown", "未知"}
MAX_ROWS = 1000  # how far down the template's dropdowns reach


# ------------------------------------------------------------------------------------------------
# Errors
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CellError:
    """One mistake in a filled workbook: where it is and what is wrong, in words."""

    sheet: str
    row: int
    column: str  # the column letter ("" for a whole sheet)
    header: str
    message: str
    message_zh: str = ""  # the same in Chinese, where the message has been written in both

    def __str__(self) -> str:
        if not self.sheet:
            return self.message
        where = f"sheet “{self.sheet}”"
        if self.row:
            where += f", row {self.row}"
        if self.column:
            where += f", column {self.column}"
            if self.header:
                where += f" ({self.header})"
        text = f"{where}: {self.message}"
        if self.message_zh:
            where_zh = f"工作表“{self.sheet}”"
            if self.row:
                where_zh += f"第 {self.row} 行"
            if self.column:
                where_zh += f"第 {self.column} 列"
                if self.header:
                    where_zh += f"({self.header})"
            text += f"\n{where_zh}:{self.message_zh}"
        return text


class CellProblem(ValueError):
    """What is wrong with one cell, in English (``str``) and Chinese (``zh``)."""

    def __init__(self, en: str, zh: str) -> None:
        super().__init__(en)
        self.zh = zh


class WorkbookError(BadInput):
    """A workbook that cannot be turned into a case; ``errors`` lists every mistake found."""

    def __init__(self, path: str, errors: Sequence[CellError]) -> None:
        super().__init__(f"{path}: {len(errors)} mistake(s)")
        self.path = path
        self.errors = list(errors)


def column_letter(index: int) -> str:
    """The spreadsheet letter of a 0-based column index (0 → A, 26 → AA)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


# ------------------------------------------------------------------------------------------------
# Controlled values, from the ontology
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Choice:
    iri: URIRef
    en: str
    zh: str

    def label(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


@cache
def choices(name: str) -> tuple[Choice, ...]:
    """The values of a controlled list with their English and Chinese labels, in order."""
    spec = LISTS[name]
    graph = ontology.ontology_graph()
    if spec.scheme is not None:
        members = [s for s in graph.subjects(SKOS.inScheme, spec.scheme) if isinstance(s, URIRef)]

        def order(iri: URIRef) -> tuple[int, str]:
            """fw:order (every concept of the ontology's lists has one), then the IRI."""
            value = graph.value(iri, FW.order)
            return (int(value) if isinstance(value, Literal) else sys.maxsize, str(iri))

        members.sort(key=order)
    else:
        members = list(spec.classes)
    given = {term: (en, zh) for term, en, zh in spec.labels}
    return tuple(
        Choice(
            m,
            given[m][0] if m in given else ontology.label(str(m), "en") or str(m),
            given[m][1] if m in given else ontology.label(str(m), "zh") or str(m),
        )
        for m in members
    )


@cache
def choice_index(name: str) -> dict[str, URIRef]:
    index: dict[str, URIRef] = {}
    for choice in choices(name):
        local = str(choice.iri).rsplit("#", 1)[-1]
        for key in (choice.en, choice.zh, local, f"fw:{local}", short(choice.iri)):
            index[norm(key)] = choice.iri
    return index


def norm(text: str) -> str:
    return " ".join(text.split()).casefold()


def listed(name: str, lang: str = "en") -> str:
    return ", ".join(c.label(lang) for c in choices(name))


def claim_iri(record: URIRef, coder: str, predicate: URIRef, value: Node) -> URIRef:
    """The IRI of one coder's claim of one value for one property of a record (a second coder's
    row): stable, so that reading a workbook twice gives the same graph."""
    coder_key = hashlib.sha1(coder.encode("utf-8")).hexdigest()[:10]
    name = re.sub(r"[^A-Za-z0-9]+", "-", short(predicate)).strip("-")
    value_key = hashlib.sha1(value.n3().encode("utf-8")).hexdigest()[:10]
    return URIRef(f"{record}/claim/{coder_key}/{name}/{value_key}")


def short(iri: str) -> str:
    """An IRI as the workbook writes it: a CURIE where a known prefix fits."""
    return curie(iri, KNOWN_PREFIXES)


# ------------------------------------------------------------------------------------------------
# Dates in cells
# ------------------------------------------------------------------------------------------------


def date_triples(text: str, column: Column) -> list[tuple[URIRef, Node]]:
    """What a date cell says, as (predicate, object) pairs for its record: for a dated column
    with a precision, the EDTF as written, the comparable value, the bounds and the precision
    (docs/dates.md); for a day-only column (the coding date), the day. Raises DateError (a
    ValueError) saying what is wrong in English and Chinese."""
    if column.predicate is None:  # pragma: no cover - every date column has a predicate
        raise TypeError(f"the {column.key} column has no predicate")
    if column.precision is None:
        try:
            if not DAY.match(text):
                raise ValueError
            day = dt.date.fromisoformat(text)
        except ValueError:
            raise DateError(
                f"“{text}” is not a date: write the day as 2016-04-13",
                f"“{text}”不是日期:请按 2016-04-13 的格式写明日期",
            ) from None
        return [(column.predicate, Literal(day.isoformat(), datatype=XSD.date))]
    if norm(text) in UNKNOWN_WORDS:
        return [(column.precision, FW.UnknownDate)]
    parsed = parse_edtf(text, end=column.end)
    found: list[tuple[URIRef, Node]] = [
        (column.precision, URIRef(PRECISION_IRIS[parsed.precision]))
    ]
    if column.edtf is not None:
        found.append((column.edtf, Literal(parsed.text)))
    if parsed.value is not None:
        found.append((column.predicate, Literal(parsed.value.isoformat(), datatype=XSD.date)))
    if parsed.earliest is not None and column.earliest is not None:
        found.append((column.earliest, Literal(parsed.earliest.isoformat(), datatype=XSD.date)))
    if parsed.latest is not None and column.latest is not None:
        found.append((column.latest, Literal(parsed.latest.isoformat(), datatype=XSD.date)))
    return found
