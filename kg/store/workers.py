"""Worker processes that run queries apart from the program that asks for them.

A query runs in a worker process so that whatever it does to the process (a stack exhausted by
a deeply nested query, memory run out) ends the worker, not the server or the command, and so
that a deadline can stop it. A worker of an embedded store is walled in before it takes any
work: it cannot open an internet socket (seccomp, where Linux and libseccomp allow it), so a
``SERVICE`` that slipped past :func:`kg.sparql.check.check_query` still reaches no server; and its
memory is bounded (``RLIMIT_DATA``), so a query that builds ever longer strings stops the worker
instead of the machine.

Work is sent as a module-level function ``fn(store, *args)`` (pickled by name); its result, or
the exception it raised, comes back pickled, so the caller sees the same exception classes.
"""

from __future__ import annotations

import contextlib
import errno
import importlib
import multiprocessing
import pickle
import resource
import signal
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

from kg import limits
from kg.errors import DeadlineExceeded, FlywheelError
from kg.sparql.check import check_query
from kg.sparql.named import bind, get_query
from kg.store import CaseStore, QueryResult, open_store, reads_over_network
from kg.store.results import answer

__all__ = [
    "EngineStopped",
    "Worker",
    "deny_network",
    "limit_memory",
    "run_isolated",
    "spawn",
    "user_query",
]

_CONTEXT = multiprocessing.get_context("spawn")
STARTUP_SECONDS = 120.0  # how long a new worker may take to start (a busy machine is slow)
# The stack a query runs on: 32 times the usual 8 MiB, so that the nesting and chain limits of
# kg.limits (measured on 8 MiB by bench/query_depth.py) leave the engine a wide margin.
STACK_BYTES = 256 * 1024 * 1024


class EngineStopped(FlywheelError):
    """The worker process ended while it ran the work (a crash, or its memory limit)."""

    status, problem = 500, "engine-stopped"

    def __init__(self, exitcode: int | None) -> None:
        self.exitcode = exitcode
        how = ""
        if exitcode is not None and exitcode < 0:
            with contextlib.suppress(ValueError):
                how = f" ({signal.Signals(-exitcode).name})"
        hint = (
            " It may have needed more memory than a query may use (FLYWHEEL_WORKER_MEMORY_MB)."
            if exitcode == -signal.SIGABRT
            else ""
        )
        super().__init__(f"the query engine stopped while running this query{how}.{hint}")


@dataclass
class Worker:
    """A worker process and the pipe to it."""

    process: Any
    conn: Connection
    location: str | None = None  # the store (snapshot or URL) it has open
    ready: bool = False  # has said it started (Python up, modules imported, walls up)

    def started(self, seconds: float = STARTUP_SECONDS) -> bool:
        """Whether the worker has said it started, waiting up to ``seconds`` for it to say so.
        Raises EOFError or OSError when it has ended."""
        if not self.ready and self.conn.poll(seconds):
            self.ready = self.conn.recv() == ("ready",)
        return self.ready

    def send(self, location: str, fn: Callable[..., Any], args: tuple) -> None:
        """Hand the worker one piece of work, once it has started. Raises
        :class:`EngineStopped` when the worker has ended."""
        try:
            self.started()
            self.conn.send((location, fn, args))
        except (EOFError, OSError):
            self.process.join(timeout=5)
            raise EngineStopped(self.process.exitcode) from None

    def receive(self, seconds: float | None) -> tuple | None:
        """The worker's reply, or None when ``seconds`` pass first. Raises
        :class:`EngineStopped` when the worker ends instead of answering."""
        try:
            if not self.conn.poll(seconds):
                return None
            reply: tuple[Any, ...] = self.conn.recv()
            return reply
        except (EOFError, OSError):
            self.process.join(timeout=5)
            raise EngineStopped(self.process.exitcode) from None

    def stop(self) -> None:
        """End the worker now."""
        self.process.kill()
        self.process.join()
        self.conn.close()

    def close(self, seconds: float) -> None:
        """Let the worker end (its pipe closed, it leaves its loop); end it after ``seconds``."""
        with contextlib.suppress(OSError):
            self.conn.close()
        self.process.join(timeout=seconds)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()


# --- the walls ----------------------------------------------------------------------------------


def deny_network() -> bool:
    """From now on, this process cannot open an internet socket (IPv4, IPv6, raw packets) nor set
    up io_uring (which could open one behind seccomp's back): the calls fail with EACCES.
    Returns False where the system offers no seccomp (then nothing is changed)."""
    try:
        import pyseccomp as seccomp

        rules = seccomp.SyscallFilter(defaction=seccomp.ALLOW)
        for family in (socket.AF_INET, socket.AF_INET6, getattr(socket, "AF_PACKET", 17)):
            rules.add_rule(
                seccomp.ERRNO(errno.EACCES), "socket", seccomp.Arg(0, seccomp.EQ, family)
            )
        rules.add_rule(seccomp.ERRNO(errno.EACCES), "io_uring_setup")
        rules.load()
    except (ImportError, OSError, RuntimeError, ValueError):
        return False
    return True


def limit_memory(size: int) -> None:
    """Bound the memory this process may take (its data segment and private mappings)."""
    _soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
    if hard != resource.RLIM_INFINITY:
        size = min(size, hard)
    resource.setrlimit(resource.RLIMIT_DATA, (size, hard))


