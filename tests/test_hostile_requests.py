"""The inputs of issue 12 against a real `flywheel serve` and the real CLI: each ends in a clear
4xx (or 500 "the query engine stopped" when a worker dies) or exit code, with nothing reached, the
store unchanged and the server still answering /health within a second."""

from __future__ import annotations

import shutil
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest

from tests.conftest import run_flywheel
from tests.servers import Listener, api_server, marks_its_users

pytestmark = pytest.mark.slow

ALL_QUADS = "SELECT ?g ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } } ORDER BY ?g ?s ?p ?o"
DEEP = "SELECT * WHERE { FILTER(" + "(" * 20000 + "1" + ")" * 20000 + ") }"
# A string that doubles 20 times: 1 KiB becomes 1 GiB, over the 768 MiB a worker may take here.
DOUBLING = (
    'SELECT (STRLEN(?s20) AS ?n) WHERE { BIND("'
    + "x" * 1024
    + '" AS ?s0) '
    + " ".join(f"BIND(CONCAT(?s{i}, ?s{i}) AS ?s{i + 1})" for i in range(20))
    + " }"
)
UNKNOWN_FUNCTIONS = [
    ("SELECT * WHERE { BIND(<urn:x>(1) AS ?x) }", "<urn:x>"),
    (
        "PREFIX fn: <http://www.w3.org/2005/xpath-functions#> "
        "SELECT * WHERE { BIND(fn:doc('file:///etc/passwd') AS ?x) }",
        "<http://www.w3.org/2005/xpath-functions#doc>",
    ),
    (
        "PREFIX fn: <http://www.w3.org/2005/xpath-functions#> "
        "SELECT * WHERE { BIND(fn:unparsed-text('file:///etc/passwd') AS ?x) }",
        "<http://www.w3.org/2005/xpath-functions#unparsed-text>",
    ),
]


def cr_service(listener: Listener) -> str:
    """The issue's input: a comment ended by a carriage return hides SERVICE from a check that
    ends comments at line feeds only."""
    return f"SELECT ?s WHERE {{ #x\rSERVICE <{listener.url}/x> {{ ?s ?p ?o }} }}"


@pytest.fixture(scope="module")
@marks_its_users("server")
def server(bundled_store: Path, tmp_path_factory) -> Iterator[tuple[str, Path]]:
    """A server with a small memory limit per worker and a one-second header deadline; yields
    its URL and its log file."""
    folder = tmp_path_factory.mktemp("hostile")
    shutil.copytree(bundled_store, folder / "store")
    env = {
        "FLYWHEEL_WORKERS": "2",
        "FLYWHEEL_DEADLINE": "60",
        "FLYWHEEL_WORKER_MEMORY_MB": "768",
        "FLYWHEEL_HEADER_TIMEOUT": "1",
    }
    log = folder / "server.log"
    with api_server(folder / "store", log, env) as url:
        yield url, log


@pytest.fixture
def store_copy(bundled_store: Path, tmp_path: Path) -> Path:
    shutil.copytree(bundled_store, tmp_path / "store")
    return tmp_path / "store"


def quads(url: str) -> bytes:
    response = httpx.get(
        url + "/sparql", params={"query": ALL_QUADS}, headers={"Accept": "text/csv"}, timeout=60
    )
    assert response.status_code == 200
    return response.content


def store_quads(folder: Path) -> list[ox.Quad]:
    return sorted(ox.Store.read_only(str(folder)), key=str)


def still_answering(url: str) -> None:
    """/health answers (the server process itself answers it). The limit is generous: what is
    checked is that it answers at all, and where it matters, before something else happens."""
    response = httpx.get(url + "/health", timeout=60)
    assert response.status_code == 200
    assert response.json()["cases"] == 3


def problem(response: httpx.Response, status: int) -> str:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    return response.json()["detail"]


# --- over HTTP --------------------------------------------------------------------------------


