"""Validating case graphs against the case shapes, with reports a scholar can act on.

The shapes are parsed once per :class:`CaseValidator`; each validation adds only the class
hierarchy of the ontology and the framework's statements (the stage order, which mechanism and
kind of actor each stage has, which logic each kind of actor follows, which loop step the project
pairs with each stage: about a hundred triples, see :func:`framework_statements`) to the data,
not the whole ontology, and works on a copy, so the caller's graph is never changed. Measured on
2026-12-03 (median of five runs per bundled case, shared 2-core machine at load ~17): 0.25-0.28 s
with the class hierarchy only, 0.39-0.60 s with the framework's statements added, 6.8-8.5 s with
the whole ontology (2,923 triples) added instead. The claim and role shapes also need what the
ontology says of its terms (each property's kind and range, each named individual's class and
scheme: :func:`kg.ontology.term_statements`) and which datatypes each property's values take
(:func:`value_datatypes`), but only of the terms a case's claims and roles use: measured on
2026-12-03 (mean of three runs, quiet 2-core machine), 0.12 s for a synthetic city and
0.17-0.25 s per bundled case, against 0.31 s and 0.43 s with all 400 statements added, and
0.11 s and 0.14 s before the claim, role and tenure shapes. The theory
shapes read their expectations from those statements; nothing of the theory is written into the
shapes. Three checks run in code because they need the package's own knowledge: every ``fw:``
term is declared (``fws:VocabularyShape``), the case is coded for this ontology version
(``fws:OutdatedOntologyShape``, ``fws:OntologyVersionShape``), and no deprecated term is used
(``fws:DeprecatedTermShape``). Each SHACL result becomes a :class:`Finding`: which node, which shape, how
severe, and the shape's message in English and Chinese.
"""

from __future__ import annotations

import enum
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pyoxigraph as ox
from pyshacl import Validator
from pyshacl.graph_abstraction import OxigraphDataGraph
from pyshacl.shapes_graph import ShapesGraph
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS, SH, XSD
from rdflib.term import Node

from kg import ontology, paths
from kg.check.constraint_texts import check_each_text_once
from kg.rdf.read import CaseGraph, has_blank_node, read_cases, to_oxigraph
from kg.text import visible
from kg.version import ONTOLOGY_IRI, __version__
from kg.vocab import FW, FWS, curie

LANGUAGES = ("en", "zh")


class Severity(enum.IntEnum):
    """SHACL severities, most severe last so that they sort naturally."""

    INFO = 1
    WARNING = 2
    VIOLATION = 3

    @classmethod
    def from_iri(cls, iri: Node | None) -> Severity:
        severities: dict[Node | None, Severity] = {SH.Info: cls.INFO, SH.Warning: cls.WARNING}
        return severities.get(iri, cls.VIOLATION)

    @property
    def iri(self) -> URIRef:
        return {Severity.INFO: SH.Info, Severity.WARNING: SH.Warning}.get(self, SH.Violation)

    def label(self, lang: str = "en") -> str:
        names = {"en": ("Info", "Warning", "Violation"), "zh": ("提示", "警告", "违规")}
        return names[lang][self.value - 1]


@dataclass(frozen=True)
class Finding:
    """One thing the shapes found about one node of a case."""

    case: str
    focus: str
    shape: str
    severity: Severity
    messages: Mapping[str, str] = field(hash=False)
    path: str | None = None
    value: str | None = None
    focus_kind: str | None = None
    focus_labels: Mapping[str, str] = field(default_factory=dict, hash=False)

    def message(self, lang: str = "en") -> str:
        """The shape's message in one language (falls back to English)."""
        return self.messages.get(lang) or self.messages.get("en") or ""

    def describe_focus(self, lang: str = "en") -> str:
        """The focus node as a reader would name it: its kind, its label, its IRI."""
        kind = ontology.label(self.focus_kind, lang) if self.focus_kind else None
        name = self.focus_labels.get(lang) or next(iter(self.focus_labels.values()), None)
        shown = visible(name, keep_cr=False) if name else None  # a label never acts on a terminal
        parts = [p for p in (kind, f"“{shown}”" if shown else None) if p]
        return " ".join([*parts, f"<{self.focus}>"])

    def as_dict(self) -> dict:
        return {
            "focus": self.focus,
            "focusKind": curie(self.focus_kind) if self.focus_kind else None,
            "focusLabels": dict(self.focus_labels),
            "shape": self.shape,
            "severity": self.severity.name.lower(),
            "messages": dict(self.messages),
            "path": self.path,
            "value": self.value,
        }


