"""OWL reasoning over the ontology and case graphs with owlready2 and its bundled HermiT.

Each call builds a fresh in-memory owlready2 World and closes it afterwards; HermiT's input
file goes to a private temporary folder that is removed, so nothing is shared between calls
or left behind. HermiT says only *that* an ontology is inconsistent; this module then finds
*which* individuals and axioms clash (disjoint classes, functional properties with two
values) and says so in words. When no such simple clash explains it, it narrows the culprits
down by re-running HermiT on parts of the case (delta debugging).
"""

from __future__ import annotations

import contextlib
import io
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import owlready2
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS

from kg import ontology
from kg.errors import Unavailable
from kg.rdf.read import read_cases
from kg.vocab import curie

_TEMPDIR_LOCK = threading.Lock()
_SCRATCH_IRI = "urn:x-flywheel:reasoning"


class ReasonerError(Unavailable):
    """The reasoner could not run (no Java, or HermiT failed for another reason)."""

    problem = "reasoner-unavailable"


@dataclass(frozen=True)
class Clash:
    """One reason the graphs are inconsistent, in words and as the axioms involved."""

    individuals: tuple[str, ...]
    axioms: tuple[str, ...]
    explanation: str


@dataclass(frozen=True)
class ReasoningResult:
    """What HermiT concluded about the ontology plus the given cases."""

    consistent: bool
    clashes: tuple[Clash, ...] = ()
    inferred_types: dict[str, tuple[str, ...]] = field(default_factory=dict)
    unsatisfiable_classes: tuple[str, ...] = ()
    seconds: float = 0.0

    def as_dict(self) -> dict:
        return {
            "consistent": self.consistent,
            "clashes": [
                {
                    "individuals": list(c.individuals),
                    "axioms": list(c.axioms),
                    "explanation": c.explanation,
                }
                for c in self.clashes
            ],
            "inferredTypes": {k: list(v) for k, v in self.inferred_types.items()},
            "unsatisfiableClasses": list(self.unsatisfiable_classes),
            "seconds": round(self.seconds, 3),
        }


@contextmanager
def _private_tempdir() -> Iterator[None]:
    """owlready2 writes HermiT's input with tempfile and keeps it when HermiT reports an
    inconsistency; point tempfile at a folder of our own for the call and remove it after."""
    with _TEMPDIR_LOCK, tempfile.TemporaryDirectory(prefix="flywheel-reason-") as folder:
        previous = tempfile.tempdir
        tempfile.tempdir = folder
        try:
            yield
        finally:
            tempfile.tempdir = previous


def _without_imports(graph: Graph) -> Graph:
    """A copy without owl:imports, so that owlready2 never tries to fetch anything."""
    copy = Graph()
    for triple in graph:
        if triple[1] != OWL.imports:
            copy.add(triple)
    return copy


def _hermit(graph: Graph) -> tuple[bool, owlready2.World | None]:
    """Run HermiT on a graph. Returns (consistent, world); the caller closes the world."""
    world = owlready2.World()
    data = graph.serialize(format="nt", encoding="utf-8")
    try:
        # owlready2 prints a line to stderr for each term it repairs on loading (PROV-O, ORG, DCAT
        # and OWL-Time declare a few properties two ways: ontology/aligned/README.md); a failed
        # load still raises
        with contextlib.redirect_stderr(io.StringIO()):
            onto = world.get_ontology(_SCRATCH_IRI).load(
                fileobj=io.BytesIO(data), format="ntriples"
            )
        with _private_tempdir(), onto:
            owlready2.sync_reasoner_hermit(
                world, infer_property_values=False, debug=0, ignore_unsupported_datatypes=True
            )
        return True, world
    except owlready2.OwlReadyInconsistentOntologyError:
        world.close()
        return False, None
    except owlready2.OwlReadyJavaError as error:
        world.close()
        raise ReasonerError(f"HermiT failed: {error}") from None
    except FileNotFoundError as error:
        world.close()
        raise ReasonerError(
            f"Java is needed for the HermiT reasoner but was not found ({error})"
        ) from None


