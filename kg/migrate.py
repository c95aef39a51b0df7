"""Turning a case coded with an earlier version of the ontology into one for this version,
without losing a statement, and saying what could not be decided.

A migration from version A to version B is data, kept in ``ontology/migrations/A-to-B/``:

1. the renames the ontology itself states: every term B deprecates (``owl:deprecated true``)
   with exactly one replacement (``dcterms:isReplacedBy``) that the ontology says it means no
   more than (a subclass, subproperty or equivalent of it) is rewritten to that replacement,
   wherever it stands (subject, predicate, object);
2. ``NN-name.ru``: SPARQL updates applied in their order, each for one change of the model that
   a rename cannot carry (a link moved to another node, a value split in two); the file's header
   says what it does (``# rule: …`` and ``# rule@zh: …``);
3. ``NN-name.rq``: SELECT queries listing what the migration could not decide, each row a
   question for the coder (columns ``?subject``, ``?property``, ``?value``, ``?why``).

A deprecated term with no replacement, several, or one that is not term for term is never guessed at: its statements stay as
they are and are listed as questions. Each rule's statements removed and added are counted, so
nothing disappears unseen. The case's header is made to import the new version.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph, URIRef
from rdflib.namespace import OWL

from kg import ontology, paths
from kg.errors import BadInput
from kg.rdf.read import read_cases, to_oxigraph
from kg.version import ONTOLOGY_IRI, ONTOLOGY_VERSION_IRI
from kg.vocab import curie

MIGRATIONS_DIR = paths.ONTOLOGY_DIR / "migrations"


class MigrationError(BadInput):
    """A case that cannot be migrated: coded for no known version, or for a later one."""


@dataclass(frozen=True)
class Rule:
    """One step of a migration that a rename cannot carry: a SPARQL update with its header."""

    name: str
    text: str
    says: dict[str, str]


@dataclass(frozen=True)
class Change:
    """What one rule did to one case: statements removed and added."""

    rule: str
    says: dict[str, str]
    removed: int
    added: int


@dataclass(frozen=True)
class Question:
    """A statement the migration could not decide, for the coder to settle."""

    subject: str
    property: str
    value: str
    why: str


@dataclass
class Migration:
    """One case migrated: the new graph (the input is never changed) and what was done."""

    source: str
    case: str
    from_version: str
    to_version: str
    graph: Graph
    statements_in: int
    renamed: Counter[str] = field(default_factory=Counter)
    changes: list[Change] = field(default_factory=list)
    questions: list[Question] = field(default_factory=list)


def version_of(iri: str) -> str | None:
    """``0.1.0`` for the ontology's version IRI ``…/ontology/0.1.0``; None for another IRI."""
    prefix = ONTOLOGY_IRI + "/"
    return iri[len(prefix) :] if iri.startswith(prefix) and len(iri) > len(prefix) else None


def coded_version(graph: Graph, case: str) -> str | None:
    """The ontology version a case's header imports (None when it imports no versioned IRI)."""
    for imported in graph.objects(URIRef(case), OWL.imports):
        version = version_of(str(imported))
        if version is not None:
            return version
    return None


def _key(version: str) -> tuple[int, ...]:
    return tuple(int(part) if part.isdigit() else -1 for part in version.split("."))


def steps() -> list[tuple[str, str]]:
    """The migrations the package ships, as (from, to) versions in order."""
    found = []
    for folder in MIGRATIONS_DIR.glob("*-to-*") if MIGRATIONS_DIR.is_dir() else []:
        start, _, end = folder.name.partition("-to-")
        found.append((start, end))
    return sorted(found, key=lambda s: _key(s[0]))


def _header(text: str) -> dict[str, str]:
    says: dict[str, str] = {}
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        key, sep, value = line.lstrip("#").strip().partition(":")
        if sep and key.strip() in ("rule", "rule@zh", "asks", "asks@zh"):
            says[key.strip()] = value.strip()
    return says


def rules(start: str, end: str) -> tuple[list[Rule], list[Rule]]:
    """The updates and the questions of the migration from ``start`` to ``end``, in order."""
    folder = MIGRATIONS_DIR / f"{start}-to-{end}"
    updates = [
        Rule(p.stem, p.read_text(encoding="utf-8"), _header(p.read_text(encoding="utf-8")))
        for p in sorted(folder.glob("*.ru"))
    ]
    asks = [
        Rule(p.stem, p.read_text(encoding="utf-8"), _header(p.read_text(encoding="utf-8")))
        for p in sorted(folder.glob("*.rq"))
    ]
    return updates, asks


def _triples(store: ox.Store) -> set[ox.Quad]:
    return set(store.quads_for_pattern(None, None, None, ox.DefaultGraph()))


def _text(term: object) -> str:
    return term.value if isinstance(term, ox.NamedNode | ox.BlankNode | ox.Literal) else str(term)


