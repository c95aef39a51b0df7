"""The case store: one named graph per case, a catalog graph, and the ontology, behind one
interface with three backends chosen by a location string.

* ``None`` or ``""``: the embedded Oxigraph store in the per-user data folder (override with
  the ``FLYWHEEL_STORE`` environment variable or ``--store``);
* ``memory:``: an in-memory Oxigraph store (tests, notebooks);
* ``http://…`` or ``https://…``: any SPARQL 1.1 Protocol + Graph Store Protocol server. The
  default endpoint layout is Oxigraph server's (``/query``, ``/update``, ``/store``);
* anything else: a folder for an embedded Oxigraph store.

The catalog graph (``https://w3id.org/dataflywheel/catalog``) says, per case: city, sources,
ontology version, triple count, content hash, source file and when it was loaded. Queries name
graphs explicitly (``GRAPH ?case {…}``), so they mean the same on every backend.

A case's short name (the last segment of its IRI, :func:`kg.rdf.names.case_id`) belongs to one case
in a store: every write that brings cases in checks their names first
(:meth:`CaseStore.check_names`) and refuses, writing nothing, a name another case holds
(:class:`CaseNameTaken`) or an IRI that cannot name a case (:class:`CaseNameError`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import httpx
import pyoxigraph as ox
from platformdirs import user_data_dir
from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF, RDFS

from kg import ontology
from kg.errors import EXIT_FINDINGS, EXIT_UNREADABLE, Unavailable
from kg.rdf.names import CATALOG, case_id, case_iri_problem, name_key, shown
from kg.rdf.read import CaseGraph, ox_term, to_oxigraph
from kg.sparql.check import QueryInvalid, substitute_terms
from kg.version import ONTOLOGY_IRI, __version__
from kg.vocab import FW

ENV_VAR = "FLYWHEEL_STORE"
TIMEOUT_ENV = "FLYWHEEL_REMOTE_TIMEOUT"
DEFAULT_REMOTE_TIMEOUT = 60.0
_DCAT = "http://www.w3.org/ns/dcat#"
_DCT = "http://purl.org/dc/terms/"
_VOID = "http://rdfs.org/ns/void#"
_SPDX = "http://spdx.org/rdf/terms#"
_XSD = "http://www.w3.org/2001/XMLSchema#"

Term = ox.NamedNode | ox.BlankNode | ox.Literal
Row = dict[str, Term | None]


class StoreError(Unavailable):
    """The store cannot be opened or reached, or refused an operation; says which and why.
    ``answered``: the HTTP status a remote store answered with, when it answered one."""

    def __init__(self, message: str, answered: int | None = None) -> None:
        super().__init__(message)
        self.answered = answered


class CaseNameError(StoreError):
    """The store refused a case for its IRI (see :mod:`kg.rdf.names`): invisible characters,
    look-alike letters of two alphabets, one of flywheel's own graph names. Nothing was
    written. ``iri`` is the refused IRI, ``source`` where the case came from (a file, the
    request body) and ``reason`` what is wrong."""

    status, problem, exit_code = 400, "bad-case-name", EXIT_UNREADABLE

    def __init__(self, iri: str, reason: str, source: str | None = None) -> None:
        self.iri = iri
        self.reason = reason
        self.source = source
        super().__init__(f"{source}: {reason}" if source else reason)


class CaseNameTaken(CaseNameError):
    """The store refused a case because its short name is another case's: ``holder`` is the
    IRI that has the name (in the store, or earlier in the same write). Nothing was written."""

    status, problem, exit_code = 409, "name-taken", EXIT_FINDINGS

    def __init__(self, iri: str, reason: str, holder: str, source: str | None = None) -> None:
        self.holder = holder
        super().__init__(iri, reason, source)


def remote_timeout() -> float:
    """Seconds to wait for a SPARQL server's answer: ``FLYWHEEL_REMOTE_TIMEOUT``, default 60."""
    try:
        value = float(os.environ.get(TIMEOUT_ENV, "") or DEFAULT_REMOTE_TIMEOUT)
    except ValueError:
        return DEFAULT_REMOTE_TIMEOUT
    return value if value > 0 else DEFAULT_REMOTE_TIMEOUT


def default_location() -> str:
    """Where the embedded store lives unless told otherwise."""
    return os.environ.get(ENV_VAR) or str(Path(user_data_dir("flywheel-kg")) / "store")


