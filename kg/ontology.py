"""The data-flywheel ontology: loading it once, and the views of it other modules need."""

from __future__ import annotations

from functools import cache

from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS
from rdflib.term import Node

from kg import paths
from kg.vocab import FW, PREFIXES

SERIALISATIONS: dict[str, tuple[str, str]] = {
    # name: (rdflib format, file extension)
    "turtle": ("turtle", ".ttl"),
    "xml": ("xml", ".rdf"),
    "json-ld": ("json-ld", ".jsonld"),
    "nt": ("nt", ".nt"),
}


def _bind(graph: Graph) -> Graph:
    for prefix, ns in PREFIXES.items():
        graph.bind(prefix, ns, override=True)
    return graph


@cache
def _ontology() -> Graph:
    return _bind(Graph()).parse(paths.ONTOLOGY_TTL, format="turtle")


@cache
def _aligned() -> Graph:
    graph = Graph()
    for path in paths.aligned_vocabulary_files():
        graph.parse(path, format="turtle")
    return graph


def aligned_vocabularies() -> Graph:
    """A fresh graph of the bundled copies of PROV-O, ORG, DCAT 3, SKOS and OWL-Time (their
    owl:imports removed), read offline: for checking the ontology against the vocabularies it
    aligns to. The ontology itself never imports them."""
    copy = Graph()
    for triple in _aligned():
        if triple[1] != OWL.imports:
            copy.add(triple)
    return copy


def ontology_graph() -> Graph:
    """A fresh copy of the ontology graph (the caller may change it freely)."""
    copy = _bind(Graph())
    for triple in _ontology():
        copy.add(triple)
    return copy


def stored_ontology_graph() -> Graph:
    """A fresh copy of the ontology as a case store keeps it: the ontology and the
    ``rdfs:subClassOf`` statements RDFS entails between its named classes (each class a
    subclass of itself, rule rdfs10, and of every class above it, rule rdfs11). A query then
    asks whether a class is at or below another with one triple pattern (``?class
    rdfs:subClassOf fw:Actor``), which every SPARQL server evaluates alike, never with a
    property path (``rdfs:subClassOf*``), which Virtuoso 7.2 gets wrong in some query plans."""
    graph = ontology_graph()
    hierarchy = class_hierarchy()
    named = [*_ontology().subjects(RDF.type, OWL.Class)]
    named += [c for pair in hierarchy.subject_objects(RDFS.subClassOf) for c in pair]
    for cls in {c for c in named if isinstance(c, URIRef)}:
        for above in hierarchy.transitive_objects(cls, RDFS.subClassOf):
            if above is not None:
                graph.add((cls, RDFS.subClassOf, above))  # itself first: rdfs10
    return graph


@cache
def class_hierarchy() -> Graph:
    """Only the rdfs:subClassOf links between named classes: what SHACL validation needs.

    Shared and cached: treat it as read-only.
    """
    hierarchy = Graph()
    for sub, sup in _ontology().subject_objects(RDFS.subClassOf):
        if isinstance(sub, URIRef) and isinstance(sup, URIRef):
            hierarchy.add((sub, RDFS.subClassOf, sup))
    return hierarchy


_PROPERTY_KINDS = (OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)


@cache
def term_statements() -> Graph:
    """What the shapes need to know of the ontology's terms, besides the class hierarchy: each
    declared property's kind (``owl:ObjectProperty``, ``owl:DatatypeProperty``,
    ``owl:AnnotationProperty``) and named ``rdfs:range``, and the classes and ``skos:inScheme``
    of each named individual (the stages, logics, kinds of actor, confidence levels …), so that
    a claim's property and value, or a role's kind, can be checked against the ontology.

    Shared and cached: treat it as read-only.
    """
    onto = _ontology()
    statements = Graph()
    for kind in _PROPERTY_KINDS:
        for prop in onto.subjects(RDF.type, kind):
            if isinstance(prop, URIRef):
                statements.add((prop, RDF.type, kind))
                for range_ in onto.objects(prop, RDFS.range):
                    if isinstance(range_, URIRef):
                        statements.add((prop, RDFS.range, range_))
    for individual in onto.subjects(RDF.type, OWL.NamedIndividual):
        if isinstance(individual, URIRef):
            for predicate in (RDF.type, SKOS.inScheme):
                for value in onto.objects(individual, predicate):
                    if isinstance(value, URIRef) and value != OWL.NamedIndividual:
                        statements.add((individual, predicate, value))
    return statements


@cache
def declared_terms() -> frozenset[str]:
    """Every fw: IRI the ontology declares (classes, properties, individuals, schemes)."""
    return frozenset(
        str(s)
        for s in _ontology().subjects(RDF.type, None)
        if isinstance(s, URIRef) and str(s).startswith(str(FW))
    )


def label(iri: str, lang: str = "en") -> str | None:
    """The ontology's label of a term in one language (rdfs:label, else skos:prefLabel)."""
    graph = _ontology()
    for prop in (RDFS.label, SKOS.prefLabel):
        for value in graph.objects(URIRef(iri), prop):
            if getattr(value, "language", None) == lang:
                return str(value)
    return None


def is_class(iri: str) -> bool:
    """Whether the ontology declares this IRI as an OWL class."""
    return (URIRef(iri), RDF.type, OWL.Class) in _ontology()


def superclasses(iri: str) -> list[str]:
    """The class itself and all its named superclasses in the ontology, nearest first."""
    seen: list[str] = []
    frontier: list[Node] = [URIRef(iri)]
    while frontier:
        current = frontier.pop(0)
        if str(current) in seen:
            continue
        seen.append(str(current))
        frontier.extend(class_hierarchy().objects(current, RDFS.subClassOf))
    return seen


def serialise(fmt: str) -> str:
    """The ontology in another syntax: turtle, xml (RDF/XML), json-ld or nt."""
    rdflib_format, _ = SERIALISATIONS[fmt]
    return _ontology().serialize(format=rdflib_format)


@cache
def replacements() -> dict[str, tuple[str, ...]]:
    """Every deprecated term (``owl:deprecated true``) with the terms that replace it
    (``dcterms:isReplacedBy``; none when the ontology names none)."""
    graph = _ontology()
    found: dict[str, tuple[str, ...]] = {}
    for term, value in graph.subject_objects(OWL.deprecated):
        if isinstance(term, URIRef) and str(value).lower() in ("true", "1"):
            found[str(term)] = tuple(
                sorted(str(r) for r in graph.objects(term, DCTERMS.isReplacedBy))
            )
    return found


_CONTAINED_IN = (RDFS.subClassOf, RDFS.subPropertyOf, OWL.equivalentClass, OWL.equivalentProperty)


def contained_in(term: str, other: str) -> bool:
    """Whether the ontology states that ``term`` means no more than ``other`` (a subclass, a
    subproperty or an equivalent of it), so that ``other`` can stand wherever ``term`` stood."""
    graph = _ontology()
    return any((URIRef(term), relation, URIRef(other)) in graph for relation in _CONTAINED_IN)
