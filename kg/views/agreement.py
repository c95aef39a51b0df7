"""Inter-coder reliability (``flywheel agree``): Krippendorff's alpha per coded variable, and
every disagreement with each coder's value and evidence.

A *unit* is one record and one variable (an episode's stage, an action's logic, an episode's
start date, …). A coder's value for a unit is either the record's own value, when the record
names that coder (``fw:codedBy``; failing that, the case study's only ``fw:coder``; failing
that, the file's name), or an ``fw:Claim`` of hers about the record and the variable's property
(docs/claims-and-evidence.md). Codings of one case from several files are aligned by record IRI:
coders code the same records (the same ids in their workbooks).

Alpha is computed by the ``krippendorff`` package: nominal for the controlled variables; interval
for dates, each date placed at the middle of its bounds (days), so that ``2016`` and
``2016-07-02`` differ by the days between their middles, not by a guess at the day; a date known
on one side only (``../2018-06``) is placed at the bound it has, and an unknown date is missing.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS
from rdflib.term import Node

from kg.ontology import label
from kg.rdf.lexical import DateError, parse_edtf
from kg.rdf.read import text_in
from kg.vocab import FW, curie


@dataclass(frozen=True)
class Variable:
    """A coded variable: its key, the property that holds it, and its level of measurement."""

    key: str
    prop: URIRef
    level: str  # "nominal" | "interval"
    edtf: URIRef | None = None  # a date: the property keeping it as written
    earliest: URIRef | None = None
    latest: URIRef | None = None
    precision: URIRef | None = None

    def properties(self) -> tuple[URIRef, ...]:
        """Every property a record states this variable with (a date's precision, EDTF, bounds)."""
        extra = (self.precision, self.edtf, self.earliest, self.latest)
        return (self.prop, *(p for p in extra if p is not None))


VARIABLES: tuple[Variable, ...] = (
    Variable("stage", FW.ofStage, "nominal"),
    Variable("episode mechanism", FW.drivenByMechanism, "nominal"),
    Variable("action episode", FW.duringEpisode, "nominal"),
    Variable("action logic", FW.underLogic, "nominal"),
    Variable("action mechanism", FW.instanceOfMechanism, "nominal"),
    Variable("role kind", FW.roleKind, "nominal"),
    Variable("loop step", FW.inLoopStep, "nominal"),
    Variable(
        "start date",
        FW.startDate,
        "interval",
        FW.startEDTF,
        FW.startEarliest,
        FW.startLatest,
        FW.startDatePrecision,
    ),
    Variable(
        "end date",
        FW.endDate,
        "interval",
        FW.endEDTF,
        FW.endEarliest,
        FW.endLatest,
        FW.endDatePrecision,
    ),
    Variable(
        "date", FW.date, "interval", FW.dateEDTF, FW.dateEarliest, FW.dateLatest, FW.datePrecision
    ),
)


@dataclass(frozen=True)
class Coding:
    """One file of codings: its name (for messages and as a last-resort coder) and its graph."""

    name: str
    graph: Graph


@dataclass(frozen=True)
class Value:
    """One coder's value for one unit: as shown, as compared, and the evidence behind it."""

    shown: str
    key: str | float | None  # nominal: the IRI; interval: days since 1970 (None: unknown)
    evidence: tuple[str, ...] = ()
    value: Node | None = None  # the value as coded (a claim's fw:claimValue, a record's object)
    # the record's own statements of it (the date with its precision, EDTF and bounds); empty
    # for a value coded in a claim
    statements: tuple[tuple[URIRef, Node], ...] = ()
    evidence_nodes: tuple[Node, ...] = ()  # its fw:hasEvidence nodes


@dataclass(frozen=True)
class Disagreement:
    """A unit two or more coders coded differently, with every coder's value."""

    record: str
    record_label: str
    variable: str
    values: dict[str, Value]


@dataclass(frozen=True)
class VariableAlpha:
    """Alpha for one variable, with what it rests on. ``alpha`` is None where it is undefined
    (fewer than two coders on any unit, or a single value throughout), ``why`` says which."""

    variable: str
    level: str
    alpha: float | None
    units: int  # units at least two coders coded (the pairable ones)
    coders: int
    values: int  # pairable values
    disagreements: int
    why: str = ""


@dataclass(frozen=True)
class Agreement:
    """The report: coders, alpha per variable, every disagreement, and notes."""

    coders: tuple[str, ...]
    variables: tuple[VariableAlpha, ...]
    disagreements: tuple[Disagreement, ...]
    notes: tuple[str, ...] = field(default_factory=tuple)


def _days(day: dt.date | None) -> float | None:
    return None if day is None else float((day - dt.date(1970, 1, 1)).days)


def _interval_key(earliest: dt.date | None, latest: dt.date | None) -> float | None:
    low, high = _days(earliest), _days(latest)
    if low is not None and high is not None:
        return (low + high) / 2
    return low if low is not None else high


def _literal_date(text: str) -> tuple[str, float | None]:
    try:
        parsed = parse_edtf(text)
    except DateError:
        return text, None
    return parsed.text, _interval_key(parsed.earliest, parsed.latest)


def _date_value(
    graph: Graph, record: Node, variable: Variable, plain: Node
) -> tuple[str, float | None]:
    """A record's own date: its EDTF form and bounds where it has them, else the plain date."""
    edtf = graph.value(record, variable.edtf) if variable.edtf else None
    earliest = graph.value(record, variable.earliest) if variable.earliest else None
    latest = graph.value(record, variable.latest) if variable.latest else None
    if earliest is not None or latest is not None:
        low = earliest.toPython() if isinstance(earliest, Literal) else None
        high = latest.toPython() if isinstance(latest, Literal) else None
        low = low if isinstance(low, dt.date) else None
        high = high if isinstance(high, dt.date) else None
        return str(edtf or plain), _interval_key(low, high)
    return _literal_date(str(edtf or plain))


def _claimed_date(
    graph: Graph, holder: Node, variable: Variable, value: Node, own: bool
) -> tuple[str, float | None]:
    """A coded date as written and placed: a record's own (with its EDTF and bounds); a claim's
    as written (fw:claimEDTF); a claim of the record's own value as the record has it; else the
    claimed day."""
    if own:
        return _date_value(graph, holder, variable, value)
    written = graph.value(holder, FW.claimEDTF)
    if written is not None:
        return _literal_date(str(written))
    record = graph.value(holder, FW.claimAbout)
    if record is not None and (record, variable.prop, value) in graph:
        return _date_value(graph, record, variable, value)
    return _literal_date(str(value))


def _evidence(graph: Graph, node: Node) -> tuple[str, ...]:
    found = []
    for ev in sorted(graph.objects(node, FW.hasEvidence), key=str):
        quotes = sorted(str(q) for q in graph.objects(ev, FW.quote))
        shown = curie(str(ev)) if isinstance(ev, URIRef) else "evidence"
        if quotes:
            quote = quotes[0] if len(quotes[0]) <= 80 else quotes[0][:79] + "…"
            shown += f" “{quote}”"
        found.append(shown)
    return tuple(found)


def _shown(value: Node) -> str:
    if isinstance(value, URIRef):
        return label(str(value)) or curie(str(value))
    return str(value)


def _file_coder(coding: Coding) -> str:
    coders = {
        str(c)
        for study in coding.graph.subjects(RDF.type, FW.CaseStudy)
        for c in coding.graph.objects(study, FW.coder)
    }
    return coders.pop() if len(coders) == 1 else coding.name


Units = dict[tuple[str, str], dict[str, dict[str, Value]]]


def _entry(graph: Graph, holder: Node, variable: Variable, value: Node, own: bool) -> Value:
    """A value as coded: on the record itself (``own``) or in a claim (``holder``)."""
    evidence = _evidence(graph, holder)
    key: str | float | None
    if variable.level == "interval":
        shown, key = _claimed_date(graph, holder, variable, value, own)
    else:
        shown, key = _shown(value), str(value)
    statements: tuple[tuple[URIRef, Node], ...] = ()
    if own:
        statements = tuple(
            (prop, o) for prop in variable.properties() for o in graph.objects(holder, prop)
        )
    nodes = tuple(sorted(graph.objects(holder, FW.hasEvidence), key=str))
    return Value(shown, key, evidence, value, statements, nodes)


def collect(codings: Sequence[Coding]) -> tuple[Units, dict[str, str]]:
    """(record, variable) → coder → value shown → value; and each record's English label."""
    units: Units = defaultdict(lambda: defaultdict(dict))
    labels: dict[str, str] = {}
    by_prop = {v.prop: v for v in VARIABLES}
    for coding in codings:
        graph = coding.graph
        fallback = _file_coder(coding)
        for variable in VARIABLES:
            for record, value in graph.subject_objects(variable.prop):
                if isinstance(record, URIRef):
                    coder = str(graph.value(record, FW.codedBy) or fallback)
                    entry = _entry(graph, record, variable, value, own=True)
                    units[(str(record), variable.key)][coder][entry.shown] = entry
                    labels.setdefault(
                        str(record), text_in(graph, record, RDFS.label, "en", any_language=True)
                    )
        for claim in graph.subjects(RDF.type, FW.Claim):
            about = graph.value(claim, FW.claimAbout)
            prop = graph.value(claim, FW.claimProperty)
            said_by = graph.value(claim, FW.codedBy)
            if not isinstance(about, URIRef) or not isinstance(prop, URIRef) or said_by is None:
                continue
            claimed = by_prop.get(prop)
            if claimed is None:  # a property no variable codes
                continue
            for value in graph.objects(claim, FW.claimValue):
                entry = _entry(graph, claim, claimed, value, own=False)
                units[(str(about), claimed.key)][str(said_by)][entry.shown] = entry
                labels.setdefault(
                    str(about), text_in(graph, about, RDFS.label, "en", any_language=True)
                )
    return units, labels


def _first(values: dict[str, Value]) -> Value:
    """The value alpha uses where one coder gave several: the first in order."""
    return values[sorted(values)[0]]


def _alpha(
    variable: Variable, mine: dict[str, dict[str, dict[str, Value]]]
) -> tuple[float | None, str]:
    """Krippendorff's alpha over one variable's units (record → coder → values), or None and
    why it is undefined."""
    import krippendorff
    import numpy as np

    pairable = [by_coder for by_coder in mine.values() if len(by_coder) > 1]
    if not pairable:
        return None, "no unit coded by two coders"
    coders = sorted({c for by_coder in mine.values() for c in by_coder})
    domain = sorted({_first(coded).key for b in pairable for coded in b.values()} - {None}, key=str)
    if len(domain) < 2:
        return None, "every coder gave the same single value: alpha is undefined (no variation)"
    matrix = []
    for coder in coders:
        row: list[float] = []
        for by_coder in pairable:
            cell = _first(by_coder[coder]).key if coder in by_coder else None
            if cell is None:
                row.append(math.nan)
            elif variable.level == "nominal":
                row.append(float(domain.index(cell)))
            else:
                row.append(float(cell))
        matrix.append(row)
    data = np.array(matrix, dtype=float)
    if variable.level == "nominal":
        return float(krippendorff.alpha(reliability_data=data, level_of_measurement="nominal")), ""
    return float(krippendorff.alpha(reliability_data=data, level_of_measurement="interval")), ""


def _disagreements(units: Units, labels: dict[str, str]) -> list[Disagreement]:
    """Units coded differently: two coders with different values, or one coder with two."""
    found = []
    for (record, key), by_coder in sorted(units.items()):
        shown = {v for values in by_coder.values() for v in values}
        several = any(len(v) > 1 for v in by_coder.values())
        if not several and (len(by_coder) < 2 or len(shown) < 2):
            continue
        values: dict[str, Value] = {}
        for coder, coded in sorted(by_coder.items()):
            for n, text in enumerate(sorted(coded)):
                values[coder if n == 0 else f"{coder} (also)"] = coded[text]
        found.append(Disagreement(record, labels.get(record, ""), key, values))
    return found


def agreement(codings: Sequence[Coding], ignore: Iterable[str] = ()) -> Agreement:
    """Alpha per variable over the codings, and every unit the coders coded differently;
    ``ignore``: coders left out (a merged file's consensus)."""
    units, labels = collect(codings)
    left_out = set(ignore)
    for by_coder in units.values():
        for coder in left_out & set(by_coder):
            del by_coder[coder]
    units = {unit: by_coder for unit, by_coder in units.items() if by_coder}
    coders = tuple(sorted({c for by_coder in units.values() for c in by_coder}))
    several = sorted(
        (record, key, coder)
        for (record, key), by_coder in units.items()
        for coder, values in by_coder.items()
        if len(values) > 1
    )
    notes = []
    if several:
        notes.append(
            f"{len(several)} unit(s) where one coder gave more than one value (listed among the "
            "disagreements); alpha takes one value per coder and unit, the first in order: "
            + "; ".join(f"{curie(r)} {k} ({c})" for r, k, c in several[:5])
        )
    disagreements = _disagreements(units, labels)
    results = []
    for variable in VARIABLES:
        mine = {r: b for (r, key), b in sorted(units.items()) if key == variable.key}
        if not mine:
            continue
        alpha, why = _alpha(variable, mine)
        pairable = [b for b in mine.values() if len(b) > 1]
        results.append(
            VariableAlpha(
                variable=variable.key,
                level=variable.level,
                alpha=alpha,
                units=len(pairable),
                coders=len({c for b in mine.values() for c in b}),
                values=sum(len(b) for b in pairable),
                disagreements=sum(1 for d in disagreements if d.variable == variable.key),
                why=why,
            )
        )
    return Agreement(coders, tuple(results), tuple(disagreements), tuple(notes))