@dataclass(frozen=True)
class CaseInfo:
    """One case as the catalog describes it."""

    iri: str
    label: str | None
    city: str | None
    city_label: str | None
    ontology_version: str | None
    triples: int
    sha256: str
    source_file: str | None
    loaded: str
    sources: int
    synthetic: bool

    def as_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass(frozen=True)
class QueryResult:
    """A SELECT result (variables and rows), an ASK answer, or CONSTRUCT/DESCRIBE triples."""

    variables: tuple[str, ...] = ()
    rows: tuple[Row, ...] = ()
    boolean: bool | None = None
    triples: tuple[ox.Triple, ...] = ()


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


def _catalog_quads(case: CaseGraph, quads: Sequence[ox.Quad]) -> list[ox.Quad]:
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
        q(
            node,
            _DCT + "modified",
            ox.Literal(
                dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                datatype=ox.NamedNode(_XSD + "dateTime"),
            ),
        ),
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
    return out


def _catalog_update(remove: Iterable[str], add: Sequence[ox.Quad]) -> str:
    """A SPARQL update that removes these cases' catalog entries (and the labels of their
    cities) and inserts new entries: it touches only those entries, however large the catalog."""
    catalog, label, spatial = (
        ox.NamedNode(CATALOG),
        ox.NamedNode(str(RDFS.label)),
        ox.NamedNode(_DCT + "spatial"),
    )
    parts = []
    for iri in remove:
        case = ox.NamedNode(iri)
        parts.append(
            f"DELETE {{ GRAPH {catalog} {{ ?city {label} ?name }} }} "
            f"WHERE {{ GRAPH {catalog} {{ {case} {spatial} ?city . ?city {label} ?name }} }}"
        )
        parts.append(f"DELETE WHERE {{ GRAPH {catalog} {{ {case} ?p ?o }} }}")
        parts.append(f"DELETE DATA {{ GRAPH {catalog} {{ {catalog} <{_DCAT}dataset> {case} }} }}")
    if add:
        parts.append(f"INSERT DATA {{ GRAPH {catalog} {{ {_triples_text(add)} }} }}")
    return " ;\n".join(parts)


def _triples_text(quads: Iterable[ox.Quad]) -> str:
    return " ".join(f"{q.subject} {q.predicate} {q.object} ." for q in quads)


_CATALOG_QUERY = f"""
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


def _write_update(
    graphs: Mapping[str, Sequence[ox.Quad]], drop: Iterable[str], catalog_update: str = ""
) -> str:
    """One SPARQL update that drops these graphs, replaces those, and updates the catalog: a
    server applies one update request as one transaction (Oxigraph, Fuseki)."""
    parts = [f"DROP SILENT GRAPH {ox.NamedNode(iri)}" for iri in (*drop, *graphs)]
    for iri, quads in graphs.items():
        parts.append(f"INSERT DATA {{ GRAPH {ox.NamedNode(iri)} {{ {_triples_text(quads)} }} }}")
    if catalog_update:
        parts.append(catalog_update)
    return " ;\n".join(parts)


# the catalog's cases whose IRI is ?name or whose case_id() is ?name (kg.rdf.names.case_id in SPARQL:
# the IRI without its query and fragment, trailing slashes removed, ends in "/" + ?name)
_FIND_QUERY = f"""
PREFIX dcat: <{_DCAT}>
SELECT ?case ?name WHERE {{
  GRAPH <{CATALOG}> {{ <{CATALOG}> dcat:dataset ?case }}
  BIND(REPLACE(REPLACE(STR(?case), "[#?].*$", ""), "/+$", "") AS ?trimmed)
  FILTER(STR(?case) = ?name || STRENDS(?trimmed, CONCAT("/", ?name)))
}}
"""

# every case the catalog lists
_NAMES_QUERY = (
    f"SELECT ?case WHERE {{ GRAPH <{CATALOG}> {{ <{CATALOG}> <{_DCAT}dataset> ?case }} }}"
)
_DATASET = ox.NamedNode(_DCAT + "dataset")


def _taken(case: CaseGraph, holder: str, holder_source: str | None, in_store: bool) -> str:
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


Answer = ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples


@dataclass(frozen=True)
class Forwarded:
    """A SPARQL server's own answer to a protocol request: status, media type and body."""

    status: int
    media_type: str
    body: bytes


