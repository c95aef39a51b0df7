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
comes back pickled. A read asked with ``keep`` (``/compare``) is kept with its snapshot, and
after each write it is read again in the background from the new snapshot, so the next request
finds it ready. Concurrency is bounded: at most ``workers`` reads run at once and at most
``max_waiting`` wait; beyond that :class:`Busy` is raised (answer 503 with ``Retry-After``).
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar, cast

from kg.errors import DeadlineExceeded
from kg.store import CaseStore, StoreError, open_store
from kg.store.workers import EngineStopped, Worker, WorkFailed, outcome, spawn

__all__ = ["Busy", "DeadlineExceeded", "Engine", "EngineStopped", "WorkFailed"]

_log = logging.getLogger("flywheel.api")
_Result = TypeVar("_Result")


class Busy(Exception):
    """Every worker is busy and the waiting line is full; ask again after ``retry_after`` s."""

    def __init__(self, retry_after: int = 1) -> None:
        super().__init__("the server is busy; try again shortly")
        self.retry_after = retry_after


KEPT_READS = 8  # results of read(..., keep=True) kept, the most recently used
# Seconds without a write before the kept reads are read again from the new snapshot: a burst of
# writes (a batch of PUTs) is followed by one refresh, not one per write.
REFRESH_AFTER = 0.5

# Imported by each worker as it starts, so the first request does not pay for them.
PRELOAD = (
    "kg.store",
    "kg.sparql.named",
    "kg.views.comparison",
    "api.reads",
    "api.stories",
    "api.sparql",
)


# --- the engine -------------------------------------------------------------------------------


