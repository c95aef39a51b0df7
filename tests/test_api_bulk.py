"""``POST /cases``: many cases in one request (N-Quads or TriG, a named graph per case), over real
HTTP against `flywheel serve`. Each case is checked, validated and stored as ``PUT
/store?graph=`` stores one; the answer says per case what became of it.

The cases, and what the answers must be, worked out by hand:

* a second coding of Hangzhou: hangzhou.ttl under the case IRI ``…/case/hangzhou-coder-b``
  (conforms, as hangzhou.ttl does): created;
* the fixture of fws:CreatedUnitChangeShape (a violation of that shape, its case IRI
  ``https://example.org/fixture/CreatedUnitChangeShape``): refused for violations, stored with
  ``?force=true``;
* hangzhou.ttl under ``https://a.example/hangzhou``: its short name is the bundled Hangzhou's,
  refused (name-taken) whether forced or not.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest

from tests.conftest import API_TOKEN, FIXTURES, REPO
from tests.servers import api_server, marks_its_users

CASE = "https://w3id.org/dataflywheel/case/"
HANGZHOU = CASE + "hangzhou"
CODER_B = CASE + "hangzhou-coder-b"
VIOLATING = "https://example.org/fixture/CreatedUnitChangeShape"
IMPOSTOR = "https://a.example/hangzhou"
TOKEN = {"Authorization": f"Bearer {API_TOKEN}"}
TRIG = {"Content-Type": "application/trig", **TOKEN}
BULK_LIMIT = 1_000_000  # bytes: FLYWHEEL_MAX_BULK_BYTES of this module's server


@pytest.fixture(scope="module")
@marks_its_users("server")
def api(bundled_store, tmp_path_factory) -> Iterator[str]:
    """`flywheel serve` over a copy of the bundled store, writes allowed, a 1 MB bulk limit."""
    folder = tmp_path_factory.mktemp("bulk")
    shutil.copytree(bundled_store, folder / "store")
    env = {"FLYWHEEL_API_TOKEN": API_TOKEN, "FLYWHEEL_MAX_BULK_BYTES": str(BULK_LIMIT)}
    with api_server(folder / "store", folder / "server.log", env) as url:
        yield url


def as_graph(path: Path, iri: str, header: str | None = None) -> list[ox.Quad]:
    """A Turtle case file's triples in the named graph ``iri``; ``header``: the IRI its
    owl:Ontology header has in the file, renamed to ``iri``."""
    text = path.read_text(encoding="utf-8")
    if header is not None:
        text = text.replace(f"<{header}>", f"<{iri}>")
    graph = ox.NamedNode(iri)
    triples = ox.parse(text.encode("utf-8"), format=ox.RdfFormat.TURTLE)
    return [ox.Quad(t.subject, t.predicate, t.object, graph) for t in triples]


HANGZHOU_FILE = REPO / "kg" / "cases" / "hangzhou.ttl"
VIOLATING_FILE = FIXTURES / "shapes" / "CreatedUnitChangeShape.ttl"


def three_cases(fmt: ox.RdfFormat = ox.RdfFormat.TRIG) -> bytes:
    quads = [
        *as_graph(HANGZHOU_FILE, CODER_B, HANGZHOU),
        *as_graph(VIOLATING_FILE, VIOLATING),
        *as_graph(HANGZHOU_FILE, IMPOSTOR, HANGZHOU),
    ]
    return ox.serialize(quads, format=fmt) or b""


def post(api: str, body: bytes, headers: dict[str, str] = TRIG, **params) -> httpx.Response:
    return httpx.post(f"{api}/cases", content=body, headers=headers, params=params, timeout=120)


def statuses(response: httpx.Response) -> list[tuple[str, str, str | None]]:
    assert response.status_code == 200, response.text
    return [(c["case"], c["status"], c["problem"]) for c in response.json()["cases"]]


def stored(api: str, case_id: str) -> bool:
    return httpx.get(f"{api}/cases/{case_id}").status_code == 200


def problem(response: httpx.Response, status: int) -> str:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    detail = response.json()["detail"]
    assert "Traceback" not in detail
    return detail


def test_each_case_is_stored_or_refused_on_its_own(api: str) -> None:
    answer = post(api, three_cases())
    assert statuses(answer) == [
        (CODER_B, "created", None),
        (VIOLATING, "refused", "violations"),
        (IMPOSTOR, "refused", "name-taken"),
    ]
    body = answer.json()
    assert (body["loaded"], body["refused"]) == (1, 2)
    violating, impostor = body["cases"][1], body["cases"][2]
    assert "fws:CreatedUnitChangeShape" in violating["reason"] and violating["counts"]["violation"]
    assert f"<{HANGZHOU}>" in impostor["reason"]  # the case that holds the name
    assert stored(api, "hangzhou-coder-b") and not stored(api, "CreatedUnitChangeShape")
    # the whole case, as the file has it
    graph = httpx.get(f"{api}/store", params={"graph": CODER_B}, headers={"Accept": "text/turtle"})
    assert len(list(ox.parse(graph.content, format=ox.RdfFormat.TURTLE))) == len(
        as_graph(HANGZHOU_FILE, CODER_B, HANGZHOU)
    )
    # again, forced and as N-Quads: the second coding replaces itself, the violating case is
    # stored, the impostor is still refused
    forced = post(
        api,
        three_cases(ox.RdfFormat.N_QUADS),
        {"Content-Type": "application/n-quads", **TOKEN},
        force="true",
    )
    assert statuses(forced) == [
        (CODER_B, "replaced", None),
        (VIOLATING, "created", None),
        (IMPOSTOR, "refused", "name-taken"),
    ]
    assert forced.json()["cases"][1]["forced"] is True
    assert stored(api, "CreatedUnitChangeShape") and not stored(api, "a.example")


def test_cases_of_one_request_sharing_a_short_name_are_all_refused(api: str) -> None:
    quads = [
        *as_graph(VIOLATING_FILE, "https://example.org/one/twin"),
        *as_graph(VIOLATING_FILE, "https://example.org/two/TWIN"),
    ]
    answer = post(api, ox.serialize(quads, format=ox.RdfFormat.TRIG) or b"", force="true")
    assert statuses(answer) == [
        ("https://example.org/one/twin", "refused", "name-taken"),
        ("https://example.org/two/TWIN", "refused", "name-taken"),
    ]
    assert not stored(api, "twin")


CODER_C = CASE + "hangzhou-coder-c"
BROKEN = {
    # a whole case, then a graph that breaks off mid-literal on the body's last line
    "syntax error": (
        b'GRAPH <https://example.org/ok/b> { <https://example.org/s> <https://example.org/p> "x',
        "line {last}",
    ),
    "default graph": (b"<https://example.org/s> <https://example.org/p> 1 .\n", "outside"),
}


@pytest.mark.parametrize("kind", list(BROKEN))
def test_a_body_that_is_not_a_dataset_of_cases_is_400(api: str, kind: str) -> None:
    """Nothing is stored, not even the whole case before the mistake."""
    case = ox.serialize(as_graph(HANGZHOU_FILE, CODER_C, HANGZHOU), format=ox.RdfFormat.TRIG)
    tail, where = BROKEN[kind]
    body = (case or b"") + tail
    detail = problem(post(api, body), 400)
    assert where.format(last=body.count(b"\n") + 1) in detail
    assert not stored(api, "hangzhou-coder-c")


def test_writes_need_the_token_and_a_dataset_type(api: str) -> None:
    body = three_cases()
    problem(post(api, body, {"Content-Type": "application/trig"}), 401)
    problem(post(api, body, {"Content-Type": "application/trig", "Authorization": "Bearer x"}), 403)
    turtle = HANGZHOU_FILE.read_bytes()
    assert "PUT /cases/{id}" in problem(
        post(api, turtle, {"Content-Type": "text/turtle", **TOKEN}), 415
    )
    assert "empty" in problem(post(api, b""), 400)


def test_a_body_over_the_bulk_limit_is_413(api: str) -> None:
    quads = as_graph(HANGZHOU_FILE, CODER_B, HANGZHOU)
    body = ox.serialize(quads, format=ox.RdfFormat.N_QUADS) or b""
    copies = BULK_LIMIT // len(body) + 1
    large = b"".join(body.replace(b"hangzhou-coder-b", f"copy-{n}".encode()) for n in range(copies))
    assert len(large) > BULK_LIMIT
    headers = {"Content-Type": "application/n-quads", **TOKEN}
    assert "1,000,000 bytes" in problem(post(api, large, headers), 413)

    def streamed() -> Iterator[bytes]:  # no Content-Length: counted as it arrives
        yield from (large[i : i + 65536] for i in range(0, len(large), 65536))

    answer = httpx.post(f"{api}/cases", content=streamed(), headers=headers, timeout=120)
    problem(answer, 413)
    assert not stored(api, "copy-0")