class CaseStore(ABC):
    """What every backend offers. Use :func:`open_store` to get one.

    What a backend can do beyond that is said by its capabilities, which the API and the query
    runner ask (never the class nor the location):

    * ``can_snapshot``: :meth:`snapshot` writes a point-in-time copy that other processes open
      read-only (an embedded store on disk);
    * ``passes_sparql_through``: protocol queries go to the backend's own SPARQL server
      (:meth:`forward`), which serialises the answer; otherwise :meth:`raw_query` runs them here;
    * ``needs_network``: its data is read over the network (a worker reading it cannot be walled
      off from the network);
    * ``in_memory``: its data lives in this process only (no other process can open it).
    """

    location: str
    read_only: bool = False
    can_snapshot: bool = False
    passes_sparql_through: bool = False
    needs_network: bool = False
    in_memory: bool = False

    # --- backend primitives ---------------------------------------------------------------

    @abstractmethod
    def _select(self, sparql: str, bindings: Mapping[str, Term] | None, union: bool) -> QueryResult:
        """Run a read-only query."""

    @abstractmethod
    def _write(
        self, graphs: Mapping[str, Sequence[ox.Quad]], drop: Iterable[str], catalog_update: str = ""
    ) -> None:
        """Replace (or create) whole named graphs, drop others, then apply a SPARQL update to the
        catalog, as atomically as the backend allows."""

    @abstractmethod
    def _graph_quads(self, iri: str) -> list[ox.Quad]:
        """Every quad of one named graph."""

    def replace_all(self, quads: Sequence[ox.Quad], source: str | None = None) -> None:
        """Replace everything in the store (cases, catalog, ontology, default graph) by these
        quads in one transaction (one SPARQL update). Every case they hold (each named graph
        but the catalog and the ontology, and each case the catalog lists) must pass
        :meth:`check_names` among them, or nothing is written. ``source`` names the quads
        (a backup file) in a refusal."""
        own = (CATALOG, ONTOLOGY_IRI)
        iris: dict[str, None] = {}
        for quad in quads:
            graph = quad.graph_name
            if isinstance(graph, ox.NamedNode) and graph.value not in own:
                iris.setdefault(graph.value)
            elif (
                graph == ox.NamedNode(CATALOG)
                and quad.predicate == _DATASET
                and isinstance(quad.object, ox.NamedNode)
            ):
                iris.setdefault(quad.object.value)
        source = source or "the data to restore"
        self.check_names([CaseGraph(iri, source, Graph()) for iri in iris], in_store=False)
        default = " ".join(
            f"{q.subject} {q.predicate} {q.object} ."
            for q in quads
            if isinstance(q.graph_name, ox.DefaultGraph)
        )
        named = " ".join(
            f"GRAPH {q.graph_name} {{ {q.subject} {q.predicate} {q.object} }}"
            for q in quads
            if not isinstance(q.graph_name, ox.DefaultGraph)
        )
        update = f"DROP SILENT ALL ;\nINSERT DATA {{ {default} {named} }}" if quads else "DROP ALL"
        self._write({}, (), update)

    def close(self) -> None:  # noqa: B027 (backends with nothing to release keep this)
        """Release the store (a no-op where there is nothing to release)."""

    def snapshot(self, target: Path) -> None:
        """Write a consistent point-in-time copy to a new folder (where ``can_snapshot``)."""
        raise StoreError(f"the store at {self.location} cannot be snapshotted")

    def raw_query(
        self, query: str, default_graphs: Sequence[str], named_graphs: Sequence[str], union: bool
    ) -> Answer:
        """A protocol query run here, with the protocol's dataset: given graphs replace FROM and
        FROM NAMED (the one not given is then empty); ``union`` makes the default graph the
        union of all graphs (where not ``passes_sparql_through``)."""
        raise StoreError(f"the store at {self.location} answers SPARQL through its own server")

    def forward(
        self,
        query: str,
        default_graphs: Sequence[str],
        named_graphs: Sequence[str],
        union: bool,
        accept: str,
    ) -> Forwarded:
        """A protocol query sent to the backend's own SPARQL server, with the same dataset and
        Accept (where ``passes_sparql_through``)."""
        raise StoreError(f"the store at {self.location} has no SPARQL server to forward to")

    def __enter__(self) -> CaseStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- shared behaviour -----------------------------------------------------------------

    def query(
        self, sparql: str, bindings: Mapping[str, Term] | None = None, union: bool = False
    ) -> QueryResult:
        """Run a read-only SPARQL query. ``bindings`` are bound as RDF terms, never pasted in;
        ``union`` makes the default graph the union of all graphs (off: name graphs)."""
        return self._select(sparql, bindings, union)

    def ensure_ontology(self) -> None:
        """Put the ontology in its own named graph, unless the same version is already there."""
        current = self.query(
            f"ASK {{ GRAPH <{ONTOLOGY_IRI}> {{ <{ONTOLOGY_IRI}> "
            f'<{OWL.versionInfo}> ?v FILTER(STR(?v) = "{__version__}") }} }}'
        )
        if not current.boolean:
            self._write({ONTOLOGY_IRI: to_oxigraph(ontology.ontology_graph(), ONTOLOGY_IRI)}, ())

    def case_names(self) -> dict[str, list[str]]:
        """The short names in use (as :func:`kg.rdf.names.name_key` gives them), each with the
        IRIs of the cases that hold it: one case per name, unless the store was written before
        names were checked."""
        held: dict[str, list[str]] = {}
        for row in self.query(_NAMES_QUERY).rows:
            case = row["case"]
            if case is None:  # pragma: no cover - the pattern matches ?case: never unbound
                continue
            iri = case.value
            held.setdefault(name_key(case_id(iri)), []).append(iri)
        return held

    def check_names(
        self, cases: Sequence[CaseGraph], new_only: bool = False, in_store: bool = True
    ) -> None:
        """Raise :class:`CaseNameError` unless every case may be stored under its IRI: an IRI
        that can name a case (:func:`kg.rdf.names.case_iri_problem`), and a short name that no other
        case holds, neither in the store nor among ``cases`` (the same IRI twice is one case,
        replaced). ``new_only``: a case already in the store is refused too.
        ``in_store=False``: the cases are compared among themselves only (they replace the
        whole store). Every write that brings cases in calls this first (:meth:`put_cases`,
        :meth:`replace_all`, :meth:`OxigraphStore.bulk_put`); the API also calls it before it
        validates a case.

        On a remote store another client may write between this check and the write: the
        check holds for the writers that go through one flywheel process (``flywheel serve``
        takes writes one at a time) or one embedded store (one process at a time)."""
        for case in cases:
            problem = case_iri_problem(case.iri)
            if problem is not None:
                raise CaseNameError(case.iri, problem, case.source)
        if not cases:
            return
        held = self.case_names() if in_store else {}
        seen: dict[str, CaseGraph] = {}
        for case in cases:
            key = name_key(case_id(case.iri))
            earlier = seen.setdefault(key, case)
            if earlier.iri != case.iri:
                reason = _taken(case, earlier.iri, earlier.source, in_store=False)
                raise CaseNameTaken(case.iri, reason, earlier.iri, case.source)
            others = sorted(iri for iri in held.get(key, ()) if iri != case.iri)
            if others:
                holder = others[0]
                infos = self.cases(only=[holder])
                source = infos[0].source_file if infos else None
                reason = _taken(case, holder, source, in_store=True)
                raise CaseNameTaken(case.iri, reason, holder, case.source)
            if new_only and held.get(key):
                raise CaseNameError(
                    case.iri,
                    f"the case <{case.iri}> is already in the store; the bulk loader only adds "
                    "new cases (load it with put_cases or flywheel load to replace it)",
                    case.source,
                )

    def put_cases(self, cases: Sequence[CaseGraph]) -> list[CaseInfo]:
        """Store cases, each in its own named graph, replacing any earlier version (same IRI),
        with their catalog entries. Refuses them all, writing nothing, when one cannot have its
        IRI or its short name (:meth:`check_names`)."""
        self.check_names(cases)
        graphs: dict[str, list[ox.Quad]] = {}
        catalog_quads: list[ox.Quad] = []
        for case in cases:
            quads = case.quads()
            graphs[case.iri] = quads
            catalog_quads.extend(_catalog_quads(case, quads))
        self.ensure_ontology()  # after the names are checked: a refused case changes nothing
        self._write(graphs, (), _catalog_update(graphs, catalog_quads))
        return self.cases(only=graphs)

    def remove_case(self, iri: str) -> bool:
        """Remove a case and its catalog entry; False if there was no such case."""
        if not self.cases(only=[iri]):
            return False
        self._write({}, [iri], _catalog_update([iri], ()))
        return True

    def cases(self, only: Iterable[str] | None = None) -> list[CaseInfo]:
        """The catalog: every case in the store, or only those with these graph IRIs."""
        only_values = ""
        if only is not None:
            names = " ".join(str(ox.NamedNode(iri)) for iri in only)
            only_values = f"VALUES ?case {{ {names} }}"
        result = self.query(_CATALOG_QUERY.replace("#ONLY#", only_values))
        infos = []
        for row in result.rows:
            text = {k: (v.value if v is not None else None) for k, v in row.items()}
            if text["case"] is None:  # pragma: no cover - the pattern matches ?case
                continue
            infos.append(
                CaseInfo(
                    iri=text["case"],
                    label=text.get("label"),
                    city=text.get("cityIri"),
                    city_label=text.get("cityName"),
                    ontology_version=text.get("ontologyVersion"),
                    triples=int(text.get("triples") or 0),
                    sha256=text.get("sha256") or "",
                    source_file=text.get("sourceFile"),
                    loaded=text.get("loaded") or "",
                    sources=int(text.get("sources") or 0),
                    synthetic=text.get("isSynthetic") == "true",
                )
            )
        return infos

    def find_case(self, name: str) -> CaseInfo | None:
        """A case by its graph IRI or by its short name (``hangzhou``). Looks the name up in the
        catalog first, so its cost does not grow with the catalog entries' details. A short
        name that several cases hold (a store written before names were checked) is refused
        with :class:`CaseNameTaken`, never answered with one of them."""
        result = self.query(_FIND_QUERY, {"name": ox.Literal(name)})
        iris = sorted({case.value for row in result.rows if (case := row.get("case")) is not None})
        exact = [iri for iri in iris if iri == name]
        if not exact and len(iris) > 1:
            listed = ", ".join(f"<{shown(iri)}>" for iri in iris)
            raise CaseNameTaken(
                iris[-1],
                f"the short name '{shown(name)}' is held by {len(iris)} cases in this store "
                f"({listed}), stored before a short name was kept to one case: name the case by "
                "its IRI, or remove the one that should not be there (flywheel remove IRI)",
                iris[0],
            )
        chosen = exact or iris
        infos = self.cases(only=chosen[:1]) if chosen else []
        return infos[0] if infos else None

    def case_graph(self, iri: str) -> Graph:
        """A copy of one case's graph as an rdflib Graph."""
        data = ox.serialize(
            [ox.Triple(q.subject, q.predicate, q.object) for q in self._graph_quads(iri)],
            format=ox.RdfFormat.N_TRIPLES,
        )
        return Graph().parse(data=data, format="nt")


