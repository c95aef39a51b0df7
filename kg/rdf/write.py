"""Writing a case graph out in an RDF syntax, with the package's prefixes.

The caller's graph is never changed: prefixes are bound on a copy.
"""

from __future__ import annotations

from rdflib import Dataset, Graph, URIRef

from kg.vocab import PREFIXES

# The syntaxes a case can be written in, by the name rdflib gives them.
SYNTAXES = ("turtle", "trig", "nt", "nquads", "json-ld", "xml")
_DATASET_SYNTAXES = ("trig", "nquads")


def _case_prefix(case_iri: str) -> tuple[str, str] | None:
    """``hangzhou: <…/case/hangzhou/>`` for a case whose last IRI segment is a usable prefix."""
    local = case_iri.rsplit("/", 1)[-1]
    if local.isidentifier() and local not in PREFIXES:
        return local, case_iri + "/"
    return None


def serialise_case(graph: Graph, case_iri: str, syntax: str, case_prefix: bool = False) -> str:
    """The case's triples in ``syntax`` (one of :data:`SYNTAXES`). TriG and N-Quads put them in
    the case's named graph; ``case_prefix`` also binds the case's own prefix (``hangzhou:``)."""
    if syntax not in SYNTAXES:
        raise ValueError(f"unknown RDF syntax {syntax!r}: use one of {', '.join(SYNTAXES)}")
    bindings = dict(PREFIXES)
    own = _case_prefix(case_iri) if case_prefix else None
    if own is not None:
        bindings[own[0]] = own[1]
    if syntax in _DATASET_SYNTAXES:
        dataset = Dataset()
        for prefix, namespace in bindings.items():
            dataset.bind(prefix, namespace)
        named = dataset.graph(URIRef(case_iri))
        for triple in graph:
            named.add(triple)
        return dataset.serialize(format=syntax)
    copy = Graph()
    for prefix, namespace in bindings.items():
        copy.bind(prefix, namespace)
    for triple in graph:
        copy.add(triple)
    return copy.serialize(format=syntax)
