"""What the REST resources read from the store, as module-level functions ``fn(store, *args)``
that :meth:`api.engine.Engine.read` runs in a worker process. Each returns plain data (dicts,
lists, strings, bytes) and raises NotFound (→ 404) or BadInput (→ 400) for the client's
mistakes. The timeline, flywheel and actors views are
in :mod:`kg.views`, reached through :mod:`api.stories`.
"""

from __future__ import annotations

import re
from typing import cast

import pyoxigraph as ox

from api.negotiation import GRAPH_TYPES, serialize_graph
from kg.errors import BadInput, NotFound
from kg.rdf import names
from kg.store import CaseInfo, CaseStore, case_id
from kg.store.results import run_named
from kg.views.common import term
from kg.views.comparison import compare
from kg.views.timeline import episodes
from kg.vocab import PREFIXES, STAGE_IRIS, STAGES

# A case id as it may appear in a URL: the last segment of its graph IRI.
CASE_ID = r"^[A-Za-z0-9][A-Za-z0-9._~-]{0,199}$"
_CASE_ID = re.compile(CASE_ID)


def find_case(store: CaseStore, name: str) -> CaseInfo:
    """The case with this id; NotFound (404) when there is none."""
    if not _CASE_ID.match(name):
        raise NotFound(f"no case called {name!r}: a case id is the last part of its IRI")
    info = store.find_case(name)
    if info is not None and case_id(info.iri) == name:
        return info
    known = ", ".join(sorted(case_id(i.iri) for i in store.cases())) or "none"
    raise NotFound(f"no case called {name!r} in this store (its cases: {known})")


def summary(info: CaseInfo, base: str = "") -> dict:
    """A case as ``GET /cases`` lists it."""
    name = case_id(info.iri)
    here = f"{base}/cases/{name}"
    return {
        "id": name,
        "iri": info.iri,
        "label": info.label,
        "city": info.city,
        "city_label": info.city_label,
        "triples": info.triples,
        "sources": info.sources,
        "synthetic": info.synthetic,
        "ontology_version": info.ontology_version,
        "sha256": info.sha256,
        "loaded": info.loaded,
        "links": {
            "self": here,
            "graph": f"{here}/graph",
            "timeline": f"{here}/timeline",
            "flywheel": f"{here}/flywheel",
            "actors": f"{here}/actors",
        },
    }


# --- worker functions ---------------------------------------------------------------------------


def count_cases(store: CaseStore) -> int:
    """How many cases the store holds."""
    return len(store.cases())


def list_cases(store: CaseStore, base: str) -> list[dict]:
    """Every case's summary, in IRI order."""
    return [summary(info, base) for info in store.cases()]


def case_detail(store: CaseStore, name: str, base: str, close_at_next: bool = False) -> dict:
    """One case's summary with its counts, stage dates and loop status (kg.views.comparison);
    an end not coded is the next episode's start only with ``close_at_next``."""
    info = find_case(store, name)
    rows = compare(store, [info.iri], close_at_next=close_at_next)
    row = rows[0] if rows else {}
    # the dates as written (EDTF) of the city's first episode of each stage, as compare() takes
    first: dict[str | None, dict] = {}
    for episode in sorted(episodes(store, info.iri, close_at_next), key=lambda e: e["sequence"]):
        first.setdefault(episode["stage_word"], episode)
    stages = []
    for stage in STAGES:
        written = first.get(stage, {})
        stages.append(
            {
                "stage": term(STAGE_IRIS[stage]),
                "start": row.get(f"{stage}_start"),
                "start_precision": row.get(f"{stage}_start_precision"),
                "start_edtf": written.get("start_edtf"),
                "start_earliest": row.get(f"{stage}_start_earliest"),
                "start_latest": row.get(f"{stage}_start_latest"),
                "end": row.get(f"{stage}_end"),
                "end_precision": row.get(f"{stage}_end_precision"),
                "end_edtf": written.get("end_edtf"),
                "end_earliest": row.get(f"{stage}_end_earliest"),
                "end_latest": row.get(f"{stage}_end_latest"),
                "end_basis": row.get(f"{stage}_end_basis"),
                "confidence": row.get(f"{stage}_confidence"),
                "dominant_logic": row.get(f"{stage}_dominant_logic"),
            }
        )
    return summary(info, base) | {
        # compare() gives the counts as int (its rows are typed dict[str, object])
        "counts": {k: int(cast(int, row.get(k)) or 0) for k in ("actions", "flows", "scenarios")},
        "stages": stages,
        "years_startup_to_inertia": row.get("years_startup_to_inertia"),
        "years_precision": row.get("years_precision"),
        "loop_closed": bool(row.get("loop_closed")),
        "loop_closed_since": row.get("loop_closed_since"),
        "loop_closed_since_precision": row.get("loop_closed_since_precision"),
    }


def _graph_triples(store: CaseStore, iri: str) -> list[ox.Triple]:
    result = store.query(
        "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }", {"g": ox.NamedNode(iri)}
    )
    return list(result.triples)


def case_graph(store: CaseStore, name: str, rdf_format: str) -> bytes:
    """One case's graph serialised (``rdf_format`` a pyoxigraph RdfFormat's MIME type)."""
    info = find_case(store, name)
    return serialize(_graph_triples(store, info.iri), rdf_format)


def named_graph(store: CaseStore, iri: str, rdf_format: str) -> bytes | None:
    """Any named graph of the store (a case, the catalog, the ontology) serialised, or None
    when it holds no triples (Graph Store Protocol GET)."""
    triples = _graph_triples(store, iri)
    return serialize(triples, rdf_format) if triples else None


def serialize(triples: list[ox.Triple], rdf_format: str) -> bytes:
    """Triples in a graph syntax named by its MIME type (Turtle with the project's prefixes)."""
    if rdf_format not in GRAPH_TYPES:
        raise BadInput(f"cannot write {rdf_format}")
    return serialize_graph(triples, rdf_format, PREFIXES)


def compare_cases(
    store: CaseStore,
    names: list[str],
    min_confidence: str | None = None,
    close_at_next: bool = False,
) -> list[dict]:
    """kg.views.comparison rows for these case ids (all cases when none is given), stage
    starts below ``min_confidence`` left out, ends not coded closed at the next start only with
    ``close_at_next``."""
    iris = [find_case(store, name).iri for name in names] if names else None
    return compare(store, iris, min_confidence, close_at_next)


def query_rows(store: CaseStore, name: str, values: dict[str, str]) -> list[dict]:
    """A named query's rows, with typed parameters (QueryParameterError → 400)."""
    return run_named(store, name, values)


def reserved(iri: str) -> str | None:
    """Why a graph is not a case's, when it is one of flywheel's own (the catalog, the ontology
    and its version IRI, the shapes, or under them: :func:`kg.rdf.names.reserved`); else None."""
    what = names.reserved(iri)
    if what is None:
        return None
    return f"the graph <{iri}> is {what}, which the server maintains; it is not a case"