@dataclass(frozen=True)
class CaseReport:
    """The findings for one case graph."""

    case: str
    source: str
    findings: tuple[Finding, ...]

    @property
    def conforms(self) -> bool:
        """True when there is no violation (warnings and infos are findings, not errors)."""
        return not any(f.severity is Severity.VIOLATION for f in self.findings)

    def count(self, severity: Severity) -> int:
        return sum(1 for f in self.findings if f.severity is severity)

    def by_focus(self) -> dict[str, list[Finding]]:
        """Findings grouped by the node they are about, most severe nodes first."""
        groups: dict[str, list[Finding]] = {}
        for finding in sorted(self.findings, key=lambda f: (-f.severity, f.focus, f.shape)):
            groups.setdefault(finding.focus, []).append(finding)
        return groups

    def as_dict(self) -> dict:
        return {
            "case": self.case,
            "source": self.source,
            "conforms": self.conforms,
            "counts": {s.name.lower(): self.count(s) for s in reversed(Severity)},
            "findings": [
                f.as_dict()
                for f in sorted(self.findings, key=lambda f: (-f.severity, f.focus, f.shape))
            ],
        }


# Properties of the framework whose values the theory shapes compare a case with, besides those
# the ontology marks with fw:basis (fw:nextStage, fw:drivenBy, fw:stageActorKind,
# fw:followsLogic, fw:characteristicLogic, fw:characteristicLoopStep, fw:nextLoopStep …).
_FRAMEWORK_EXTRAS = (FW.order, FW.playerClass, FW.basis)


@cache
def framework_statements() -> Graph:
    """The framework's statements from the ontology, as the theory shapes need them: every
    statement made with a property that carries ``fw:basis`` (the paper's statements, those
    derived from them and the project's readings), each such property's ``fw:basis``, the
    ``fw:order`` of the concept individuals and ``fw:playerClass`` of the kinds of actor.

    Shared and cached: treat it as read-only.
    """
    onto = ontology.ontology_graph()
    framework = {p for p in onto.subjects(FW.basis, None) if isinstance(p, URIRef)}
    statements = Graph()
    for predicate in (*sorted(framework), *_FRAMEWORK_EXTRAS):
        for subject, value in onto.subject_objects(predicate):
            if isinstance(subject, URIRef) and isinstance(value, URIRef | Literal):
                statements.add((subject, predicate, value))
    return statements


# properties whose values the claim, role and tenure shapes look up in the ontology's statements
_LOOKED_UP = (
    FW.claimProperty,
    FW.codedProperty,
    FW.claimValue,
    FW.codedValue,
    FW.confidence,
    FW.roleKind,
)


def value_datatypes(shapes: Graph) -> Graph:
    """Which datatypes each property's literal values take, as ``P fws:valueDatatype D``: the
    ``sh:datatype`` of every property shape on that property (also inside ``sh:or`` and
    ``sh:alternativePath``) and the property's ``rdfs:range`` when the ontology gives an XSD
    datatype. The claim shapes check a claimed value against them, so that a claim's value is
    written as the shapes require of the direct triple, without the shapes saying it twice."""
    found = Graph()
    for shape, path in shapes.subject_objects(SH.path):
        paths_: list[Node] = [path]
        alternatives = shapes.value(path, SH.alternativePath)
        if alternatives is not None:
            paths_ = list(Collection(shapes, alternatives))
        datatypes = list(shapes.objects(shape, SH.datatype))
        for options in shapes.objects(shape, getattr(SH, "or")):
            for option in Collection(shapes, options):
                datatypes.extend(shapes.objects(option, SH.datatype))
        for prop in paths_:
            for datatype in datatypes:
                if isinstance(prop, URIRef) and isinstance(datatype, URIRef):
                    found.add((prop, FWS.valueDatatype, datatype))
    for prop, range_ in ontology.term_statements().subject_objects(RDFS.range):
        if isinstance(range_, URIRef) and str(range_).startswith(str(XSD)):
            found.add((prop, FWS.valueDatatype, range_))
    return found


def _version_key(version: str) -> tuple[int, ...] | None:
    parts = version.split(".")
    return tuple(int(p) for p in parts) if all(p.isdigit() for p in parts) else None


