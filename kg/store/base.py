"""What every store can do: the CaseStore interface (cases as named graphs, the catalog,
queries, capabilities), its results and its errors. The backends are in kg.store.embedded and
kg.store.remote.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import pyoxigraph as ox
from rdflib import Graph
from rdflib.namespace import OWL, RDFS

from kg import ontology
from kg.errors import EXIT_FINDINGS, EXIT_UNREADABLE, Unavailable
from kg.rdf.names import case_id, case_iri_problem, name_key, shown
from kg.rdf.read import CaseGraph, to_oxigraph
from kg.store.catalog import (
    CATALOG_QUERY,
    DATASET,
    FIND_QUERY,
    NAMES_QUERY,
    OWN_GRAPHS,
    UNION_MARK_PATTERN,
    UNION_MARK_UPDATE,
    UNION_QUERY,
    Row,
    Term,
    catalog_entry,
    catalog_update,
    modified_quad,
    taken,
    union_add,
)
from kg.store.results import results_update, stale_cases
from kg.version import ONTOLOGY_IRI, __version__
from kg.vocab import CATALOG, FW

# rdflib's name for a dataset's default graph: among a protocol query's default graphs
# (:meth:`CaseStore.raw_query`), it names the store's own default graph, the union of its cases.
STORE_DEFAULT = "urn:x-rdflib:default"

ALL_GRAPHS_QUERY = "SELECT DISTINCT ?g WHERE { GRAPH ?g {} } ORDER BY ?g"


class StoreError(Unavailable):
    """The store cannot be opened or reached, or refused an operation; says which and why.
    ``answered``: the HTTP status a remote store answered with, when it answered one."""

    def __init__(self, message: str, answered: int | None = None) -> None:
        super().__init__(message)
        self.answered = answered


def not_whole(location: str, what: str) -> StoreError:
    """The refusal to back up or restore a store that is not the whole of its backend."""
    return StoreError(
        f"the store at {location} cannot be {what} as a whole by flywheel: the server's default "
        "graph is every graph it holds, its own included; use the server's own backup "
        "(Virtuoso: backup_online, docs/scaling.md), or load the case files again"
    )


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
    * ``in_memory``: its data lives in this process only (no other process can open it);
    * ``holds_whole_dataset``: every graph of the backend is flywheel's and its default graph is
      its own, so that a backup copies, and a restore replaces, the whole of it (not so on a
      Virtuoso, whose default graph is every graph, its own system graphs included).
    """

    location: str
    read_only: bool = False
    can_snapshot: bool = False
    passes_sparql_through: bool = False
    needs_network: bool = False
    in_memory: bool = False
    holds_whole_dataset: bool = True
    # blank nodes are written in INSERT templates, not INSERT DATA (kg.store.catalog)
    _blank_templates: bool = False

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

    def replace_all(self, quads: Callable[[], Iterable[ox.Quad]], source: str | None = None) -> int:
        """Replace everything in the store (cases, catalog, ontology) by the quads ``quads()``
        yields, all or nothing, the default graph rebuilt as the union of the case graphs;
        returns how many quads were written. ``quads`` is called once per pass over the data
        (it reads a file afresh each time), and may raise as it goes (a file that turns out to
        be invalid): then nothing is written. Every case the quads hold (each named graph but
        the catalog and the ontology, and each case the catalog lists) must pass
        :meth:`check_names` among them, or nothing is written. ``source`` names the quads (a
        backup file) in a refusal. A quad of the default graph is refused (ValueError): the
        default graph is rebuilt from the cases. Refused (StoreError) by a store that does not
        hold its whole dataset (``holds_whole_dataset``).

        Here (any SPARQL store): a first pass reads every quad and checks the names, a second
        sends one SPARQL update, built as it is sent (one transaction on the server; this
        process holds a few thousand quads at a time). The embedded store loads a new store
        beside the old one and swaps them (:meth:`kg.store.OxigraphStore.replace_all`)."""
        if self.read_only:
            raise StoreError(f"the store at {self.location} is open read-only")
        if not self.holds_whole_dataset:
            raise not_whole(self.location, "restored")
        count, iris = 0, CaseIris()
        for quad in quads():
            iris.add(quad)
            count += 1
        self.check_names(iris.cases(source), in_store=False)
        if not count:
            self._write({}, (), "DROP ALL")
            return 0
        self._update_stream(_replacing(quads(), bool(iris)))
        return count

    def _update_stream(self, parts: Iterable[str]) -> None:
        """Apply one SPARQL update given in parts, as one transaction (backends that can send
        it as it is built override this)."""
        self._write({}, (), "".join(parts))

    def named_quads(self) -> Iterator[ox.Quad]:
        """Every quad of the store's named graphs (the cases, the catalog, the ontology), graph
        by graph, never all at once."""
        for row in self.query(ALL_GRAPHS_QUERY).rows:
            graph = row["g"]
            if isinstance(graph, ox.NamedNode):
                yield from self._graph_quads(graph.value)

    # --- the default graph: the union of the case graphs --------------------------------------

    def has_union(self) -> bool:
        """Whether the store's default graph is kept as the union of its case graphs (every
        store flywheel writes, since it began keeping it; see :meth:`ensure_union`). Never on a
        store that does not hold its whole dataset (Virtuoso: its default graph is every
        graph)."""
        return self.holds_whole_dataset and bool(self.query(UNION_QUERY).boolean)

    def ensure_union(self) -> bool:
        """Make the default graph the union of the case graphs where a store written before
        flywheel kept it holds cases without it (:meth:`rebuild_union`); True when rebuilt.
        A store with no case yet is left as it is: its first case write marks it. Every write
        that brings cases in or takes them out calls this first."""
        if self.read_only or not self.holds_whole_dataset or self.has_union():
            return False
        if not self.case_graphs():
            return False
        self.rebuild_union()
        return True

    def case_graphs(self) -> list[str]:
        """The names of the store's case graphs: every named graph but the catalog and the
        ontology."""
        return [
            row["g"].value
            for row in self.query(ALL_GRAPHS_QUERY).rows
            if isinstance(row["g"], ox.NamedNode) and row["g"].value not in OWN_GRAPHS
        ]

    def rebuild_union(self) -> int:
        """Rebuild the default graph as the union of the case graphs (one transaction per
        case, so that memory does not grow with the store), then mark the store as keeping it;
        returns the number of case graphs. Until it ends, the store is not marked, and the next
        write (or ``flywheel reindex``) starts it again."""
        counts = {info.iri: info.triples for info in self.cases()}
        self._write({}, (), f"DELETE DATA {{ {UNION_MARK_PATTERN} }} ;\nDROP SILENT DEFAULT")
        graphs = self.case_graphs()
        for iri in graphs:
            self._write({}, (), union_add(iri))
            self._copied(counts.get(iri, 0))
        if graphs:  # a store with no case stays unmarked, as a new one
            self._write({}, (), UNION_MARK_UPDATE)
        return len(graphs)

    def _copied(self, quads: int) -> None:  # noqa: B027 (backends that do not flush keep this)
        """Count quads written by an update given as text (backends that flush use it)."""

    def close(self) -> None:  # noqa: B027 (backends with nothing to release keep this)
        """Release the store (a no-op where there is nothing to release)."""

    def snapshot(self, target: Path) -> None:
        """Write a consistent point-in-time copy to a new folder (where ``can_snapshot``)."""
        raise StoreError(f"the store at {self.location} cannot be snapshotted")

    def raw_query(
        self,
        query: str,
        default_graphs: Sequence[str],
        named_graphs: Sequence[str],
        union: bool,
        base_iri: str | None = None,
    ) -> Answer:
        """A protocol query run here, with the protocol's dataset: given graphs replace FROM and
        FROM NAMED (the one not given is then empty), :data:`STORE_DEFAULT` among the default
        graphs naming the store's own default graph (the union of the cases); ``union`` makes
        the default graph the union of every graph: the cases' union, the catalog and the
        ontology (where not ``passes_sparql_through``). Relative IRIs resolve against
        ``base_iri``."""
        raise StoreError(f"the store at {self.location} answers SPARQL through its own server")

    def forward(
        self,
        query: str,
        default_graphs: Sequence[str],
        named_graphs: Sequence[str],
        union: bool,
        accept: str,
        base_iri: str | None = None,
    ) -> Forwarded:
        """A protocol query sent to the backend's own SPARQL server, with the same dataset and
        Accept (where ``passes_sparql_through``); relative IRIs resolve against ``base_iri``
        (the endpoint's own address), not the backend's."""
        raise StoreError(f"the store at {self.location} has no SPARQL server to forward to")

    def __enter__(self) -> CaseStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- shared behaviour -----------------------------------------------------------------

    def query(
        self, sparql: str, bindings: Mapping[str, Term] | None = None, union: bool = False
    ) -> QueryResult:
        """Run a read-only SPARQL query. ``bindings`` are bound as RDF terms, never pasted in.
        The default graph is the store's own, the union of the case graphs (:meth:`has_union`);
        ``union`` adds the catalog and the ontology to it."""
        return self._select(sparql, bindings, union)

    def ensure_ontology(self) -> None:
        """Put the ontology, with its subclass entailments
        (:func:`kg.ontology.stored_ontology_graph`), in its own named graph, unless this version
        is already there with them (a graph written before they were added is replaced)."""
        actor = f"<{FW.Actor}>"
        current = self.query(
            f"ASK {{ GRAPH <{ONTOLOGY_IRI}> {{ <{ONTOLOGY_IRI}> "
            f'<{OWL.versionInfo}> ?v FILTER(STR(?v) = "{__version__}") '
            f"{actor} <{RDFS.subClassOf}> {actor} }} }}"
        )
        if not current.boolean:
            graph = ontology.stored_ontology_graph()
            self._write({ONTOLOGY_IRI: to_oxigraph(graph, ONTOLOGY_IRI)}, ())

    def case_names(self) -> dict[str, list[str]]:
        """The short names in use (as :func:`kg.rdf.names.name_key` gives them), each with the
        IRIs of the cases that hold it: one case per name, unless the store was written before
        names were checked."""
        held: dict[str, list[str]] = {}
        for row in self.query(NAMES_QUERY).rows:
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
                reason = taken(case, earlier.iri, earlier.source, in_store=False)
                raise CaseNameTaken(case.iri, reason, earlier.iri, case.source)
            others = sorted(iri for iri in held.get(key, ()) if iri != case.iri)
            if others:
                holder = others[0]
                infos = self.cases(only=[holder])
                source = infos[0].source_file if infos else None
                reason = taken(case, holder, source, in_store=True)
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
        self.ensure_union()
        graphs: dict[str, list[ox.Quad]] = {}
        catalog_quads: list[ox.Quad] = []
        for case in cases:
            quads = case.quads()
            graphs[case.iri] = quads
            catalog_quads.extend(catalog_entry(case, quads))
        self.ensure_ontology()  # after the names are checked: a refused case changes nothing
        self._write(graphs, (), catalog_update(graphs, catalog_quads))
        return self.cases(only=graphs)

    def put_case_data(self, iri: str, source: str, data: bytes) -> CaseInfo:
        """Store one case prepared as N-Quads (by :mod:`kg.store.loading`): the quads of its
        graph ``iri`` and its catalog entry without the time it is written, which is added
        now. The same checks and the same atomicity as :meth:`put_cases`: the case is written
        whole, replacing an earlier version, or refused and nothing is written."""
        self.check_names([CaseGraph(iri, source, Graph())])
        self.ensure_union()
        self.ensure_ontology()  # after the names are checked: a refused case changes nothing
        stamp = ox.serialize([modified_quad(iri)], format=ox.RdfFormat.N_QUADS)
        self._put_data(iri, data + cast(bytes, stamp))
        return self.cases(only=[iri])[0]

    def _put_data(self, iri: str, data: bytes) -> None:
        """Write a case prepared as N-Quads (its graph and its whole catalog entry) in one
        transaction, replacing an earlier version; backends with a faster path override it."""
        graph: list[ox.Quad] = []
        entry: list[ox.Quad] = []
        name = ox.NamedNode(iri)
        for quad in ox.parse(data, format=ox.RdfFormat.N_QUADS):
            (graph if quad.graph_name == name else entry).append(quad)
        self._write({iri: graph}, (), catalog_update([iri], entry))

    def reindex(self, every: bool = False) -> list[str]:
        """Recompute the stored per-case rows (:mod:`kg.store.results`) of the cases whose rows
        are missing or out of date (of every case with ``every``), one case per transaction;
        return their IRIs."""
        chosen = [i.iri for i in self.cases()] if every else stale_cases(self)
        for iri in chosen:
            self._write({}, (), results_update(iri, self._graph_quads(iri)))
        return chosen

    def remove_case(self, iri: str) -> bool:
        """Remove a case and its catalog entry; False if there was no such case."""
        if not self.cases(only=[iri]):
            return False
        self.ensure_union()
        self._write({}, [iri], catalog_update([iri], ()))
        return True

    def cases(self, only: Iterable[str] | None = None) -> list[CaseInfo]:
        """The catalog: every case in the store, or only those with these graph IRIs."""
        only_values = ""
        if only is not None:
            names = " ".join(str(ox.NamedNode(iri)) for iri in only)
            only_values = f"VALUES ?case {{ {names} }}"
        result = self.query(CATALOG_QUERY.replace("#ONLY#", only_values))
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
        result = self.query(FIND_QUERY, {"name": ox.Literal(name)})
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