class OxigraphStore(CaseStore):
    """Embedded Oxigraph: on disk when given a folder, in memory otherwise."""

    def __init__(self, path: Path | None = None, read_only: bool = False) -> None:
        self.location = str(path) if path else "memory:"
        self.read_only = read_only
        self.in_memory = path is None
        self.can_snapshot = path is not None
        try:
            if read_only:
                if path is None:
                    raise StoreError("an in-memory store cannot be opened read-only")
                # Only for a folder no process writes to (e.g. a snapshot): Oxigraph leaves a
                # read-only view of a folder being written undefined.
                self._store = ox.Store.read_only(str(path))
            else:
                if path is not None:
                    Path(path).mkdir(parents=True, exist_ok=True)
                self._store = ox.Store(str(path)) if path is not None else ox.Store()
        except OSError as error:
            reason = str(error)
            if "lock" in reason.lower():
                reason += " (is another flywheel command or `flywheel serve` using this store?)"
            raise StoreError(f"cannot open the store at {path}: {reason}") from None

    @property
    def raw(self) -> ox.Store:
        """The underlying pyoxigraph Store (read it; write through this class)."""
        return self._store

    def _select(self, sparql: str, bindings: Mapping[str, Term] | None, union: bool) -> QueryResult:
        try:
            result = self._store.query(
                sparql,
                use_default_graph_as_union=union,
                substitutions={ox.Variable(k): v for k, v in (bindings or {}).items()},
            )
        except SyntaxError as error:
            raise QueryInvalid(f"the query is not valid SPARQL: {error}") from None
        except RuntimeError as error:  # raised as the query is planned: e.g. a bound variable
            # the SELECT does not project, or a function the engine does not have
            raise QueryInvalid(f"the query cannot be run: {error}") from None
        return _result(result)

    def _write(
        self, graphs: Mapping[str, Sequence[ox.Quad]], drop: Iterable[str], catalog_update: str = ""
    ) -> None:
        if self.read_only:
            raise StoreError(f"the store at {self.location} is open read-only")
        # One SPARQL update is one Oxigraph transaction: readers see every graph and the
        # catalog before or after, never half-written.
        self._store.update(_write_update(graphs, drop, catalog_update))

    def _graph_quads(self, iri: str) -> list[ox.Quad]:
        return list(self._store.quads_for_pattern(None, None, None, ox.NamedNode(iri)))

    def bulk_put(self, cases: Sequence[CaseGraph]) -> None:
        """Fast path for loading many *new* cases (Oxigraph's bulk loader; not transactional)."""
        if self.read_only:
            raise StoreError(f"the store at {self.location} is open read-only")
        self.check_names(cases, new_only=True)
        self.ensure_ontology()
        quads: list[ox.Quad] = []
        for case in cases:
            case_quads = case.quads()
            quads.extend(case_quads)
            quads.extend(_catalog_quads(case, case_quads))
        self._store.bulk_extend(quads)

    def snapshot(self, target: Path) -> None:
        """Write a consistent point-in-time copy of an on-disk store to a new folder (cheap:
        RocksDB hard-links its files). Open it with ``OxigraphStore(target, read_only=True)``."""
        if self.location == "memory:":
            raise StoreError("an in-memory store cannot be snapshotted; use a folder")
        try:
            self._store.backup(str(target))
        except OSError as error:
            raise StoreError(f"cannot snapshot the store to {target}: {error}") from None

    def raw_query(
        self, query: str, default_graphs: Sequence[str], named_graphs: Sequence[str], union: bool
    ) -> Answer:
        dataset: dict[str, Any] = {}
        if default_graphs or named_graphs:
            dataset["default_graph"] = [ox.NamedNode(g) for g in default_graphs]
            dataset["named_graphs"] = [ox.NamedNode(g) for g in named_graphs]
        elif union:
            dataset["use_default_graph_as_union"] = True
        try:
            return self._store.query(query, **dataset)
        except SyntaxError as error:
            raise QueryInvalid(f"the query is not valid SPARQL: {error}") from None
        except RuntimeError as error:  # raised as the query is planned: the client's query
            raise QueryInvalid(f"the query cannot be run: {error}") from None

    def close(self) -> None:
        if self.location != "memory:" and self._store is not None:
            if not self.read_only:
                self._store.flush()
            # drop it, so RocksDB's lock is released and the folder can reopen; a closed store
            # is not used again (it would fail on None), which its type does not say
            self._store = None  # type: ignore[assignment]