def _renamed(store: ox.Store, counts: Counter[str], questions: list[Question]) -> None:
    """Rewrite every deprecated term with one replacement; ask about the others."""
    replaced = ontology.replacements()

    def renamed(term: object, quad: ox.Quad) -> object:
        iri = term.value if isinstance(term, ox.NamedNode) else ""
        targets = replaced.get(iri)
        if targets is None:
            return term
        if len(targets) == 1 and ontology.contained_in(iri, targets[0]):
            counts[iri] += 1
            return ox.NamedNode(targets[0])
        if not targets:
            why = f"{curie(iri)} is deprecated, and the ontology names no replacement"
        elif len(targets) == 1:
            why = f"{curie(iri)} is deprecated; {curie(targets[0])} replaces it, not term for term"
        else:
            why = f"{curie(iri)} is deprecated, replaced by one of " + " or ".join(
                curie(t) for t in targets
            )
        questions.append(
            Question(_text(quad.subject), _text(quad.predicate), _text(quad.object), why)
        )
        return term

    for quad in sorted(_triples(store), key=str):
        new = ox.Quad(
            renamed(quad.subject, quad),  # type: ignore[arg-type]
            renamed(quad.predicate, quad),  # type: ignore[arg-type]
            renamed(quad.object, quad),  # type: ignore[arg-type]
            ox.DefaultGraph(),
        )
        if new != quad:
            store.remove(quad)
            store.add(new)


def _step(store: ox.Store, migration: Migration, start: str, end: str) -> None:
    updates, asks = rules(start, end)
    _renamed(store, migration.renamed, migration.questions)
    for rule in updates:
        before = _triples(store)
        store.update(rule.text)
        after = _triples(store)
        migration.changes.append(
            Change(rule.name, rule.says, len(before - after), len(after - before))
        )
    for ask in asks:
        result = store.query(ask.text)
        if not isinstance(result, ox.QuerySolutions):
            raise RuntimeError(f"migration question {ask.name} is not a SELECT query")
        for row in result:
            cells = {
                n: (row[n].value if row[n] is not None else "")
                for n in ("subject", "property", "value", "why")
            }
            migration.questions.append(Question(**cells))


def migrate_graph(graph: Graph, case: str, source: str = "") -> Migration:
    """The case ``graph`` (named ``case``) migrated to this package's ontology version; the
    input graph is left as it was. MigrationError when it is coded for no version this package
    can migrate from."""
    coded = coded_version(graph, case)
    current = version_of(ONTOLOGY_VERSION_IRI)
    assert current is not None
    if coded is None:
        raise MigrationError(
            f"{source or case}: the case's header <{case}> imports no version of the ontology "
            f"(owl:imports <{ONTOLOGY_IRI}/VERSION>), so its version cannot be told"
        )
    if _key(coded) > _key(current):
        raise MigrationError(
            f"{source or case}: coded with ontology {coded}, later than this flywheel's "
            f"{current}: update flywheel-kg"
        )
    store = ox.Store()
    store.extend(to_oxigraph(graph))
    migration = Migration(source, case, coded, current, graph, len(graph))
    version = coded
    for start, end in steps():
        if start == version and _key(end) <= _key(current):
            _step(store, migration, start, end)
            version = end
    if version != current:
        raise MigrationError(
            f"{source or case}: no migration leads from ontology {coded} to {current}"
        )
    header = ox.NamedNode(case)
    imports = ox.NamedNode(str(OWL.imports))
    for quad in list(store.quads_for_pattern(header, imports, None, ox.DefaultGraph())):
        if isinstance(quad.object, ox.NamedNode) and version_of(quad.object.value) is not None:
            store.remove(quad)
    store.add(ox.Quad(header, imports, ox.NamedNode(ONTOLOGY_VERSION_IRI), ox.DefaultGraph()))
    migrated = Graph()
    for prefix, namespace in graph.namespaces():
        migrated.bind(prefix, namespace)
    data = store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph())
    migrated.parse(data=data, format="nt")
    migration.graph = migrated
    return migration


def migrate_file(path: Path | str, fmt: str | None = None) -> list[Migration]:
    """Every case of an RDF file migrated (RdfInputError when the file cannot be read)."""
    found = []
    for case in read_cases(path, fmt):
        found.append(migrate_graph(case.graph, case.iri, str(path)))
    return found


def is_current(graph: Graph, case: str) -> bool:
    """Whether a case is coded for this package's ontology version (or names none)."""
    coded = coded_version(graph, case)
    return coded is None or coded == version_of(ONTOLOGY_VERSION_IRI)


__all__ = [
    "Change",
    "Migration",
    "MigrationError",
    "Question",
    "coded_version",
    "is_current",
    "migrate_file",
    "migrate_graph",
    "steps",
    "version_of",
]
