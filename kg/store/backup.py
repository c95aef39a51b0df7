"""A whole store to one file and back: ``flywheel backup`` and ``flywheel restore``.

A backup is N-Quads (gzip-compressed when its name ends in ``.gz``) holding every named graph
of the store: each case graph, the catalog and the ontology. The default graph, which is the
union of the case graphs (:meth:`kg.store.CaseStore.ensure_union`), is not written: a restore
rebuilds it from the cases. It is written under a temporary name and renamed when complete, so
a crash never leaves a half backup under the real name. A restore parses the whole file before
it touches the store, refuses a store that holds data unless told to replace it, and writes
everything in one SPARQL update (one transaction).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gzip
import io
import os
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from kg.errors import BadInput, Conflict
from kg.store import CaseStore
from kg.store.base import not_whole
from kg.version import __version__

HEADER = "# flywheel-kg backup"
_ALL = "SELECT ?g ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } }"
_ANY = "ASK { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }"


class BackupError(BadInput):
    """A backup file that cannot be written or read; says which file, where and why."""


@dataclass(frozen=True)
class Restored:
    """What a restore wrote: quads, and the quads of the backup's default graph left out (a
    store's default graph is the union of its cases, rebuilt from them)."""

    quads: int
    left_out: int


def all_quads(store: CaseStore) -> list[ox.Quad]:
    """Every quad of the store's named graphs (the cases, the catalog, the ontology)."""
    quads = []
    for row in store.query(_ALL).rows:
        # ?g ?s ?p ?o match a quad, so they are bound to a graph name, a subject, an IRI and an
        # object; the rows are typed as any term or None
        quads.append(ox.Quad(row["s"], row["p"], row["o"], row["g"]))  # type: ignore[arg-type]
    return quads


def backup(store: CaseStore, target: Path) -> int:
    """Write every quad of ``store`` to ``target``; returns how many quads were written."""
    target = Path(target)
    if not store.holds_whole_dataset:
        raise not_whole(store.location, "backed up")
    quads = all_quads(store)
    stamp = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    header = f"{HEADER} {__version__} {stamp} of {store.location}: {len(quads)} quads\n"
    partial = target.with_name(f".{target.name}.partial-{os.getpid()}")
    try:
        with partial.open("wb") as raw:
            stream = gzip.GzipFile(fileobj=raw, mode="wb") if target.suffix == ".gz" else raw
            stream.write(header.encode("utf-8"))
            # a GzipFile and a BufferedWriter are binary files, though not IO[bytes] to typeshed
            ox.serialize(quads, stream, format=ox.RdfFormat.N_QUADS)  # type: ignore[arg-type]
            if stream is not raw:
                stream.close()
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(partial, target)
    except OSError as error:
        with contextlib.suppress(OSError):  # e.g. its folder does not exist either
            partial.unlink(missing_ok=True)
        raise BackupError(f"cannot write the backup {target}: {error.strerror or error}") from None
    return len(quads)


def read_backup(source: Path) -> list[ox.Quad]:
    """Parse a whole backup file (gzip or plain N-Quads); raises BackupError with line and
    column when any of it is not valid."""
    source = Path(source)
    try:
        data = source.read_bytes()
        if data[:2] == b"\x1f\x8b":
            data = gzip.decompress(data)
    except (OSError, EOFError, gzip.BadGzipFile) as error:
        raise BackupError(f"{source}: cannot be read: {error}") from None
    try:
        quads = list(ox.parse(io.BytesIO(data), format=ox.RdfFormat.N_QUADS))
    except SyntaxError as error:
        where = f", line {error.lineno}" if error.lineno else ""
        where += f", column {error.offset}" if error.lineno and error.offset else ""
        raise BackupError(
            f"{source}{where}: not a valid backup (N-Quads): {error.msg or error}; "
            "the store was not changed"
        ) from None
    if not quads and not data.startswith(HEADER.encode()):
        raise BackupError(f"{source}: holds no quads and is not a flywheel backup")
    return quads


def restore(store: CaseStore, source: Path, replace: bool = False) -> Restored:
    """Replace the store's content by the backup's in one transaction, the default graph
    rebuilt as the union of the cases (a backup written before flywheel kept it may hold
    default-graph quads: they are left out, and counted). Refuses a store that holds data
    unless ``replace``, and a backup holding a case the store refuses for its IRI
    (:class:`kg.store.CaseNameError`: two cases with one short name, an invisible character,
    one of flywheel's own graph names)."""
    quads = read_backup(source)
    named = [q for q in quads if not isinstance(q.graph_name, ox.DefaultGraph)]
    if not replace and store.query(_ANY).boolean:
        raise Conflict(
            f"the store at {store.location} is not empty; restore --replace overwrites it"
        )
    store.replace_all(named, str(source))  # one transaction: restore is all or nothing
    return Restored(len(named), len(quads) - len(named))