def test_service_after_a_carriage_return_is_refused_and_reaches_nothing(server) -> None:
    url, _ = server
    before = quads(url)
    listener = Listener()
    try:
        for send in (
            lambda q: httpx.get(url + "/sparql", params={"query": q}, timeout=60),
            lambda q: httpx.post(url + "/sparql", data={"query": q}, timeout=60),
            lambda q: httpx.post(
                url + "/sparql",
                content=q,
                headers={"Content-Type": "application/sparql-query"},
                timeout=60,
            ),
        ):
            detail = problem(send(cr_service(listener)), 400)
            assert detail.startswith("SERVICE (at line 2, column 1) would send part of the query")
        assert listener.caught_up() == 0
    finally:
        listener.close()
    assert quads(url) == before
    still_answering(url)


def test_deep_nesting_is_400_and_the_engine_lives(server) -> None:
    url, _ = server
    detail = problem(httpx.post(url + "/sparql", data={"query": DEEP}, timeout=60), 400)
    assert "nests brackets more than 128 deep" in detail
    assert "line 1, column 151" in detail  # the 129th bracket: 'SELECT * WHERE { FILTER(' + 127
    still_answering(url)
    assert httpx.get(url + "/sparql", params={"query": "ASK {}"}).json()["boolean"] is True


@pytest.mark.parametrize(("query", "function"), UNKNOWN_FUNCTIONS, ids=["iri", "doc", "text"])
def test_an_unknown_function_is_400_naming_it(server, query: str, function: str) -> None:
    url, _ = server
    before = quads(url)
    detail = problem(httpx.get(url + "/sparql", params={"query": query}, timeout=60), 400)
    assert f"calls the function {function}" in detail
    assert quads(url) == before
    still_answering(url)


def test_a_huge_query_is_413_and_health_is_not_held_up(server) -> None:
    url, _ = server
    huge = "SELECT * WHERE { ?s ?p ?o } #" + "x" * (8 * 1024 * 1024)
    detail = problem(
        httpx.post(
            url + "/sparql",
            content=huge,
            headers={"Content-Type": "application/sparql-query"},
            timeout=60,
        ),
        413,
    )
    assert "8,388,637 bytes" in detail and "FLYWHEEL_MAX_QUERY_BYTES" in detail
    still_answering(url)


def test_a_worker_that_dies_is_500_the_engine_stopped_logged_once(server) -> None:
    url, log = server
    before = log.read_text(errors="replace").count("a query worker stopped")
    detail = problem(httpx.post(url + "/sparql", data={"query": DOUBLING}, timeout=120), 500)
    assert detail.startswith("the query engine stopped while running this query (SIGABRT)")
    assert "FLYWHEEL_WORKER_MEMORY_MB" in detail
    still_answering(url)
    again = httpx.get(url + "/sparql", params={"query": "ASK { GRAPH ?g { ?s ?p ?o } }"})
    assert again.json()["boolean"] is True  # a fresh worker took its place
    text = log.read_text(errors="replace")
    assert text.count("a query worker stopped") == before + 1
    assert "Traceback" not in text


def test_the_endpoint_is_described_at_the_listening_address_not_the_host_header(server) -> None:
    url, _ = server
    response = httpx.get(
        url + "/sparql", headers={"Host": "evil.example", "Accept": "application/n-triples"}
    )
    endpoints = [
        t.object.value
        for t in ox.parse(response.content, format=ox.RdfFormat.N_TRIPLES)
        if t.predicate.value == "http://www.w3.org/ns/sparql-service-description#endpoint"
    ]
    assert endpoints == [url + "/sparql"]


def test_a_client_that_sends_headers_too_slowly_is_cut_off(server) -> None:
    url, _ = server
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=60) as slow:
        slow.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n")  # and never the blank line
        still_answering(url)
        slow.settimeout(60)
        assert slow.recv(1024) == b""  # closed by the server (after its 1 s header deadline)


