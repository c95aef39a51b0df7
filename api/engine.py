"""The query engine behind the API: a pool of worker processes that read the store, so that a
deadline really stops the work and a slow query never blocks the others.

Oxigraph cannot cancel a running query from Python, so each read runs in a worker process that
is killed when its deadline passes. Workers read an embedded store through *snapshots*: after
every write the server writes a point-in-time copy (RocksDB hard-links its files, a few
milliseconds) and the next read opens it read-only. A reader therefore sees a case whole, before
or after a write, never half-written, and never touches the folder being written (reading a
folder another process writes to is undefined in Oxigraph). A remote store (``http(s)://…``) is
read by the workers over HTTP; the deadline then closes the connection and the server's own
timeout governs its work.

Work is sent as a module-level function ``fn(store, *args)`` (pickled by name) and its result
comes back pickled. Concurrency is bounded: at most ``workers`` reads run at once and at most
``max_waiting`` wait; beyond that :class:`Busy` is raised (answer 503 with ``Retry-After``).
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import shutil
import tempfile
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from kg.store import CaseStore, OxigraphStore, StoreError, open_store

__all__ = ["Busy", "DeadlineExceeded", "Engine", "WorkFailed"]

_CONTEXT = multiprocessing.get_context("spawn")
_STARTUP_SECONDS = 120.0  # how long a new worker may take to start before it is replaced


class Busy(Exception):
    """Every worker is busy and the waiting line is full; ask again after ``retry_after`` s."""

    def __init__(self, retry_after: int = 1) -> None:
        super().__init__("the server is busy; try again shortly")
        self.retry_after = retry_after


class DeadlineExceeded(Exception):
    """The work did not finish before its deadline; it was stopped."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"the query did not finish within {seconds:g} s and was stopped")
        self.seconds = seconds


