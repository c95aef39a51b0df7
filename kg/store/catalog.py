"""The catalog graph: what a store says of each case it holds (city, sources, ontology version,
triple count, content hash, source file, when loaded), and the SPARQL that reads and writes it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import cast

import pyoxigraph as ox
from rdflib import URIRef
from rdflib.namespace import OWL, RDF, RDFS

from kg.rdf.names import case_id, shown
from kg.rdf.read import CaseGraph, has_blank_node, ox_term
from kg.store.results import case_results
from kg.version import ONTOLOGY_IRI
from kg.vocab import CATALOG, DCAT, DCTERMS, FW, SPDX, VOID, XSD

Term = ox.NamedNode | ox.BlankNode | ox.Literal
Row = dict[str, Term | None]

_DCAT, _DCT, _VOID, _SPDX, _XSD = (str(ns) for ns in (DCAT, DCTERMS, VOID, SPDX, XSD))


# A blank node written by Oxigraph's N-Triples serializer, as subject (a line's start) or as
# object (a line's end; a literal ends in a quote or its tag, and an IRI has no space).
_BLANK_SUBJECT = re.compile(rb"^_:\S+", re.MULTILINE)


_BLANK_OBJECT = re.compile(rb' _:[^\s"]+ \.$', re.MULTILINE)


def content_hash(statements: Iterable[ox.Triple | ox.Quad]) -> str:
    """SHA-256 of the sorted N-Triples of a graph (all triples, or all quads, whose graph is
    ignored), one line per triple joined by newlines, each blank node written ``_:b`` (parsers
    rename them), so the same case file always hashes the same."""
    triples = [s.triple if isinstance(s, ox.Quad) else s for s in statements]
    # in Rust: fast; with no output given it returns the bytes (its stub says bytes | None)
    text = cast(bytes, ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES))
    if b"_:" in text:
        text = _BLANK_OBJECT.sub(b" _:b .", _BLANK_SUBJECT.sub(b"_:b", text))
    return hashlib.sha256(b"\n".join(sorted(text.splitlines()))).hexdigest()


def catalog_entry(case: CaseGraph, quads: Sequence[ox.Quad]) -> list[ox.Quad]:
    graph, g = case.graph, ox.NamedNode(CATALOG)
    node = ox.NamedNode(case.iri)

    def q(s: ox.NamedNode | ox.BlankNode, p: str, o: Term) -> ox.Quad:
        return ox.Quad(s, ox.NamedNode(p), o, g)

    out = [
        q(ox.NamedNode(CATALOG), _DCAT + "dataset", node),
        q(node, str(RDF.type), ox.NamedNode(_DCAT + "Dataset")),
        q(
            node,
            _VOID + "triples",
            ox.Literal(str(len(quads)), datatype=ox.NamedNode(_XSD + "integer")),
        ),
        q(node, _SPDX + "checksum", ox.Literal(content_hash(case.triples or quads))),
        modified_quad(case.iri),
        q(node, _DCT + "source", ox.Literal(case.source)),
    ]
    for version in graph.objects(URIRef(case.iri), OWL.imports):
        if str(version).startswith(ONTOLOGY_IRI):
            out.append(q(node, _DCT + "conformsTo", ox.NamedNode(str(version))))
    for study in graph.subjects(RDF.type, FW.CaseStudy):
        for label in graph.objects(study, RDFS.label):
            out.append(q(node, _DCT + "title", ox_term(label)))
        for city in graph.objects(study, FW.studiesCity):
            out.append(q(node, _DCT + "spatial", ox.NamedNode(str(city))))
            for label in graph.objects(city, RDFS.label):
                out.append(q(ox.NamedNode(str(city)), str(RDFS.label), ox_term(label)))
        for source in graph.objects(study, FW.codesSource):
            out.append(q(node, _DCT + "references", ox.NamedNode(str(source))))
        for flag in graph.objects(study, FW.isSynthetic):
            out.append(q(node, str(FW.isSynthetic), ox_term(flag)))
    out.extend(case_results(case.iri, quads))
    return out


MODIFIED = ox.NamedNode(_DCT + "modified")


def modified_quad(iri: str) -> ox.Quad:
    """The catalog's statement that a case was written now."""
    stamp = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    return ox.Quad(
        ox.NamedNode(iri),
        MODIFIED,
        ox.Literal(stamp, datatype=ox.NamedNode(_XSD + "dateTime")),
        ox.NamedNode(CATALOG),
    )


