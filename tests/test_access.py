"""Who may write, over real HTTP: a server started with a token, its log captured.

Writes without a token are 401 with ``WWW-Authenticate``, with a wrong one 403, and each refusal
is logged (method, path, client) without the token, neither the server's nor the one sent. The
public SPARQL endpoint can never write: every SPARQL Update form, sent every way the protocol
allows, is 403 and the store is unchanged. A server without a token refuses every write.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from kg.paths import bundled_case_files
from tests.servers import api_server, marks_its_users

TOKEN = "access-test-token-7f3a9c1e5b2d4f60"
WRONG = ["access-test-token-7f3a9c1e5b2d4f61", "wrong-token-e81b2c", TOKEN[:-1], TOKEN + "x"]
CITY_A = next(p for p in bundled_case_files() if p.name == "city-a.ttl").read_bytes()
TURTLE = {"Content-Type": "text/turtle"}
GRAPH = "https://w3id.org/dataflywheel/case/city-a"
QUAD_COUNT = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
# How long to wait for an answer or a log line: generous, since a busy machine can take many
# seconds; on time, each wait ends as soon as its event happens.
WAIT = 120
HTTP = httpx.Client(timeout=WAIT)


class Server:
    def __init__(self, url: str, log: Path) -> None:
        self.url, self.log = url, log

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


@pytest.fixture(scope="module")
@marks_its_users("server")
def server(bundled_store, tmp_path_factory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("access")
    shutil.copytree(bundled_store, folder / "store")
    log = folder / "server.log"
    env = {"FLYWHEEL_API_TOKEN": TOKEN, "FLYWHEEL_WORKERS": "2", "FLYWHEEL_DEADLINE": "10"}
    with api_server(folder / "store", log, env) as url:
        yield Server(url, log)


def _state(url: str) -> tuple[list[tuple], int]:
    cases = HTTP.get(f"{url}/cases").json()["cases"]
    answer = HTTP.post(
        f"{url}/sparql",
        content=QUAD_COUNT,
        headers={"Content-Type": "application/sparql-query", "Accept": "application/json"},
    )
    count = int(answer.json()["results"]["bindings"][0]["n"]["value"])
    return sorted((c["id"], c["sha256"], c["loaded"]) for c in cases), count


# Every write route, as (method, path, body).
WRITES = [
    ("PUT", "/cases/city-a", CITY_A),
    ("DELETE", "/cases/city-a", b""),
    ("PUT", f"/store?graph={GRAPH}", CITY_A),
    ("DELETE", f"/store?graph={GRAPH}", b""),
]


def _send(url: str, method: str, path: str, body: bytes, headers: dict[str, str]):
    return HTTP.request(method, url + path, content=body, headers={**TURTLE, **headers})


def _wait_for_log(server: Server, count: int, marker: str) -> str:
    """The log, once it holds ``count`` lines containing ``marker`` (the server writes them as
    it answers; this only waits for the file to be flushed), or after ``WAIT`` seconds."""
    deadline = time.monotonic() + WAIT
    while True:
        text = server.log_text()
        if text.count(marker) >= count or time.monotonic() > deadline:
            return text
        time.sleep(0.05)


def test_writes_without_a_token_are_401_and_logged(server: Server) -> None:
    before = _state(server.url)
    headers_tried = [{}, {"Authorization": "Bearer"}, {"Authorization": "Token abc"}]
    headers_tried += [{"Authorization": f"Basic {TOKEN}"}, {"Authorization": TOKEN}]
    sent = 0
    for method, path, body in WRITES:
        for headers in headers_tried:
            answer = _send(server.url, method, path, body, headers)
            sent += 1
            assert answer.status_code == 401, (method, path, headers, answer.text)
            assert answer.headers["www-authenticate"].lower().startswith("bearer")
            assert answer.headers["content-type"].startswith("application/problem+json")
            assert "bearer token" in answer.json()["detail"]
    assert _state(server.url) == before
    log = _wait_for_log(server, sent, "write refused (no token)")
    assert log.count("write refused (no token)") >= sent, log[-3000:]
    assert "WARNING flywheel.api: write refused (no token): PUT /cases/city-a from 127.0.0.1" in log
    assert TOKEN not in log


def test_wrong_tokens_are_403_and_never_logged(server: Server) -> None:
    before = _state(server.url)
    sent = 0
    for method, path, body in WRITES:
        for wrong in WRONG:
            answer = _send(server.url, method, path, body, {"Authorization": f"Bearer {wrong}"})
            sent += 1
            assert answer.status_code == 403, (method, path, answer.text)
            assert answer.json()["detail"] == "the token is not valid for writing"
            assert wrong not in answer.text
    assert _state(server.url) == before
    log = _wait_for_log(server, sent, "write refused (wrong token)")
    assert log.count("write refused (wrong token)") >= sent, log[-3000:]
    assert "DELETE /store from 127.0.0.1" in log
    for secret in [TOKEN, *WRONG]:
        assert secret not in log


def test_the_right_token_writes_and_is_not_logged(server: Server) -> None:
    """The same token, with the scheme in any case and surrounding spaces trimmed, writes; the
    server's log still never holds it."""
    answer = _send(server.url, "PUT", "/cases/city-a", CITY_A, {"Authorization": f"bearer {TOKEN}"})
    assert answer.status_code == 200, answer.text  # replaced the bundled City A
    assert answer.json()["replaced"] is True
    assert TOKEN not in server.log_text()


