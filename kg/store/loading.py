"""Loading case files into a store: read and validate every file, and write each case whole.

Files are read and validated in input order, a few at a time: in this process, or in ``jobs``
worker processes (started with ``spawn``, so none inherits an open store; each parses the shapes
once). Each case that may be stored is set aside on disk, in a spool folder in the system's
temporary folder (``TMPDIR``), as compressed N-Quads with its catalog entry and kept rows (about
30 KB for 4,000 triples), and dropped from memory: memory holds the files in flight (at most
:func:`in_flight` of them), whatever the number of cases. Of each case's validation report only
its counts of findings are kept (and a refused case's violations): kept whole, 3,000 cities of
230 findings each took the command to 1 GB; the whole reports go to ``on_report`` as each file
is validated.

Each case is written in one transaction (see :meth:`kg.store.CaseStore.put_case_data`): a file
that cannot be read, or a case with violations (unless forced), never touches the store, and the
other files still load. A case new to the store (its IRI not in it when the load began) is
written as soon as it is validated, while the workers validate the next files; a case that
replaces one already in the store waits until every file is validated, so that the version it
replaces stays whole should the load stop. Of the same case in several files, the last wins.

A case whose short name another case holds is refused, forced or not (see :mod:`kg.rdf.names`):
the store refuses a name held by a case already in it, and two cases of one load with the same
short name but different IRIs are both refused (which would win should not depend on the order
of the files): one written already is removed again as soon as the second is validated. A load
stopped before its end (a worker killed, or interrupted) keeps the new cases written so far,
each whole, and nothing of the rest; the same load run again completes it.
"""

from __future__ import annotations

import glob
import gzip
import logging
import multiprocessing
import os
import tempfile
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sized
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

import pyoxigraph as ox
from rdflib import Graph

from kg.check.validation import CaseReport, CaseValidator, Severity
from kg.errors import Unavailable
from kg.pools import end_with_parent
from kg.rdf.names import case_id, name_key, shown
from kg.rdf.read import FORMATS, CaseGraph, RdfInputError, has_blank_node, read_cases
from kg.store import CaseInfo, CaseNameError, CaseNameTaken, CaseStore
from kg.store.catalog import MODIFIED, catalog_entry

_SPAWN = multiprocessing.get_context("spawn")
FILES_PER_WORKER = 2  # files handed to each worker ahead of the one being written down


class WorkerStopped(Unavailable):
    """A validation worker process ended while it read or validated a file (killed, or out of
    memory); the load stops: the new cases validated before are written, nothing else."""


@dataclass(frozen=True)
class CaseSummary:
    """What a load keeps of a case's validation report: how many findings of each severity
    (the findings themselves go to ``load_files``' ``on_report``, and are not kept, so that
    memory does not grow with the number of cases)."""

    case: str
    source: str
    counts: tuple[tuple[Severity, int], ...]

    @classmethod
    def of(cls, report: CaseReport) -> CaseSummary:
        counts = tuple((s, report.count(s)) for s in sorted(Severity, reverse=True))
        return cls(report.case, report.source, counts)

    def count(self, severity: Severity) -> int:
        return dict(self.counts).get(severity, 0)

    @property
    def conforms(self) -> bool:
        """True when there is no violation."""
        return self.count(Severity.VIOLATION) == 0

    @property
    def findings(self) -> int:
        """How many findings of any severity."""
        return sum(n for _, n in self.counts)


@dataclass
class LoadResult:
    """What happened to each file and case: the cases written; those refused for violations,
    each with its violations (its other findings are not kept); the files that cannot be read;
    each case's counts of findings; the cases refused for their IRI."""

    loaded: list[CaseInfo] = field(default_factory=list)
    refused: list[CaseReport] = field(default_factory=list)
    unreadable: list[RdfInputError] = field(default_factory=list)
    reports: list[CaseSummary] = field(default_factory=list)
    refused_names: list[CaseNameError] = field(default_factory=list)  # refused for their IRI

    @property
    def ok(self) -> bool:
        return not self.refused and not self.unreadable and not self.refused_names


