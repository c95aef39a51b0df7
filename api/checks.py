"""Reading a case sent in a request body, validating it, and storing or removing it.

The validation functions are module-level workers for :meth:`api.engine.Engine.read` (CPU-bound
work away from the event loop; the shapes are parsed once per worker process). The store
functions run in :meth:`api.engine.Engine.write`. Nothing here touches the file system or the
network: bodies are parsed from bytes, and JSON-LD remote contexts are refused by kg.rdf.read.
"""

from __future__ import annotations

from functools import cache

import pyoxigraph as ox

from kg.check.report import render_turtle
from kg.check.validation import CaseValidator
from kg.errors import BadInput
from kg.rdf.read import CaseGraph, parse_cases
from kg.store import CaseStore, case_id

SOURCE = "request body"


@cache
def validator() -> CaseValidator:
    """This process's validator (the shapes are parsed on first use)."""
    return CaseValidator()


def _parse(data: bytes, media: str, base_iri: str | None = None) -> list[CaseGraph]:
    fmt = ox.RdfFormat.from_media_type(media)
    if fmt is None:
        raise BadInput(f"cannot read {media}")
    return parse_cases(data, fmt, SOURCE, base_iri=base_iri)


def validate_body(store: CaseStore, data: bytes, media: str, as_turtle: bool) -> dict | str:
    """``POST /validate``: every case in the body validated; the report as JSON data or as
    SHACL Turtle."""
    reports = [validator().validate_case(case) for case in _parse(data, media)]
    if as_turtle:
        return render_turtle(reports)
    return {"conforms": all(r.conforms for r in reports), "cases": [r.as_dict() for r in reports]}


def _one_case(data: bytes, media: str, base_iri: str | None) -> CaseGraph:
    cases = _parse(data, media, base_iri)
    if len(cases) != 1:
        names = ", ".join(f"<{c.iri}>" for c in cases)
        raise BadInput(f"the body holds {len(cases)} graphs ({names}); send one case at a time")
    return cases[0]


def check_case(
    store: CaseStore, data: bytes, media: str, name: str | None, graph: str | None
) -> dict:
    """Parse and validate a case about to be stored under the id ``name`` (``PUT /cases/{id}``)
    or the graph IRI ``graph`` (``PUT /store``). BadInput (400) when the body names another
    case; CaseNameError (400) when its IRI cannot name a case, CaseNameTaken (409) when another
    case holds its short name (checked here, before the work of validating, and again by the
    store where writes take turns); returns the case IRI and its report."""
    case = _one_case(data, media, graph)
    if graph is not None and case.iri != graph:
        raise BadInput(
            f"the body's case is <{case.iri}> (its owl:Ontology header or its named graph) but "
            f"the URL names the graph <{graph}>"
        )
    if name is not None and case_id(case.iri) != name:
        raise BadInput(
            f"the body's case is <{case.iri}> (its owl:Ontology header or its named graph), "
            f"whose id is '{case_id(case.iri)}', but the URL names the case '{name}'"
        )
    store.check_names([case])
    report = validator().validate_case(case)
    return {"iri": case.iri, "report": report.as_dict()}


def violations_text(report: dict) -> str:
    """The violations of a report (as :meth:`CaseReport.as_dict` gives it) in words."""
    found = [f for f in report["findings"] if f["severity"] == "violation"]
    lines = [
        f"{f['shape']} at <{f['focus']}>: {f['messages'].get('en', '')}"
        + (f" (value {f['value']})" if f.get("value") else "")
        for f in found
    ]
    return (
        f"the case <{report['case']}> has {len(found)} violation(s) of the shapes and was not "
        "stored (add ?force=true to store it anyway): " + "; ".join(lines)
    )


def store_case(
    store: CaseStore, data: bytes, media: str, base_iri: str | None, name: str | None = None
) -> bool:
    """Store the (already checked) case of a body, replacing any earlier version in one
    transaction; True when it is new. The store checks the case's short name again here, where
    writes take turns (CaseNameTaken): another request may have stored a case with this name
    since the body was validated."""
    case = _one_case(data, media, base_iri)
    existed = bool(store.cases(only=[case.iri]))
    store.put_cases([case])
    return not existed


def remove_case(store: CaseStore, name: str | None, graph: str | None) -> bool:
    """Remove a case by id or graph IRI; False when there is no such case."""
    if graph is None:
        info = store.find_case(name) if name is not None else None
        if info is None or case_id(info.iri) != name:
            return False
        graph = info.iri
    return store.remove_case(graph)
