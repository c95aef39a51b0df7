"""Crash safety: ``flywheel load`` killed with SIGKILL part way through many cases.

The loader validates every file first and then writes one case per transaction. The test watches
the store folder from outside (RocksDB's files grow when a transaction commits), kills the loader
at a few different moments of the write phase, reopens the store and checks that every case is
complete or absent, and that the catalog agrees with the graphs.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from kg.rdf.read import read_cases
from kg.store import CATALOG, content_hash, open_store
from kg.version import ONTOLOGY_IRI
from tests.conftest import flywheel_command, run_flywheel

# A load of 60 synthetic cities killed mid-way, then checked: a minute on a busy machine.
pytestmark = pytest.mark.slow

CASES = 60


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory) -> tuple[Path, dict[str, tuple[int, str]]]:
    """60 synthetic case files, and per case IRI its triple count and content hash as read
    from its file."""
    folder = tmp_path_factory.mktemp("crash") / "cases"
    result = run_flywheel("synth", str(CASES), "-o", str(folder), "--actions", "4")
    assert result.returncode == 0, result.stderr
    expected = {}
    for path in sorted(folder.glob("*.ttl")):
        (case,) = read_cases(path)
        quads = case.quads()
        expected[case.iri] = (len(quads), content_hash(quads))
    assert len(expected) == CASES
    return folder, expected


def wal_size(folder: Path) -> int:
    """The size of RocksDB's write-ahead log: it grows by each committed transaction."""
    total = 0
    for path in folder.glob("*.log"):
        with contextlib.suppress(OSError):  # RocksDB may remove it meanwhile
            total += path.stat().st_size
    return total


@pytest.fixture(scope="module")
def wal_marks(synthetic, tmp_path_factory) -> tuple[int, int]:
    """The log's size with only the ontology written, and after every case (one full load)."""
    from kg.store.loading import load_files

    cases, _ = synthetic
    root = tmp_path_factory.mktemp("wal")
    with open_store(root / "ontology") as store:
        store.ensure_ontology()
    with open_store(root / "full") as store:
        assert load_files(store, sorted(cases.glob("*.ttl"))).ok
    return wal_size(root / "ontology"), wal_size(root / "full")


def load_and_kill(cases: Path, store: Path, threshold: int) -> bool:
    """Start ``flywheel load``; SIGKILL it as soon as its log has grown past ``threshold``
    bytes. False if it finished first."""
    process = subprocess.Popen(
        [*flywheel_command(), "load", str(cases), "--store", str(store)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 240
        while process.poll() is None and time.monotonic() < deadline:
            if store.exists() and wal_size(store) >= threshold:
                break
            time.sleep(0.005)
        if process.poll() is not None:
            return False
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
        return True
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=30)


def check_consistent(store_folder: Path, expected: dict[str, tuple[int, str]]) -> int:
    """Every case complete or absent, the catalog agreeing with the graphs; returns how many
    cases are in."""
    with open_store(store_folder) as store:
        raw = store.raw
        graphs = {g.value for g in raw.named_graphs()} - {CATALOG, ONTOLOGY_IRI}
        catalog = {info.iri: info for info in store.cases()}
        assert set(catalog) == graphs, (
            f"catalog without graph: {set(catalog) - graphs}; graph without entry: "
            f"{graphs - set(catalog)}"
        )
        assert graphs <= set(expected), graphs - set(expected)
        for iri, info in catalog.items():
            quads = store._graph_quads(iri)
            triples, digest = expected[iri]
            assert (info.triples, info.sha256) == (triples, digest), iri
            assert (len(quads), content_hash(quads)) == (triples, digest), iri
        return len(catalog)


def test_sigkill_during_a_load_leaves_every_case_whole_or_absent(
    synthetic, wal_marks, tmp_path
) -> None:
    cases, expected = synthetic
    ontology_only, full = wal_marks
    counts = []
    for run, fraction in enumerate((0.1, 0.5, 0.9)):
        store = tmp_path / f"store-{run}"
        threshold = ontology_only + int(fraction * (full - ontology_only))
        killed = load_and_kill(cases, store, threshold)
        loaded = check_consistent(store, expected)
        counts.append((fraction, killed, loaded))
        if run == 0:  # the interrupted load can be run again, and completes
            result = run_flywheel("load", str(cases), "--store", str(store))
            assert result.returncode == 0, result.stderr[-2000:]
            assert check_consistent(store, expected) == CASES
    print(f"SIGKILL runs (fraction of the log, killed, cases in): {counts}")
    assert any(killed and 0 < loaded < CASES for _, killed, loaded in counts), counts


def _state(stat: Path) -> tuple[str, int] | None:
    """A process's state letter and its parent's id, from its /proc/PID/stat; None when it is
    gone."""
    try:
        fields = stat.read_text().rpartition(")")[2].split()
    except OSError:
        return None
    return fields[0], int(fields[1])


def _living_children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` and that have not ended (read from /proc)."""
    return [
        int(stat.parent.name)
        for stat in Path("/proc").glob("[0-9]*/stat")
        if (state := _state(stat)) is not None and state[1] == pid and state[0] != "Z"
    ]


def _alive(pid: int) -> bool:
    state = _state(Path("/proc") / str(pid) / "stat")
    return state is not None and state[0] != "Z"


def test_a_killed_load_leaves_no_validation_worker_behind(synthetic, tmp_path) -> None:
    """``flywheel load --jobs 2`` validates in two worker processes. Killed with SIGKILL while
    they work, it leaves none of them waiting for ever (a process pool's workers do not see
    their parent end by themselves: kg.pools)."""
    cases, _ = synthetic
    process = subprocess.Popen(
        [*flywheel_command(), "load", str(cases), "--jobs", "2", "--store", str(tmp_path / "s")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        workers: list[int] = []
        deadline = time.monotonic() + 240
        while process.poll() is None and time.monotonic() < deadline:
            workers = [
                child
                for child in _living_children(process.pid)
                if b"spawn_main" in (Path("/proc") / str(child) / "cmdline").read_bytes()
            ]
            if len(workers) >= 2:
                break
            time.sleep(0.01)
        assert process.poll() is None, "the load ended before its workers were seen"
        assert len(workers) >= 2, workers
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
        deadline = time.monotonic() + 120
        while any(_alive(w) for w in workers) and time.monotonic() < deadline:
            time.sleep(0.05)
        left = [w for w in workers if _alive(w)]
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=30)
    for pid in left:  # not to leave them to the machine, then fail
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
    assert left == [], f"validation workers still running after the load was killed: {left}"
