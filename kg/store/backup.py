"""A whole store to one file and back: ``flywheel backup`` and ``flywheel restore``.

A backup is N-Quads (gzip-compressed when its name ends in ``.gz``) holding every named graph
of the store: each case graph, the catalog and the ontology, a header line first and a last line
that counts the quads. The default graph, which is the union of the case graphs
(:meth:`kg.store.CaseStore.ensure_union`), is not written: a restore rebuilds it from the cases.
Both directions stream: the store is written out graph by graph, the file read back quad by
quad, so memory does not grow with the store.

A backup is written under a temporary name and renamed when complete, so a crash never leaves
a half backup under the real name. A restore refuses a store that holds data unless told to
replace it, and is all or nothing: the file is read to its end and its case names checked before
the store changes (:meth:`kg.store.CaseStore.replace_all`: an embedded store is restored into a
new folder that then takes the old one's place; another SPARQL server gets one update), and a
file that is not valid N-Quads, or ends before the quads its last line counts, changes nothing.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gzip
import io
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from kg.errors import BadInput, Conflict
from kg.store import CaseStore
from kg.store.base import not_whole
from kg.version import __version__

HEADER = "# flywheel-kg backup"
END = "# flywheel-kg backup end:"
_ANY = "ASK { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }"
_COUNTED = re.compile(rb"# flywheel-kg backup end: (\d+) quads\s*$")
_OLD_HEADER = re.compile(rb"# flywheel-kg backup \S+ \S+ of .*: (\d+) quads\s*$")


class BackupError(BadInput):
    """A backup file that cannot be written or read; says which file, where and why."""


@dataclass(frozen=True)
class Restored:
    """What a restore wrote: quads, and the quads of the backup's default graph left out (a
    store's default graph is the union of its cases, rebuilt from them)."""

    quads: int
    left_out: int


def backup(store: CaseStore, target: Path) -> int:
    """Write every quad of ``store``'s named graphs to ``target``, graph by graph; returns how
    many quads were written."""
    target = Path(target)
    if not store.holds_whole_dataset:
        raise not_whole(store.location, "backed up")
    stamp = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    header = f"{HEADER} {__version__} {stamp} of {store.location}\n"
    partial = target.with_name(f".{target.name}.partial-{os.getpid()}")
    count = 0

    def counted() -> Iterator[ox.Quad]:
        nonlocal count
        for quad in store.named_quads():
            count += 1
            yield quad

    try:
        with partial.open("wb") as raw:
            stream = gzip.GzipFile(fileobj=raw, mode="wb") if target.suffix == ".gz" else raw
            stream.write(header.encode("utf-8"))
            # a GzipFile and a BufferedWriter are binary files, though not IO[bytes] to typeshed
            ox.serialize(counted(), stream, format=ox.RdfFormat.N_QUADS)  # type: ignore[arg-type]
            stream.write(f"{END} {count} quads\n".encode())
            if stream is not raw:
                stream.close()
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(partial, target)
    except OSError as error:
        with contextlib.suppress(OSError):  # e.g. its folder does not exist either
            partial.unlink(missing_ok=True)
        raise BackupError(f"cannot write the backup {target}: {error.strerror or error}") from None
    return count


class _Ends(io.RawIOBase):
    """A binary file read through, keeping its first line and its last few hundred bytes."""

    def __init__(self, inner: io.BufferedIOBase) -> None:
        self.inner = inner
        self.head = b""
        self.tail = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        data = self.inner.read(len(buffer))
        if len(self.head) < 512:
            self.head += data[: 512 - len(self.head)]
        self.tail = (self.tail + data)[-512:]
        buffer[: len(data)] = data
        return len(data)


class BackupReader:
    """The quads of a backup file, read afresh, quad by quad, each time it is called (a restore
    may read it twice). Raises BackupError, with the line and column, where the file is not
    valid N-Quads, cannot be read, or ends before the quads its last line (or an older
    backup's header) counts. Quads of the default graph are not yielded: ``left_out`` counts
    them (a backup written before flywheel kept the default graph as the union of the cases
    may hold some)."""

    def __init__(self, source: Path) -> None:
        self.source = Path(source)
        self.quads = 0
        self.left_out = 0

    def __call__(self) -> Iterator[ox.Quad]:
        self.quads = self.left_out = 0
        try:
            with self.source.open("rb") as raw:
                zipped = raw.read(2) == b"\x1f\x8b"
                raw.seek(0)
                inner: io.BufferedIOBase = gzip.GzipFile(fileobj=raw) if zipped else raw
                ends = _Ends(inner)
                for quad in ox.parse(io.BufferedReader(ends, 1 << 20), format=ox.RdfFormat.N_QUADS):
                    if isinstance(quad.graph_name, ox.DefaultGraph):
                        self.left_out += 1
                        continue
                    self.quads += 1
                    yield quad
        except SyntaxError as error:
            where = f", line {error.lineno}" if error.lineno else ""
            where += f", column {error.offset}" if error.lineno and error.offset else ""
            raise BackupError(
                f"{self.source}{where}: not a valid backup (N-Quads): {error.msg or error}"
            ) from None
        except (OSError, EOFError) as error:  # gzip.BadGzipFile is an OSError
            raise BackupError(f"{self.source}: cannot be read: {error}") from None
        self._check_ends(ends.head, ends.tail)

    def _check_ends(self, head: bytes, tail: bytes) -> None:
        read = self.quads + self.left_out
        if not read and not head.startswith(HEADER.encode()):
            raise BackupError(f"{self.source}: holds no quads and is not a flywheel backup")
        counted = _COUNTED.search(tail) or _OLD_HEADER.match(head.split(b"\n", 1)[0])
        if head.startswith(HEADER.encode()) and counted is None:
            raise BackupError(
                f"{self.source}: its last line ('{END} N quads') is missing after {read:,} "
                "quads: the file was cut short, or lines were added after it"
            )
        if counted is not None and int(counted.group(1)) != read:
            raise BackupError(
                f"{self.source}: holds {read:,} quads where it says it has "
                f"{int(counted.group(1)):,}: the file was cut short or changed"
            )


def restore(store: CaseStore, source: Path, replace: bool = False) -> Restored:
    """Replace the store's content by the backup's, all or nothing, the default graph rebuilt
    as the union of the cases (a backup written before flywheel kept it may hold default-graph
    quads: they are left out, and counted). Refuses a store that holds data unless
    ``replace``, and a backup holding a case the store refuses for its IRI
    (:class:`kg.store.CaseNameError`: two cases with one short name, an invisible character,
    one of flywheel's own graph names)."""
    if not replace and store.query(_ANY).boolean:
        raise Conflict(
            f"the store at {store.location} is not empty; restore --replace overwrites it"
        )
    reader = BackupReader(source)
    count = store.replace_all(reader, str(source))
    return Restored(count, reader.left_out)
