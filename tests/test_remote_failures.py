"""The remote backend failing: a server that is down, one that never answers, and one stopped
in the middle of a load. Each gives a one-line error in bounded time, and no half-written case."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from kg.rdf.read import read_cases
from kg.store import CATALOG, content_hash, open_store
from kg.version import ONTOLOGY_IRI
from tests.conftest import flywheel_command, run_flywheel
from tests.servers import free_port, start_oxigraph, stop

CASE = Path(__file__).resolve().parent.parent / "kg" / "cases" / "hangzhou.ttl"


def one_line_error(result) -> str:
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 3, result.stderr[-2000:]
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr[-2000:]
    return lines[0]


def test_a_server_that_is_down(tmp_path) -> None:
    url = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    result = run_flywheel("load", str(CASE), "--store", url)
    line = one_line_error(result)
    # refused at once: a client that waited for its timeout would say it "did not answer"
    assert "cannot reach the SPARQL server" in line and url in line
    assert "did not answer" not in line


def test_a_server_that_never_answers(monkeypatch) -> None:
    with socket.socket() as sock:  # accepts connections, reads nothing, answers nothing
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        monkeypatch.setenv("FLYWHEEL_REMOTE_TIMEOUT", "2")
        started = time.monotonic()
        result = run_flywheel("cases", "--store", url)
        waited = time.monotonic() - started
    line = one_line_error(result)
    assert "did not answer within 2 s" in line and "FLYWHEEL_REMOTE_TIMEOUT" in line
    assert waited >= 2  # it did wait the configured timeout (how much longer is the machine's)


def remote_consistent(url: str, expected: dict[str, tuple[int, str]]) -> int:
    """Every case on the server complete or absent, with a catalog entry exactly when it has a
    graph; returns how many cases are in."""
    with open_store(url) as store:
        rows = store.query("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }").rows
        graphs = {row["g"].value for row in rows} - {CATALOG, ONTOLOGY_IRI}
        catalog = {info.iri: info for info in store.cases()}
        assert set(catalog) == graphs, (set(catalog) - graphs, graphs - set(catalog))
        for iri, info in catalog.items():
            quads = store._graph_quads(iri)
            assert (info.triples, info.sha256) == expected[iri], iri
            assert (len(quads), content_hash(quads)) == expected[iri], iri
        return len(catalog)


def start(folder: Path, log: Path) -> tuple[subprocess.Popen, str]:
    for _attempt in range(3):
        process, url = start_oxigraph(folder, log)
        if url:
            return process, url
        stop(process)
    pytest.fail(f"oxigraph serve did not start:\n{log.read_text(errors='replace')[-2000:]}")


@pytest.mark.server
def test_a_server_stopped_in_the_middle_of_a_load(tmp_path) -> None:
    cases = tmp_path / "cases"
    assert run_flywheel("synth", "40", "-o", str(cases), "--actions", "4").returncode == 0
    expected = {}
    for path in cases.glob("*.ttl"):
        (case,) = read_cases(path)
        expected[case.iri] = (len(case.quads()), content_hash(case.quads()))
    data, log = tmp_path / "data", tmp_path / "oxigraph.log"
    server, url = start(data, log)
    loader = subprocess.Popen(
        [*flywheel_command(), "load", str(cases), "--store", url],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "FLYWHEEL_REMOTE_TIMEOUT": "10"},
    )
    try:
        # the cases the catalog lists (each written whole, as it is validated)
        dataset = "<http://www.w3.org/ns/dcat#dataset>"
        ask = (
            f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{CATALOG}> {{ <{CATALOG}> {dataset} ?c }} }}"
        )
        deadline = time.monotonic() + 240
        while loader.poll() is None and time.monotonic() < deadline:
            try:
                answer = httpx.post(f"{url}/query", data={"query": ask}, timeout=5,
                                    headers={"Accept": "application/sparql-results+json"})  # fmt: skip
                if int(answer.json()["results"]["bindings"][0]["n"]["value"]) >= 5:
                    break
            except (httpx.HTTPError, KeyError, ValueError):
                pass
            time.sleep(0.05)
        stop(server)  # mid-load: the loader is still sending cases
        _out, err = loader.communicate(timeout=60)
    finally:
        if loader.poll() is None:
            loader.kill()
            loader.wait()
        stop(server)
    assert loader.returncode == 3, err[-2000:]
    assert "Traceback" not in err and "error: " in err
    server, url = start(data, log)  # the same folder, restarted
    try:
        loaded = remote_consistent(url, expected)
    finally:
        stop(server)
    assert 5 <= loaded < len(expected), loaded