# --- the worker process ---------------------------------------------------------------------


def _travels(error: Exception) -> bool:
    """Whether the exception comes back whole through pickle (its class takes its args)."""
    try:
        copy = pickle.loads(pickle.dumps(error))
    except Exception:
        return False
    return type(copy) is type(error) and str(copy) == str(error)


def _error_reply(error: Exception) -> tuple:
    """The reply that carries an exception back: itself where pickle can rebuild it, else its
    class's name and message (:class:`WorkFailed` on the other side)."""
    return ("raised", error) if _travels(error) else ("failed", type(error).__name__, str(error))


def stack_bytes(memory: int) -> int:
    """The stack a query runs on: :data:`STACK_BYTES`, or a quarter of the worker's memory when
    that is less (a thread's stack counts against the memory limit)."""
    return max(8 * 1024 * 1024, min(STACK_BYTES, memory // 4) // 65536 * 65536)


def _on_deep_stack(fn: Callable[..., Any], store: Any, args: tuple) -> tuple:
    """``fn(store, *args)`` run in a thread with a deep stack (:func:`stack_bytes`): the engine
    parses and evaluates recursively, and a query's depth is bounded (kg.limits) well within
    it."""
    reply: list[tuple] = []

    def work() -> None:
        try:
            reply.append(("ok", fn(store, *args)))
        except Exception as error:  # sent back, for the caller to raise
            reply.append(_error_reply(error))

    thread = threading.Thread(target=work, name="query")
    thread.start()
    thread.join()
    return reply[0]


def _serve(
    conn: Connection, walled: bool, memory: int, preload: tuple[str, ...], read_only: bool
) -> None:
    """A worker's life: import, wall in, then serve ``(location, fn, args)`` until the pipe
    closes."""
    for name in preload:  # one that is missing is imported when first needed, and fails then
        with contextlib.suppress(ModuleNotFoundError):
            importlib.import_module(name)
    if walled:
        deny_network()
    threading.stack_size(stack_bytes(memory))
    limit_memory(memory)
    conn.send(("ready",))  # started: from now on the deadline is the work's own
    location: str | None = None
    store: CaseStore | None = None
    while True:
        try:
            wanted, fn, args = conn.recv()
        except (EOFError, OSError):
            break
        try:
            if wanted != location:
                if store is not None:
                    store.close()
                store, location = None, None
                store = open_store(wanted, read_only=read_only)
                location = wanted
            reply = _on_deep_stack(fn, store, args)
        except Exception as error:  # opening the store failed: sent back, for the caller
            reply = _error_reply(error)
        try:
            conn.send(reply)
        except Exception as error:  # an unpicklable result or exception
            conn.send(("failed", type(error).__name__, str(error)))
    if store is not None:
        store.close()


def spawn(
    walled: bool,
    preload: tuple[str, ...] = (),
    memory: int | None = None,
    read_only: bool = True,
) -> Worker:
    """Start a worker process. ``walled``: no internet sockets (for an embedded store);
    ``memory``: bytes it may take (default :func:`kg.limits.worker_memory_bytes`);
    ``read_only``: it opens stores read-only (snapshots nothing else writes to)."""
    parent, child = _CONTEXT.Pipe()
    size = limits.worker_memory_bytes() if memory is None else memory
    process = _CONTEXT.Process(
        target=_serve, args=(child, walled, size, preload, read_only), daemon=True
    )
    process.start()
    child.close()
    return Worker(process, parent)


class WorkFailed(Exception):
    """The work failed in the worker with an error that could not be sent back as itself."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


def outcome(reply: tuple) -> Any:
    """The result of a worker's reply, or its exception raised here."""
    if reply[0] == "ok":
        return reply[1]
    if reply[0] == "raised":
        raise reply[1]
    raise WorkFailed(reply[1], reply[2])


def user_query(store: CaseStore, text: str, union: bool) -> QueryResult:
    """A user's read-only query, checked (:func:`kg.sparql.check.check_query`) and run."""
    check_query(text)
    return store.query(text, union=union)


def named_query(store: CaseStore, name: str, values: dict[str, str]) -> QueryResult:
    """A named query (by number or name) with its parameters bound as typed terms, run; a
    cross-city one is answered from the cases' stored rows where they are current."""
    stored = answer(store, name, values)
    if stored is not None:
        columns, rows = stored
        by_name = tuple(dict(zip(columns, row, strict=True)) for row in rows)
        return QueryResult(variables=tuple(columns), rows=by_name)
    named = get_query(name)
    bindings = bind(named, values)
    return store.query(named.text, {v.value: term for v, term in bindings.items()})


def run_isolated(
    location: str, fn: Callable[..., Any], *args: Any, deadline: float | None = None
) -> Any:
    """Run ``fn(store, *args)`` once in a walled worker (for the command line) and return its
    result; raises what ``fn`` raised, :class:`EngineStopped`, or DeadlineExceeded when
    ``deadline`` seconds pass first (the worker is then ended, and the query with it)."""
    worker = spawn(walled=not reads_over_network(location), read_only=False)
    try:
        worker.send(location, fn, args)
        reply = worker.receive(deadline)
        if reply is None:
            worker.stop()
            raise DeadlineExceeded(deadline or 0)
        return outcome(reply)
    finally:
        worker.close(5)
