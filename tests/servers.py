"""Real servers for the tests: `oxigraph serve`, Virtuoso (`virtuoso-t`, with a configuration
written for it) and the flywheel API (`flywheel serve`), each started on a free loopback port and
stopped afterwards.

A test that starts a server must be marked ``server`` (and so ``slow``, see tests/conftest.py):
a fixture that starts one says so with ``@marks_its_users("server")``, which marks every test
using it; a test that starts one itself carries ``@pytest.mark.server``. Starting a server from
a test without the marker fails the test, so ``pytest -m "not slow"`` never starts one."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

# The test being set up or run (set by tests/conftest.py), for ``require_marker``.
CURRENT_TEST: pytest.Item | None = None


def marks_its_users(*markers: str):
    """Fixture decorator (put it under ``@pytest.fixture``): every test that uses the fixture,
    directly or through other fixtures, gets ``markers`` (tests/conftest.py applies them)."""

    def decorate(function):
        function.marks_its_users = (*getattr(function, "marks_its_users", ()), *markers)
        return function

    return decorate


def require_marker(marker: str, what: str) -> None:
    """Fail the current test unless it is marked ``marker``: what it is about to do (``what``)
    would otherwise run in the fast subset."""
    item = CURRENT_TEST
    if item is not None and item.get_closest_marker(marker) is None:
        pytest.fail(
            f"{item.nodeid} {what} but is not marked `{marker}`: mark the test, or the fixture "
            f'with @marks_its_users("{marker}")',
            pytrace=False,
        )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Listener:
    """A TCP listener on 127.0.0.1 standing in for the network: counts every connection made
    to it and closes it at once (so a client that does connect fails fast)."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.05)
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.peers: list[int] = []  # the client port of each connection accepted, in order
        self._own: set[int] = set()  # those of caught_up's own connections
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    @property
    def connections(self) -> int:
        """The connections accepted so far (not counting caught_up's own)."""
        return sum(1 for port in list(self.peers) if port not in self._own)

    def caught_up(self, seconds: float = 120) -> int:
        """The connections made before this call, once the listener has accepted them all: it
        connects once itself and waits until that connection is accepted (the listening
        queue is first in, first out, so every earlier one has been accepted by then).
        ``seconds`` only bounds a listener that has stopped accepting."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=seconds) as own:
            port = own.getsockname()[1]
            self._own.add(port)
        deadline = time.monotonic() + seconds
        while port not in self.peers:
            assert time.monotonic() < deadline, f"the listener accepted nothing in {seconds} s"
            time.sleep(0.01)
        return self.connections

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                connection, (_host, port) = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.peers.append(port)
            connection.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=60)
        self.sock.close()


def oxigraph_command() -> str:
    beside = Path(sys.executable).parent / "oxigraph"
    found = str(beside) if beside.exists() else shutil.which("oxigraph")
    if not found:
        pytest.fail("the `oxigraph` command (pip install oxigraph) is needed for the remote store")
    return found


def stop(process: subprocess.Popen, seconds: float = 10) -> None:
    """Ask the process to end (SIGTERM); kill it if it has not after ``seconds``."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def wait_for(process: subprocess.Popen, probe: str, seconds: float = 60) -> bool:
    """Whether ``probe`` answered 200 before ``seconds`` passed (False at once if the
    process ended)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        try:
            if httpx.get(probe, timeout=2).status_code == 200:
                return True
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    return False


def start_oxigraph(
    location: Path, log: Path, extra: tuple[str, ...] = ()
) -> tuple[subprocess.Popen, str]:
    """`oxigraph serve` on a free port; returns the process and its URL ('' if it did not
    come up, e.g. the port was taken: the caller retries)."""
    require_marker("server", "starts `oxigraph serve`")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with log.open("ab") as out:
        process = subprocess.Popen(
            [
                oxigraph_command(),
                "serve",
                "--location",
                str(location),
                "--bind",
                f"127.0.0.1:{port}",
                *extra,
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    ok = wait_for(process, f"{url}/query?query=ASK%7B%7D")  # up to 60 s
    return process, url if ok else ""


VIRTUOSO_INI = """\
; written by flywheel's tests: a Virtuoso for flywheel on 127.0.0.1 (docs/scaling.md)
[Database]
DatabaseFile       = {folder}/virtuoso.db
ErrorLogFile       = {folder}/virtuoso.log
LockFile           = {folder}/virtuoso.lck
TransactionFile    = {folder}/virtuoso.trx
xa_persistent_file = {folder}/virtuoso.pxa
TempStorage        = TempDatabase

[TempDatabase]
DatabaseFile    = {folder}/virtuoso-temp.db
TransactionFile = {folder}/virtuoso-temp.trx

[Parameters]
ServerPort        = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
CaseMode          = 2
DirsAllowed       = ., {folder}
NumberOfBuffers   = {buffers}
MaxDirtyBuffers   = {dirty}
MaxQueryMem       = 1G
ThreadsPerQuery   = 2

[HTTPServer]
ServerPort           = 127.0.0.1:{http_port}
ServerRoot           = {folder}
ServerThreads        = 8
MaxClientConnections = 8
Charset              = UTF-8