def catalog_update(remove: Iterable[str], add: Sequence[ox.Quad]) -> str:
    """A SPARQL update that removes these cases' catalog entries (and the labels of their
    cities, unless another case's entry names the city too) and inserts new entries: it
    touches only those entries, however large the catalog."""
    catalog, label, spatial = (
        ox.NamedNode(CATALOG),
        ox.NamedNode(str(RDFS.label)),
        ox.NamedNode(_DCT + "spatial"),
    )
    parts = []
    for iri in remove:
        case = ox.NamedNode(iri)
        parts.append(  # the labels of its cities no other case's entry names
            f"DELETE {{ GRAPH {catalog} {{ ?city {label} ?name }} }} "
            f"WHERE {{ GRAPH {catalog} {{ {case} {spatial} ?city . ?city {label} ?name "
            f"FILTER NOT EXISTS {{ ?other {spatial} ?city FILTER(?other != {case}) }} }} }}"
        )
        parts.append(f"DELETE WHERE {{ GRAPH {catalog} {{ {case} ?p ?o }} }}")
        parts.append(f"DELETE DATA {{ GRAPH {catalog} {{ {catalog} <{_DCAT}dataset> {case} }} }}")
    if add:
        parts.append(f"INSERT DATA {{ GRAPH {catalog} {{ {_triples_text(add)} }} }}")
    return " ;\n".join(parts)


def _triples_text(quads: Iterable[ox.Quad | ox.Triple]) -> str:
    return " ".join(f"{q.subject} {q.predicate} {q.object} ." for q in quads)


CATALOG_QUERY = f"""
PREFIX dcat: <{_DCAT}> PREFIX dct: <{_DCT}> PREFIX void: <{_VOID}> PREFIX spdx: <{_SPDX}>
PREFIX rdfs: <{RDFS}> PREFIX fw: <{FW}>
SELECT ?case (SAMPLE(?title) AS ?label) (SAMPLE(?city) AS ?cityIri) (SAMPLE(?cityLabel) AS ?cityName)
       (SAMPLE(?version) AS ?ontologyVersion) (SAMPLE(?n) AS ?triples) (SAMPLE(?hash) AS ?sha256)
       (SAMPLE(?file) AS ?sourceFile) (SAMPLE(?when) AS ?loaded) (COUNT(DISTINCT ?src) AS ?sources)
       (SAMPLE(?synthetic) AS ?isSynthetic)
WHERE {{
  GRAPH <{CATALOG}> {{
    #ONLY#
    <{CATALOG}> dcat:dataset ?case .
    ?case void:triples ?n ; spdx:checksum ?hash ; dct:modified ?when .
    OPTIONAL {{ ?case dct:title ?title FILTER(LANGMATCHES(LANG(?title), "en")) }}
    OPTIONAL {{ ?case dct:spatial ?city . OPTIONAL {{ ?city rdfs:label ?cityLabel FILTER(LANGMATCHES(LANG(?cityLabel), "en")) }} }}
    OPTIONAL {{ ?case dct:conformsTo ?version }}
    OPTIONAL {{ ?case dct:source ?file }}
    OPTIONAL {{ ?case dct:references ?src }}
    OPTIONAL {{ ?case fw:isSynthetic ?synthetic }}
  }}
}} GROUP BY ?case ORDER BY ?case
"""


# --- the default graph: the union of the case graphs -------------------------------------------

# Flywheel's own graphs: every other named graph of a store is a case.
OWN_GRAPHS: tuple[str, ...] = (CATALOG, ONTOLOGY_IRI)

# The catalog's statement that the store's default graph holds the union of its case graphs as a
# set (each triple once however many cases state it), kept by every write: a store written
# before flywheel kept it lacks the statement, and its default graph is empty until rebuilt
# (kg.store.CaseStore.ensure_union). A store with no case has no mark.
UNION_LAYOUT = "https://w3id.org/dataflywheel/catalog#caseUnionDefaultGraph"
UNION_MARK = ox.Quad(
    ox.NamedNode(CATALOG),
    ox.NamedNode(_DCT + "conformsTo"),
    ox.NamedNode(UNION_LAYOUT),
    ox.NamedNode(CATALOG),
)
UNION_MARK_PATTERN = (
    f"GRAPH {UNION_MARK.graph_name} {{ {UNION_MARK.subject} {UNION_MARK.predicate} "
    f"{UNION_MARK.object} }}"
)
UNION_QUERY = f"ASK {{ {UNION_MARK_PATTERN} }}"
UNION_MARK_UPDATE = f"INSERT DATA {{ {UNION_MARK_PATTERN} }}"
UNION_MARK_IF_EMPTY = (
    f"DELETE {{ {UNION_MARK_PATTERN} }} WHERE {{ FILTER NOT EXISTS {{ GRAPH <{CATALOG}> "
    f"{{ <{CATALOG}> <{_DCAT}dataset> ?case }} }} }}"
)
_OWN = ", ".join(str(ox.NamedNode(iri)) for iri in OWN_GRAPHS)