class Engine:
    """Reads through worker processes, writes in this process, snapshots in between.

    ``location`` is a store location as :func:`kg.store.open_store` takes it; ``memory:`` is
    served from a temporary folder removed on :meth:`close`.
    """

    def __init__(
        self,
        location: str,
        workers: int = 2,
        deadline: float = 30.0,
        max_waiting: int = 64,
        worker_memory: int | None = None,
        refresh_after: float = REFRESH_AFTER,
    ) -> None:
        if workers < 1:
            raise ValueError("workers must be at least 1")
        self.deadline = deadline
        self.max_waiting = max_waiting
        self._worker_memory = worker_memory
        self._scratch = Path(tempfile.mkdtemp(prefix="flywheel-serve-"))
        self._store = open_store(location)
        if self._store.in_memory:  # workers cannot read this process's memory: use a folder
            self._store.close()
            location = str(self._scratch / "store")
            self._store = open_store(location)
        if not self._store.read_only and self._store.ensure_union():
            _log.info("rebuilt the default graph of %s (the union of its cases)", location)
        self.location = location
        self._write_lock = threading.Lock()
        self._snapshot_lock = threading.Lock()  # guards _current and the workers' locations
        self._generation = 0
        self._current = self._snapshot()
        self._workers = [self._spawn() for _ in range(workers)]
        self._idle: asyncio.Queue[Worker] | None = None
        self._kept: OrderedDict[tuple[str, ...], Any] = OrderedDict()  # read(..., keep=True)
        # what was asked with keep (by function and arguments, the most recent last), each such
        # read under way, the refresh after the last write and when that write was
        self._asked: OrderedDict[tuple[str, ...], tuple[Callable[..., Any], tuple]] = OrderedDict()
        self._under_way: dict[tuple[str, ...], asyncio.Future[Any]] = {}
        self._refresh_after = refresh_after
        self._refresher: asyncio.Task[None] | None = None
        self._wrote_at = 0.0
        self._waiting = 0
        self._threads = ThreadPoolExecutor(max_workers=workers + 1, thread_name_prefix="engine")
        self._closed = False

    def _spawn(self) -> Worker:
        """A worker walled in (no internet sockets) unless it must reach a remote store."""
        walled = not self._store.needs_network
        return spawn(walled=walled, preload=PRELOAD, memory=self._worker_memory)

    async def started(self) -> int:
        """Wait until each worker has started (Python up, its modules imported, its walls up),
        each for at most :data:`~kg.store.workers.STARTUP_SECONDS`, so that the first reads
        wait for no start-up; one that ended instead is replaced, once. Returns how many have
        started. Call before any read: a worker's pipe is read by one thread at a time."""
        found = await asyncio.gather(*(asyncio.to_thread(self._ready, w) for w in self._workers))
        return sum(found)

    def _ready(self, worker: Worker) -> bool:
        """In a thread: whether ``worker``, or the fresh one put in its place if it ended
        instead, has started (waiting for it)."""
        for _ in range(2):
            try:
                return worker.started()
            except (EOFError, OSError):
                worker.stop()
                fresh = self._spawn()
                with self._snapshot_lock:
                    self._workers = [fresh if w is worker else w for w in self._workers]
                worker = fresh
        return False

    @property
    def store(self) -> CaseStore:
        """The store itself (for writes through :meth:`write`; read through :meth:`read`)."""
        return self._store

    def _snapshot(self) -> str:
        """A location that shows the store as it is now, for the workers to open."""
        if not self._store.can_snapshot:  # a server: the workers read it as it is
            return self.location
        self._generation += 1
        target = self._scratch / f"snapshot-{self._generation}"
        self._store.snapshot(target)
        return str(target)

    def _forget_old_snapshots(self) -> None:
        if not self._store.can_snapshot:
            return
        keep = {self._current} | {w.location for w in self._workers if w.location}
        for folder in self._scratch.glob("snapshot-*"):
            if str(folder) not in keep:
                shutil.rmtree(folder, ignore_errors=True)

    # --- reads --------------------------------------------------------------------------------

    async def read(
        self,
        fn: Callable[..., _Result],
        *args: Any,
        deadline: float | None = None,
        keep: bool = False,
    ) -> _Result:
        """Run ``fn(store, *args)`` in a worker against the latest committed state and return
        its result, or raise what it raised. Raises :class:`Busy`, :class:`DeadlineExceeded` or,
        when the worker dies on the work, :class:`EngineStopped` (logged once).

        With ``keep``, an embedded store's result is kept with the snapshot it was read from
        and given again, without a worker, until a write makes a new snapshot (the last
        :data:`KEPT_READS` are kept): for reads asked often that cost seconds across thousands
        of cities (``/compare``). A request that comes while the same read of the same
        snapshot is under way waits for it instead of asking a second worker, and after a
        write the reads asked with ``keep`` are read again in the background
        (:meth:`_refresh`). The caller must not change what it is given. A server's results are
        never kept (another client may write to it)."""
        if self._closed:
            raise StoreError("the server is shutting down")
        if not keep or not self._store.can_snapshot:
            return await self._run(fn, args, deadline, None)
        asked = _asked(fn, args)
        with self._snapshot_lock:
            key = (self._current, *asked)
        if key in self._kept:
            self._kept.move_to_end(key)
            result = cast(_Result, self._kept[key])
        else:
            under_way = self._under_way.get(key) or self._start(fn, args, deadline, key)
            result = cast(_Result, await asyncio.shield(under_way))
        self._note_asked(fn, args)  # answered: worth reading again after a write
        return result

    async def warm(self, fn: Callable[..., Any], *args: Any, wait: float = 0.0) -> bool:
        """Read ``fn(store, *args)`` in the background now, as if it had been asked with
        ``keep``, so that the first request for it finds it ready (``/compare`` when the server
        starts); it is then read again after each write like any kept read. Waits up to
        ``wait`` seconds for that read (the read goes on if they pass) and says whether it
        ended. Does nothing for a server's store, whose results are not kept."""
        if self._closed or not self._store.can_snapshot:
            return False
        self._note_asked(fn, args)
        self._refresh_soon()
        refresher = self._refresher
        if refresher is None or wait <= 0:
            return False
        try:
            await asyncio.wait_for(asyncio.shield(refresher), wait)
        except TimeoutError:
            return False
        return True

    def _note_asked(self, fn: Callable[..., Any], args: tuple) -> None:
        """Note ``fn(store, *args)`` as asked with ``keep``, the most recent of the last
        :data:`KEPT_READS` (those :meth:`_refresh` reads again after a write)."""
        asked = _asked(fn, args)
        self._asked[asked] = (fn, args)
        self._asked.move_to_end(asked)
        while len(self._asked) > KEPT_READS:
            self._asked.popitem(last=False)

    def _refresh_soon(self) -> None:
        """Start :meth:`_refresh` unless it is running (it reads what it finds asked)."""
        if self._refresher is None or self._refresher.done():
            self._refresher = asyncio.ensure_future(self._refresh())

    def _start(
        self, fn: Callable[..., Any], args: tuple, deadline: float | None, key: tuple[str, ...]
    ) -> asyncio.Future[Any]:
        """Start the kept read ``key`` and note it under way until it ends; whoever awaits it
        gets its result or its error (a request that goes away does not stop it)."""
        task = asyncio.ensure_future(self._run(fn, args, deadline, key))
        self._under_way[key] = task

        def ended(done: asyncio.Future[Any]) -> None:
            self._under_way.pop(key, None)
            if not done.cancelled():
                done.exception()  # retrieved here: those who awaited it have reported it

        task.add_done_callback(ended)
        return task

    async def _run(
        self,
        fn: Callable[..., _Result],
        args: tuple,
        deadline: float | None,
        key: tuple[str, ...] | None,
    ) -> _Result:
        """:meth:`read`'s work: wait for a worker, send it ``fn``, and keep the result under
        ``key`` (with the snapshot the worker read) unless None."""
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
        if isinstance(reply, EngineStopped):
            _log.error("a query worker stopped: %s (%s)", reply, getattr(fn, "__name__", fn))
            raise reply
        result = cast(_Result, outcome(reply))  # what fn returned, back through the pipe
        if key is not None and worker.location is not None:
            # kept with the snapshot the worker read (a write may have come since the lookup)
            self._kept[(worker.location, *key[1:])] = result
            while len(self._kept) > KEPT_READS:
                self._kept.popitem(last=False)
        return result

    def _call(
        self, worker: Worker, fn: Callable[..., Any], args: tuple, seconds: float
    ) -> tuple[tuple | EngineStopped | None, Worker]:
        """In a thread: send the work, wait up to ``seconds``. On timeout (None) or when the
        worker dies (:class:`EngineStopped`), hand back a fresh worker: the pool never shrinks."""
        with self._snapshot_lock:
            location = worker.location = self._current
        failure: EngineStopped | None = None
        try:
            # A new worker's start-up (slow on a busy machine) is not the query's time: send()
            # waits for it apart from the deadline, or a deadline shorter than a start-up would
            # kill every replacement worker before it could answer anything.
            worker.send(location, fn, args)
            reply = worker.receive(seconds)
            if reply is not None:
                return reply, worker
        except EngineStopped as stopped:
            failure = stopped
        worker.stop()
        fresh = self._spawn()
        with self._snapshot_lock:
            self._workers = [fresh if w is worker else w for w in self._workers]
        return failure, fresh

    async def here(self, fn: Callable[..., Any], *args: Any, seconds: float = 5.0) -> Any:
        """Run a small read of our own, ``fn(store, *args)``, in this process (in a thread),
        never waiting for a query worker: for ``/health``. Raises :class:`StoreError` when the
        store does not answer within ``seconds``."""
        try:
            return await asyncio.wait_for(asyncio.to_thread(fn, self._store, *args), seconds)
        except TimeoutError:
            raise StoreError(f"the store did not answer within {seconds:g} s") from None

    async def _refresh(self) -> None:
        """Once no write has come for ``refresh_after`` seconds, read again, from the latest
        snapshot, each read asked with ``keep`` whose result for it is not kept yet (the most
        recently asked first, one at a time); start over if a write came meanwhile. A read
        that fails is left to the next request, which then reports it."""
        loop = asyncio.get_running_loop()
        while not self._closed:
            quiet = self._wrote_at + self._refresh_after - loop.time()
            if quiet > 0:
                await asyncio.sleep(quiet)
                continue
            with self._snapshot_lock:
                current = self._current
            for asked, (fn, args) in reversed(list(self._asked.items())):
                key = (current, *asked)
                if self._closed or self._current != current:
                    break  # another write came: start over from its snapshot
                if key in self._kept:
                    continue
                under_way = self._under_way.get(key) or self._start(fn, args, None, key)
                try:
                    await asyncio.shield(under_way)
                except Exception as failed:  # a request for it reads it again and reports it
                    _log.debug("refreshing %s failed: %s", getattr(fn, "__name__", fn), failed)
            with self._snapshot_lock:
                if self._current == current:
                    return

    # --- writes -------------------------------------------------------------------------------

    async def write(self, fn: Callable[..., _Result], *args: Any) -> _Result:
        """Run ``fn(store, *args)`` on the writable store, one write at a time, then publish a
        snapshot so that reads from now on see the change, and refresh the kept reads in the
        background (:meth:`_refresh`)."""
        loop = asyncio.get_running_loop()
        result = await loop.run_in_executor(self._threads, self._write, fn, args)
        if self._asked and self._store.can_snapshot and not self._closed:
            self._wrote_at = loop.time()
            self._refresh_soon()
        return result

    def _write(self, fn: Callable[..., _Result], args: tuple) -> _Result:
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
        if self._refresher is not None:
            self._refresher.cancel()
        for worker in self._workers:
            worker.close(2)
        self._threads.shutdown(wait=False, cancel_futures=True)
        self._store.close()
        shutil.rmtree(self._scratch, ignore_errors=True)


def _asked(fn: Callable[..., Any], args: tuple) -> tuple[str, ...]:
    """What a kept read is known by, apart from the snapshot: the function and its arguments."""
    return (fn.__module__, fn.__qualname__, repr(args))
