"""Laying a case graph out as workbook rows, so that reading them back gives the same graph.

Each triple goes into the one cell that can hold it exactly; what no column holds goes to the
"other statements" sheet. A claim with only a coder, a property and a value, named by
:func:`claim_iri` (an earlier workbook's second coder), becomes an extra row under its record;
every other well-formed fw:Claim (one record, a property the claims sheet knows, one value its
column can write, one coder, one confidence, evidence on the evidence sheet) a claims-sheet row.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Callable

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, XSD
from rdflib.term import Node

from kg.rdf.lexical import DAY, DECIMAL, INTEGER, YEAR, is_absolute_iri
from kg.vocab import FW
from kg.workbook.schema import CLAIM_PROPERTIES, CLAIMS, OTHER, SHEETS, Column, Kind, Record, Sheet
from kg.workbook.values import (
    ID,
    choice_index,
    choices,
    claim_iri,
    date_triples,
    norm,
    short,
)

# ------------------------------------------------------------------------------------------------
# Writing a case into a workbook
# ------------------------------------------------------------------------------------------------


def _date_cell(date: Node | None, level: Node | None, column: Column) -> str | None:
    """The cell for a date and its precision, or None when they cannot be written as one."""
    if column.precision is None:
        if date is not None and _valid_day(date):
            return str(date)
        return None
    if date is None:
        return "unknown" if level == FW.UnknownDate else None
    if not _valid_day(date):
        return None
    text = str(date)
    if level == FW.DayPrecision:
        return text
    if level == FW.MonthPrecision and text.endswith("-01"):
        return text[:7]
    if level == FW.YearPrecision and text.endswith("-01-01"):
        return text[:4]
    return None


def _date_texts(found: dict[Node, Node], column: Column) -> list[str]:
    """The cells that may say these date triples: the EDTF as written when there is one; else
    the 0.1 spelling of the value and precision, or an EDTF interval rebuilt from the bounds."""
    if column.edtf is not None and (edtf := found.get(column.edtf)) is not None:
        return [str(edtf)]
    texts: list[str] = []
    text = _date_cell(
        found.get(column.predicate) if column.predicate is not None else None,
        found.get(column.precision) if column.precision is not None else None,
        column,
    )
    if text is not None:
        texts.append(text)
    if column.precision is None:
        return texts
    level = found.get(column.precision)
    earliest = found.get(column.earliest) if column.earliest is not None else None
    latest = found.get(column.latest) if column.latest is not None else None
    if level == FW.Ongoing and column.end:
        texts.append("..")
    if level == FW.RangePrecision and earliest is not None and latest is not None:
        texts.append(f"{earliest}/{latest}")
    if level == FW.OnOrBefore and latest is not None:
        texts.append(f"../{latest}")
    if level == FW.OnOrAfter and earliest is not None:
        texts.append(f"{earliest}/..")
    return texts


def _valid_day(value: Node) -> bool:
    if not isinstance(value, Literal) or value.datatype != XSD.date or not DAY.match(str(value)):
        return False
    try:
        dt.date.fromisoformat(str(value))
    except ValueError:
        return False
    return True


class _Writer:
    """Lays a case graph out as rows of text cells, sheet by sheet."""

    def __init__(self, graph: Graph, case_iri: str, lang: str) -> None:
        self.graph = graph
        self.case_iri = case_iri
        self.ns = case_iri + "/"
        self.lang = lang
        self.remaining: set[tuple[Node, Node, Node]] = set(graph)
        self.subjects = set(graph.subjects())
        self.on_sheet: dict[str, set[Node]] = {}  # sheet key → the records on its rows

    def local(self, node: Node) -> str | None:
        text = str(node)
        if isinstance(node, URIRef) and text.startswith(self.ns):
            name = text[len(self.ns) :]
            if ID.match(name) and node in self.subjects:
                return name
        return None

    def show(self, node: Node, allow_id: bool = True) -> str:
        if isinstance(node, BNode):
            return f"_:{node}"
        name = self.local(node) if allow_id else None
        if name is not None:
            return name
        written = short(str(node))
        if written != str(node) and ID.match(written.split(":", 1)[1] or "x"):
            return written
        return f"<{node}>"

    # -- which record goes where ---------------------------------------------------------------

    def assign(self) -> dict[str, list[tuple[Record, URIRef]]]:
        placed: dict[str, list[tuple[Record, URIRef]]] = defaultdict(list)
        taken: set[Node] = set()
        case_sheet = SHEETS[0]
        header = URIRef(self.case_iri)
        if (header, RDF.type, OWL.Ontology) in self.graph:
            placed["case"].append((case_sheet.record("header"), header))
            taken.add(header)
        studies = sorted(
            s
            for s in self.graph.subjects(RDF.type, FW.CaseStudy)
            if isinstance(s, URIRef) and self.local(s)
        )
        if studies:
            placed["case"].append((case_sheet.record("case"), studies[0]))
            taken.add(studies[0])
        cities = (
            [
                c
                for c in self.graph.objects(studies[0], FW.studiesCity)
                if isinstance(c, URIRef) and self.local(c)
            ]
            if (studies)
            else []
        )
        cities = cities or sorted(
            s
            for s in self.graph.subjects(RDF.type, FW.City)
            if isinstance(s, URIRef) and self.local(s)
        )
        if cities:
            placed["case"].append((case_sheet.record("city"), cities[0]))
            taken.add(cities[0])
        for subject in sorted(s for s in self.subjects if isinstance(s, URIRef)):
            if subject in taken or self.local(subject) is None:
                continue
            types = set(self.graph.objects(subject, RDF.type))
            for sheet in SHEETS[1:]:
                if sheet is CLAIMS:
                    continue  # claims are laid out once every record is (claim_rows)
                record = sheet.records[0]
                accepted = (
                    {record.fixed_type}
                    if record.fixed_type
                    # a record without a fixed type names its type column ("": no such column)
                    else {c.iri for c in choices(sheet.column(record.type_column or "").choices)}
                )
                if types & accepted:
                    placed[sheet.key].append((record, subject))
                    taken.add(subject)
                    break
        return placed

    # -- cells ----------------------------------------------------------------------------------

    def fill(
        self,
        sheet: Sheet,
        record: Record,
        subject: URIRef,
        cells: dict[str, str],
        pool: set[tuple[Node, Node, Node]],
    ) -> None:
        """Fill the record's cells from ``pool``, removing the triples used."""

        def take(predicate: Node | None) -> list[tuple[Node, Node, Node]]:
            return sorted(t for t in pool if t[0] == subject and t[1] == predicate)

        if record.fixed_type is not None:
            pool.discard((subject, RDF.type, record.fixed_type))
        for column in sheet.columns:
            if column.record != record.name:
                continue
            if column.kind is Kind.ID:
                cells[column.key] = self.local(subject) or ""
                continue
            if column.kind is Kind.CASE_IRI:
                cells[column.key] = str(subject)
                continue
            if column.kind is Kind.DATE:
                self._fill_date(column, subject, cells, pool)
                continue
            if column.kind is Kind.VALUE:
                continue  # a claim's value: written by claim_row
            used: list[tuple[Node, Node, Node]] = []
            texts: list[str] = []
            candidates = take(column.predicate)
            if column.kind is Kind.TYPE:  # the most specific listed class
                listed: list[Node] = [c.iri for c in choices(column.choices)]
                candidates = sorted(
                    (t for t in candidates if t[2] in listed), key=lambda t: -listed.index(t[2])
                )
            for triple in candidates:
                text = self._text(column, triple[2])
                if text is None:
                    continue
                used.append(triple)
                texts.append(text)
                if not column.multi:
                    break
            if texts:
                cells[column.key] = ("\n" if column.kind is Kind.TEXT else "; ").join(texts)
                pool.difference_update(used)

    def _fill_date(
        self,
        column: Column,
        subject: URIRef,
        cells: dict[str, str],
        pool: set[tuple[Node, Node, Node]],
    ) -> None:
        """One date cell from the record's date triples (EDTF, value, bounds, precision). The
        cell is written, and those triples taken from the pool, only when reading the cell back
        gives every one of them (it may add what a 0.1-style date lacks: the EDTF and the
        bounds); otherwise they stay for the other-statements sheet, and nothing is lost."""
        predicates = {
            p
            for p in (
                column.predicate,
                column.precision,
                column.edtf,
                column.earliest,
                column.latest,
            )
            if p is not None
        }
        present = {t for t in pool if t[0] == subject and t[1] in predicates}
        if not present:
            return
        found: dict[Node, Node] = {}
        for _, predicate, value in present:
            if predicate in found:
                return  # two values for one part of the date: not one cell
            found[predicate] = value
        if column.precision is not None and column.precision not in found:
            return
        for text in _date_texts(found, column):
            try:
                expected = {(subject, p, o) for p, o in date_triples(text, column)}
            except ValueError:
                continue
            if present <= expected:
                cells[column.key] = text
                pool.difference_update(present)
                return

    def _text(self, column: Column, value: Node) -> str | None:
        kind = column.kind
        if kind in (Kind.TYPE, Kind.CHOICE):
            found = next((c for c in choices(column.choices) if c.iri == value), None)
            return found.label(self.lang) if found else None
        if kind is Kind.IRI and isinstance(value, URIRef) and re.match(r"^https?://", value):
            return str(value) if is_absolute_iri(value) else None
        if (
            kind is Kind.REF
            and column.target is not None
            and value not in self.on_sheet.get(column.target, set())
        ):
            return None  # the column takes only that sheet's rows
        if kind in (Kind.REF, Kind.IRI):
            return self.show(value) if isinstance(value, URIRef) else None
        if not isinstance(value, Literal):
            return None
        text = str(value)
        if not text or text != text.strip():
            return None
        if kind in (Kind.TEXT, Kind.CODER):
            plain = value.language is None and value.datatype is None
            if column.lang is not None and value.language != column.lang:
                return None
            if column.lang is None and not plain:
                return None
            if column.multi and "\n" in text:
                return None
            return text
        checks: dict[Kind, tuple[URIRef, Callable[[str], object]]] = {
            Kind.YEAR: (XSD.gYear, YEAR.match),
            Kind.INTEGER: (XSD.integer, INTEGER.match),
            Kind.URL: (XSD.anyURI, is_absolute_iri),
            Kind.BOOLEAN: (XSD.boolean, re.compile(r"^(true|false)$").match),
        }
        if kind is Kind.NUMBER:
            if value.datatype == XSD.integer and INTEGER.match(text):
                return text
            if value.datatype == XSD.decimal and DECIMAL.match(text):
                return text
            return None
        datatype, fits = checks[kind]
        if kind is Kind.URL and not re.match(r"^[A-Za-z][A-Za-z0-9+.\-]*://", text):
            return None
        return text if value.datatype == datatype and fits(text) else None

    # -- codings --------------------------------------------------------------------------------

    def codings(self) -> dict[URIRef, dict[str, list[URIRef]]]:
        """Well-formed claims a workbook row can hold (one coder, one property, one value, no
        evidence or confidence of their own), by record and coder."""
        found: dict[URIRef, dict[str, list[URIRef]]] = defaultdict(lambda: defaultdict(list))
        objects = set(self.graph.objects())
        claims = (n for n in self.graph.subjects(RDF.type, FW.Claim) if isinstance(n, URIRef))
        for node in sorted(claims):
            record = list(self.graph.objects(node, FW.claimAbout))
            coder = list(self.graph.objects(node, FW.codedBy))
            prop = list(self.graph.objects(node, FW.claimProperty))
            value = list(self.graph.objects(node, FW.claimValue))
            predicates = {p for _, p, _ in self.graph.triples((node, None, None))}
            if (
                len(record) == 1
                and len(coder) == 1
                and len(prop) == 1
                and len(value) == 1
                and isinstance(record[0], URIRef)
                and isinstance(coder[0], Literal)
                and isinstance(prop[0], URIRef)
                and predicates
                <= {RDF.type, FW.claimAbout, FW.codedBy, FW.claimProperty, FW.claimValue}
                and node == claim_iri(record[0], str(coder[0]), prop[0], value[0])
                and node not in objects
            ):
                found[record[0]][str(coder[0])].append(node)
        return found

    def coding_row(
        self, sheet: Sheet, record: Record, subject: URIRef, coder: str, nodes: list[URIRef]
    ) -> dict[str, str] | None:
        pool: set[tuple[Node, Node, Node]] = set()
        for node in nodes:
            prop = self.graph.value(node, FW.claimProperty)
            if prop is None:  # pragma: no cover - codings() keeps nodes with one property
                continue
            for value in self.graph.objects(node, FW.claimValue):
                pool.add((subject, prop, value))
        coder_column = sheet.column("coder")
        if coder_column.predicate is None:  # pragma: no cover - the coder column has fw:codedBy
            raise TypeError("the coder column has no predicate")
        pool.add((subject, coder_column.predicate, Literal(coder)))
        if not all(self._coding_plain(v) for v in pool):
            return None
        cells: dict[str, str] = {}
        fixed = record.fixed_type
        if fixed is not None and (subject, RDF.type, fixed) in pool:
            return None  # a coded type equal to the sheet's own is not written
        self.fill(sheet, record, subject, cells, pool)
        return cells if not pool else None

    @staticmethod
    def _coding_plain(triple: tuple[Node, Node, Node]) -> bool:
        return not isinstance(triple[2], BNode)

    # -- the claims sheet ----------------------------------------------------------------------

    def claim_rows(self) -> list[dict[str, str]]:
        """The claims sheet: every claim not written as a second coder's row that one row
        holds; what a row cannot hold of a claim stays for the other statements."""
        rows: list[dict[str, str]] = []
        nodes = sorted(n for n in self.graph.subjects(RDF.type, FW.Claim) if isinstance(n, URIRef))
        for node in nodes:
            if (node, RDF.type, FW.Claim) not in self.remaining:
                continue  # written as a second coder's row
            row = self.claim_row(node)
            if row is not None:
                rows.append(row)
        return rows

    def claim_row(self, node: URIRef) -> dict[str, str] | None:
        """One claim's row, or None when it is not well formed: one record, one property the
        claims sheet knows, one value its column can write, one coder, one confidence, evidence
        on the evidence sheet, and an id (or the IRI :func:`claim_iri` gives it)."""
        pool = {t for t in self.remaining if t[0] == node}

        def only(predicate: URIRef) -> Node | None:
            values = [o for _, p, o in pool if p == predicate]
            return values[0] if len(values) == 1 else None

        about, prop, value = only(FW.claimAbout), only(FW.claimProperty), only(FW.claimValue)
        coder, confidence = only(FW.codedBy), only(FW.confidence)
        if (
            not isinstance(about, URIRef)
            or not isinstance(prop, URIRef)
            or prop not in CLAIM_PROPERTIES
            or value is None
            or not isinstance(coder, Literal)
            or confidence is None
        ):
            return None
        evidence = self.on_sheet.get("evidence", set())
        if any(o not in evidence for _, p, o in pool if p == FW.hasEvidence):
            return None
        if node != claim_iri(about, str(coder), prop, value) and self.local(node) is None:
            return None  # neither an id nor the name the claims sheet gives a row without one
        written = [o for _, p, o in pool if p == FW.claimEDTF]
        if len(written) > 1 or (written and CLAIM_PROPERTIES[prop].column.kind is not Kind.DATE):
            return None
        text = str(written[0]) if written else self._claim_value_text(prop, value, about)
        if text is None or (written and not _claimed_day_fits(text, prop, value)):
            return None
        before = set(pool)
        pool.discard((node, FW.claimValue, value))
        if written:
            pool.discard((node, FW.claimEDTF, written[0]))
        cells: dict[str, str] = {}
        self.fill(CLAIMS, CLAIMS.records[0], node, cells, pool)
        if not all(cells.get(k) for k in ("record", "property", "coder", "confidence")):
            return None
        cells["value"] = text
        self.remaining.difference_update(before - pool)
        return cells

    def _claim_value_text(self, prop: URIRef, value: Node, about: URIRef) -> str | None:
        """The value cell of a claim, as the property's own column writes it; a date is
        written as the record wrote it (its EDTF) when that reads as the claimed day."""
        spec = CLAIM_PROPERTIES[prop]
        column = spec.column
        if column.kind in (Kind.TYPE, Kind.CHOICE):
            found = next(
                (c for n in spec.lists for c in choices(n) if c.iri == value),
                None,
            )
            if found is None:
                return None
            label = found.label(self.lang)
            read = next(
                (
                    choice_index(n)[norm(label)]
                    for n in spec.lists
                    if norm(label) in choice_index(n)
                ),
                None,
            )
            return label if read == value else short(str(value))
        if column.kind is Kind.DATE:
            if not _valid_day(value):
                return None
            written = self.graph.value(about, column.edtf) if column.edtf is not None else None
            if written is not None and (about, prop, value) in self.graph:
                try:
                    if (column.predicate, value) in date_triples(str(written), column):
                        return str(written)
                except ValueError:
                    pass
            return str(value)
        return self._text(column, value)

    # -- the whole case ------------------------------------------------------------------------

    def tables(self) -> dict[str, list[dict[str, str]]]:
        placed = self.assign()
        self.on_sheet = {key: {s for _, s in records} for key, records in placed.items()}
        codings = self.codings()
        out: dict[str, list[dict[str, str]]] = {}
        case_row: dict[str, str] = {}
        for record, subject in placed.get("case", []):
            self.fill(SHEETS[0], record, subject, case_row, self.remaining)
        out["case"] = [case_row] if case_row else []
        for sheet in SHEETS[1:]:
            if sheet is CLAIMS:  # after every record sheet: its second coders' rows come first
                out[sheet.key] = self.claim_rows()
                continue
            rows: list[dict[str, str]] = []
            for record, subject in placed.get(sheet.key, []):
                row: dict[str, str] = {}
                self.fill(sheet, record, subject, row, self.remaining)
                rows.append(row)
                first_coder = row.get("coder")
                for coder, nodes in sorted(codings.get(subject, {}).items()):
                    if coder == first_coder or not first_coder:
                        continue
                    extra = self.coding_row(sheet, record, subject, coder, nodes)
                    if extra is None:
                        continue
                    rows.append(extra)
                    for node in nodes:
                        self.remaining.difference_update(self.graph.triples((node, None, None)))
            out[sheet.key] = rows
        out[OTHER.key] = [self._statement(t) for t in sorted(self.remaining, key=_sort_key)]
        return out

    def _statement(self, triple: tuple[Node, Node, Node]) -> dict[str, str]:
        subject, predicate, obj = triple
        row = {"subject": self.show(subject), "predicate": self.show(predicate, False)}
        if isinstance(obj, Literal):
            row["object"] = str(obj)
            if obj.language:
                row["datatype"] = f"@{obj.language}"
            elif obj.datatype is not None:
                row["datatype"] = self.show(obj.datatype, False)
        else:
            row["object"] = self.show(obj)
            row["datatype"] = "IRI"
        return row


def _sort_key(triple: tuple[Node, Node, Node]) -> tuple[str, str, str]:
    return tuple(str(t) for t in triple)  # type: ignore[return-value]


def case_tables(
    graph: Graph, case_iri: str | None = None, lang: str = "en"
) -> dict[str, list[dict[str, str]]]:
    """A case graph as workbook rows: for each sheet key, rows of cells by column key."""
    if case_iri is None:
        headers = sorted(str(s) for s in graph.subjects(RDF.type, OWL.Ontology))
        if len(headers) != 1:
            raise ValueError("the graph names no single case (one `<case IRI> a owl:Ontology`)")
        case_iri = headers[0]
    return _Writer(graph, case_iri, lang).tables()


def _claimed_day_fits(text: str, prop: URIRef, value: Node) -> bool:
    """Whether a claim's date as written (fw:claimEDTF) reads back as its claimed day, so that
    the claims sheet's one cell holds both."""
    column = CLAIM_PROPERTIES[prop].column
    try:
        return (column.predicate, value) in date_triples(text, column)
    except ValueError:
        return False