def _result(result: ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples | bool) -> QueryResult:
    if isinstance(result, bool | ox.QueryBoolean):
        return QueryResult(boolean=bool(result))
    if isinstance(result, ox.QuerySolutions):
        variables = tuple(v.value for v in result.variables)
        rows = tuple({name: solution[name] for name in variables} for solution in result)
        return QueryResult(variables=variables, rows=rows)
    return QueryResult(triples=tuple(result))


class RemoteStore(CaseStore):
    """Any SPARQL 1.1 Protocol + Graph Store Protocol server (Oxigraph, Fuseki, GraphDB, …)."""

    passes_sparql_through = True
    needs_network = True

    def __init__(
        self,
        url: str,
        query_url: str | None = None,
        update_url: str | None = None,
        gsp_url: str | None = None,
        timeout: float | None = None,
        read_only: bool = False,
    ) -> None:
        base = url.rstrip("/")
        self.location = base
        self.read_only = read_only
        self.query_url = query_url or f"{base}/query"
        self.update_url = update_url or f"{base}/update"
        self.gsp_url = gsp_url or f"{base}/store"
        self.timeout = remote_timeout() if timeout is None else timeout
        self._client = httpx.Client(timeout=self.timeout, follow_redirects=False)

    def _request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        try:
            response = self._client.request(method, url, **kwargs)
        except httpx.TimeoutException:
            raise StoreError(
                f"the SPARQL server at {url} did not answer within {self.timeout:g} s "
                f"(set {TIMEOUT_ENV} to wait longer); nothing was changed by this request "
                "unless the server finishes it"
            ) from None
        except httpx.HTTPError as error:
            raise StoreError(f"cannot reach the SPARQL server at {url}: {error}") from None
        if response.status_code >= 400:
            raise StoreError(
                f"the SPARQL server at {url} answered {response.status_code}: "
                f"{response.text[:500]}",
                answered=response.status_code,
            )
        return response

    def _select(self, sparql: str, bindings: Mapping[str, Term] | None, union: bool) -> QueryResult:
        if union:
            raise StoreError(
                "union default graph is not portable across SPARQL servers; "
                "name the graphs in the query"
            )
        text = substitute_terms(sparql, dict(bindings)) if bindings else sparql
        try:
            response = self._request(
                "POST",
                self.query_url,
                content=text.encode("utf-8"),
                headers={
                    "Content-Type": "application/sparql-query",
                    "Accept": "application/sparql-results+json, application/n-triples;q=0.9",
                },
            )
        except StoreError as error:
            if error.answered == 400:  # the server could not parse or run the query
                raise QueryInvalid(str(error)) from None
            raise
        kind = response.headers.get("content-type", "")
        if "n-triples" in kind:
            return QueryResult(
                triples=tuple(ox.parse(response.content, format=ox.RdfFormat.N_TRIPLES))
            )
        parsed = ox.parse_query_results(response.content, format=ox.QueryResultsFormat.JSON)
        return _result(parsed)

    def _write(
        self, graphs: Mapping[str, Sequence[ox.Quad]], drop: Iterable[str], catalog_update: str = ""
    ) -> None:
        if self.read_only:
            raise StoreError(f"the store at {self.location} is open read-only")
        # One update request, which the server applies as one transaction: a cut connection
        # or a stopped server leaves every case whole or absent, with its catalog entry.
        self._request(
            "POST",
            self.update_url,
            content=_write_update(graphs, drop, catalog_update).encode("utf-8"),
            headers={"Content-Type": "application/sparql-update"},
        )

    def _graph_quads(self, iri: str) -> list[ox.Quad]:
        try:
            response = self._client.get(
                self.gsp_url, params={"graph": iri}, headers={"Accept": "application/n-triples"}
            )
        except httpx.HTTPError as error:
            raise StoreError(f"cannot reach the SPARQL server at {self.gsp_url}: {error}") from None
        if response.status_code == 404:
            return []
        if response.status_code >= 400:
            raise StoreError(f"the SPARQL server answered {response.status_code} for <{iri}>")
        name = ox.NamedNode(iri)
        return [
            ox.Quad(t.subject, t.predicate, t.object, name)
            for t in ox.parse(response.content, format=ox.RdfFormat.N_TRIPLES)
        ]

    def forward(
        self,
        query: str,
        default_graphs: Sequence[str],
        named_graphs: Sequence[str],
        union: bool,
        accept: str,
    ) -> Forwarded:
        params = [("default-graph-uri", g) for g in default_graphs]
        params += [("named-graph-uri", g) for g in named_graphs]
        if union and not params:
            params.append(("union-default-graph", "true"))
        try:
            response = self._client.post(
                self.query_url,
                params=tuple(params),  # a tuple: httpx's list type is invariant in the value
                content=query.encode("utf-8"),
                headers={"Content-Type": "application/sparql-query", "Accept": accept},
                timeout=None,  # the caller's deadline stops the work
            )
        except httpx.HTTPError as error:
            raise StoreError(f"cannot reach the store's SPARQL server: {error}") from None
        kind = response.headers.get("content-type", "application/octet-stream")
        return Forwarded(response.status_code, kind, response.content)

    def close(self) -> None:
        self._client.close()


def reads_over_network(location: str | Path) -> bool:
    """Whether the store at this location is read over the network (a SPARQL server's URL):
    known before it is opened, for a process that walls itself off before opening it."""
    return str(location).startswith(("http://", "https://"))


def open_store(location: str | Path | None = None, read_only: bool = False) -> CaseStore:
    """Open the store at a location (see the module docstring). ``read_only`` refuses writes;
    for an embedded folder it must be one nothing else writes to (a snapshot). A memory store
    cannot be opened read-only (nothing else could have written it)."""
    text = str(location) if location is not None else ""
    if not text:
        text = default_location()
    if text == "memory:":
        if read_only:
            raise StoreError("an in-memory store cannot be opened read-only")
        return OxigraphStore(None)
    if reads_over_network(text):
        return RemoteStore(text, read_only=read_only)
    return OxigraphStore(Path(text).expanduser(), read_only=read_only)
