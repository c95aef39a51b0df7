"""The published JSON-LD ``@context`` for case graphs, and compact JSON-LD that uses it.

The context (``ontology/context.jsonld``, served at ``/context.jsonld`` and published at
:data:`CONTEXT_URL`) is generated from the ontology: the project's prefixes, one term per fw:
class and property, object properties coerced to IRIs (``"@type": "@id"``) and datatype
properties to their datatype. The ontology gives a datatype property's range; where it says
only ``rdfs:Literal`` (the dates), the datatype the case shapes require is used (``xsd:date``).

A compact document names the context by its URL. Nothing here fetches it:
:func:`read_compact` puts the local file in its place, so an export reads offline.
"""

from __future__ import annotations

import json
from collections import defaultdict
from functools import cache
from pathlib import Path

from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SH, XSD

from kg import paths
from kg.ontology import ontology_graph
from kg.vocab import FW, PREFIXES, curie

CONTEXT_URL = "https://w3id.org/dataflywheel/context.jsonld"
CONTEXT_FILE = paths.ONTOLOGY_DIR / "context.jsonld"


def _shape_datatypes() -> dict[str, str]:
    """The one datatype the case shapes require of each property (where they agree on one)."""
    shapes = Graph().parse(paths.CASE_SHAPES, format="turtle")
    found: dict[str, set[str]] = defaultdict(set)
    for shape, datatype in shapes.subject_objects(SH.datatype):
        path = shapes.value(shape, SH.path)
        if isinstance(path, URIRef):
            found[str(path)].add(str(datatype))
    return {path: next(iter(types)) for path, types in found.items() if len(types) == 1}


def context() -> dict[str, object]:
    """The ``@context`` object generated from the ontology (and the shapes' datatypes)."""
    onto = ontology_graph()
    from_shapes = _shape_datatypes()
    terms: dict[str, object] = dict(sorted(PREFIXES.items()))
    named: dict[str, object] = {}
    for kind in (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty):
        for subject in onto.subjects(RDF.type, kind):
            iri = str(subject)
            if not isinstance(subject, URIRef) or not iri.startswith(str(FW)):
                continue
            name, compact = iri[len(str(FW)) :], curie(iri)
            if kind == OWL.ObjectProperty:
                named[name] = {"@id": compact, "@type": "@id"}
            elif kind == OWL.DatatypeProperty:
                declared = onto.value(subject, RDFS.range)
                datatype = (
                    str(declared)
                    if declared is not None and str(declared).startswith(str(XSD))
                    else from_shapes.get(iri)
                )
                if datatype and datatype != str(XSD.string):
                    named[name] = {"@id": compact, "@type": curie(datatype)}
                else:
                    named[name] = compact
            else:
                named[name] = compact
    terms.update(sorted(named.items()))
    return {"@context": terms}


def context_text() -> str:
    """The context document as it is written to ``ontology/context.jsonld``."""
    return json.dumps(context(), ensure_ascii=False, indent=2) + "\n"


def write_context(folder: Path | None = None) -> Path:
    """Write ``context.jsonld`` into the ontology folder; returns its path."""
    target = (folder or paths.ONTOLOGY_DIR) / "context.jsonld"
    target.write_text(context_text(), encoding="utf-8")
    return target


@cache
def _local_context() -> dict[str, object]:
    context: dict[str, object] = json.loads(CONTEXT_FILE.read_text(encoding="utf-8"))["@context"]
    return context


def compact_case(graph: Graph) -> str:
    """A case graph as compact JSON-LD whose ``@context`` is :data:`CONTEXT_URL`."""
    text = graph.serialize(format="json-ld", context=_local_context(), auto_compact=True)
    document = json.loads(text)
    if isinstance(document, list):  # rdflib gives a bare list for an empty graph
        document = {"@graph": document}
    document.pop("@context", None)
    return json.dumps({"@context": CONTEXT_URL, **document}, ensure_ascii=False, indent=2)


def inline_own_context(data: bytes) -> bytes:
    """A JSON-LD document with every reference to :data:`CONTEXT_URL` replaced by the local
    context, so that it parses offline; other documents (and text that is not JSON) unchanged.
    Other remote contexts stay as they are, for the parser to refuse."""
    if CONTEXT_URL.encode("utf-8") not in data:
        return data
    try:
        document = json.loads(data)
    except ValueError:
        return data

    def local(value: object) -> object:
        if value == CONTEXT_URL:
            return _local_context()
        if isinstance(value, list):
            return [local(item) for item in value]
        return value

    def walk(node: object) -> object:
        if isinstance(node, dict):
            return {k: local(v) if k == "@context" else walk(v) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(item) for item in node]
        return node

    return json.dumps(walk(document), ensure_ascii=False).encode("utf-8")


def read_compact(text: str) -> Graph:
    """Read a document written by :func:`compact_case` offline: its context URL is replaced by
    the local context file before parsing, so nothing is fetched. Raises ValueError when the
    document names another remote context."""
    document = json.loads(text)
    if document.get("@context") != CONTEXT_URL:
        raise ValueError(f"the document's @context is not {CONTEXT_URL}")
    document["@context"] = _local_context()
    return Graph().parse(data=json.dumps(document), format="json-ld")
