"""The bad-input corpus (tests/data/bad/) through the real HTTP API.

Every RDF file goes to ``POST /validate`` and ``PUT /cases/{id}`` (with the token), every ``.rq``
file to ``POST /sparql``, every line of ``query-parameters.tsv`` to ``GET
/queries/{name}/results``, and odd case ids, oversized parameters and bodies to the routes that
take them. Each must be answered 4xx with a problem document saying what was wrong (for a syntax
error: its line and column), never 5xx; the server must keep answering; the store's cases and
quads must be exactly as before; the local listener that stands in for the network must receive
no connection; and the content of the local file that stands in for the file system must never
appear in an answer. The number of inputs tried is printed at the end of the run.
"""

from __future__ import annotations

import http.client
import json
import re
import socket
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from kg import limits
from kg.paths import bundled_case_files
from kg.sparql.named import MAX_PARAM_CHARS
from tests.conftest import API_TOKEN
from tests.test_bad_input import PARAMS, QUERY_FILES, RDF_FILES, Corpus, Expect, corpus

__all__ = ["corpus"]  # the fixture, shared with the CLI's corpus test

MEDIA = {
    ".ttl": "text/turtle",
    ".nt": "application/n-triples",
    ".nq": "application/n-quads",
    ".trig": "application/trig",
    ".jsonld": "application/ld+json",
    ".rdf": "application/rdf+xml",
    ".n3": "text/n3",  # not a syntax the API reads: 415, saying which ones it does
}
WRITER = {"Authorization": f"Bearer {API_TOKEN}"}
PROBLEM = "application/problem+json"
QUAD_COUNT = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
CITY_A = next(p for p in bundled_case_files() if p.name == "city-a.ttl").read_bytes()

# What the API answers where it differs from the CLI's first-line expectation: the SPARQL
# endpoint refuses every update as read-only (403), whatever the update does.
SPARQL_ANSWERS = {"update.rq": (403, "read-only"), "load.rq": (403, "read-only")}
# A line of query-parameters.tsv that is a mistake only on the command line (``--param case``
# without ``=``): over HTTP ``?case`` is the parameter given empty, which takes its default.
CLI_ONLY = {("02", "case")}


@pytest.fixture(scope="module")
def client(api: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=api, timeout=60) as opened:
        yield opened


def _state(client: httpx.Client) -> tuple[list[tuple], int]:
    """The catalog (id, triples, hash per case) and the number of quads in named graphs."""
    cases = client.get("/cases").json()["cases"]
    catalog = sorted((c["id"], c["triples"], c["sha256"], c["loaded"]) for c in cases)
    answer = client.post(
        "/sparql",
        content=QUAD_COUNT,
        headers={
            "Content-Type": "application/sparql-query",
            "Accept": "application/sparql-results+json",
        },
    )
    assert answer.status_code == 200, answer.text
    count = int(answer.json()["results"]["bindings"][0]["n"]["value"])
    return catalog, count


@pytest.fixture(scope="module")
def watched(client: httpx.Client, corpus: Corpus) -> Iterator[Corpus]:
    """The corpus, with the store's state taken before the module's tests and compared after
    them all: every refusal left it exactly as it was."""
    before = _state(client)
    assert before[1] > 1000 and len(before[0]) == 3, before
    yield corpus
    assert _state(client) == before
    assert corpus.listener.caught_up() == 0


def check_refusal(
    answer: httpx.Response, corpus: Corpus, client: httpx.Client, status: int | None, says: str
) -> dict:
    """A 4xx problem document saying ``says`` (case-insensitively), nothing leaked, nothing
    fetched, and the server still answering."""
    text = answer.text
    assert 400 <= answer.status_code < 500, f"{answer.status_code}: {text[:2000]}"
    if status is not None:
        assert answer.status_code == status, text[:2000]
    assert answer.headers["content-type"].startswith(PROBLEM), answer.headers
    problem = answer.json()
    assert problem["status"] == answer.status_code
    assert says.lower() in problem.get("detail", "").lower(), problem
    assert "Traceback" not in text
    assert corpus.marker not in text
    assert corpus.listener.caught_up() == 0, "something connected to the network stand-in"
    assert client.get("/health").status_code == 200
    return problem


def check_position(problem: dict, says: str) -> None:
    """Where the corpus line expects a line number, the detail gives the column too."""
    if says.startswith("line "):
        assert re.search(rf"{says}, column \d+", problem["detail"]), problem


def _body(corpus: Corpus, expect: Expect) -> tuple[bytes, str]:
    path = corpus.folder / expect.name
    return path.read_bytes(), MEDIA[path.suffix]


def _case_id(data: bytes) -> str:
    """The id the body's case header names (so that a PUT reaches validation), else 'bad'."""
    found = re.search(rb"<https://example\.org/bad/([\w-]+)> a owl:Ontology", data)
    return found.group(1).decode() if found else "bad"