class CaseIris:
    """The cases a stream of quads holds, gathered as it passes: each named graph but the
    catalog and the ontology, and each case the catalog lists."""

    def __init__(self) -> None:
        self._iris: dict[str, None] = {}

    def add(self, quad: ox.Quad) -> bool:
        """Note the quad's case, if it is a case's; whether its graph is a case graph. A quad
        of the default graph is refused (ValueError)."""
        graph = quad.graph_name
        if isinstance(graph, ox.DefaultGraph):
            raise ValueError("the default graph is rebuilt from the cases, not written")
        if graph.value not in OWN_GRAPHS:
            self._iris.setdefault(graph.value)
            return True
        listed = graph.value == CATALOG and quad.predicate == DATASET
        if listed and isinstance(quad.object, ox.NamedNode):
            self._iris.setdefault(quad.object.value)
        return False

    def __bool__(self) -> bool:
        return bool(self._iris)

    def cases(self, source: str | None) -> list[CaseGraph]:
        """The cases, as :meth:`CaseStore.check_names` takes them."""
        return [CaseGraph(iri, source or "the data to restore", Graph()) for iri in self._iris]


_OWN = ", ".join(str(ox.NamedNode(iri)) for iri in OWN_GRAPHS)
_UNION_OF_CASES = (
    f"INSERT {{ ?s ?p ?o }} WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER(?g NOT IN ({_OWN})) }}"
)


def _replacing(quads: Iterable[ox.Quad], cases: bool, batch: int = 5000) -> Iterator[str]:
    """One SPARQL update, in parts: drop everything, insert the quads, copy the case graphs
    into the default graph and mark the store as keeping that union (when there are cases)."""
    yield "DROP SILENT ALL ;\nINSERT DATA {\n"
    lines: list[str] = []
    for q in quads:
        lines.append(f"GRAPH {q.graph_name} {{ {q.subject} {q.predicate} {q.object} }}\n")
        if len(lines) >= batch:
            yield "".join(lines)
            lines.clear()
    yield "".join(lines)
    yield "}"
    if cases:
        yield f" ;\n{_UNION_OF_CASES} ;\n{UNION_MARK_UPDATE}"


def query_result(
    result: ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples | bool,
) -> QueryResult:
    if isinstance(result, bool | ox.QueryBoolean):
        return QueryResult(boolean=bool(result))
    if isinstance(result, ox.QuerySolutions):
        variables = tuple(v.value for v in result.variables)
        rows = tuple({name: solution[name] for name in variables} for solution in result)
        return QueryResult(variables=variables, rows=rows)
    return QueryResult(triples=tuple(result))