def reason_graph(cases: Graph, aligned: bool = False) -> ReasoningResult:
    """Reason over the ontology plus the given case triples. The input graph is not changed.

    With ``aligned``, the bundled copies of the vocabularies the ontology aligns to (PROV-O,
    ORG, DCAT, SKOS, OWL-Time) are reasoned over too: slower (see docs/ontology-changelog.md),
    but it catches alignments that contradict those vocabularies."""
    start = time.perf_counter()
    merged = ontology.ontology_graph()
    if aligned:
        merged += ontology.aligned_vocabularies()
    for triple in _without_imports(cases):
        merged.add(triple)
    consistent, world = _hermit(merged)
    if not consistent:
        clashes = explain_inconsistency(merged) or _isolate(cases, aligned=aligned)
        return ReasoningResult(False, tuple(clashes), seconds=time.perf_counter() - start)
    assert world is not None
    try:
        inferred = _inferred_types(world, cases, merged)
        unsatisfiable = tuple(
            sorted(curie(c.iri) for c in world.inconsistent_classes() if c.iri != str(OWL.Nothing))
        )
    finally:
        world.close()
    return ReasoningResult(True, (), inferred, unsatisfiable, time.perf_counter() - start)


def reason_files(
    files: Iterable[Path | str], fmt: str | None = None, aligned: bool = False
) -> ReasoningResult:
    """Reason over the ontology (with ``aligned``, also the aligned vocabularies) plus every
    case in the given files."""
    cases = Graph()
    for path in files:
        for case in read_cases(Path(path), fmt):
            for triple in case.graph:
                cases.add(triple)
    return reason_graph(cases, aligned)


# --- inferred types -------------------------------------------------------------------------


def _type_closure(graph: Graph, node: URIRef) -> set[str]:
    closure: set[str] = set()
    for cls in graph.objects(node, RDF.type):
        if isinstance(cls, URIRef):
            closure.update(ontology.superclasses(str(cls)))
    return closure


def _inferred_types(
    world: owlready2.World, cases: Graph, merged: Graph
) -> dict[str, tuple[str, ...]]:
    """Named classes HermiT puts each case individual in beyond what was stated."""
    onto_terms = ontology.declared_terms()
    nodes = {n for triple in cases for n in (triple[0], triple[2]) if isinstance(n, URIRef)}
    result: dict[str, tuple[str, ...]] = {}
    for node in sorted(nodes):
        entity = world[str(node)]
        if str(node) in onto_terms or not isinstance(entity, owlready2.Thing):
            continue
        stated = _type_closure(merged, node)
        new = sorted(
            {
                curie(c.iri)
                for c in entity.is_a
                if isinstance(c, owlready2.ThingClass)
                and c.iri not in stated
                and c.iri != str(OWL.Thing)
            }
        )
        if new:
            result[str(node)] = tuple(new)
    return result


# --- explaining an inconsistency ------------------------------------------------------------


def _disjoint_pairs(graph: Graph) -> list[tuple[str, str, str]]:
    """(class A, class B, axiom text) for every pair the ontology declares disjoint."""
    pairs = []
    for node in graph.subjects(RDF.type, OWL.AllDisjointClasses):
        head = graph.value(node, OWL.members)
        if head is None:  # no list: no members (an empty Collection)
            continue
        members = [str(m) for m in Collection(graph, head)]
        axiom = f"DisjointClasses({' '.join(curie(m) for m in members)})"
        for i, a in enumerate(members):
            for b in members[i + 1 :]:
                pairs.append((a, b, axiom))
    for one, other in graph.subject_objects(OWL.disjointWith):
        pairs.append(
            (str(one), str(other), f"DisjointClasses({curie(str(one))} {curie(str(other))})")
        )
    return pairs


def _typing_reasons(graph: Graph, node: URIRef) -> dict[str, tuple[str, str]]:
    """Each named class a node belongs to, with the axiom and the words that make it so."""
    reasons: dict[str, tuple[str, str]] = {}

    def note(cls: str, axiom: str, words: str) -> None:
        for sup in ontology.superclasses(cls):
            reasons.setdefault(
                sup,
                (
                    axiom,
                    words if sup == cls else f"{words}, and {curie(cls)} is a kind of {curie(sup)}",
                ),
            )

    for cls in graph.objects(node, RDF.type):
        if isinstance(cls, URIRef) and ontology.is_class(str(cls)):
            note(
                str(cls),
                f"ClassAssertion({curie(str(cls))} {curie(str(node))})",
                f"it is stated to be a {curie(str(cls))}",
            )
    for prop in set(graph.predicates(node, None)):
        for domain in graph.objects(prop, RDFS.domain):
            if isinstance(domain, URIRef):
                note(
                    str(domain),
                    f"ObjectPropertyDomain({curie(str(prop))} {curie(str(domain))})",
                    f"it is the subject of {curie(str(prop))}, whose domain is {curie(str(domain))}",
                )
    for prop in set(graph.predicates(None, node)):
        if (prop, RDF.type, OWL.ObjectProperty) not in graph:
            continue
        for range_ in graph.objects(prop, RDFS.range):
            if isinstance(range_, URIRef):
                note(
                    str(range_),
                    f"ObjectPropertyRange({curie(str(prop))} {curie(str(range_))})",
                    f"it is the value of {curie(str(prop))}, whose range is {curie(str(range_))}",
                )
    return reasons