@dataclass(frozen=True)
class LoadProgress:
    """How far a load has gone, after each file validated and each case written: ``total``
    files (None when the files come from an iterator), ``to_write`` cases (None until every
    file is validated)."""

    files: int
    total: int | None
    refused: int
    unreadable: int
    written: int
    to_write: int | None


@dataclass(frozen=True)
class CheckedCase:
    """A case read and validated: its report, and where it waits to be written (None when
    refused for violations)."""

    iri: str
    source: str
    report: CaseReport
    spool: Path | None


@dataclass(frozen=True)
class Waiting:
    """A case accepted, waiting on disk to be written."""

    iri: str
    source: str
    spool: Path


@dataclass(frozen=True)
class CheckedFile:
    """One file read and validated: its cases, or why it cannot be read."""

    path: Path
    cases: tuple[CheckedCase, ...] = ()
    unreadable: RdfInputError | None = None
    validated_by: int = 0  # the process that read and validated it


def usable_cores() -> int:
    """The cores this process may run on (its CPU affinity, where the system says)."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


def in_flight(jobs: int) -> int:
    """How many files a load holds at once, read or being read: one in this process, or
    :data:`FILES_PER_WORKER` per worker."""
    return 1 if jobs <= 1 else FILES_PER_WORKER * jobs


def expand_paths(arguments: Iterable[str | Path]) -> list[Path]:
    """Files, folders (every RDF file inside, recursively) and glob patterns, in order."""
    paths: list[Path] = []
    for argument in arguments:
        text = str(argument)
        matches = (
            sorted(glob.glob(text, recursive=True)) if any(c in text for c in "*?[") else [text]
        )
        for match in matches:
            path = Path(match)
            if path.is_dir():
                paths.extend(
                    sorted(
                        p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in FORMATS
                    )
                )
            else:
                paths.append(path)
    return paths


def load_files(
    store: CaseStore,
    files: Iterable[Path],
    validator: CaseValidator | None = None,
    force: bool = False,
    fmt: str | None = None,
    progress: Callable[[LoadProgress], None] | None = None,
    jobs: int | None = 1,
    on_report: Callable[[CaseReport], None] | None = None,
) -> LoadResult:
    """Load case files into a store; see the module docstring for the guarantees.

    Each case's validation report goes to ``on_report`` (when given) as its file is validated;
    the result keeps only its counts, and a refused case's violations.

    ``jobs``: how many worker processes validate (None: one per usable core); with fewer than
    two files per worker, fewer workers, and with one, this process (starting a worker costs
    more than validating a case or two). The workers use ``validator``'s shapes; they are
    started with ``spawn``, so a script that asks for them needs the usual
    ``if __name__ == "__main__":`` guard. ``files`` is consumed lazily, at most
    :func:`in_flight` files ahead of the validation."""
    result = LoadResult()
    total = len(files) if isinstance(files, Sized) else None
    wanted = usable_cores() if jobs is None else max(1, jobs)
    workers = wanted if total is None else max(1, min(wanted, total // FILES_PER_WORKER))
    existing = {info.iri for info in store.cases()}  # their new versions wait for the end
    names_held = store.case_names()  # a name the store gives another IRI: that case waits too
    accepted: dict[str, Waiting] = {}  # by IRI; the same case twice: the last file wins
    early: dict[str, CaseInfo] = {}  # new cases written as they were validated, by IRI
    claims: dict[str, set[str]] = {}  # a short name (name_key) -> the IRIs of this load claiming it
    done = 0

    def report(written: int = 0, to_write: int | None = None) -> None:
        if progress:
            refused = len(result.refused) + len(result.refused_names)
            progress(LoadProgress(done, total, refused, len(result.unreadable), written, to_write))

    def accept(case: CheckedCase, spool: Path) -> None:
        """Keep a validated case to write; write it now when it is new to the store and no
        other case, of the store or of this load, claims its short name; remove again a case
        written already whose short name this one claims too (both are refused at the end)."""
        earlier = accepted.get(case.iri)
        if earlier is not None:
            earlier.spool.unlink(missing_ok=True)
        accepted[case.iri] = Waiting(case.iri, case.source, spool)
        claiming = claims.setdefault(name_key(case_id(case.iri)), set())
        claiming.add(case.iri)
        if len(claiming) > 1:
            for iri in sorted(claiming & early.keys()):
                store.remove_case(iri)
                del early[iri]
            return
        holders = names_held.get(name_key(case_id(case.iri)), [])
        if case.iri in existing or any(holder != case.iri for holder in holders):
            return
        try:
            data = gzip.decompress(spool.read_bytes())
            early[case.iri] = store.put_case_data(case.iri, case.source, data)
        except CaseNameError as error:  # its IRI cannot name a case
            result.refused_names.append(error)
            del accepted[case.iri]
            claiming.discard(case.iri)
        spool.unlink()

    with tempfile.TemporaryDirectory(prefix="flywheel-load-") as spool:
        try:
            for checked in check_files(files, Path(spool), validator, force, fmt, workers):
                done += 1
                if checked.unreadable is not None:
                    result.unreadable.append(checked.unreadable)
                for case in checked.cases:
                    if on_report is not None:
                        on_report(case.report)
                    result.reports.append(CaseSummary.of(case.report))
                    if case.spool is None:
                        result.refused.append(_violations(case.report))
                    else:
                        accept(case, case.spool)
                report(len(early))
        except WorkerStopped as stopped:
            raise WorkerStopped(f"{stopped}; {_written_so_far(len(early))}") from None
        ready = _one_per_name(list(accepted.values()), result)
        result.loaded.extend(early[w.iri] for w in ready if w.iri in early)
        waiting = [w for w in ready if w.iri not in early]
        for written, held in enumerate(waiting, start=1):
            data = gzip.decompress(held.spool.read_bytes())
            try:
                result.loaded.append(store.put_case_data(held.iri, held.source, data))
            except CaseNameError as error:
                result.refused_names.append(error)
            held.spool.unlink()
            report(len(early) + written, len(waiting))
    return result


def _written_so_far(count: int) -> str:
    if not count:
        return "nothing was written"
    return (
        f"the {count} new case(s) validated before it were written, each whole, and nothing "
        "else: run the same load again to complete it"
    )


def check_files(
    files: Iterable[Path],
    spool: Path,
    validator: CaseValidator | None = None,
    force: bool = False,
    fmt: str | None = None,
    jobs: int = 1,
) -> Iterator[CheckedFile]:
    """Read and validate files, yielding each in input order; each case that may be stored
    (it conforms, or ``force``) is written to a file in ``spool`` first. ``files`` is read
    lazily, at most :func:`in_flight` files ahead of what has been yielded."""
    paths = iter(files)
    if jobs <= 1:
        own = validator or CaseValidator()
        for number, path in enumerate(paths):
            yield _check_file(Path(path), number, spool, own, force, fmt)
        return
    shapes = validator.shapes_data() if validator is not None else None
    quiet = logging.getLogger("rdflib.term").level  # as this process has it (the CLI: errors)
    with ProcessPoolExecutor(
        jobs, mp_context=_SPAWN, initializer=_start_worker, initargs=(shapes, quiet)
    ) as pool:
        pending: deque[Future[CheckedFile]] = deque()
        try:
            for number, path in enumerate(paths):
                pending.append(pool.submit(_check_in_worker, Path(path), number, spool, force, fmt))
                if len(pending) >= in_flight(jobs):
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        except BrokenProcessPool:
            raise WorkerStopped(
                "a validation worker stopped (killed, or out of memory) while it validated the "
                "files (try again, with fewer --jobs if memory is short)"
            ) from None
        finally:  # stopped early (an error, an interrupt): start nothing more
            for future in pending:
                future.cancel()


_worker_validator: CaseValidator | None = None


def _start_worker(shapes: bytes | None, rdflib_term_level: int) -> None:
    """A validation worker's start: it ends when the loader ends (:mod:`kg.pools`), rdflib's
    literal warnings as the caller has them, and the shapes parsed, once."""
    global _worker_validator
    end_with_parent()
    logging.getLogger("rdflib.term").setLevel(rdflib_term_level)
    graph = Graph().parse(data=shapes, format="nt") if shapes is not None else None
    _worker_validator = CaseValidator(graph)


def _check_in_worker(
    path: Path, number: int, spool: Path, force: bool, fmt: str | None
) -> CheckedFile:
    if _worker_validator is None:  # pragma: no cover - the pool's initializer sets it
        raise RuntimeError("the validation worker was started without its shapes")
    return _check_file(path, number, spool, _worker_validator, force, fmt)


def _check_file(
    path: Path, number: int, spool: Path, validator: CaseValidator, force: bool, fmt: str | None
) -> CheckedFile:
    try:
        cases = read_cases(path, fmt)
    except RdfInputError as error:
        return CheckedFile(path, unreadable=error, validated_by=os.getpid())
    checked = []
    for index, case in enumerate(cases):
        report = validator.validate_case(case)
        target = None
        if report.conforms or force:
            target = spool / f"{number:09d}-{index:05d}.nq.gz"
            _spool(case, target)
        checked.append(CheckedCase(case.iri, case.source, report, target))
    return CheckedFile(path, tuple(checked), validated_by=os.getpid())


def _spool(case: CaseGraph, target: Path) -> None:
    """Write a case's quads and its catalog entry (but the time it is written) as N-Quads,
    gzip-compressed (a twentieth of the size: the spool may be on a tmpfs, in memory).
    Its blank nodes are given fresh names, as a SPARQL ``INSERT DATA`` would: two files that
    both say ``_:a`` mean two nodes."""
    quads = case.quads()
    fresh: dict[str, ox.BlankNode] = {}

    def term(node: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> object:
        if isinstance(node, ox.BlankNode):
            return fresh.setdefault(node.value, ox.BlankNode())
        return node

    if any(has_blank_node(q) for q in quads):
        quads = [
            ox.Quad(term(q.subject), q.predicate, term(q.object), q.graph_name)  # type: ignore[arg-type]
            for q in quads
        ]
    entry = [q for q in catalog_entry(case, quads) if q.predicate != MODIFIED]
    data = cast(bytes, ox.serialize([*quads, *entry], format=ox.RdfFormat.N_QUADS))
    target.write_bytes(gzip.compress(data, compresslevel=1))


def _violations(report: CaseReport) -> CaseReport:
    """A refused case's report with only its violations (what is said of it)."""
    kept = tuple(f for f in report.findings if f.severity is Severity.VIOLATION)
    return CaseReport(report.case, report.source, kept)


def _one_per_name(cases: list[Waiting], result: LoadResult) -> list[Waiting]:
    """The cases whose short name no other case of this load has; the others are refused."""
    by_name: dict[str, list[Waiting]] = {}
    for case in cases:
        by_name.setdefault(name_key(case_id(case.iri)), []).append(case)
    kept = []
    for group in by_name.values():
        if len(group) == 1:
            kept.extend(group)
            continue
        listed = ", ".join(f"<{shown(c.iri)}> from {c.source}" for c in group)
        for case in group:
            holder = next(c for c in group if c is not case)
            reason = (
                f"the case <{shown(case.iri)}> is refused: {len(group)} cases of this load go "
                f"by the same short name '{shown(case_id(case.iri))}' ({listed}). A short name "
                "belongs to one case: give each an IRI with its own last segment; none of them "
                "was loaded"
            )
            result.refused_names.append(CaseNameTaken(case.iri, reason, holder.iri, case.source))
            case.spool.unlink(missing_ok=True)  # a case written early has none left
    return kept