@pytest.mark.parametrize("expect", RDF_FILES, ids=lambda e: e.name)
def test_validate_refuses(expect: Expect, watched: Corpus, client, record_property) -> None:
    record_property("bad_input_api", expect.name)
    data, media = _body(watched, expect)
    answer = client.post("/validate", content=data, headers={"Content-Type": media})
    if media == "text/n3":
        check_refusal(answer, watched, client, 415, "text/turtle")
    elif expect.codes["validate"] == 1 and answer.status_code == 200:
        # Readable but with violations: the report says so (it is not an error of the request).
        report = answer.json()
        assert report["conforms"] is False
        assert expect.says.lower() in json.dumps(report, ensure_ascii=False).lower()
        assert watched.marker not in answer.text
    elif expect.codes["validate"] == 1:  # no case header: named after the file on the CLI
        check_refusal(answer, watched, client, 400, "no case is named")
    else:
        problem = check_refusal(answer, watched, client, 400, expect.says)
        check_position(problem, expect.says)


@pytest.mark.parametrize("expect", RDF_FILES, ids=lambda e: e.name)
def test_put_refuses(expect: Expect, watched: Corpus, client, record_property) -> None:
    record_property("bad_input_api", f"PUT {expect.name}")
    data, media = _body(watched, expect)
    name = _case_id(data)
    answer = client.put(f"/cases/{name}", content=data, headers={"Content-Type": media, **WRITER})
    if media == "text/n3":
        check_refusal(answer, watched, client, 415, "text/turtle")
    elif expect.codes["load"] == 1 and name != "bad":
        check_refusal(answer, watched, client, 422, expect.says)
    elif expect.codes["load"] == 1:
        check_refusal(answer, watched, client, 400, "no case is named")
    else:
        problem = check_refusal(answer, watched, client, 400, expect.says)
        check_position(problem, expect.says)


def test_an_oversized_literal_and_body_are_refused(watched: Corpus, client, record_property):
    record_property("bad_input_api", "oversized-literal.ttl")
    record_property("bad_input_api", "oversized body")
    limit = limits.DEFAULT_MAX_LITERAL_CHARS
    body = (
        "<https://example.org/bad/big> a <http://www.w3.org/2002/07/owl#Ontology> .\n"
        f'<https://example.org/bad/big/case> <http://www.w3.org/2000/01/rdf-schema#label> "'
        f'{"y" * (limit + 1)}" .\n'
    ).encode()
    for method, url, headers in (
        ("POST", "/validate", {}),
        ("PUT", "/cases/big", WRITER),
    ):
        answer = client.request(
            method, url, content=body, headers={"Content-Type": "text/turtle", **headers}
        )
        problem = check_refusal(answer, watched, client, 400, f"limit of {limit:,} characters")
        assert len(problem["detail"]) < 2000  # the literal is not echoed back
    huge = b"#" * (10 * 1024 * 1024 + 1)  # one byte over the server's default body limit
    for method, url, media in (
        ("POST", "/validate", "text/turtle"),
        ("PUT", "/cases/big", "text/turtle"),
        ("POST", "/sparql", "application/sparql-query"),
    ):
        answer = client.request(
            method, url, content=huge, headers={"Content-Type": media, **WRITER}
        )
        check_refusal(answer, watched, client, 413, "larger than this server accepts")


@pytest.mark.parametrize("expect", QUERY_FILES, ids=lambda e: e.name)
def test_sparql_refuses(expect: Expect, watched: Corpus, client, record_property) -> None:
    record_property("bad_input_api", expect.name)
    text = (watched.folder / expect.name).read_text(encoding="utf-8")
    status, says = SPARQL_ANSWERS.get(expect.name, (400, expect.says))
    sent = [
        client.post("/sparql", content=text, headers={"Content-Type": "application/sparql-query"}),
        client.post("/sparql", data={"query": text}),
        client.get("/sparql", params={"query": text}),
    ]
    if status == 403:  # and as an update, in each form the protocol has
        sent.append(client.post("/sparql", data={"update": text}))
        sent.append(
            client.post(
                "/sparql", content=text, headers={"Content-Type": "application/sparql-update"}
            )
        )
    for answer in sent:
        check_refusal(answer, watched, client, status, says)


@pytest.mark.parametrize(
    "query,param,says",
    [p for p in PARAMS if (p[0], p[1]) not in CLI_ONLY],
    ids=lambda v: str(v)[:20],
)
def test_query_parameters_are_refused(
    query: str, param: str, says: str, watched: Corpus, client, record_property
) -> None:
    record_property("bad_input_api", f"GET /queries/{query}/results?{param}")
    key, _, value = param.partition("=")
    answer = client.get(f"/queries/{query}/results", params={key: value})
    check_refusal(answer, watched, client, 404 if says == query else 400, says)