def _distinct_individuals(graph: Graph) -> set[frozenset[str]]:
    distinct: set[frozenset[str]] = set()
    for node in graph.subjects(RDF.type, OWL.AllDifferent):
        head = graph.value(node, OWL.distinctMembers)
        if head is None:  # no list: no members (an empty Collection)
            continue
        members = [str(m) for m in Collection(graph, head)]
        distinct.update(frozenset((a, b)) for i, a in enumerate(members) for b in members[i + 1 :])
    for a, b in graph.subject_objects(OWL.differentFrom):
        distinct.add(frozenset((str(a), str(b))))
    return distinct


def explain_inconsistency(merged: Graph) -> list[Clash]:
    """Find the simple clashes in ontology + cases: disjoint types, functional properties."""
    clashes: list[Clash] = []
    onto_terms = ontology.declared_terms()
    pairs = _disjoint_pairs(merged)
    individuals = {
        s
        for s in merged.subjects()
        if isinstance(s, URIRef) and str(s) not in onto_terms and not ontology.is_class(str(s))
    }
    for node in sorted(individuals):
        reasons = _typing_reasons(merged, node)
        for a, b, axiom in pairs:
            if a in reasons and b in reasons:
                clashes.append(
                    Clash(
                        (str(node),),
                        (axiom, reasons[a][0], reasons[b][0]),
                        f"{curie(str(node))} cannot be both a {curie(a)} and a {curie(b)}, which the "
                        f"ontology declares disjoint: as a {curie(a)} because {reasons[a][1]}; "
                        f"as a {curie(b)} because {reasons[b][1]}.",
                    )
                )
    distinct = _distinct_individuals(merged)
    for prop in merged.subjects(RDF.type, OWL.FunctionalProperty):
        for node in sorted(individuals):
            values = sorted(set(merged.objects(node, prop)), key=str)
            for i, v1 in enumerate(values):
                for v2 in values[i + 1 :]:
                    different = (
                        isinstance(v1, Literal)
                        and isinstance(v2, Literal)
                        and v1.eq(v2) is not True
                    ) or frozenset((str(v1), str(v2))) in distinct
                    if different:
                        clashes.append(
                            Clash(
                                (str(node),),
                                (f"FunctionalProperty({curie(str(prop))})",),
                                f"{curie(str(node))} has two different values for "
                                f"{curie(str(prop))} ({_show(v1)} and {_show(v2)}), but the ontology "
                                f"allows it only one.",
                            )
                        )
    return clashes


def _show(term: object) -> str:
    return f'"{term}"' if isinstance(term, Literal) else curie(str(term))


def _isolate(cases: Graph, budget: int = 40, aligned: bool = False) -> list[Clash]:
    """Delta debugging: the smallest group of case individuals whose statements, with the
    ontology, HermiT still finds inconsistent. Each step is one HermiT run."""
    groups: dict[str, list] = {}
    for triple in _without_imports(cases):
        subject = triple[0]
        key = str(subject) if not isinstance(subject, BNode) else "_:blank"
        groups.setdefault(key, []).append(triple)
    keys = sorted(groups)
    calls = 0

    def inconsistent(subset: Sequence[str]) -> bool:
        nonlocal calls
        calls += 1
        graph = ontology.ontology_graph()
        if aligned:
            graph += ontology.aligned_vocabularies()
        for key in subset:
            for triple in groups[key]:
                graph.add(triple)
        consistent, world = _hermit(graph)
        if world is not None:
            world.close()
        return not consistent

    # ddmin: drop halves, then single groups, while the rest stays inconsistent.
    chunk = max(1, len(keys) // 2)
    while chunk >= 1 and calls < budget:
        reduced = False
        for start in range(0, len(keys), chunk):
            rest = keys[:start] + keys[start + chunk :]
            if rest and calls < budget and inconsistent(rest):
                keys, reduced = rest, True
                break
        if not reduced:
            if chunk == 1:
                break
            chunk = max(1, chunk // 2)
    culprits = tuple(k for k in keys if k != "_:blank")
    return [
        Clash(
            culprits,
            (),
            "HermiT finds the statements about "
            f"{', '.join(curie(k) for k in culprits)} inconsistent with the ontology "
            "(found by removing everything else; no simpler explanation was found).",
        )
    ]