class _OxigraphData(OxigraphDataGraph):
    """pySHACL's Oxigraph-backed data graph, always truthy: pySHACL writes ``datagraph or sg``
    for every result it builds, and the inherited ``len()`` counts the whole store each time."""

    def __bool__(self) -> bool:
        return True


@dataclass(frozen=True)
class _ShapeInfo:
    messages: dict[str, str]
    offender_in_value: bool
    compares_with_theory: bool = False


class CaseValidator:
    """Validates case graphs; parse the shapes once and reuse the validator for many cases."""

    def __init__(self, shapes: Path | Graph | None = None) -> None:
        if isinstance(shapes, Graph):
            shapes_graph = Graph()
            for triple in shapes:
                shapes_graph.add(triple)
        else:
            shapes_graph = Graph().parse(shapes or paths.CASE_SHAPES, format="turtle")
        self._shapes_rdf = shapes_graph
        check_each_text_once()  # pySHACL's check of each SPARQL constraint's text, not per node
        self._shapes = ShapesGraph(shapes_graph)
        self._shapes.shapes  # noqa: B018  (parse the shapes now, once)
        self._info = self._shape_info(shapes_graph)
        self._hierarchy = to_oxigraph(ontology.class_hierarchy())
        self._framework = to_oxigraph(framework_statements())
        # what the ontology says of each term, by term: a case gets only those of the terms it
        # uses (about 400 triples in all; adding every one made each validation 2-3 times slower)
        by_term: dict[Node, Graph] = defaultdict(Graph)
        for triple in ontology.term_statements() + value_datatypes(shapes_graph):
            by_term[triple[0]].add(triple)
        self._terms = {term: to_oxigraph(about) for term, about in by_term.items()}
        self._declared = ontology.declared_terms()
        self._replacements = ontology.replacements()

    @staticmethod
    def _shape_info(graph: Graph) -> dict[Node, _ShapeInfo]:
        info = {}
        for shape in set(graph.subjects(SH.message, None)):
            messages = {
                m.language or "en": str(m)
                for m in graph.objects(shape, SH.message)
                if isinstance(m, Literal)
            }
            flagged = (shape, FWS.offenderInValue, Literal(True)) in graph
            theory = (shape, FWS.comparesWithTheory, Literal(True)) in graph
            info[shape] = _ShapeInfo(messages, flagged, theory)
        return info

    def shapes_data(self) -> bytes:
        """The shapes as N-Triples: ``CaseValidator(Graph().parse(data=…, format="nt"))``
        builds the same validator in another process."""
        return self._shapes_rdf.serialize(format="nt", encoding="utf-8")

    def shape_names(self) -> list[str]:
        """The named shapes (IRIs) that carry a message, as CURIEs."""
        return sorted(curie(str(s)) for s in self._info if isinstance(s, URIRef))

    def theory_shapes(self) -> list[str]:
        """The shapes that compare a case with the theory (``fws:comparesWithTheory``), as
        CURIEs: what they find is a departure from the theory, not a coding mistake."""
        return sorted(
            curie(str(s))
            for s, info in self._info.items()
            if isinstance(s, URIRef) and info.compares_with_theory
        )

    def messages(self, shape: str) -> dict[str, str]:
        """The messages of a named shape, by language."""
        return dict(self._info[URIRef(shape)].messages)

    def _terms_used(self, graph: Graph) -> list[ox.Quad]:
        """The ontology's statements of the terms the claim, role and tenure shapes look up: a
        claim's property and value, a confidence level, a role's kind, and ``fw:confidence``
        itself. Only those: each typed term added costs every shape that scans typed nodes
        (adding all 400 statements made validation 2-3 times slower)."""
        used: set[Node] = {FW.confidence}
        for predicate in _LOOKED_UP:
            used.update(graph.objects(None, predicate))
        for claim_property in graph.objects(None, FW.claimProperty):
            used.add(claim_property)
        return [quad for term in used for quad in self._terms.get(term, ())]

    def validate(self, graph: Graph, case: str = "", source: str = "") -> CaseReport:
        """Validate one case graph. The graph is not changed.

        The SHACL engine runs over an Oxigraph copy of the graph plus the class hierarchy:
        pySHACL then hands its SPARQL constraints to Oxigraph, an order of magnitude faster
        than rdflib's SPARQL engine on the same shapes, with the same results.
        """
        return self._validate(graph, to_oxigraph(graph), case, source)

    def validate_case(self, case: CaseGraph) -> CaseReport:
        """Validate a case read from a file. The Oxigraph copy is the parser's own triples, the
        ones the store writes (rdflib rewrites some literals: ``" 5"^^xsd:integer`` as ``"5"``),
        unless the case has a blank node (its name differs between the two copies, and a
        finding's focus is looked up in the rdflib graph)."""
        triples = case.triples
        if not triples or any(has_blank_node(t) for t in triples):
            return self.validate(case.graph, case.iri, case.source)
        quads = [ox.Quad(t.subject, t.predicate, t.object) for t in triples]
        return self._validate(case.graph, quads, case.iri, case.source)

    def _validate(self, graph: Graph, copy: list[ox.Quad], case: str, source: str) -> CaseReport:
        store = ox.Store()
        store.extend(copy)
        store.extend(self._hierarchy)
        store.extend(self._framework)
        store.extend(self._terms_used(graph))
        validator = Validator(
            _OxigraphData(store),
            shacl_graph=self._shapes_rdf,
            options={
                "inference": "none",
                "advanced": True,
                "allow_warnings": True,
                "allow_infos": True,
                "inplace": True,
            },
        )
        validator.shacl_graph = self._shapes  # reuse the shapes parsed once
        _, report, _ = validator.run()
        undeclared, deprecated = self._terms_to_flag(graph)
        findings = [
            *self.findings_from_report(report, graph, case),
            *self._vocabulary_findings(undeclared, graph, case),
            *self._version_findings(graph, case, source),
            *self._deprecated_findings(deprecated, graph, case),
        ]
        return CaseReport(case, source, tuple(findings))

    def findings_from_report(self, report: Graph, data: Graph, case: str = "") -> list[Finding]:
        """Turn a SHACL validation report graph (from these shapes) into findings."""
        return [self._finding(report, r, data, case) for r in report.objects(None, SH.result)]

    def validate_file(self, path: Path | str, fmt: str | None = None) -> list[CaseReport]:
        """Read and validate every case in a file; raises RdfInputError if it cannot be read."""
        return [self.validate_case(case) for case in read_cases(Path(path), fmt)]

    def _finding(self, report: Graph, result: Node, data: Graph, case: str) -> Finding:
        shape = report.value(result, SH.sourceShape)
        focus = report.value(result, SH.focusNode)
        if focus is None:  # pragma: no cover - every SHACL validation result has one
            raise ValueError("a SHACL validation result without sh:focusNode")
        value = report.value(result, SH.value)
        path = report.value(result, SH.resultPath)
        info = self._info.get(shape) if shape is not None else None
        if info is None:  # an anonymous shape: fall back on pySHACL's own message
            messages = {"en": str(report.value(result, SH.resultMessage) or "")}
        else:
            messages = info.messages
            if info.offender_in_value and value is not None:
                focus, value = value, None
        return Finding(
            case=case,
            focus=_name(focus),
            shape=curie(str(shape)) if isinstance(shape, URIRef) else "(anonymous shape)",
            severity=Severity.from_iri(report.value(result, SH.resultSeverity)),
            messages=messages,
            path=curie(str(path)) if isinstance(path, URIRef) else None,
            value=_name(value) if value is not None else None,
            focus_kind=self._kind(data, focus),
            focus_labels=_labels(data, focus),
        )

    def _terms_to_flag(self, data: Graph) -> tuple[dict[str, Node], dict[str, Node]]:
        """The fw: terms the case uses that the ontology does not declare, and the deprecated
        terms it uses: each with where it is first used (the subject of its first statement,
        or the term itself as a subject). One pass over the statements, each distinct term
        judged once."""
        namespace = str(FW)
        undeclared: dict[str, Node] = {}
        deprecated: dict[str, Node] = {}
        judged: dict[Node, tuple[dict[str, Node], ...]] = {}
        for triple in data:
            for position, term in enumerate(triple):
                flagged = judged.get(term)
                if flagged is None:
                    text, iri = str(term), isinstance(term, URIRef)
                    flagged = judged[term] = tuple(
                        found
                        for found, applies in (
                            (
                                undeclared,
                                iri and text.startswith(namespace) and text not in self._declared,
                            ),
                            (deprecated, iri and text in self._replacements),
                        )
                        if applies
                    )
                for found in flagged:
                    found.setdefault(str(term), triple[0] if position else term)
        return undeclared, deprecated

    def _vocabulary_findings(
        self, used: Mapping[str, Node], data: Graph, case: str
    ) -> list[Finding]:
        shape = FWS.VocabularyShape
        return [
            Finding(
                case=case,
                focus=_name(subject),
                shape=curie(str(shape)),
                severity=Severity.VIOLATION,
                messages=self._info[shape].messages,
                value=term,
                focus_kind=self._kind(data, subject),
                focus_labels=_labels(data, subject),
            )
            for term, subject in sorted(used.items())
        ]

    def _coded_finding(
        self,
        shape: URIRef,
        data: Graph,
        case: str,
        focus: Node,
        value: str,
        details: Mapping[str, str],
    ) -> Finding:
        """A finding of a shape evaluated in code: its message from the shapes file, followed by
        what this case shows (``details``, by language)."""
        info = self._info[shape]
        messages = {
            lang: f"{text} ({details[lang]})" if details.get(lang) else text
            for lang, text in info.messages.items()
        }
        return Finding(
            case=case,
            focus=_name(focus),
            shape=curie(str(shape)),
            severity=Severity.from_iri(self._shapes_rdf.value(shape, SH.severity)),
            messages=messages,
            value=value,
            focus_kind=self._kind(data, focus),
            focus_labels=_labels(data, focus),
        )

    def _version_findings(self, data: Graph, case: str, source: str) -> list[Finding]:
        """A header importing an earlier ontology version (migrate it) or a later one."""
        current = _version_key(__version__)
        prefix = ONTOLOGY_IRI + "/"
        findings = []
        for header, imported in sorted(data.subject_objects(OWL.imports)):
            iri = str(imported)
            key = _version_key(iri[len(prefix) :]) if iri.startswith(prefix) else None
            if key is None or current is None or key == current:
                continue
            version = iri[len(prefix) :]
            if key < current:
                where = f"flywheel migrate {source}" if source else "flywheel migrate FILE"
                details = {
                    "en": f"it imports {version}; this package checks {__version__}: run `{where}`",
                    "zh": f"该案例导入 {version} 版,本软件包检查的是 {__version__} 版:"
                    f"请运行 `{where}`",
                }
                shape = FWS.OutdatedOntologyShape
            else:
                details = {
                    "en": f"it imports {version}; this package knows only up to {__version__}",
                    "zh": f"该案例导入 {version} 版,本软件包只认识到 {__version__} 版",
                }
                shape = FWS.OntologyVersionShape
            findings.append(self._coded_finding(shape, data, case, header, iri, details))
        return findings

    def _deprecated_findings(
        self, used: Mapping[str, Node], data: Graph, case: str
    ) -> list[Finding]:
        """Each deprecated fw: term the case uses, once, with the terms that replace it."""
        findings = []
        for deprecated, subject in sorted(used.items()):
            replaced_by = self._replacements[deprecated]
            if replaced_by:
                details = {
                    "en": f"{curie(deprecated)} is replaced by "
                    + ", ".join(curie(r) for r in replaced_by),
                    "zh": f"{curie(deprecated)} 已由 "
                    + "、".join(curie(r) for r in replaced_by)
                    + " 取代",
                }
            else:
                details = {
                    "en": f"{curie(deprecated)} has no replacement",
                    "zh": f"{curie(deprecated)} 没有替代术语",
                }
            findings.append(
                self._coded_finding(
                    FWS.DeprecatedTermShape, data, case, subject, deprecated, details
                )
            )
        return findings

    def _kind(self, data: Graph, node: Node) -> str | None:
        """The most specific fw: class of a node, for naming it in a report."""
        types = [
            str(t)
            for t in data.objects(node, RDF.type)
            if str(t).startswith(str(FW)) and str(t) in self._declared
        ]
        for candidate in types:
            if not any(
                other != candidate and candidate in ontology.superclasses(other) for other in types
            ):
                return candidate
        return None


def _name(node: Node) -> str:
    return f"_:{node}" if isinstance(node, BNode) else str(node)


def _labels(data: Graph, node: Node) -> dict[str, str]:
    labels: dict[str, str] = {}
    for value in data.objects(node, RDFS.label):
        labels.setdefault(getattr(value, "language", None) or "", str(value))
    return labels


def validate_files(
    paths_: Iterable[Path | str], validator: CaseValidator | None = None, fmt: str | None = None
) -> list[CaseReport]:
    """Validate every case in the given files with one validator (shapes parsed once)."""
    validator = validator or CaseValidator()
    reports: list[CaseReport] = []
    for path in paths_:
        reports.extend(validator.validate_file(path, fmt))
    return reports