class WorkFailed(Exception):
    """The work raised an error in the worker. ``kind`` is the exception's class name and
    ``message`` its text, for the caller to map to an HTTP status."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


# --- the worker process -----------------------------------------------------------------------


# Imported by each worker as it starts, so the first request does not pay for them.
PRELOAD = ("kg.store", "kg.queries", "kg.comparison", "api.reads", "api.stories", "api.sparql")


def _worker_main(conn: Connection) -> None:
    """Serve requests ``(location, fn, args)`` until the pipe closes."""
    import importlib

    for name in PRELOAD:  # one that is missing is imported when first needed, and fails then
        with contextlib.suppress(ModuleNotFoundError):
            importlib.import_module(name)
    conn.send(("ready",))  # started: from now on the deadline is the work's own
    location: str | None = None
    store: CaseStore | None = None
    while True:
        try:
            request = conn.recv()
        except (EOFError, OSError):
            break
        wanted, fn, args = request
        try:
            if wanted != location:
                if store is not None:
                    store.close()
                store, location = None, None
                store = open_store(wanted, read_only=True)
                location = wanted
            reply = ("ok", fn(store, *args))
        except Exception as error:  # reported to the caller, who decides what it means
            reply = ("error", type(error).__name__, str(error))
        try:
            conn.send(reply)
        except Exception as error:  # e.g. an unpicklable result
            conn.send(("error", type(error).__name__, str(error)))
    if store is not None:
        store.close()


@dataclass
class _Worker:
    process: Any
    conn: Connection
    location: str | None = None  # the snapshot or URL it has open
    ready: bool = False  # has said it started (Python up, modules imported)


def _spawn() -> _Worker:
    parent, child = _CONTEXT.Pipe()
    process = _CONTEXT.Process(target=_worker_main, args=(child,), daemon=True)
    process.start()
    child.close()
    return _Worker(process, parent)


# --- the engine -------------------------------------------------------------------------------


class Engine:
    """Reads through worker processes, writes in this process, snapshots in between.

    ``location`` is a store location as :func:`kg.store.open_store` takes it; ``memory:`` is
    served from a temporary folder removed on :meth:`close`.
    """

    def __init__(
        self, location: str, workers: int = 2, deadline: float = 30.0, max_waiting: int = 64
    ) -> None:
        if workers < 1:
            raise ValueError("workers must be at least 1")
        self.deadline = deadline
        self.max_waiting = max_waiting
        self._remote = location.startswith(("http://", "https://"))
        self._scratch = Path(tempfile.mkdtemp(prefix="flywheel-serve-"))
        if location == "memory:":
            location = str(self._scratch / "store")
        self.location = location
        self._store = open_store(location)
        self._write_lock = threading.Lock()
        self._snapshot_lock = threading.Lock()  # guards _current and the workers' locations
        self._generation = 0
        self._current = self._snapshot()
        self._workers = [_spawn() for _ in range(workers)]
        self._idle: asyncio.Queue[_Worker] | None = None
        self._waiting = 0
        self._threads = ThreadPoolExecutor(max_workers=workers + 1, thread_name_prefix="engine")
        self._closed = False

    @property
    def store(self) -> CaseStore:
        """The store itself (for writes through :meth:`write`; read through :meth:`read`)."""
        return self._store

    def _snapshot(self) -> str:
        """A location that shows the store as it is now, for the workers to open."""
        if self._remote:
            return self.location
        assert isinstance(self._store, OxigraphStore)
        self._generation += 1
        target = self._scratch / f"snapshot-{self._generation}"
        self._store.snapshot(target)
        return str(target)

    def _forget_old_snapshots(self) -> None:
        if self._remote:
            return
        keep = {self._current} | {w.location for w in self._workers if w.location}
        for folder in self._scratch.glob("snapshot-*"):
            if str(folder) not in keep:
                shutil.rmtree(folder, ignore_errors=True)

    # --- reads --------------------------------------------------------------------------------

    async def read(self, fn: Callable[..., Any], *args: Any, deadline: float | None = None) -> Any:
        """Run ``fn(store, *args)`` in a worker against the latest committed state and return
        its result. Raises :class:`Busy`, :class:`DeadlineExceeded` or :class:`WorkFailed`."""
        if self._closed:
            raise StoreError("the server is shutting down")
        seconds = self.deadline if deadline is None else deadline
        loop = asyncio.get_running_loop()
        if self._idle is None:
            self._idle = asyncio.Queue()
            for worker in self._workers:
                self._idle.put_nowait(worker)
        if self._idle.empty() and self._waiting >= self.max_waiting:
            raise Busy()
        started = loop.time()
        self._waiting += 1
        try:
            worker = await asyncio.wait_for(self._idle.get(), timeout=seconds)
        except TimeoutError:
            raise Busy() from None
        finally:
            self._waiting -= 1
        remaining = max(0.001, seconds - (loop.time() - started))
        try:
            reply, worker = await loop.run_in_executor(
                self._threads, self._call, worker, fn, args, remaining
            )
        finally:
            if not self._closed:
                self._idle.put_nowait(worker)
        if reply is None:
            raise DeadlineExceeded(seconds)
        if reply[0] == "error":
            raise WorkFailed(reply[1], reply[2])
        return reply[1]

    def _call(
        self, worker: _Worker, fn: Callable[..., Any], args: tuple, seconds: float
    ) -> tuple[tuple | None, _Worker]:
        """In a thread: send the work, wait up to ``seconds``; on timeout kill the worker and
        hand back a fresh one (so the pool never shrinks)."""
        with self._snapshot_lock:
            location = worker.location = self._current
        try:
            # A new worker's start-up (slow on a busy machine) is not the query's time: wait for
            # it apart from the deadline, or a deadline shorter than a start-up would kill every
            # replacement worker before it could answer anything.
            if not worker.ready and worker.conn.poll(_STARTUP_SECONDS):
                worker.ready = worker.conn.recv() == ("ready",)
            worker.conn.send((location, fn, args))
            if worker.conn.poll(seconds):
                return worker.conn.recv(), worker
        except (EOFError, OSError, BrokenPipeError):
            pass  # the worker died; replace it below
        worker.process.kill()
        worker.process.join()
        worker.conn.close()
        fresh = _spawn()
        with self._snapshot_lock:
            self._workers = [fresh if w is worker else w for w in self._workers]
        return None, fresh

    # --- writes -------------------------------------------------------------------------------

    async def write(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Run ``fn(store, *args)`` on the writable store, one write at a time, then publish a
        snapshot so that reads from now on see the change."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._threads, self._write, fn, args)

    def _write(self, fn: Callable[..., Any], args: tuple) -> Any:
        with self._write_lock:
            result = fn(self._store, *args)
            latest = self._snapshot()
            with self._snapshot_lock:
                self._current = latest
                self._forget_old_snapshots()
            return result

    # --- shutting down ------------------------------------------------------------------------

    def close(self) -> None:
        """Stop the workers, close the store and remove the snapshots."""
        self._closed = True
        for worker in self._workers:
            with contextlib.suppress(OSError):
                worker.conn.close()
            worker.process.join(timeout=2)
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join()
        self._threads.shutdown(wait=False, cancel_futures=True)
        self._store.close()
        shutil.rmtree(self._scratch, ignore_errors=True)