def union_add(iri: str) -> str:
    """A SPARQL update adding a case graph's triples to the default graph (which holds each
    once: adding a triple it holds changes nothing). Copied from the stored graph, so that
    its blank nodes are the graph's own."""
    return f"INSERT {{ ?s ?p ?o }} WHERE {{ GRAPH {ox.NamedNode(iri)} {{ ?s ?p ?o }} }}"


def union_remove(iri: str) -> str:
    """A SPARQL update taking out of the default graph the triples of a case graph about to be
    dropped that no other case graph holds (run before the graph is dropped)."""
    case = ox.NamedNode(iri)
    return (
        f"DELETE {{ ?s ?p ?o }} WHERE {{ GRAPH {case} {{ ?s ?p ?o }} FILTER NOT EXISTS {{ "
        f"GRAPH ?other {{ ?s ?p ?o }} FILTER(?other NOT IN ({case}, {_OWN})) }} }}"
    )


# the most triples one INSERT template holds (Virtuoso 7.2 refuses a template that compiles to
# more than 10,000 lines of SQL: about 1,000 triples), unless one group of blank nodes needs more
TEMPLATE_TRIPLES = 200


Graph = ox.NamedNode | ox.BlankNode | ox.DefaultGraph


def insert_operations(
    graphs: Mapping[Graph, Sequence[ox.Quad | ox.Triple]], blank_templates: bool = False
) -> list[str]:
    """SPARQL update operations that insert these statements, each into the graph it is listed
    under (their own graph names are not read): one ``INSERT DATA``. With ``blank_templates``,
    the statements that hold a blank node go instead into ``INSERT { … } WHERE {}`` operations
    (the same fresh nodes: one solution, each label one new node), every group of statements
    that share blank nodes whole in one operation, for servers that refuse blank nodes in
    ``INSERT DATA`` (Virtuoso 7.2)."""
    plain: list[tuple[Graph, ox.Quad | ox.Triple]] = []
    blank: list[tuple[Graph, ox.Quad | ox.Triple]] = []
    for graph, statements in graphs.items():
        for statement in statements:
            (blank if blank_templates and has_blank_node(statement) else plain).append(
                (graph, statement)
            )
    operations = []
    if plain or not blank:
        operations.append(f"INSERT DATA {{ {_graphs_text(plain)} }}")
    for group in _template_groups(blank):
        operations.append(f"INSERT {{ {_graphs_text(group)} }} WHERE {{ }}")
    return operations


def _graphs_text(statements: Sequence[tuple[Graph, ox.Quad | ox.Triple]]) -> str:
    by_graph: dict[Graph, list[ox.Quad | ox.Triple]] = {}
    for graph, statement in statements:
        by_graph.setdefault(graph, []).append(statement)
    return " ".join(
        _triples_text(group)
        if isinstance(graph, ox.DefaultGraph)
        else f"GRAPH {graph} {{ {_triples_text(group)} }}"
        for graph, group in by_graph.items()
    )


