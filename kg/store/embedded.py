"""The embedded backend: an Oxigraph store in a folder or in memory."""

from __future__ import annotations

import ctypes
import errno
import os
import shutil
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, cast

import pyoxigraph as ox

from kg.rdf.read import CaseGraph
from kg.sparql.check import QueryInvalid
from kg.store.base import (
    STORE_DEFAULT,
    Answer,
    CaseIris,
    CaseStore,
    QueryResult,
    StoreError,
    Term,
    query_result,
)
from kg.store.catalog import (
    OWN_GRAPHS,
    UNION_MARK,
    catalog_entry,
    write_update,
)
from kg.vocab import CATALOG

# Quads written to a store on disk between two flushes of RocksDB's write buffers. Unflushed,
# they grow with every transaction (measured: 950 MB after 300 cases of 4,000 triples, 240 MB
# when flushed every 50), so a long run of writes would hold what it wrote in memory.
FLUSH_EVERY_QUADS = 200_000


# Quads a restore writes into the new store per transaction (bounded memory, not one transaction
# per quad).
RESTORE_BATCH = 20_000


def _fill(store: ox.Store, quads: Iterable[ox.Quad], source: str | None, owner: CaseStore) -> int:
    """Write quads into a new store with their copies in its default graph (each case graph's,
    the union) and the catalog's union mark, in transactions of RESTORE_BATCH quads, flushed
    every FLUSH_EVERY_QUADS; check the case names among themselves (``owner``'s rules) once
    every quad is read. Returns the quads read."""
    iris = CaseIris()
    batch: list[ox.Quad] = []
    count = unflushed = 0
    for quad in quads:
        count += 1
        batch.append(quad)
        if iris.add(quad):
            batch.append(ox.Quad(quad.subject, quad.predicate, quad.object))
        if len(batch) >= RESTORE_BATCH:
            store.extend(batch)
            unflushed += len(batch)
            batch.clear()
            if unflushed >= FLUSH_EVERY_QUADS:
                store.flush()
                unflushed = 0
    owner.check_names(iris.cases(source), in_store=False)
    if iris:
        batch.append(UNION_MARK)
    store.extend(batch)
    return count