[SPARQL]
; every row of every answer, and no time limit cutting an answer short
ResultSetMaxRows           = 10000000
MaxQueryExecutionTime      = 0
MaxQueryCostEstimationTime = 0
"""


def virtuoso_command() -> str:
    found = shutil.which("virtuoso-t")
    if not found:
        pytest.fail(
            "the `virtuoso-t` command (Debian: apt-get install virtuoso-opensource; "
            ".ci/install-system does it) is needed for the Virtuoso tests"
        )
    return found


@contextmanager
def virtuoso_server(folder: Path, memory_mb: int = 400) -> Iterator[tuple[str, Path]]:
    """A fresh Virtuoso (``virtuoso-t``, a real process) with its database in ``folder``, on
    free loopback ports; yields its URL and a flywheel store configuration for it
    (``folder/store.toml``: the Virtuoso dialect, digest sign-in as the database's
    administrator, whose password a new database has: ``dba``). ``memory_mb``: its page
    buffers (8 KiB each)."""
    require_marker("server", "starts Virtuoso")
    command = virtuoso_command()
    folder.mkdir(parents=True, exist_ok=True)
    log = folder / "server.log"
    buffers = max(memory_mb * 128, 2000)
    for _attempt in range(3):
        sql_port, http_port = free_port(), free_port()
        ini = folder / "virtuoso.ini"
        ini.write_text(
            VIRTUOSO_INI.format(
                folder=folder,
                sql_port=sql_port,
                http_port=http_port,
                buffers=buffers,
                dirty=buffers * 3 // 4,
            )
        )
        with log.open("ab") as out:
            process = subprocess.Popen(
                [command, "+foreground", "+configfile", str(ini)],
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=folder,
            )
        url = f"http://127.0.0.1:{http_port}"
        if wait_for(process, f"{url}/sparql?query=ASK%7B%7D", seconds=120):
            break
        stop(process)
        for leftover in folder.glob("virtuoso*"):  # a half-made database: start afresh
            if leftover.suffix != ".ini":
                leftover.unlink()
    else:
        pytest.fail(f"Virtuoso did not come up:\n{log.read_text(errors='replace')[-3000:]}")
    secret = folder / "dba.secret"
    secret.write_text("dba\n")
    secret.chmod(0o600)
    config = folder / "store.toml"
    config.write_text(
        f'dialect = "virtuoso"\nurl = "{url}"\nauth = "digest"\nuser = "dba"\n'
        f'password-file = "{secret.name}"\n'
    )
    try:
        yield url, config
    finally:
        stop(process, seconds=60)


def virtuoso_sql(folder: Path, statements: str, seconds: float = 600) -> str:
    """Run SQL statements (``checkpoint;``, the bulk loader's ``ld_dir``…) on the Virtuoso
    whose database is in ``folder``, as its administrator, through ``isql-vt``; returns what it
    printed. Raises if isql-vt is missing or fails."""
    ini = (folder / "virtuoso.ini").read_text()
    port = ini.split("[Parameters]", 1)[1].split("ServerPort", 1)[1].split("=", 1)[1].split()[0]
    isql = shutil.which("isql-vt") or shutil.which("isql")
    if not isql:
        raise RuntimeError("isql-vt (Debian: virtuoso-opensource) is needed to run SQL")
    done = subprocess.run(
        [isql, port.rsplit(":", 1)[-1], "dba", "dba"],
        input=statements,
        capture_output=True,
        text=True,
        timeout=seconds,
        check=True,
    )
    return done.stdout


def flywheel_command() -> list[str]:
    """The installed ``flywheel`` console script next to this Python, else ``python -m kg.cli``."""
    script = Path(sys.executable).parent / "flywheel"
    return [str(script)] if script.exists() else [sys.executable, "-m", "kg.cli"]


def api_command(port: int) -> list[str]:
    """``flywheel serve`` on 127.0.0.1:``port``, as a user starts it (its other settings from
    FLYWHEEL_* in the environment)."""
    return [*flywheel_command(), "serve", "--host", "127.0.0.1", "--port", str(port)]


@contextmanager
def api_server(store: str | Path, log: Path, env: Mapping[str, str] | None = None) -> Iterator[str]:
    """The flywheel API (``flywheel serve``, a real process) over a store;
    yields its base URL. ``env`` adds FLYWHEEL_* settings (token, deadline, workers, …)."""
    require_marker("server", "starts `flywheel serve`")
    for _attempt in range(3):
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        environment = {**os.environ, "FLYWHEEL_STORE": str(store), **(env or {})}
        with log.open("ab") as out:
            process = subprocess.Popen(
                api_command(port),
                stdout=out,
                stderr=subprocess.STDOUT,
                env=environment,
                cwd=Path(__file__).resolve().parent.parent,
            )
        if wait_for(process, f"{url}/openapi.json"):
            break
        stop(process)
    else:
        pytest.fail(f"the API did not come up:\n{log.read_text(errors='replace')[-3000:]}")
    try:
        yield url
    finally:
        stop(process)