def test_a_client_that_leaves_mid_upload_is_one_log_line(server) -> None:
    url, log = server
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=60) as leaving:
        leaving.sendall(
            b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
            b"Content-Length: 100000\r\n\r\nSELECT * WHERE {"
        )
        time.sleep(0.2)
    deadline = time.monotonic() + 120  # the server notices the closed connection soon after
    while time.monotonic() < deadline:
        if "went away before sending its whole request" in log.read_text(errors="replace"):
            break
        time.sleep(0.1)
    text = log.read_text(errors="replace")
    assert text.count("went away before sending its whole request") == 1
    assert "Traceback" not in text
    still_answering(url)


# --- through the CLI --------------------------------------------------------------------------


def test_the_cli_refuses_the_carriage_return_service(store_copy: Path) -> None:
    before = store_quads(store_copy)
    listener = Listener()
    try:
        result = run_flywheel("sparql", cr_service(listener), "--store", str(store_copy))
        connections = listener.caught_up()
    finally:
        listener.close()
    assert result.returncode == 2, result.stderr
    assert "SERVICE (at line 2, column 1) would send part of the query" in result.stderr
    assert "Traceback" not in result.stderr
    assert connections == 0
    assert store_quads(store_copy) == before


def test_the_cli_refuses_deep_huge_and_unknown_function_queries(
    store_copy: Path, tmp_path: Path
) -> None:
    before = store_quads(store_copy)
    result = run_flywheel("sparql", DEEP, "--store", str(store_copy))
    assert result.returncode == 2 and "more than 128 deep" in result.stderr
    huge = tmp_path / "huge.rq"
    huge.write_text("SELECT * WHERE { ?s ?p ?o } #" + "x" * (8 * 1024 * 1024))
    result = run_flywheel("sparql", "--file", str(huge), "--store", str(store_copy))
    assert result.returncode == 2 and "huge.rq: the query is 8,388,637 bytes" in result.stderr
    for query, function in UNKNOWN_FUNCTIONS:
        result = run_flywheel("sparql", query, "--store", str(store_copy))
        assert result.returncode == 2 and f"calls the function {function}" in result.stderr
    assert "Traceback" not in result.stderr
    assert store_quads(store_copy) == before


def test_the_cli_says_the_engine_stopped_instead_of_dying(store_copy: Path) -> None:
    result = run_flywheel_env(
        {"FLYWHEEL_WORKER_MEMORY_MB": "768"}, "sparql", DOUBLING, "--store", str(store_copy)
    )
    assert result.returncode == 3, result.stderr
    assert "error: the query engine stopped while running this query (SIGABRT)" in result.stderr
    assert "Traceback" not in result.stderr


def run_flywheel_env(env: dict[str, str], *args: str):
    import os
    import subprocess

    from tests.servers import flywheel_command

    return subprocess.run(
        [*flywheel_command(), *args],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **env},
        check=False,
    )


@pytest.mark.server
def test_health_answers_while_every_worker_is_busy(bundled_store: Path, tmp_path: Path) -> None:
    """Both workers run a query that needs far longer than its deadline; /health, answered by
    the server process, does not wait for them."""
    import threading

    shutil.copytree(bundled_store, tmp_path / "store")
    env = {"FLYWHEEL_WORKERS": "2", "FLYWHEEL_DEADLINE": "20"}
    endless = (
        "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?a { ?s ?p ?o } GRAPH ?b { ?x ?y ?z } "
        "GRAPH ?c { ?q ?r ?t } }"
    )
    with api_server(tmp_path / "store", tmp_path / "server.log", env) as url:
        answers: list[int] = []

        def ask() -> None:
            response = httpx.get(url + "/sparql", params={"query": endless}, timeout=60)
            answers.append(response.status_code)

        askers = [threading.Thread(target=ask) for _ in range(2)]
        for asker in askers:
            asker.start()
        time.sleep(2)  # both are with the workers by now (a start-up is not counted against it)
        still_answering(url)
        assert answers == []  # answered while both queries still ran
        for asker in askers:
            asker.join()
        assert answers == [504, 504]  # they were running all along, and were stopped