UPDATES = [
    "DROP ALL",
    "CLEAR ALL",
    f"DROP GRAPH <{GRAPH}>",
    f"CLEAR GRAPH <{GRAPH}>",
    "CREATE GRAPH <https://example.org/new>",
    f"DELETE WHERE {{ GRAPH <{GRAPH}> {{ ?s ?p ?o }} }}",
    "INSERT DATA { GRAPH <https://example.org/g> { <https://example.org/s> "
    "<https://example.org/p> 1 } }",
    f"WITH <{GRAPH}> DELETE {{ ?s ?p ?o }} WHERE {{ ?s ?p ?o }}",
    f"ADD <{GRAPH}> TO <https://example.org/copy>",
    f"COPY <{GRAPH}> TO <https://example.org/copy>",
    f"MOVE <{GRAPH}> TO <https://example.org/moved>",
    "LOAD <http://127.0.0.1:9/x.ttl>",
    "PREFIX ex: <https://example.org/>\n# a comment\n  insert data { ex:a ex:b ex:c }",
    "SELECT * WHERE { ?s ?p ?o } ; DROP ALL",
]


@pytest.mark.parametrize("update", UPDATES, ids=lambda u: u[:30])
def test_the_sparql_endpoint_never_writes(server: Server, update: str) -> None:
    """Every update form, sent as an update, as a query and with the token, is 403 (or 400 for
    text that is not a query at all) and the store is unchanged."""
    before = _state(server.url)
    auth = {"Authorization": f"Bearer {TOKEN}"}
    url = f"{server.url}/sparql"
    answers = [
        HTTP.post(url, data={"update": update}),
        HTTP.post(url, data={"update": update}, headers=auth),
        HTTP.post(url, content=update, headers={"Content-Type": "application/sparql-update"}),
        HTTP.post(
            url, content=update, headers={"Content-Type": "application/sparql-update", **auth}
        ),
        HTTP.post(url, data={"query": update}, headers=auth),
        HTTP.post(url, content=update, headers={"Content-Type": "application/sparql-query"}),
        HTTP.get(url, params={"update": update}),
        HTTP.get(url, params={"query": update}, headers=auth),
    ]
    for answer in answers:
        assert answer.status_code in (400, 403), (answer.request.method, answer.text)
        assert answer.headers["content-type"].startswith("application/problem+json")
    # An update sent as an update is always refused as read-only, never merely as malformed.
    assert all(a.status_code == 403 for a in answers[:4]), [a.text for a in answers[:4]]
    assert _state(server.url) == before


@pytest.mark.server
def test_a_server_without_a_token_refuses_every_write(bundled_store, tmp_path) -> None:
    shutil.copytree(bundled_store, tmp_path / "store")
    log = tmp_path / "server.log"
    with api_server(tmp_path / "store", log, {"FLYWHEEL_API_TOKEN": ""}) as url:
        before = _state(url)
        for method, path, body in WRITES:
            for headers in ({}, {"Authorization": f"Bearer {TOKEN}"}, {"Authorization": "Basic x"}):
                answer = _send(url, method, path, body, headers)
                assert answer.status_code == 403, answer.text
                assert "writes are off" in answer.json()["detail"]
        assert HTTP.get(f"{url}/health").json()["writes"] is False
        assert _state(url) == before
    text = log.read_text(errors="replace")
    assert text.count("write refused (writes are off)") == len(WRITES) * 3, text[-2000:]
    assert TOKEN not in text


@pytest.mark.server
def test_the_token_file_wins_over_the_token_variable(bundled_store, tmp_path) -> None:
    """`flywheel serve` with both FLYWHEEL_API_TOKEN_FILE and FLYWHEEL_API_TOKEN: the file's
    token writes, the variable's is refused; Settings.from_env (the app factory) agrees."""
    from api.settings import Settings

    shutil.copytree(bundled_store, tmp_path / "store")
    token_file = tmp_path / "token"
    token_file.write_text(f"{TOKEN}\n", encoding="utf-8")
    env = {"FLYWHEEL_API_TOKEN": WRONG[1], "FLYWHEEL_API_TOKEN_FILE": str(token_file)}
    with api_server(tmp_path / "store", tmp_path / "server.log", env) as url:
        refused = _send(
            url, "DELETE", "/cases/city-a", b"", {"Authorization": f"Bearer {WRONG[1]}"}
        )
        assert refused.status_code == 403, refused.text
        written = _send(url, "DELETE", "/cases/city-a", b"", {"Authorization": f"Bearer {TOKEN}"})
        assert written.status_code == 204, written.text
    with pytest.MonkeyPatch.context() as patch:
        for name, value in env.items():
            patch.setenv(name, value)
        assert Settings.from_env().token == TOKEN


def test_tokens_are_compared_with_hmac_compare_digest(monkeypatch) -> None:
    """The comparison goes through hmac.compare_digest (constant time) for a right and a wrong
    token alike; observed by wrapping it, not by timing anything."""
    from types import SimpleNamespace

    import api.auth
    from api.problems import ProblemError

    seen: list[tuple[bytes, bytes]] = []
    real = api.auth.hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        seen.append((a, b))
        return real(a, b)

    monkeypatch.setattr(api.auth.hmac, "compare_digest", spy)

    def request(header: str) -> SimpleNamespace:
        return SimpleNamespace(
            app=SimpleNamespace(state=SimpleNamespace(settings=SimpleNamespace(token=TOKEN))),
            headers={"authorization": header},
            method="PUT",
            url=SimpleNamespace(path="/cases/x"),
            client=SimpleNamespace(host="127.0.0.1"),
        )

    api.auth.require_writer(request(f"Bearer {TOKEN}"))  # no exception: may write
    with pytest.raises(ProblemError) as refused:
        api.auth.require_writer(request(f"Bearer {WRONG[0]}"))
    assert refused.value.status == 403
    assert seen == [(TOKEN.encode(), TOKEN.encode()), (WRONG[0].encode(), TOKEN.encode())]
