"""Reading a filled coding workbook into a case graph, collecting every mistake on the way.

Rows that share an id on a claim sheet but name different coders: the first row's values are the
record's, each later row becomes fw:Claim nodes beside it, one per value (see :mod:`kg.workbook`).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass, replace

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, XSD
from rdflib.term import Node

from kg.rdf.lexical import DECIMAL, INTEGER, YEAR, is_absolute_iri, parse_edtf
from kg.rdf.names import case_iri_problem
from kg.vocab import FW
from kg.workbook.schema import (
    ALL_SHEETS,
    CLAIM_PROPERTIES,
    CLAIMS,
    LISTS,
    OTHER,
    SHEETS,
    Column,
    Kind,
    Record,
    Sheet,
)
from kg.workbook.values import (
    ID,
    KNOWN_PREFIXES,
    SPLIT,
    CellError,
    CellProblem,
    choice_index,
    choices,
    claim_iri,
    column_letter,
    date_triples,
    listed,
    norm,
)

# ------------------------------------------------------------------------------------------------
# Tables: a sheet as a header row and data rows of text cells, from .xlsx or .csv
# ------------------------------------------------------------------------------------------------


@dataclass
class Table:
    name: str  # as the user sees it: the sheet's name, or the CSV file's name
    headers: list[str]
    rows: list[list[str]]  # data rows; row i is spreadsheet row i + 2
    # (row i, column j) of each cell the spreadsheet held as a date, not as text
    dates: frozenset[tuple[int, int]] = frozenset()


def cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if getattr(value, "t", None) in ("array", "dataTable"):  # openpyxl's formula objects
        return getattr(value, "text", None) or "="  # the formula's text, never its result
    return str(value)


class WorkbookReader:
    """Turns tables into a graph, collecting every mistake on the way."""

    def __init__(self, tables: dict[str, Table]) -> None:
        self.tables = tables
        self.errors: list[CellError] = []
        self.notes: list[CellError] = []  # what was read, but may not be what was meant
        self.graph = Graph()
        self.ns = "urn:x-flywheel:missing-case-iri/"
        self.ids: dict[str, tuple[str, int]] = {}
        self.columns: dict[str, list[Column | None]] = {}
        self.bnodes: dict[str, BNode] = {}
        self.coders: dict[str, set[str]] = {}  # record → the coders of its rows

    # -- helpers --------------------------------------------------------------------------------

    def error(
        self, table: Table, row: int, index: int | None, message: str, message_zh: str = ""
    ) -> None:
        header = table.headers[index] if index is not None and index < len(table.headers) else ""
        letter = column_letter(index) if index is not None else ""
        self.errors.append(CellError(table.name, row, letter, header, message, message_zh))

    def _note_date(self, table: Table, row: int, index: int, value: str) -> None:
        """A date column's cell the spreadsheet held as a date: it has no precision of its own,
        so it is read as a day; say so, and ask for text."""
        header = table.headers[index] if index < len(table.headers) else ""
        message = (
            f"the cell holds a spreadsheet date, not text: read as {value[:10]}, day precision. "
            "If the source gives only the month or the year, type it as text (2019-03 or 2019: "
            "format the column as Text, or start the cell with an apostrophe, '2019-03)"
        )
        self.notes.append(CellError(table.name, row, column_letter(index), header, message))

    def _map_headers(self, sheet: Sheet, table: Table) -> list[Column | None]:
        mapped: list[Column | None] = []
        seen: dict[str, int] = {}
        for index, header in enumerate(table.headers):
            text = norm(header or "")
            if not text:
                mapped.append(None)
                continue
            column = next(
                (
                    c
                    for c in sheet.columns
                    if text in {norm(h) for h in (c.en, c.zh, c.key, *c.aliases)}
                ),
                None,
            )
            if column is None:
                known = "; ".join(c.en for c in sheet.columns)
                self.error(
                    table,
                    1,
                    index,
                    f"“{header}” is not a column of this sheet (its "
                    f"columns are: {known}; or their Chinese names)",
                )
            elif column.key in seen:
                self.error(
                    table,
                    1,
                    index,
                    f"this column appears twice (also column {column_letter(seen[column.key])})",
                )
                column = None
            else:
                seen[column.key] = index
            mapped.append(column)
        return mapped

    def _cells(self, sheet: Sheet, row: list[str]) -> dict[str, tuple[str, int]]:
        cells: dict[str, tuple[str, int]] = {}
        for index, column in enumerate(self.columns[sheet.key]):
            if column is not None and index < len(row):
                raw = row[index] if isinstance(row[index], str) else cell_text(row[index])
                if sheet is OTHER:
                    if raw != "":
                        cells[column.key] = (raw, index)
                elif raw.strip():
                    cells[column.key] = (raw.strip(), index)
        return cells

    def _resource(self, text: str, *, allow_id: bool = True) -> URIRef | BNode | None:
        text = text.strip()
        if text.startswith("<") and text.endswith(">"):
            inner = text[1:-1].strip()
            return URIRef(inner) if is_absolute_iri(inner) else None
        if text.startswith("_:") and len(text) > 2:
            return self.bnodes.setdefault(text[2:], BNode())
        if re.match(r"^https?://", text) and is_absolute_iri(text):
            return URIRef(text)
        if ":" in text:
            prefix, local = text.split(":", 1)
            if prefix in KNOWN_PREFIXES:
                return URIRef(KNOWN_PREFIXES[prefix] + local)
            return None
        if allow_id and ID.match(text):
            return URIRef(self.ns + text)
        return None

    # -- the passes -----------------------------------------------------------------------------

    def read(self) -> Graph:
        """The case graph; the mistakes found are in ``errors``."""
        for sheet in ALL_SHEETS:
            table = self.tables.get(sheet.key)
            if table is not None:
                self.columns[sheet.key] = self._map_headers(sheet, table)
        self._case_iri()
        self._collect_ids()
        for sheet in SHEETS:
            if sheet is CLAIMS and sheet.key in self.tables:
                self._read_claims(self.tables[sheet.key])
            elif sheet.key in self.tables:
                self._read_sheet(sheet, self.tables[sheet.key])
        if OTHER.key in self.tables:
            self._read_other(self.tables[OTHER.key])
        return self.graph

    def _case_iri(self) -> None:
        table = self.tables.get("case")
        if table is None:
            self.errors.append(
                CellError(
                    "case",
                    0,
                    "",
                    "",
                    "the workbook has no “case” sheet, which names the case (its IRI)",
                )
            )
            return
        sheet = SHEETS[0]
        rows = [(n, r) for n, r in enumerate(table.rows, start=2) if any(str(c).strip() for c in r)]
        iri_index = next(
            (i for i, c in enumerate(self.columns["case"]) if c and c.key == "case_iri"), None
        )
        if not rows or iri_index is None:
            self.error(
                table,
                2,
                iri_index,
                "the case IRI is missing: give the case a name such as "
                "https://w3id.org/dataflywheel/case/my-city",
            )
            return
        for number, _ in rows[1:]:
            self.error(
                table, number, None, "the case sheet has one row; this extra row is not read"
            )
        number, row = rows[0]
        value, index = self._cells(sheet, row).get("case_iri", ("", iri_index))
        if not value:
            self.error(
                table,
                number,
                index,
                "the case IRI is missing: give the case a name such "
                "as https://w3id.org/dataflywheel/case/my-city",
            )
        elif (problem := case_iri_problem(value)) is not None:  # names the character
            self.error(table, number, index, problem)  # it could never be loaded
        elif (
            not re.match(r"^https?://", value) or not is_absolute_iri(value) or value.endswith("/")
        ):
            self.error(
                table,
                number,
                index,
                f"“{value}” is not a usable case IRI: write a web "
                "address without spaces that does not end in /, such as "
                "https://w3id.org/dataflywheel/case/my-city",
            )
        else:
            self.ns = value + "/"

    def _collect_ids(self) -> None:
        for sheet in SHEETS:
            table = self.tables.get(sheet.key)
            if table is None:
                continue
            first: dict[str, int] = {}
            for number, row in enumerate(table.rows, start=2):
                cells = self._cells(sheet, row)
                for record in sheet.records:
                    if record.name == "header" or record.id_column not in cells:
                        continue
                    value, index = cells[record.id_column]
                    if not ID.match(value):
                        self.error(
                            table,
                            number,
                            index,
                            f"“{value}” is not a usable id: use "
                            "letters, digits and - _ . only, with no spaces",
                        )
                        continue
                    if value in self.ids and value not in first:
                        other_sheet, other_row = self.ids[value]
                        self.error(
                            table,
                            number,
                            index,
                            f"the id “{value}” is already used on "
                            f"sheet “{other_sheet}”, row {other_row}",
                        )
                        continue
                    if value in first and not sheet.claims:
                        self.error(
                            table,
                            number,
                            index,
                            f"the id “{value}” is already used in row {first[value]} of this sheet",
                        )
                        continue
                    first.setdefault(value, number)
                    self.ids.setdefault(value, (table.name, number))
        table = self.tables.get(OTHER.key)
        if table is not None:
            for number, row in enumerate(table.rows, start=2):
                subject = self._cells(OTHER, row).get("subject", ("", 0))[0].strip()
                if ID.match(subject):
                    self.ids.setdefault(subject, (table.name, number))

    def _read_sheet(self, sheet: Sheet, table: Table) -> None:
        primary: dict[str, tuple[int, str | None]] = {}
        read_one = False
        for number, row in enumerate(table.rows, start=2):
            cells = self._cells(sheet, row)
            if not cells or (sheet.key == "case" and read_one):
                continue
            read_one = True
            for record in sheet.records:
                mine = {k: v for k, v in cells.items() if sheet.column(k).record == record.name}
                if not mine:
                    continue
                if record.name == "header":
                    subject = URIRef(self.ns[:-1])
                elif record.id_column not in mine:
                    first = min(mine.values(), key=lambda v: v[1])
                    index = next(
                        (
                            i
                            for i, c in enumerate(self.columns[sheet.key])
                            if c and c.key == record.id_column
                        ),
                        first[1],
                    )
                    self.error(
                        table,
                        number,
                        index,
                        "this row has values but no id: give it an "
                        "id so that other rows can refer to it",
                    )
                    continue
                else:
                    value = mine[record.id_column][0]
                    if not ID.match(value) or self.ids.get(value, (None,))[0] != table.name:
                        continue  # reported when collecting ids
                    subject = URIRef(self.ns + value)
                coder = mine.get("coder", ("", 0))[0] if sheet.claims else None
                key = str(subject)
                if key in primary:
                    self._coding_row(sheet, record, table, number, mine, subject, primary[key])
                    continue
                primary[key] = (number, coder)
                for triple in self._row_triples(sheet, record, table, number, mine, subject, True):
                    self.graph.add(triple)

    def _coding_row(
        self,
        sheet: Sheet,
        record: Record,
        table: Table,
        number: int,
        cells: dict[str, tuple[str, int]],
        subject: URIRef,
        first: tuple[int, str | None],
    ) -> None:
        first_row, first_coder = first
        coder, index = cells.get("coder", ("", None))
        coder_index = next(
            (i for i, c in enumerate(self.columns[sheet.key]) if c and c.key == "coder"), None
        )
        if not coder or not first_coder:
            self.error(
                table,
                number,
                coder_index,
                f"the id “{cells[record.id_column][0]}” is also "
                f"coded in row {first_row}: when one id has several rows, each row needs "
                "its coder, and the coders must differ",
            )
            return
        done = self.coders.setdefault(str(subject), {first_coder})
        if coder in done:
            self.error(
                table,
                number,
                index,
                f"“{coder}” already coded “{cells[record.id_column][0]}"
                "” on another row: one row per coder and id",
            )
            return
        done.add(coder)
        values: dict[URIRef, list[Node]] = defaultdict(list)
        for _, predicate, value in self._row_triples(
            sheet, record, table, number, cells, subject, False
        ):
            if predicate not in (FW.codedBy, FW.coder):
                values[predicate].append(value)
        for predicate, objects in values.items():
            for value in objects:
                node = claim_iri(subject, coder, predicate, value)
                self.graph.add((node, RDF.type, FW.Claim))
                self.graph.add((node, FW.claimAbout, subject))
                self.graph.add((node, FW.codedBy, Literal(coder)))
                self.graph.add((node, FW.claimProperty, predicate))
                self.graph.add((node, FW.claimValue, value))

    def _row_triples(
        self,
        sheet: Sheet,
        record: Record,
        table: Table,
        number: int,
        cells: dict[str, tuple[str, int]],
        subject: URIRef,
        is_primary: bool,
    ) -> list[tuple[URIRef, URIRef, Node]]:
        triples: list[tuple[URIRef, URIRef, Node]] = []
        if record.fixed_type is not None and is_primary:
            triples.append((subject, RDF.type, record.fixed_type))
        for column in sheet.columns:
            if column.record != record.name or column.kind in (Kind.ID, Kind.CASE_IRI):
                continue
            if column.key not in cells:
                if column.required and is_primary:
                    index = next(
                        (
                            i
                            for i, c in enumerate(self.columns[sheet.key])
                            if c and c.key == column.key
                        ),
                        None,
                    )
                    self.error(
                        table,
                        number,
                        index,
                        f"the {column.en} is required and missing"
                        + (f" (one of: {listed(column.choices)})" if column.choices else ""),
                    )
                continue
            if column.kind is Kind.VALUE:
                continue  # a claim's value is read by its property (_claim_value)
            raw, index = cells[column.key]
            if column.kind is Kind.DATE and (number - 2, index) in table.dates:
                self._note_date(table, number, index, raw)
            parts = raw.split("\n") if column.kind is Kind.TEXT else SPLIT.split(raw)
            values = [p.strip() for p in parts] if column.multi else [raw]
            for value in [v for v in values if v]:
                try:
                    triples.extend(self._cell(column, subject, value))
                except ValueError as problem:
                    self.error(table, number, index, str(problem), getattr(problem, "zh", ""))
        return triples

    def _cell(
        self, column: Column, subject: URIRef, value: str
    ) -> list[tuple[URIRef, URIRef, Node]]:
        kind, predicate = column.kind, column.predicate
        if predicate is None:  # pragma: no cover - only the id columns have none
            raise TypeError(f"the {column.key} column has no predicate")
        if kind in (Kind.TYPE, Kind.CHOICE):
            if column.choices is None:  # pragma: no cover - every list column names its list
                raise TypeError(f"the {column.key} column names no list")
            iri = choice_index(column.choices).get(norm(value))
            if iri is None:
                raise ValueError(
                    f"“{value}” is not one of the {LISTS[column.choices].en}: "
                    f"{listed(column.choices)} (or {listed(column.choices, 'zh')})"
                )
            return [(subject, predicate, iri)]
        if kind is Kind.REF:
            if ID.match(value) and ":" not in value:
                if value not in self.ids:
                    raise ValueError(
                        f"no row on any sheet has the id “{value}”: check the "
                        "spelling, or add that row"
                    )
                self._check_target(column, value)
                return [(subject, predicate, URIRef(self.ns + value))]
            if column.target is not None:
                self._check_target(column, value)
            target = self._resource(value, allow_id=False)
            if not isinstance(target, URIRef):
                raise ValueError(f"“{value}” is neither an id nor a full IRI")
            return [(subject, predicate, target)]
        if kind in (Kind.TEXT, Kind.CODER):
            return [(subject, predicate, Literal(value, lang=column.lang))]
        if kind is Kind.DATE:
            return [(subject, p, o) for p, o in _parse_date(value, column)]
        if kind is Kind.YEAR:
            if not YEAR.match(value):
                raise ValueError(f"“{value}” is not a year: write four digits, such as 2016")
            return [(subject, predicate, Literal(value, datatype=XSD.gYear))]
        if kind is Kind.INTEGER:
            if not INTEGER.match(value):
                raise ValueError(f"“{value}” is not a whole number")
            return [(subject, predicate, Literal(value, datatype=XSD.integer))]
        if kind is Kind.NUMBER:
            if INTEGER.match(value):
                return [(subject, predicate, Literal(value, datatype=XSD.integer))]
            if DECIMAL.match(value):
                return [(subject, predicate, Literal(value, datatype=XSD.decimal))]
            raise ValueError(f"“{value}” is not a number (write digits, with . for decimals)")
        if kind is Kind.URL:
            if not re.match(r"^[A-Za-z][A-Za-z0-9+.\-]*://", value) or not is_absolute_iri(value):
                raise ValueError(f"“{value}” is not a web address (it should start with https://)")
            return [(subject, predicate, Literal(value, datatype=XSD.anyURI))]
        if kind is Kind.IRI:
            target = self._resource(value, allow_id=False)
            if not isinstance(target, URIRef):
                raise ValueError(f"“{value}” is not a full IRI (such as https://…)")
            return [(subject, predicate, target)]
        if kind is Kind.BOOLEAN:
            word = norm(value)
            if word not in {"true", "false", "是", "否"}:
                raise ValueError(f"“{value}” is neither true nor false")
            lexical = "true" if word in {"true", "是"} else "false"
            return [(subject, predicate, Literal(lexical, datatype=XSD.boolean))]
        raise ValueError(f"cannot read a {kind} cell")  # pragma: no cover

    def _check_target(self, column: Column, value: str) -> None:
        """A reference that must name a row of one sheet (a claim's evidence, a tenure's post)."""
        if column.target is None:
            return
        sheet = next(s for s in SHEETS if s.key == column.target)
        table = self.tables.get(sheet.key)
        where = self.ids.get(value, ("", 0))[0] if ID.match(value) else ""
        if table is not None and where == table.name:
            return
        if where:
            raise CellProblem(
                f"“{value}” is a row of sheet “{where}”: this column takes ids on the "
                f"{sheet.en} sheet",
                f"“{value}”是工作表“{where}”中的行:本列只接受{sheet.zh}表中的编号",
            )
        raise CellProblem(
            f"“{value}” is not an id on the {sheet.en} sheet: write the id of a row there",
            f"“{value}”不是{sheet.zh}表中的编号:请填写该表中某行的编号",
        )

    # -- the claims sheet -----------------------------------------------------------------------

    def _index(self, sheet: Sheet, key: str) -> int | None:
        return next((i for i, c in enumerate(self.columns[sheet.key]) if c and c.key == key), None)

    def _read_claims(self, table: Table) -> None:
        """Each row one fw:Claim: its record, property, value, coder, confidence, evidence and
        comments. A row without an id is named by :func:`claim_iri`, so that reading the
        workbook twice gives the same graph."""
        minted: dict[URIRef, int] = {}
        for number, row in enumerate(table.rows, start=2):
            cells = self._cells(CLAIMS, row)
            if not cells:
                continue
            record = CLAIMS.records[0]
            placeholder = URIRef(self.ns + "-")
            before = len(self.errors)
            triples = self._row_triples(CLAIMS, record, table, number, cells, placeholder, True)
            found = {p: o for _, p, o in triples}
            prop = found.get(FW.claimProperty)
            value: Node | None = None
            if "value" in cells and isinstance(prop, URIRef):
                raw, index = cells["value"]
                spec = CLAIM_PROPERTIES[prop]
                if spec.column.kind is Kind.DATE and (number - 2, index) in table.dates:
                    self._note_date(table, number, index, raw)
                try:
                    value = self._claim_value(prop, raw)
                except ValueError as problem:
                    self.error(table, number, index, str(problem), getattr(problem, "zh", ""))
            if len(self.errors) > before or value is None or not isinstance(prop, URIRef):
                continue
            about, coder = found[FW.claimAbout], found[FW.codedBy]
            if "id" in cells:
                name = cells["id"][0]
                if not ID.match(name) or self.ids.get(name, (None,))[0] != table.name:
                    continue  # reported when collecting ids
                subject = URIRef(self.ns + name)
            else:
                if not isinstance(about, URIRef):  # pragma: no cover - a reference is an IRI
                    continue
                subject = claim_iri(about, str(coder), prop, value)
                if subject in minted:
                    self.error(
                        table,
                        number,
                        self._index(CLAIMS, "record"),
                        f"this row claims what row {minted[subject]} claims (the same record, "
                        "property, value and coder): give one of them an id, or remove it",
                        f"本行与第 {minted[subject]} 行的断言相同(记录、属性、值与编码者均相同):"
                        "请为其中一行填写编号,或删去一行",
                    )
                    continue
                minted[subject] = number
            for _, predicate, obj in triples:
                self.graph.add((subject, predicate, obj))
            self.graph.add((subject, FW.claimValue, value))
            written = self._claimed_edtf(about, prop, value, cells["value"][0])
            if written is not None:
                self.graph.add((subject, FW.claimEDTF, Literal(written)))

    def _claimed_edtf(self, about: Node, prop: URIRef, value: Node, text: str) -> str | None:
        """A claimed date less precise than a day, as written (fw:claimEDTF); None for a day, and
        for the record's own value written as the record writes it (its precision is the
        record's)."""
        column = CLAIM_PROPERTIES[prop].column
        if column.kind is not Kind.DATE:
            return None
        written = text.strip()
        try:
            if parse_edtf(written).precision == "day":
                return None
        except ValueError:
            return None
        own = self.graph.value(about, column.edtf) if column.edtf is not None else None
        if own is not None and str(own) == written and (about, prop, value) in self.graph:
            return None
        return written

    def _claim_value(self, prop: URIRef, text: str) -> Node:
        """A claim's value, read as the property's own column reads its cells."""
        spec = CLAIM_PROPERTIES[prop]
        column = spec.column
        label = next((c for c in choices("claim_properties") if c.iri == prop), None)
        en, zh = (label.en, label.zh) if label else (str(prop), str(prop))
        if column.kind in (Kind.TYPE, Kind.CHOICE):
            for listed_name in spec.lists:
                iri = choice_index(listed_name).get(norm(text))
                if iri is not None:
                    return iri
            known_en = "; ".join(listed(n) for n in spec.lists)
            known_zh = ";".join(listed(n, "zh") for n in spec.lists)
            raise CellProblem(
                f"“{text}” is not a value the {en} takes: one of {known_en}",
                f"“{text}”不是“{zh}”可取的值,可选值:{known_zh}",
            )
        if column.kind is Kind.DATE:
            for predicate, obj in date_triples(text, column):
                if predicate == column.predicate:
                    return obj
            raise CellProblem(
                f"“{text}” gives no day to compare: a claim about the {en} needs a date such as "
                "2016-04-13, 2016-04, 2016 or 2016/2017 (an unknown or open date stays in the "
                "record's own cell)",
                f"“{text}”没有可比较的日期:关于“{zh}”的断言须写明日期,如 2016-04-13、2016-04、"
                "2016 或 2016/2017(未知或开放的日期仍写在记录本身的单元格中)",
            )
        placeholder = URIRef(self.ns + "-")
        return self._cell(replace(column, multi=False), placeholder, text)[0][2]

    def _read_other(self, table: Table) -> None:
        for number, row in enumerate(table.rows, start=2):
            cells = self._cells(OTHER, row)
            if not any(v.strip() for v, _ in cells.values()):
                continue
            where = {k: i for k, (_, i) in cells.items()}
            texts = {k: v for k, (v, _) in cells.items()}
            missing = [k for k in ("subject", "predicate", "object") if not texts.get(k)]
            if missing:
                index = where.get(missing[0])
                self.error(
                    table,
                    number,
                    index,
                    f"a statement needs a subject, a predicate and an "
                    f"object; the {missing[0]} is missing",
                )
                continue
            subject = self._resource(texts["subject"])
            if subject is None:
                self.error(
                    table,
                    number,
                    where["subject"],
                    f"“{texts['subject']}” is not an id, a prefix:name or an <IRI>",
                )
            predicate = self._resource(texts["predicate"], allow_id=False)
            if not isinstance(predicate, URIRef):
                self.error(
                    table,
                    number,
                    where["predicate"],
                    f"“{texts['predicate']}” is not a prefix:name or an <IRI>",
                )
            kind = texts.get("datatype", "").strip()
            obj: Node | None
            if kind.casefold() in {"iri", "id"}:
                obj = self._resource(texts["object"])
                if obj is None:
                    self.error(
                        table,
                        number,
                        where["object"],
                        f"“{texts['object']}” is not an id, a prefix:name or an <IRI>",
                    )
            elif kind.startswith("@"):
                obj = Literal(texts["object"], lang=kind[1:])
            elif kind:
                datatype = self._resource(kind, allow_id=False)
                if not isinstance(datatype, URIRef):
                    self.error(
                        table,
                        number,
                        where["datatype"],
                        f"“{kind}” is not IRI, a "
                        "language such as @en, or a datatype such as xsd:date",
                    )
                    continue
                obj = Literal(texts["object"], datatype=datatype)
            else:
                obj = Literal(texts["object"])
            if subject is not None and isinstance(predicate, URIRef) and obj is not None:
                self.graph.add((subject, predicate, obj))


def _parse_date(value: str, column: Column) -> list[tuple[URIRef, Node]]:
    """A date cell's triples (kg.workbook.values.date_triples)."""
    return date_triples(value, column)
