"""The SPARQL 1.1 Protocol tests of the W3C test suite (w3c/rdf-tests,
sparql/sparql11/protocol/manifest.ttl), written as this project's own tests: one test per
manifest entry, named after it, sending the request that entry describes to a real
``flywheel serve`` and checking the result it expects.

The manifest has 34 entries. The 20 query entries (``query_*``, ``bad_query_*``) and the 7
``bad_update_*`` entries (each expects a 4xx) pass as the manifest states them. The 7 update
entries (``update_*``) expect an update to succeed: this endpoint is read-only by design, so
each is refused (403) here, and the test checks the refusal and that nothing changed.

The store holds the bundled cases and, for the dataset entries, three graphs named
``http://kasei.us/2009/09/sparql/data/dataN.rdf`` (N = 1, 2, 3), each stating that its own
name is a foaf:Document, as the manifest's data files do.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from urllib.parse import quote, urlencode

import httpx
import pyoxigraph as ox
import pytest

from tests.servers import api_server, marks_its_users

DATA = "http://kasei.us/2009/09/sparql/data/"
D0, D1, D2, D3 = (f"{DATA}data{n}.rdf" for n in range(4))
FOAF_DOCUMENT = "http://xmlns.com/foaf/0.1/Document"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
SPARQL_QUERY = {"Content-Type": "application/sparql-query"}
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
BOOLEAN_TYPES = ("application/sparql-results+json", "application/sparql-results+xml")
TABULAR_TYPES = (*BOOLEAN_TYPES, "text/csv", "text/tab-separated-values")
RDF_TYPES = ("text/turtle", "application/n-triples", "application/rdf+xml")
BOTH = f"ASK {{ <{D1}> a ?type . <{D2}> a ?type . }}"
NAMED = f"ASK {{ GRAPH ?g1 {{ <{D1}> a ?type }} GRAPH ?g2 {{ <{D2}> a ?type }} }}"


@pytest.fixture(scope="module")
@marks_its_users("server")
def endpoint(bundled_store, tmp_path_factory) -> Iterator[str]:
    """``…/sparql/`` (the manifest's path, with its slash) of a real server over the bundled
    cases plus the three data graphs."""
    folder = tmp_path_factory.mktemp("w3c")
    shutil.copytree(bundled_store, folder / "store")
    store = ox.Store(str(folder / "store"))
    for name in (D1, D2, D3):
        node = ox.NamedNode(name)
        store.add(ox.Quad(node, ox.NamedNode(RDF_TYPE), ox.NamedNode(FOAF_DOCUMENT), node))
    store.flush()
    del store
    with api_server(folder / "store", folder / "server.log") as url:
        yield url + "/sparql/"


def _url(endpoint: str, *fields: tuple[str, str]) -> str:
    return endpoint + ("?" + urlencode(fields, quote_via=quote) if fields else "")


def _boolean(response: httpx.Response, expected: bool) -> None:
    """A 2xx (or 3xx) answer holding the boolean ``expected`` in a boolean results format."""
    assert response.status_code < 400, response.text
    kind = response.headers["content-type"].split(";")[0]
    assert kind in BOOLEAN_TYPES
    assert response.json()["boolean"] is expected


def _status_4xx(response: httpx.Response) -> None:
    assert 400 <= response.status_code < 500, (response.status_code, response.text)
    assert "Traceback" not in response.text


# --- the query entries ---------------------------------------------------------------------------


def test_query_post_form(endpoint: str) -> None:
    response = httpx.post(
        _url(endpoint, ("default-graph-uri", D0)), content=b"query=ASK%20%7B%7D", headers=FORM
    )
    _boolean(response, True)


def test_query_dataset_default_graphs_get(endpoint: str) -> None:
    url = _url(endpoint, ("query", BOTH), ("default-graph-uri", D1), ("default-graph-uri", D2))
    _boolean(httpx.get(url), True)


def test_query_dataset_default_graphs_post(endpoint: str) -> None:
    url = _url(endpoint, ("default-graph-uri", D1), ("default-graph-uri", D2))
    _boolean(httpx.post(url, content=BOTH.encode(), headers=SPARQL_QUERY), True)


def test_query_dataset_named_graphs_post(endpoint: str) -> None:
    url = _url(endpoint, ("named-graph-uri", D1), ("named-graph-uri", D2))
    _boolean(httpx.post(url, content=NAMED.encode(), headers=SPARQL_QUERY), True)


def test_query_dataset_named_graphs_get(endpoint: str) -> None:
    url = _url(endpoint, ("query", NAMED), ("named-graph-uri", D1), ("named-graph-uri", D2))
    _boolean(httpx.get(url), True)


def test_query_dataset_full(endpoint: str) -> None:
    query = f"ASK {{ <{D3}> a ?type {NAMED[5:-2]} }}"
    url = _url(
        endpoint, ("default-graph-uri", D3), ("named-graph-uri", D1), ("named-graph-uri", D2)
    )
    _boolean(httpx.post(url, content=query.encode(), headers=SPARQL_QUERY), True)


def test_query_multiple_dataset(endpoint: str) -> None:
    """FROM in the query, named graphs in the protocol: the protocol's dataset is used."""
    query = NAMED.replace("ASK", f"ASK FROM <{D3}>", 1)
    url = _url(endpoint, ("named-graph-uri", D1), ("named-graph-uri", D2))
    _boolean(httpx.post(url, content=query.encode(), headers=SPARQL_QUERY), True)
    # and the protocol's dataset is really the one used: D3 is then not the default graph
    check = f"ASK FROM <{D3}> {{ <{D3}> a ?type }}"
    _boolean(httpx.post(url, content=check.encode(), headers=SPARQL_QUERY), False)


def test_query_get(endpoint: str) -> None:
    _boolean(httpx.get(_url(endpoint, ("query", "ASK {}"), ("default-graph-uri", D0))), True)


def test_query_content_type_select(endpoint: str) -> None:
    response = httpx.post(
        _url(endpoint, ("default-graph-uri", D0)),
        content=b"SELECT (1 AS ?value) {}",
        headers=SPARQL_QUERY,
    )
    assert response.status_code < 400, response.text
    assert response.headers["content-type"].split(";")[0] in TABULAR_TYPES
    [row] = response.json()["results"]["bindings"]
    assert row["value"]["value"] == "1"


def test_query_content_type_ask(endpoint: str) -> None:
    response = httpx.post(
        _url(endpoint, ("default-graph-uri", D0)), content=b"ASK {}", headers=SPARQL_QUERY
    )
    _boolean(response, True)


def test_query_content_type_describe(endpoint: str) -> None:
    response = httpx.post(
        _url(endpoint, ("default-graph-uri", D0)),
        content=b"DESCRIBE <http://example.org/>",
        headers=SPARQL_QUERY,
    )
    assert response.status_code < 400, response.text
    assert response.headers["content-type"].split(";")[0] in RDF_TYPES
    assert list(ox.parse(response.content, format=ox.RdfFormat.TURTLE)) == []


def test_query_content_type_construct(endpoint: str) -> None:
    """Relative IRIs in the template resolve against the endpoint's address."""
    response = httpx.post(
        _url(endpoint, ("default-graph-uri", D0)),
        content=b"CONSTRUCT { <s> <p> 1 } WHERE {}",
        headers=SPARQL_QUERY,
    )
    assert response.status_code < 400, response.text
    assert response.headers["content-type"].split(";")[0] in RDF_TYPES
    [triple] = ox.parse(response.content, format=ox.RdfFormat.TURTLE)
    base = endpoint.rsplit("/sparql/", 1)[0]
    assert (triple.subject.value, triple.predicate.value) == (base + "/s", base + "/p")
    assert triple.object == ox.Literal("1", datatype=ox.NamedNode(ox_xsd("integer")))


def ox_xsd(name: str) -> str:
    return "http://www.w3.org/2001/XMLSchema#" + name


def test_query_post_direct(endpoint: str) -> None:
    _boolean(httpx.post(endpoint, content=b"ASK {}", headers=SPARQL_QUERY), True)


# --- the bad query entries ---------------------------------------------------------------------


def test_bad_query_method(endpoint: str) -> None:
    url = _url(endpoint, ("query", "ASK {}"), ("default-graph-uri", D0))
    _status_4xx(httpx.put(url, headers=FORM))


def test_bad_multiple_queries(endpoint: str) -> None:
    _status_4xx(httpx.get(_url(endpoint, ("query", "ASK {}"), ("query", "SELECT * {}"))))


def test_bad_query_wrong_media_type(endpoint: str) -> None:
    _status_4xx(httpx.post(endpoint, content=b"ASK {}", headers={"Content-Type": "text/plain"}))


def test_bad_query_missing_form_type(endpoint: str) -> None:
    _status_4xx(httpx.post(endpoint, content=b"query=ASK%20%7B%7D"))


def test_bad_query_missing_direct_type(endpoint: str) -> None:
    _status_4xx(httpx.post(endpoint, content=b"ASK {}"))


def test_bad_query_non_utf8(endpoint: str) -> None:
    headers = {"Content-Type": "application/sparql-query; charset=UTF-16"}
    _status_4xx(httpx.post(endpoint, content="ASK {}".encode("utf-16"), headers=headers))


def test_bad_query_syntax(endpoint: str) -> None:
    _status_4xx(httpx.get(_url(endpoint, ("query", "ASK {"))))


# --- the bad update entries: each expects a 4xx ------------------------------------------------


def test_bad_update_get(endpoint: str) -> None:
    _status_4xx(httpx.get(_url(endpoint, ("update", "CLEAR ALL"))))


def test_bad_multiple_updates(endpoint: str) -> None:
    body = urlencode([("update", "CLEAR NAMED"), ("update", "CLEAR DEFAULT")], quote_via=quote)
    _status_4xx(httpx.post(endpoint, content=body.encode(), headers=FORM))


def test_bad_update_wrong_media_type(endpoint: str) -> None:
    headers = {"Content-Type": "text/plain"}
    _status_4xx(httpx.post(endpoint, content=b"CLEAR NAMED", headers=headers))


def test_bad_update_missing_form_type(endpoint: str) -> None:
    _status_4xx(httpx.post(endpoint, content=b"update=CLEAR%20NAMED"))


def test_bad_update_non_utf8(endpoint: str) -> None:
    headers = {"Content-Type": "application/sparql-update; charset=UTF-16"}
    _status_4xx(httpx.post(endpoint, content="CLEAR NAMED".encode("utf-16"), headers=headers))


def test_bad_update_syntax(endpoint: str) -> None:
    _status_4xx(httpx.post(endpoint, content=b"update=CLEAR%20XYZ", headers=FORM))


def test_bad_update_dataset_conflict(endpoint: str) -> None:
    update = (
        "PREFIX foaf: <http://xmlns.com/foaf/0.1/>\nWITH <http://example/addresses>\n"
        "DELETE { ?who foaf:givenName 'Bill' } INSERT { ?who foaf:givenName 'William' }\n"
        "WHERE { ?who foaf:givenName 'Bill' }"
    )
    url = _url(endpoint, ("using-named-graph-uri", "http://example/people"))
    headers = {"Content-Type": "application/sparql-update"}
    _status_4xx(httpx.post(url, content=update.encode(), headers=headers))


# --- the update entries: refused by design ------------------------------------------------------

# Each of these entries expects the update to succeed (2xx) and, for most, a query to see its
# effect. This endpoint is read-only: whoever asks, an update is 403 and the store is unchanged.
INSERT_INTO = (
    "PREFIX dc: <http://purl.org/dc/terms/>\n"
    "INSERT { GRAPH <http://example.org/protocol-update-test/> { ?d dc:title 'x' } }\n"
    "WHERE { ?d a <http://xmlns.com/foaf/0.1/Document> }"
)
UPDATES = {
    "update_dataset_default_graph": ([("using-graph-uri", D1)], INSERT_INTO, "direct"),
    "update_dataset_default_graphs": (
        [("using-graph-uri", D1), ("using-graph-uri", D2)],
        INSERT_INTO,
        "direct",
    ),
    "update_dataset_named_graphs": (
        [("using-named-graph-uri", D1), ("using-named-graph-uri", D2)],
        INSERT_INTO,
        "direct",
    ),
    "update_dataset_full": (
        [("using-graph-uri", D1), ("using-named-graph-uri", D2)],
        INSERT_INTO,
        "direct",
    ),
    "update_post_form": ([], "CLEAR ALL", "form"),
    "update_post_direct": ([], "CLEAR ALL", "direct"),
    "update_base_uri": (
        [],
        "CLEAR SILENT GRAPH <http://example.org/protocol-base-test/> ;\n"
        "INSERT DATA { GRAPH <http://example.org/protocol-base-test/> "
        "{ <http://example.org/s> <http://example.org/p> <test> } }",
        "direct",
    ),
}


def _graph_count(endpoint: str) -> int:
    query = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
    response = httpx.get(_url(endpoint, ("query", query)))
    assert response.status_code == 200, response.text
    return int(response.json()["results"]["bindings"][0]["n"]["value"])


@pytest.mark.parametrize("name", sorted(UPDATES))
def test_update_entries_are_refused_by_design(endpoint: str, name: str) -> None:
    """The manifest's update entries, refused (403) by design: a read-only endpoint."""
    fields, update, how = UPDATES[name]
    before = _graph_count(endpoint)
    if how == "form":
        body = urlencode([("update", update), *fields], quote_via=quote).encode()
        response = httpx.post(endpoint, content=body, headers=FORM)
    else:
        headers = {"Content-Type": "application/sparql-update"}
        response = httpx.post(_url(endpoint, *fields), content=update.encode(), headers=headers)
    assert response.status_code == 403, response.text
    assert "read-only" in response.json()["detail"]
    assert _graph_count(endpoint) == before > 0


# --- beyond the manifest: the slash, HEAD ---------------------------------------------------------


def test_the_endpoint_with_and_without_its_slash(endpoint: str) -> None:
    """``/sparql/`` (the manifest's path) is the endpoint itself, not a redirect."""
    for url in (endpoint, endpoint.rstrip("/")):
        response = httpx.get(_url(url, ("query", "ASK {}")))
        assert response.status_code == 200, (url, response.status_code)
        assert response.json()["boolean"] is True


@pytest.mark.parametrize(
    "path",
    [
        "/sparql",
        "/sparql/",
        "/health",
        "/cases",
        "/cases/hangzhou",
        "/cases/hangzhou/timeline",
        "/store?graph=https%3A%2F%2Fw3id.org%2Fdataflywheel%2Fcase%2Fhangzhou",
        "/",
        "/openapi.json",
    ],
)
def test_head_is_answered_wherever_get_is(endpoint: str, path: str) -> None:
    base = endpoint.rsplit("/sparql/", 1)[0]
    get = httpx.get(base + path)
    head = httpx.head(base + path)
    assert get.status_code == 200, get.text
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-type"] == get.headers["content-type"]
    assert int(head.headers["content-length"]) > 0  # GET's length (blank node labels vary)