BAD_PARAMETERS = [
    ("02", [("case", "https://w3id.org/dataflywheel/case/" + "a" * 60_000)], 400, "the limit is"),
    ("02", [("case", "https://x.org/a> } . ?s ?p ?o . { <https://x.org/b")], 400, "absolute IRI"),
    ("02", [("case", "https://x.org/a\x00b")], 400, "absolute IRI"),
    ("02", [("case", "file:///etc/passwd"), ("case", "https://x.org/")], 400, "more than once"),
    ("01", [("date", "2019-02-30")], 400, "YYYY-MM-DD"),
    ("01", [("date", "0000-01-01")], 400, "YYYY-MM-DD"),
    ("01", [("date", '2019-01-01"^^<x:y> . }')], 400, "YYYY-MM-DD"),
    ("20", [("n", "1; DROP ALL")], 400, "whole number"),
    ("20", [("n", "9" * (MAX_PARAM_CHARS + 1))], 400, "the limit is"),
    ("x" * 5000, [], 404, "no query called"),
    ("../../etc/passwd", [], 404, "not found"),
]


@pytest.mark.parametrize("query,params,status,says", BAD_PARAMETERS, ids=lambda v: str(v)[:20])
def test_malformed_and_oversized_parameters(
    query, params, status, says, watched: Corpus, client, record_property
) -> None:
    record_property("bad_input_api", f"GET /queries/{query[:40]}/results {str(params)[:60]}")
    answer = client.get(f"/queries/{query}/results", params=params)
    problem = check_refusal(answer, watched, client, status, says)
    assert len(problem["detail"]) < 3000  # an oversized value or name is not echoed back


# Case ids that are not ids: sent as raw request targets (http.client neither normalises
# dot segments nor decodes escapes), to PUT and DELETE with the token.
ODD_IDS = [
    "a/b",
    "..",
    "../../../etc/passwd",
    "%2E%2E",
    "..%2F..%2Fetc%2Fpasswd",
    "a%2Fb",
    "a%5Cb",
    "a%00b",
    "a%0Ab",
    "a%0D%0AX-Injected:%201",
    "a%1Bb",
    "a%7Fb",
    "a%20b",
    ".hidden",
    "~",
    "%C3%A9t%C3%A9",
    "a" * 201,
    "a" * 20_000,
]


def _raw(api: str, method: str, target: str, body: bytes, headers: dict[str, str]):
    parts = urlsplit(api)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    try:
        connection.request(method, target, body=body, headers=headers)
        answer = connection.getresponse()
        return answer.status, dict(answer.getheaders()), answer.read()
    finally:
        connection.close()


@pytest.mark.parametrize("odd", ODD_IDS, ids=lambda v: v[:24])
def test_odd_case_ids_are_refused(odd: str, api: str, watched: Corpus, client, record_property):
    record_property("bad_input_api", f"PUT/DELETE /cases/{odd[:40]}")
    for method in ("PUT", "DELETE"):
        headers = {"Content-Type": "text/turtle", **WRITER}
        status, answered, body = _raw(api, method, f"/cases/{odd}", CITY_A, headers)
        assert 400 <= status < 500, (method, status, body[:500])
        assert "x-injected" not in {k.lower() for k in answered}
        if status != 414 and status != 431:  # the HTTP layer's own refusal of a huge target
            assert answered.get("content-type", "").startswith(PROBLEM), answered
            assert json.loads(body)["detail"], body
        assert client.get("/health").status_code == 200


@pytest.mark.parametrize("raw", [b"a\x00b", b"a\x1bb", b"a b", b"a\x7fb"], ids=repr)
def test_control_characters_in_the_request_line(
    raw: bytes, api: str, watched, client, record_property
):
    """Unescaped control characters never reach the app: the HTTP parser refuses the request."""
    record_property("bad_input_api", f"PUT /cases/{raw!r} (raw)")
    parts = urlsplit(api)
    with socket.create_connection((parts.hostname, parts.port), timeout=30) as sock:
        sock.sendall(
            b"PUT /cases/" + raw + b" HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n"
            b"Authorization: Bearer " + API_TOKEN.encode() + b"\r\nConnection: close\r\n\r\n"
        )
        reply = b""
        while chunk := sock.recv(65536):
            reply += chunk
    status = int(reply.split(b" ", 2)[1]) if reply.startswith(b"HTTP/") else 400
    assert 400 <= status < 500, reply[:500]
    assert client.get("/health").status_code == 200


def test_the_marker_file_and_listener_stay_untouched(watched: Corpus, client) -> None:
    """The local file's marker is in no case and no answer about the store's content."""
    found = client.post(
        "/sparql",
        data={
            "query": f'ASK {{ GRAPH ?g {{ ?s ?p ?o FILTER(CONTAINS(STR(?o), "{watched.marker}")) }} }}'
        },
        headers={"Accept": "application/sparql-results+json"},
    )
    assert found.status_code == 200 and found.json()["boolean"] is False
    assert watched.listener.caught_up() == 0
    assert Path(watched.folder).is_dir()