def _template_groups(
    statements: Sequence[tuple[Graph, ox.Quad | ox.Triple]],
) -> list[list[tuple[Graph, ox.Quad | ox.Triple]]]:
    """The statements in groups of at most TEMPLATE_TRIPLES, the statements joined by shared
    blank nodes always in one group (however many they are)."""
    parent: dict[str, str] = {}

    def root(label: str) -> str:
        while parent.setdefault(label, label) != label:
            parent[label] = parent[parent[label]]
            label = parent[label]
        return label

    def first_blank(statement: ox.Quad | ox.Triple) -> str:
        for term in (statement.subject, statement.object):
            if isinstance(term, ox.BlankNode):
                return term.value
        raise ValueError("a statement without a blank node")  # pragma: no cover - sorted out

    for _graph, statement in statements:
        if isinstance(statement.subject, ox.BlankNode) and isinstance(
            statement.object, ox.BlankNode
        ):
            parent[root(statement.object.value)] = root(statement.subject.value)
    joined: dict[str, list[tuple[Graph, ox.Quad | ox.Triple]]] = {}
    for item in statements:
        joined.setdefault(root(first_blank(item[1])), []).append(item)
    groups: list[list[tuple[Graph, ox.Quad | ox.Triple]]] = []
    for component in joined.values():
        if groups and len(groups[-1]) + len(component) <= TEMPLATE_TRIPLES:
            groups[-1].extend(component)
        else:
            groups.append(list(component))
    return groups


def write_update(
    graphs: Mapping[str, Sequence[ox.Quad]],
    drop: Iterable[str],
    catalog_update: str = "",
    blank_templates: bool = False,
    keep_union: bool = True,
) -> str:
    """One SPARQL update that drops these graphs, replaces those, and updates the catalog: a
    server applies one update request as one transaction (Oxigraph, Fuseki, Virtuoso).
    ``blank_templates``: see :func:`insert_operations`. With ``keep_union``, the default graph
    (the union of the case graphs) follows in the same update: a dropped or replaced case's
    triples leave it unless another case holds them, a written case's triples join it (not on a
    server whose default graph is already every graph, as Virtuoso's)."""
    parts = []
    for iri in (*drop, *graphs):
        if keep_union and iri not in OWN_GRAPHS:
            parts.append(union_remove(iri))
        parts.append(f"DROP SILENT GRAPH {ox.NamedNode(iri)}")
    for iri, quads in graphs.items():
        parts.extend(insert_operations({ox.NamedNode(iri): quads}, blank_templates))
        if keep_union and iri not in OWN_GRAPHS:
            parts.append(union_add(iri))
    if keep_union and any(iri not in OWN_GRAPHS for iri in (*drop, *graphs)):
        parts.append(UNION_MARK_UPDATE)
    if catalog_update:
        parts.append(catalog_update)
    if keep_union and any(iri not in OWN_GRAPHS for iri in drop):
        parts.append(UNION_MARK_IF_EMPTY)  # the last case gone: the store is as new
    return " ;\n".join(parts)


# the catalog's cases whose IRI is ?name or whose case_id() is ?name (kg.rdf.names.case_id in SPARQL:
# the IRI without its query and fragment, trailing slashes removed, ends in "/" + ?name)
FIND_QUERY = f"""
PREFIX dcat: <{_DCAT}>
SELECT ?case ?name WHERE {{
  GRAPH <{CATALOG}> {{ <{CATALOG}> dcat:dataset ?case }}
  BIND(REPLACE(REPLACE(STR(?case), "[#?].*$", ""), "/+$", "") AS ?trimmed)
  FILTER(STR(?case) = ?name || STRENDS(?trimmed, CONCAT("/", ?name)))
}}
"""


# every case the catalog lists
NAMES_QUERY = f"SELECT ?case WHERE {{ GRAPH <{CATALOG}> {{ <{CATALOG}> <{_DCAT}dataset> ?case }} }}"


DATASET = ox.NamedNode(_DCAT + "dataset")


def taken(case: CaseGraph, holder: str, holder_source: str | None, in_store: bool) -> str:
    """Why a case cannot have its short name, in words: which case holds it, and where from."""
    mine, theirs = case_id(case.iri), case_id(holder)
    same = ""
    if mine != theirs:
        same = f" (as '{shown(theirs)}': names are compared ignoring case, width and encoding)"
    where = f", from {holder_source}" if holder_source else ""
    if in_store:
        return (
            f"the case <{shown(case.iri)}> is refused: its short name '{shown(mine)}' is "
            f"already held by the case <{shown(holder)}> in this store{where}{same}. A short "
            "name belongs to one case: give this case an IRI with another last segment, or "
            f"remove <{shown(holder)}> first; nothing was stored"
        )
    return (
        f"the case <{shown(case.iri)}> is refused: its short name '{shown(mine)}' is also the "
        f"short name of the case <{shown(holder)}>{where}, which comes with it{same}. A short "
        "name belongs to one case: give one of them an IRI with another last segment; nothing "
        "was stored"
    )
