"""Rendering validation reports for people (English or Chinese text) and machines (JSON, Turtle)."""

from __future__ import annotations

import json
from collections.abc import Sequence

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, SH

from kg.check.validation import CaseReport, Severity
from kg.paths import display_path
from kg.vocab import FWS, PREFIXES, curie

WORDS = {
    "en": {
        "case": "case",
        "conforms": "conforms",
        "fails": "does not conform",
        "summary": "{cases} case(s): {v} violation(s), {w} warning(s), {i} info(s).",
        "all_conform": "All cases conform (warnings and infos are findings, not errors).",
        "some_fail": "{n} case(s) have violations: fix them before loading.",
        "counts": "{v} violation(s), {w} warning(s), {i} info(s)",
        "clean": "nothing to report",
    },
    "zh": {
        "case": "案例",
        "conforms": "符合要求",
        "fails": "不符合要求",
        "summary": "共 {cases} 个案例:违规 {v} 项,警告 {w} 项,提示 {i} 项。",
        "all_conform": "所有案例均符合要求(警告和提示是发现,不是错误)。",
        "some_fail": "{n} 个案例存在违规:请在载入前修正。",
        "counts": "违规 {v} 项,警告 {w} 项,提示 {i} 项",
        "clean": "无可报告事项",
    },
}


def _counts(report: CaseReport) -> dict[str, int]:
    return {
        "v": report.count(Severity.VIOLATION),
        "w": report.count(Severity.WARNING),
        "i": report.count(Severity.INFO),
    }


def render_text(reports: Sequence[CaseReport], lang: str = "en") -> str:
    """A report grouped by case and by node, with severity, message and shape name."""
    words = WORDS[lang]
    lines: list[str] = []
    for report in reports:
        status = words["conforms"] if report.conforms else words["fails"]
        source = display_path(report.source) if report.source else report.source
        lines.append(f"{source} — {words['case']} <{report.case}>: {status}")
        if not report.findings:
            lines.append(f"  {words['clean']}")
        else:
            lines.append("  " + words["counts"].format(**_counts(report)))
        for _, findings in report.by_focus().items():
            lines.append(f"  {findings[0].describe_focus(lang)}")
            for finding in findings:
                notes = []
                if finding.path and finding.path not in finding.message(lang):
                    notes.append(finding.path)
                if finding.value and finding.value != finding.focus:
                    notes.append(("value: " if lang == "en" else "值:") + curie(finding.value))
                detail = f" ({'; '.join(notes)})" if notes else ""
                lines.append(
                    f"    {finding.severity.label(lang)}: {finding.message(lang)}"
                    f"{detail}  [{finding.shape}]"
                )
        lines.append("")
    total = {k: sum(_counts(r)[k] for r in reports) for k in ("v", "w", "i")}
    lines.append(words["summary"].format(cases=len(reports), **total))
    failing = sum(1 for r in reports if not r.conforms)
    lines.append(words["some_fail"].format(n=failing) if failing else words["all_conform"])
    return "\n".join(lines)


def render_json(reports: Sequence[CaseReport]) -> str:
    """The reports as JSON: one object per case with its findings."""
    return json.dumps(
        {"conforms": all(r.conforms for r in reports), "cases": [r.as_dict() for r in reports]},
        ensure_ascii=False,
        indent=2,
    )


def report_graph(reports: Sequence[CaseReport]) -> Graph:
    """The reports as standard SHACL validation reports, one per case (dcterms:subject).

    sh:conforms follows SHACL: false as soon as there is any result, warnings included.
    """
    graph = Graph()
    for prefix, ns in PREFIXES.items():
        graph.bind(prefix, ns)
    for report in reports:
        node = BNode()
        graph.add((node, RDF.type, SH.ValidationReport))
        graph.add((node, SH.conforms, Literal(not report.findings)))
        graph.add((node, DCTERMS.subject, URIRef(report.case)))
        graph.add((node, DCTERMS.source, Literal(report.source)))
        for finding in report.findings:
            result = BNode()
            graph.add((node, SH.result, result))
            graph.add((result, RDF.type, SH.ValidationResult))
            graph.add((result, SH.focusNode, _node(finding.focus)))
            graph.add((result, SH.resultSeverity, finding.severity.iri))
            if finding.shape.startswith("fws:"):
                graph.add((result, SH.sourceShape, FWS[finding.shape.removeprefix("fws:")]))
            for lang, text in finding.messages.items():
                graph.add((result, SH.resultMessage, Literal(text, lang=lang)))
            if finding.value is not None:
                graph.add((result, SH.value, _value(finding.value)))
    return graph


def render_turtle(reports: Sequence[CaseReport]) -> str:
    return report_graph(reports).serialize(format="turtle")


def _value(text: str) -> URIRef | BNode | Literal:
    return _node(text) if text.startswith(("http://", "https://", "urn:", "_:")) else Literal(text)


def _node(name: str) -> URIRef | BNode:
    return BNode(name[2:]) if name.startswith("_:") else URIRef(name)