def swap_folders(new: Path, old: Path) -> None:
    """Put the folder ``new`` in the place of ``old``, and ``old`` where ``new`` was: in one step
    on Linux (renameat2 with RENAME_EXCHANGE), so that ``old``'s path always holds one whole
    store; elsewhere in two renames (a crash between them leaves no folder at ``old``'s path
    and the old store beside it, under a name starting with a dot)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        renameat2 = None
    if renameat2 is not None:
        renameat2.argtypes = [
            ctypes.c_int,
            ctypes.c_char_p,
            ctypes.c_int,
            ctypes.c_char_p,
            ctypes.c_uint,
        ]
        if renameat2(_AT_FDCWD, bytes(new), _AT_FDCWD, bytes(old), _RENAME_EXCHANGE) == 0:
            return
        code = ctypes.get_errno()
        if code not in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP):
            raise StoreError(
                f"cannot put the restored store in place of {old}: {os.strerror(code)}"
            )
    aside = new.with_name(new.name + "-old")
    os.rename(old, aside)
    os.rename(new, old)
    os.rename(aside, new)


_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


class OxigraphStore(CaseStore):
    """Embedded Oxigraph: on disk when given a folder, in memory otherwise."""

    def __init__(self, path: Path | None = None, read_only: bool = False) -> None:
        self._unflushed = 0
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

    def _every_graph(self) -> dict[str, Any]:
        """The dataset whose default graph is the union of every graph: the default graph (the
        case graphs merged) with the catalog and the ontology, or in a store that does not keep
        the union (written before flywheel did), Oxigraph's union of every graph."""
        if self.has_union():
            return {"default_graph": [ox.DefaultGraph(), *map(ox.NamedNode, OWN_GRAPHS)]}
        return {"use_default_graph_as_union": True}

    def _select(self, sparql: str, bindings: Mapping[str, Term] | None, union: bool) -> QueryResult:
        try:
            result = self._store.query(
                sparql,
                substitutions={ox.Variable(k): v for k, v in (bindings or {}).items()},
                **(self._every_graph() if union else {}),
            )
        except SyntaxError as error:
            raise QueryInvalid(f"the query is not valid SPARQL: {error}") from None
        except RuntimeError as error:  # raised as the query is planned: e.g. a bound variable
            # the SELECT does not project, or a function the engine does not have
            raise QueryInvalid(f"the query cannot be run: {error}") from None
        return query_result(result)

    def _write(
        self, graphs: Mapping[str, Sequence[ox.Quad]], drop: Iterable[str], catalog_update: str = ""
    ) -> None:
        if self.read_only:
            raise StoreError(f"the store at {self.location} is open read-only")
        # One SPARQL update is one Oxigraph transaction: readers see every graph and the
        # catalog before or after, never half-written.
        self._store.update(write_update(graphs, drop, catalog_update))
        self._written(sum(len(quads) for quads in graphs.values()))

    def _copied(self, quads: int) -> None:
        self._written(quads)

    def _written(self, quads: int) -> None:
        """Count quads written; flush the write buffers every FLUSH_EVERY_QUADS (on disk)."""
        self._unflushed += quads
        if self._unflushed >= FLUSH_EVERY_QUADS and not self.in_memory:
            self._store.flush()
            self._unflushed = 0

    def _put_data(self, iri: str, data: bytes) -> None:
        """A case new to the store is loaded by Oxigraph's own parser in one transaction (a
        few times faster than the SPARQL update), its triples also into the default graph (the
        union of the cases) in the same load; a case that replaces another takes the update,
        which drops the old graph and catalog entry in the same transaction."""
        if self.read_only:
            raise StoreError(f"the store at {self.location} is open read-only")
        name = ox.NamedNode(iri)
        held = self._store.query(
            f"ASK {{ {{ GRAPH {name} {{ ?s ?p ?o }} }} UNION "
            f"{{ GRAPH <{CATALOG}> {{ {name} ?p ?o }} }} }}"
        )
        if held:
            super()._put_data(iri, data)
        else:
            # the same blank node labels in the graph and in the default graph: one load gives
            # one label one node
            triples = [q.triple for q in ox.parse(data, format=ox.RdfFormat.N_QUADS)
                       if q.graph_name == name]  # fmt: skip
            union = ox.serialize([*triples, UNION_MARK], format=ox.RdfFormat.N_QUADS)
            self._store.load(data + cast(bytes, union), format=ox.RdfFormat.N_QUADS)
            self._written(data.count(b"\n") + len(triples))

    def _graph_quads(self, iri: str) -> list[ox.Quad]:
        return list(self._store.quads_for_pattern(None, None, None, ox.NamedNode(iri)))

    def named_quads(self) -> Iterator[ox.Quad]:
        for graph in self._store.named_graphs():
            yield from self._store.quads_for_pattern(None, None, None, graph)

    def replace_all(self, quads: Callable[[], Iterable[ox.Quad]], source: str | None = None) -> int:
        """Replace everything by ``quads()`` (see :meth:`CaseStore.replace_all`) in one pass: the
        quads go into a new store beside this one, in transactions of RESTORE_BATCH quads
        each, with their copies in its default graph; only when the whole stream has been read
        and its case names checked does the new store take this one's place (the two folders
        swapped in one step where the system can, :func:`swap_folders`). Until then this store
        is untouched, so a stream that fails part way changes nothing; memory holds a batch,
        whatever the size of the data. In memory, the new store replaces this one's handle."""
        if self.read_only:
            raise StoreError(f"the store at {self.location} is open read-only")
        if self.in_memory:
            fresh = ox.Store()
            count = _fill(fresh, quads(), source, self)
            self._store = fresh
            return count
        target = Path(self.location).resolve()  # a link to the store: the folder it names
        beside = target.with_name(f".{target.name}.restoring-{os.getpid()}")
        shutil.rmtree(beside, ignore_errors=True)
        try:
            fresh = ox.Store(str(beside))
            count = _fill(fresh, quads(), source, self)
            fresh.flush()
            del fresh  # closed: its folder can take this store's place
        except BaseException:
            shutil.rmtree(beside, ignore_errors=True)
            raise
        self._store.flush()
        self._store = None  # type: ignore[assignment]  # closed, so its folder can move
        try:
            swap_folders(beside, target)
        finally:
            self._store = ox.Store(str(target))  # the new store, or the old one if not swapped
        shutil.rmtree(beside, ignore_errors=True)  # the old store, now beside
        return count

    def bulk_put(self, cases: Sequence[CaseGraph]) -> None:
        """Fast path for loading many *new* cases (Oxigraph's bulk loader; not transactional)."""
        if self.read_only:
            raise StoreError(f"the store at {self.location} is open read-only")
        self.check_names(cases, new_only=True)
        self.ensure_union()
        self.ensure_ontology()
        quads: list[ox.Quad] = [UNION_MARK]
        for case in cases:
            case_quads = case.quads()
            quads.extend(case_quads)
            quads.extend(ox.Quad(q.subject, q.predicate, q.object) for q in case_quads)
            quads.extend(catalog_entry(case, case_quads))
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
        self,
        query: str,
        default_graphs: Sequence[str],
        named_graphs: Sequence[str],
        union: bool,
        base_iri: str | None = None,
    ) -> Answer:
        dataset: dict[str, Any] = {"base_iri": base_iri} if base_iri else {}
        if default_graphs or named_graphs:
            dataset["default_graph"] = [
                ox.DefaultGraph() if g == STORE_DEFAULT else ox.NamedNode(g) for g in default_graphs
            ]
            dataset["named_graphs"] = [ox.NamedNode(g) for g in named_graphs]
        elif union:
            dataset |= self._every_graph()
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
