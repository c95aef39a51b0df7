"""The SPARQL 1.1 endpoint ``/sparql`` over real HTTP, point by point against
/work/shared/design/sparql-endpoint-checklist.md. Expected answers are worked out by hand from
kg/cases/*.ttl: the cities are City A (A市), Hangzhou (杭州) and Shanghai (上海), each typed
fw:City with an English and a Chinese rdfs:label in its own case graph."""

from __future__ import annotations

import re
import select
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest
from SPARQLWrapper import JSON, POST, TURTLE, SPARQLWrapper

from tests.conftest import API_TOKEN, REPO
from tests.servers import api_server, marks_its_users, start_oxigraph, stop

CASE = "https://w3id.org/dataflywheel/case/"
HANGZHOU, SHANGHAI, CITY_A = CASE + "hangzhou", CASE + "shanghai", CASE + "city-a"
FW = "https://w3id.org/dataflywheel/ontology#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
SD = "http://www.w3.org/ns/sparql-service-description#"
PREFIXES = f"PREFIX fw: <{FW}>\nPREFIX rdfs: <{RDFS}>\n"
CITY_LABELS = PREFIXES + "SELECT ?city WHERE { ?s a fw:City ; rdfs:label ?city }"
CITIES_BY_GRAPH = (
    PREFIXES + "SELECT ?g ?city WHERE { GRAPH ?g { ?s a fw:City ; rdfs:label ?city } }"
)
ENGLISH_NAMES = (
    PREFIXES + "SELECT ?city WHERE { GRAPH ?g { ?c a fw:City ; rdfs:label ?city "
    'FILTER(LANG(?city) = "en") } } ORDER BY ?city'
)
# Hangzhou's four stage episodes and their English labels (hangzhou.ttl, hz:ep-*).
STAGES = (
    PREFIXES + f"CONSTRUCT {{ ?e rdfs:label ?l }} WHERE {{ GRAPH <{HANGZHOU}> "
    '{ ?e a fw:StageEpisode ; rdfs:label ?l FILTER(LANG(?l) = "en") } }'
)
STAGE_TRIPLES = {
    (f"{HANGZHOU}/ep-{stage}", RDFS + "label", f"Hangzhou {stage} stage")
    for stage in ("startup", "rotation", "acceleration", "inertia")
}
HANGZHOU_LABELS = {("Hangzhou", "en"), ("杭州", "zh")}
SHANGHAI_LABELS = {("Shanghai", "en"), ("上海", "zh")}
CITY_A_LABELS = {("City A", "en"), ("A市", "zh")}
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?a ?b ?c . ?d ?e ?f . ?h ?i ?j } }"
JSON_RESULTS = "application/sparql-results+json"


def _case_triples() -> set[ox.Triple]:
    out: set[ox.Triple] = set()
    for path in sorted((REPO / "kg" / "cases").glob("*.ttl")):
        out |= set(ox.parse(path=str(path)))
    return out


# The default graph's size as the service description states it, from the case files.
CASE_TRIPLES = len(_case_triples())
CASE_TYPE_TRIPLES = sum(1 for t in _case_triples() if t.predicate.value == RDF_TYPE)


# --- helpers ---------------------------------------------------------------------------------


def ask(api: str, query: str, how: str = "get", **kwargs) -> httpx.Response:
    """Send a query the way ``how`` names: get, form (urlencoded POST) or direct POST.
    ``params`` are the other protocol fields (a list of pairs)."""
    params = kwargs.pop("params", [])
    headers = kwargs.pop("headers", {})
    url = api + "/sparql"
    if how == "get":
        return httpx.get(url, params=[("query", query), *params], headers=headers, **kwargs)
    if how == "form":
        return httpx.post(url, data={"query": query, **_grouped(params)}, headers=headers, **kwargs)
    return httpx.post(
        url,
        params=params,
        content=query.encode("utf-8"),
        headers={"Content-Type": "application/sparql-query", **headers},
        **kwargs,
    )


def _grouped(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for name, value in pairs:
        out.setdefault(name, []).append(value)
    return out


def rows(response: httpx.Response) -> list[dict[str, dict]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == JSON_RESULTS
    return response.json()["results"]["bindings"]


def labels(response: httpx.Response, var: str = "city") -> set[tuple[str, str]]:
    return {(row[var]["value"], row[var].get("xml:lang", "")) for row in rows(response)}


def problem(response: httpx.Response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status and body["detail"]
    assert "Traceback" not in body["detail"]
    return body


def plain(triples) -> set[tuple[str, str, str]]:
    return {(t.subject.value, t.predicate.value, t.object.value) for t in triples}


def settle(base: str, workers: int, seconds: float = 60) -> bool:
    """Wait until every worker answers (a worker that was stopped is replaced by a new process,
    which takes a while to start on a busy machine); True once ``workers`` queries sent at
    once all answer 200."""
    give_up = time.monotonic() + seconds
    while time.monotonic() < give_up:
        out: dict = {}
        threads = [
            threading.Thread(target=_timed, args=(base + "/sparql", {"query": "ASK {}"}, out, n))
            for n in range(workers)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        if all(n in out and out[n][0].status_code == 200 for n in range(workers)):
            return True
        time.sleep(0.2)
    return False


@pytest.fixture(scope="module", autouse=True)
def _warm(api: str) -> None:
    """Both workers of the shared server ready before the first test (a 3 s deadline)."""
    assert settle(api, 2)


def _timed(url: str, params: dict, out: dict, key: str) -> None:
    response = httpx.get(url, params=params, timeout=60)
    out[key] = (response, time.monotonic())


# --- the protocol: three ways to send a query ------------------------------------------------


@pytest.mark.parametrize("how", ["get", "form", "direct"])
def test_each_way_of_sending_a_query_answers_the_same(api: str, how: str) -> None:
    got = {
        (row["g"]["value"], row["city"]["value"], row["city"]["xml:lang"])
        for row in rows(ask(api, CITIES_BY_GRAPH, how))
    }
    assert got == {
        (CITY_A, "City A", "en"),
        (CITY_A, "A市", "zh"),
        (HANGZHOU, "Hangzhou", "en"),
        (HANGZHOU, "杭州", "zh"),
        (SHANGHAI, "Shanghai", "en"),
        (SHANGHAI, "上海", "zh"),
    }


@pytest.mark.parametrize("how", ["get", "form", "direct"])
def test_percent_decoding_happens_exactly_once(api: str, how: str) -> None:
    query = (
        'SELECT ?iri ?lit ?text ?v WHERE { VALUES ?v { "50%" } '
        'BIND(<http://example.org/a%20b> AS ?iri) BIND("100%25" AS ?lit) '
        'BIND("1+1=2 & a;b 杭州" AS ?text) }'
    )
    (row,) = rows(ask(api, query, how))
    assert row["iri"] == {"type": "uri", "value": "http://example.org/a%20b"}
    assert row["lit"]["value"] == "100%25"
    assert row["text"]["value"] == "1+1=2 & a;b 杭州"
    assert row["v"]["value"] == "50%"


def test_a_raw_query_string_is_decoded_once(api: str) -> None:
    # written by hand: %2520 is "%20" once decoded, + is a space, %2B a plus
    raw = (
        "query=SELECT+%3Fx+%3Fy+WHERE+%7B+BIND(%3Chttp://example.org/a%2520b%3E+AS+%3Fx)"
        "+BIND(%221%2B1+100%2525%22+AS+%3Fy)+%7D"
    )
    (row,) = rows(httpx.get(f"{api}/sparql?{raw}"))
    assert row["x"]["value"] == "http://example.org/a%20b"
    assert row["y"]["value"] == "1+1 100%25"


def test_exactly_one_query(api: str) -> None:
    url = api + "/sparql"
    two = httpx.get(url, params=[("query", "ASK {}"), ("query", "ASK {}")])
    assert "2 queries" in problem(two, 400)["detail"]
    problem(httpx.post(url, data={"query": ["ASK {}", "ASK {}"]}), 400)
    both = httpx.post(
        url,
        params={"query": "ASK {}"},
        content=b"ASK {}",
        headers={"Content-Type": "application/sparql-query"},
    )
    problem(both, 400)
    assert (
        "no query" in problem(httpx.post(url, data={"default-graph-uri": HANGZHOU}), 400)["detail"]
    )
    assert "empty" in problem(ask(api, "  ", "direct"), 400)["detail"]


@pytest.mark.parametrize(
    "kind", ["text/plain", "application/json", "application/sparql-results+json", None]
)
def test_unknown_content_type_is_415(api: str, kind: str | None) -> None:
    headers = {"Content-Type": kind} if kind else {}
    response = httpx.post(api + "/sparql", content=b"ASK {}", headers=headers)
    assert "application/sparql-query" in problem(response, 415)["detail"]


def test_a_direct_post_is_utf8_only(api: str) -> None:
    """The protocol sends a query as UTF-8: another charset is 415, bytes that are not UTF-8
    are 400, and charset=UTF-8 (any spelling) is read."""
    url = api + "/sparql"
    query = 'SELECT ?x WHERE { BIND("café" AS ?x) }'
    for charset in ("UTF-8", "utf8"):
        said = httpx.post(
            url,
            content=query.encode("utf-8"),
            headers={"Content-Type": f"application/sparql-query; charset={charset}"},
        )
        assert rows(said)[0]["x"]["value"] == "café"
    latin = httpx.post(
        url,
        content=query.encode("latin-1"),
        headers={"Content-Type": "application/sparql-query; charset=ISO-8859-1"},
    )
    assert "UTF-8" in problem(latin, 415)["detail"]
    not_utf8 = httpx.post(
        url, content=query.encode("latin-1"), headers={"Content-Type": "application/sparql-query"}
    )
    problem(not_utf8, 400)
    for charset in ("no-such-charset", "rot13", "UTF-16"):
        odd = httpx.post(
            url,
            content=b"ASK {}",
            headers={"Content-Type": f"application/sparql-query; charset={charset}"},
        )
        problem(odd, 415)


def test_a_syntax_error_is_400_saying_where(api: str) -> None:
    body = problem(ask(api, "SELEC ?x WHERE { ?x ?p ?o }"), 400)
    assert body["type"].endswith("/bad-query")
    assert body["detail"] == (
        "the query is not valid SPARQL: 'SELEC' at line 1, column 1 is not a SPARQL 1.1 "
        "keyword (flywheel runs standard SPARQL only)"
    )
    body = problem(ask(api, "SELECT ?x WHERE { ?x ?p ?o "), 400)  # words fine, the parser says
    assert body["type"].endswith("/bad-query")
    assert body["detail"].startswith("the query is not valid SPARQL: error at 1:")


# --- read-only: updates, SERVICE, LOAD, FROM <file:> ---------------------------------------

INSERT = "INSERT DATA { GRAPH <urn:x:g> { <urn:x:s> <urn:x:p> <urn:x:o> } }"


@pytest.mark.parametrize(
    "send",
    [
        lambda url: httpx.post(
            url, content=INSERT, headers={"Content-Type": "application/sparql-update"}
        ),
        lambda url: httpx.post(url, data={"update": INSERT}),
        lambda url: httpx.get(url, params={"update": INSERT}),
        lambda url: httpx.get(url, params={"query": INSERT}),
        lambda url: httpx.post(url, data={"query": INSERT}),
        lambda url: httpx.post(
            url,
            content=f"DROP GRAPH <{HANGZHOU}>",
            headers={
                "Content-Type": "application/sparql-query",
                "Authorization": f"Bearer {API_TOKEN}",  # even the writer's token: never
            },
        ),
        lambda url: httpx.get(url, params={"query": f"# a comment\nCLEAR GRAPH <{HANGZHOU}>"}),
        lambda url: httpx.get(url, params={"query": "LOAD <http://127.0.0.1:9/x.ttl>"}),
    ],
    ids=[
        "sparql-update",
        "form-update",
        "get-update",
        "get-query",
        "form-query",
        "token",
        "clear",
        "load",
    ],
)
def test_updates_are_refused_and_change_nothing(api: str, send) -> None:
    body = problem(send(api + "/sparql"), 403)
    assert "read-only" in body["detail"] and "never" in body["detail"]
    after = ask(api, "ASK { GRAPH <urn:x:g> { ?s ?p ?o } }")
    assert after.json()["boolean"] is False
    still = ask(api, f"ASK {{ GRAPH <{HANGZHOU}> {{ ?s a <{FW}City> }} }}")
    assert still.json()["boolean"] is True


def test_keywords_inside_names_strings_and_iris_are_not_updates(api: str) -> None:
    query = (
        'PREFIX copy: <urn:x:> SELECT ?service ?add ?load ?s WHERE { BIND("INSERT DATA" AS ?s) '
        "BIND(copy:drop AS ?service) BIND(<urn:x:LOAD> AS ?add) BIND(1 AS ?load) }  # DELETE"
    )
    (row,) = rows(ask(api, query))
    assert row["service"]["value"] == "urn:x:drop"
    assert row["s"]["value"] == "INSERT DATA"


def test_from_a_file_is_refused(api: str) -> None:
    body = problem(ask(api, "SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o }"), 400)
    assert "file:///etc/passwd" in body["detail"]


@pytest.fixture
def listening() -> Iterator[socket.socket]:
    """A real socket listening on a local port, to see whether anything connects."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        yield sock


@pytest.mark.parametrize("how", ["get", "form", "direct"])
def test_service_is_refused_and_never_connects(api: str, listening, how: str) -> None:
    port = listening.getsockname()[1]
    for query in (
        f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}",
        f"select * {{ service silent <http://127.0.0.1:{port}/> {{ ?s ?p ?o }} }}",
        f"SELECT * {{ ?a ?b ?c .SERVICE<http://127.0.0.1:{port}/>{{ ?s ?p ?o }} }}",
    ):
        body = problem(ask(api, query, how), 400)
        assert "SERVICE" in body["detail"]
    readable, _, _ = select.select([listening], [], [], 0.5)
    assert readable == [], "the endpoint connected to the SERVICE address"


# --- the dataset -------------------------------------------------------------------------------


@pytest.mark.parametrize("how", ["get", "form", "direct"])
def test_default_graph_uri_chooses_the_default_graph(api: str, how: str) -> None:
    got = labels(ask(api, CITY_LABELS, how, params=[("default-graph-uri", HANGZHOU)]))
    assert got == HANGZHOU_LABELS


def test_default_graph_uri_is_repeatable_and_overrides_from(api: str) -> None:
    from_city_a = CITY_LABELS.replace("WHERE", f"FROM <{CITY_A}> WHERE")
    assert labels(ask(api, from_city_a)) == CITY_A_LABELS
    got = labels(
        ask(
            api,
            from_city_a,
            params=[("default-graph-uri", HANGZHOU), ("default-graph-uri", SHANGHAI)],
        )
    )
    assert got == HANGZHOU_LABELS | SHANGHAI_LABELS


@pytest.mark.parametrize("how", ["get", "form", "direct"])
def test_named_graph_uri_chooses_the_named_graphs(api: str, how: str) -> None:
    query = CITIES_BY_GRAPH.replace("WHERE", f"FROM NAMED <{HANGZHOU}> WHERE")
    response = ask(
        api, query, how, params=[("named-graph-uri", SHANGHAI), ("named-graph-uri", CITY_A)]
    )
    got = {(r["g"]["value"], r["city"]["value"]) for r in rows(response)}
    assert got == {
        (SHANGHAI, "Shanghai"),
        (SHANGHAI, "上海"),
        (CITY_A, "City A"),
        (CITY_A, "A市"),
    }


ALL_LABELS = HANGZHOU_LABELS | SHANGHAI_LABELS | CITY_A_LABELS


@pytest.mark.parametrize("how", ["get", "form", "direct"])
def test_the_default_graph_is_the_union_of_the_cases(api: str, how: str) -> None:
    """No dataset named: the cities of all three cases, each label once (the catalog, which
    repeats each city's labels, is not part of the default graph)."""
    got = rows(ask(api, CITY_LABELS, how))
    assert sorted((r["city"]["value"], r["city"].get("xml:lang", "")) for r in got) == sorted(
        ALL_LABELS
    )
    off = rows(ask(api, CITY_LABELS, params=[("union-default-graph", "false")]))
    assert len(off) == len(ALL_LABELS)


def test_union_default_graph_is_every_graph(api: str) -> None:
    """union-default-graph=true: every graph's union, the catalog included, whose city labels
    then match a second time (once per graph holding them)."""
    union = rows(ask(api, CITY_LABELS, params=[("union-default-graph", "true")]))
    got = sorted((r["city"]["value"], r["city"].get("xml:lang", "")) for r in union)
    assert got == sorted([*ALL_LABELS, *ALL_LABELS])
    distinct = CITY_LABELS.replace("SELECT", "SELECT DISTINCT")
    assert labels(ask(api, distinct, params=[("union-default-graph", "true")])) == ALL_LABELS


def test_graph_reaches_every_graph_by_default(api: str) -> None:
    """GRAPH ?g says which case a city is in; the catalog (which labels each city but does not
    type it) is a named graph too."""
    got = {(r["g"]["value"], r["city"]["value"]) for r in rows(ask(api, CITIES_BY_GRAPH))}
    assert got == {
        (HANGZHOU, "Hangzhou"),
        (HANGZHOU, "杭州"),
        (SHANGHAI, "Shanghai"),
        (SHANGHAI, "上海"),
        (CITY_A, "City A"),
        (CITY_A, "A市"),
    }
    graphs = rows(ask(api, "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"))
    names = {r["g"]["value"] for r in graphs}
    assert {HANGZHOU, SHANGHAI, CITY_A, "https://w3id.org/dataflywheel/catalog"} <= names


def test_from_names_the_dataset_when_no_parameter_does(api: str) -> None:
    only_city_a = CITY_LABELS.replace("WHERE", f"FROM <{CITY_A}> WHERE")
    assert labels(ask(api, only_city_a)) == CITY_A_LABELS
    named = CITIES_BY_GRAPH.replace("WHERE", f"FROM NAMED <{SHANGHAI}> WHERE")
    assert {r["g"]["value"] for r in rows(ask(api, named))} == {SHANGHAI}


def test_rdflib_default_graph_stands_for_the_union(api: str) -> None:
    """rdflib's Dataset sends default-graph-uri=urn:x-rdflib:default: the union of the cases,
    with every graph still named; with named-graph-uri too, those are the named graphs."""
    rdflib_default = [("default-graph-uri", "urn:x-rdflib:default")]
    assert labels(ask(api, CITY_LABELS, params=rdflib_default)) == ALL_LABELS
    by_graph = rows(ask(api, CITIES_BY_GRAPH, params=rdflib_default))
    assert {r["g"]["value"] for r in by_graph} >= {HANGZHOU, SHANGHAI, CITY_A}
    narrowed = rows(
        ask(api, CITIES_BY_GRAPH, params=[*rdflib_default, ("named-graph-uri", HANGZHOU)])
    )
    assert {r["g"]["value"] for r in narrowed} == {HANGZHOU}
    with_hangzhou = [("default-graph-uri", "urn:x-rdflib:default"), ("default-graph-uri", HANGZHOU)]
    assert (
        labels(ask(api, CITY_LABELS.replace("SELECT", "SELECT DISTINCT"), params=with_hangzhou))
        == ALL_LABELS
    )


def test_describe_reads_the_default_graph(api: str) -> None:
    city = SHANGHAI + "/city"
    response = ask(api, f"DESCRIBE <{city}>")
    # kg/cases/shanghai.ttl's sha:city, every statement with it as subject: its type, two
    # labels, two comments (English, Chinese), its level and the nation it lies in
    described = plain(ox.parse(response.content, format=ox.RdfFormat.TURTLE))
    comments = {o for s, p, o in described if p == RDFS + "comment"}
    assert len(comments) == 2 and any(
        c.startswith("A municipality directly under") for c in comments
    )
    assert described - {(city, RDFS + "comment", c) for c in comments} == {
        (city, RDF_TYPE, FW + "City"),
        (city, RDFS + "label", "Shanghai"),
        (city, RDFS + "label", "上海"),
        (city, FW + "jurisdictionLevel", FW + "ProvincialLevel"),
        (city, FW + "withinJurisdiction", SHANGHAI + "/china"),
    }


def test_relative_iris_resolve_against_the_endpoint(api: str) -> None:
    response = ask(api, "CONSTRUCT { <s> <p> <o> } WHERE {}", "direct")
    assert plain(ox.parse(response.content, format=ox.RdfFormat.TURTLE)) == {
        (api + "/s", api + "/p", api + "/o")
    }
    base = ask(api, "BASE <http://example.org/a/> SELECT ?x WHERE { BIND(<b> AS ?x) }")
    assert rows(base)[0]["x"]["value"] == "http://example.org/a/b"


@pytest.mark.parametrize(
    "query_string",
    ["union-default-graph=true", f"default-graph-uri={HANGZHOU}", "union-default-graph=false"],
)
def test_a_get_without_a_query_is_the_service_description(api: str, query_string: str) -> None:
    """A federation engine given …/sparql?union-default-graph=true as its source reads the
    service description there (no query: nothing to refuse)."""
    response = httpx.get(f"{api}/sparql?{query_string}")
    assert response.status_code == 200, response.text
    sd = description(response.content, ox.RdfFormat.TURTLE)
    assert select_values(sd, "SELECT ?e { ?s a sd:Service ; sd:endpoint ?e }") == {api + "/sparql"}


def test_a_query_appended_to_a_source_url_with_a_query_string(api: str) -> None:
    """Comunica 4 appends ?query=… to the source URL as given: both fields are read."""
    query = httpx.QueryParams({"query": CITY_LABELS})
    response = httpx.get(f"{api}/sparql?union-default-graph=true?{query}")
    assert labels(response) == ALL_LABELS


@pytest.mark.parametrize(
    "params",
    [
        [("union-default-graph", "maybe")],
        [("union-default-graph", "true"), ("default-graph-uri", HANGZHOU)],
        [("default-graph-uri", "hangzhou")],
        [("named-graph-uri", "http://example.org/a b")],
    ],
)
def test_bad_dataset_parameters_are_400(api: str, params) -> None:
    problem(ask(api, CITY_LABELS, params=params), 400)


# --- content negotiation ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "content_type", "body"),
    [
        (None, JSON_RESULTS, None),
        ("*/*", JSON_RESULTS, None),
        ("application/sparql-results+xml", "application/sparql-results+xml", None),
        ("text/csv", "text/csv; charset=utf-8", "city\r\nCity A\r\nHangzhou\r\nShanghai\r\n"),
        (
            "text/tab-separated-values",
            "text/tab-separated-values; charset=utf-8",
            '?city\n"City A"@en\n"Hangzhou"@en\n"Shanghai"@en\n',
        ),
        (
            f"{JSON_RESULTS};q=0, text/csv;q=0.5, application/sparql-results+xml;q=0.4",
            "text/csv; charset=utf-8",
            None,
        ),
        ("text/*", "text/csv; charset=utf-8", None),
    ],
)
def test_select_results_are_negotiated(api: str, accept, content_type, body) -> None:
    headers = {"Accept": accept} if accept else {}
    response = ask(api, ENGLISH_NAMES, headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == content_type
    assert "Accept" in response.headers["vary"]
    if body is not None:
        assert response.text == body
    if content_type == JSON_RESULTS:
        names = [r["city"]["value"] for r in response.json()["results"]["bindings"]]
        assert names == ["City A", "Hangzhou", "Shanghai"]
    if "xml" in content_type:
        assert "<sparql" in response.text and '<literal xml:lang="en">Hangzhou' in response.text


@pytest.mark.parametrize(
    ("accept", "status"),
    [
        (None, 200),
        ("application/sparql-results+xml", 200),
        ("text/csv", 406),
        ("text/tab-separated-values", 406),
        ("text/turtle", 406),
    ],
)
def test_ask_is_json_or_xml_only(api: str, accept, status) -> None:
    headers = {"Accept": accept} if accept else {}
    response = ask(api, f"ASK {{ GRAPH <{HANGZHOU}> {{ ?c a <{FW}City> }} }}", headers=headers)
    if status == 406:
        problem(response, 406)
    else:
        assert response.status_code == 200
        if accept is None:
            assert response.json() == {"head": {}, "boolean": True}
        else:
            assert "<boolean>true</boolean>" in response.text


@pytest.mark.parametrize(
    ("accept", "content_type", "fmt"),
    [
        (None, "text/turtle; charset=utf-8", ox.RdfFormat.TURTLE),
        ("application/n-triples", "application/n-triples", ox.RdfFormat.N_TRIPLES),
        ("application/ld+json", "application/ld+json", ox.RdfFormat.JSON_LD),
        ("application/rdf+xml", "application/rdf+xml", ox.RdfFormat.RDF_XML),
    ],
)
def test_construct_results_are_negotiated(api: str, accept, content_type, fmt) -> None:
    headers = {"Accept": accept} if accept else {}
    response = ask(api, STAGES, headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == content_type
    assert plain(ox.parse(response.content, format=fmt)) == STAGE_TRIPLES


def test_describe_in_a_chosen_graph(api: str) -> None:
    city = HANGZHOU + "/city"
    response = ask(api, f"DESCRIBE <{city}>", params=[("default-graph-uri", HANGZHOU)])
    assert response.headers["content-type"] == "text/turtle; charset=utf-8"
    assert plain(ox.parse(response.content, format=ox.RdfFormat.TURTLE)) == {
        # hangzhou.ttl's hz:city block: its type, labels, comments, level and province
        (city, RDF_TYPE, FW + "City"),
        (city, RDFS + "label", "Hangzhou"),
        (city, RDFS + "label", "杭州"),
        (
            city,
            RDFS + "comment",
            "A sub-provincial city, which counts as prefecture level. Its level and its place in "
            "Zhejiang are general administrative knowledge, not taken from the case's sources.",
        ),
        (
            city,
            RDFS + "comment",
            "副省级市,属地级行政区。其行政级别及隶属浙江省为一般行政常识,并非取自本案例的来源。",
        ),
        (city, FW + "jurisdictionLevel", FW + "PrefectureLevel"),
        (city, FW + "withinJurisdiction", HANGZHOU + "/zhejiang"),
    }


def test_construct_as_sparql_results_is_406(api: str) -> None:
    body = problem(ask(api, STAGES, headers={"Accept": JSON_RESULTS}), 406)
    assert "text/turtle" in body["detail"]


# --- the service description, HEAD, OPTIONS, CORS --------------------------------------------


def description(body: bytes, fmt: ox.RdfFormat) -> ox.Store:
    store = ox.Store()
    store.extend(ox.Quad(t.subject, t.predicate, t.object) for t in ox.parse(body, format=fmt))
    return store


def select_values(store: ox.Store, query: str) -> set[str]:
    return {row[0].value for row in store.query(f"PREFIX sd: <{SD}> " + query)}


@pytest.mark.parametrize(
    ("accept", "fmt"),
    [
        (None, ox.RdfFormat.TURTLE),
        ("application/ld+json", ox.RdfFormat.JSON_LD),
        ("application/rdf+xml", ox.RdfFormat.RDF_XML),
        ("application/n-triples", ox.RdfFormat.N_TRIPLES),
    ],
)
def test_plain_get_is_the_service_description(api: str, accept, fmt) -> None:
    response = httpx.get(api + "/sparql", headers={"Accept": accept} if accept else {})
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == (accept or "text/turtle")
    sd = description(response.content, fmt)
    assert select_values(sd, "SELECT ?e { ?s a sd:Service ; sd:endpoint ?e }") == {api + "/sparql"}
    assert select_values(sd, "SELECT ?l { ?s a sd:Service ; sd:supportedLanguage ?l }") == {
        SD + "SPARQL11Query"
    }
    formats = "http://www.w3.org/ns/formats/"
    assert select_values(sd, "SELECT ?f { ?s sd:resultFormat ?f }") == {
        formats + name
        for name in (
            "SPARQL_Results_JSON",
            "SPARQL_Results_XML",
            "SPARQL_Results_CSV",
            "SPARQL_Results_TSV",
            "Turtle",
            "N-Triples",
            "JSON-LD",
            "RDF_XML",
        )
    }
    void = "http://rdfs.org/ns/void#"
    assert select_values(
        sd, f"SELECT ?n {{ ?s sd:defaultDataset/sd:defaultGraph/<{void}triples> ?n }}"
    ) == {str(CASE_TRIPLES)}
    assert select_values(
        sd,
        f"SELECT ?n {{ ?s sd:defaultDataset/sd:defaultGraph/<{void}classPartition> ?c . "
        f"?c <{void}class> <{FW}City> ; <{void}entities> ?n }}",
    ) == {"3"}
    assert select_values(
        sd,
        f"SELECT ?n {{ ?s sd:defaultDataset/sd:defaultGraph/<{void}propertyPartition> ?c . "
        f"?c <{void}property> <{RDF_TYPE}> ; <{void}triples> ?n }}",
    ) == {str(CASE_TYPE_TRIPLES)}
    names = select_values(sd, "SELECT ?g { ?s sd:defaultDataset/sd:namedGraph/sd:name ?g }")
    assert {HANGZHOU, SHANGHAI, CITY_A} <= names
    union = select_values(
        sd, f"SELECT ?c {{ ?s sd:feature ?f . ?f a sd:Feature ; <{RDFS}comment> ?c }}"
    )
    assert len(union) == 2 and all("union-default-graph=true" in c for c in union)
    dataset = select_values(sd, f"SELECT ?c {{ ?s sd:defaultDataset/<{RDFS}comment> ?c }}")
    assert any("union of the case graphs" in c for c in dataset)
    assert any("各案例图的并集" in c for c in dataset)


def test_a_browser_is_sent_to_the_page(api: str) -> None:
    accept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    response = httpx.get(api + "/sparql", headers={"Accept": accept})
    assert response.status_code == 303
    assert response.headers["location"] == "/#sparql"


def test_service_description_as_results_is_406(api: str) -> None:
    problem(httpx.get(api + "/sparql", headers={"Accept": JSON_RESULTS}), 406)


def test_head_and_options(api: str) -> None:
    head = httpx.head(api + "/sparql")
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-type"] == "text/turtle; charset=utf-8"
    query = httpx.head(api + "/sparql", params={"query": ENGLISH_NAMES})
    assert query.status_code == 200 and query.content == b""
    assert query.headers["content-type"] == JSON_RESULTS
    assert int(query.headers["content-length"]) > 0
    options = httpx.options(api + "/sparql")
    assert options.status_code == 204
    assert {m.strip() for m in options.headers["allow"].split(",")} >= {"GET", "POST", "HEAD"}


def test_cors_preflight_and_simple_request(api: str) -> None:
    preflight = httpx.options(
        api + "/sparql",
        headers={
            "Origin": "https://scholar.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type, accept, authorization",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "*"
    allowed = {
        h.strip().lower() for h in preflight.headers["access-control-allow-headers"].split(",")
    }
    assert {"content-type", "accept", "authorization"} <= allowed
    assert "POST" in preflight.headers["access-control-allow-methods"]
    assert "access-control-allow-credentials" not in preflight.headers
    simple = ask(api, ENGLISH_NAMES, headers={"Origin": "https://scholar.example"})
    assert simple.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in simple.headers


def test_openapi_documents_the_endpoint(api: str) -> None:
    spec = httpx.get(api + "/openapi.json").json()
    get, post = spec["paths"]["/sparql"]["get"], spec["paths"]["/sparql"]["post"]
    assert get["summary"] and get["description"] and post["summary"]
    assert {p["name"] for p in get["parameters"]} == {
        "query",
        "default-graph-uri",
        "named-graph-uri",
        "union-default-graph",
    }
    assert {p["name"] for p in post["parameters"]} == {
        "default-graph-uri",
        "named-graph-uri",
        "union-default-graph",
    }
    assert set(post["requestBody"]["content"]) == {
        "application/sparql-query",
        "application/x-www-form-urlencoded",
    }
    media = set(get["responses"]["200"]["content"])
    assert media == {
        JSON_RESULTS,
        "application/sparql-results+xml",
        "text/csv",
        "text/tab-separated-values",
        "text/turtle",
        "application/n-triples",
        "application/ld+json",
        "application/rdf+xml",
    }
    assert "example" in get["responses"]["200"]["content"][JSON_RESULTS]
    assert {"303", "400", "403", "406", "413", "503", "504"} <= set(get["responses"])
    assert {"400", "403", "406", "413", "415", "503", "504"} <= set(post["responses"])
    assert "application/problem+json" in get["responses"]["406"]["content"]
    assert "union-default-graph" in get["description"]


# --- a standard client -----------------------------------------------------------------------


@pytest.mark.parametrize("method", ["GET", POST])
def test_sparqlwrapper_select_json(api: str, method: str) -> None:
    client = SPARQLWrapper(api + "/sparql")
    client.setMethod(method)
    client.setQuery(ENGLISH_NAMES)
    client.setReturnFormat(JSON)
    result = client.query().convert()
    names = [b["city"]["value"] for b in result["results"]["bindings"]]
    assert names == ["City A", "Hangzhou", "Shanghai"]


def test_sparqlwrapper_construct_turtle(api: str) -> None:
    client = SPARQLWrapper(api + "/sparql")
    client.setQuery(STAGES)
    client.setReturnFormat(TURTLE)
    data = client.query().convert()
    assert plain(ox.parse(data, format=ox.RdfFormat.TURTLE)) == STAGE_TRIPLES


# --- the deadline and a busy server ------------------------------------------------------------


def test_a_slow_query_is_stopped_and_does_not_block_others(api: str) -> None:
    out: dict = {}
    started = time.monotonic()
    slow = threading.Thread(target=_timed, args=(api + "/sparql", {"query": SLOW}, out, "slow"))
    slow.start()
    time.sleep(0.3)  # let the slow query take a worker first
    fast = threading.Thread(
        target=_timed, args=(api + "/sparql", {"query": ENGLISH_NAMES}, out, "fast")
    )
    fast.start()
    fast.join(60)
    slow.join(60)
    slow_response, slow_done = out["slow"]
    fast_response, fast_done = out["fast"]
    body = problem(slow_response, 504)
    assert "3 s" in body["detail"]
    assert slow_done - started > 2.5  # stopped at its 3 s deadline, not before
    assert len(rows(fast_response)) == 3
    assert fast_done < slow_done  # answered while the slow one still ran
    assert settle(api, 2)  # and the server still answers, with both workers
    assert len(rows(ask(api, ENGLISH_NAMES))) == 3


@pytest.fixture(scope="module")
@marks_its_users("server")
def tight(bundled_store, tmp_path_factory) -> Iterator[str]:
    """A server with one worker, no waiting line, a 1000-byte body limit and a public URL."""
    folder = tmp_path_factory.mktemp("tight")
    shutil.copytree(bundled_store, folder / "store")
    env = {
        "FLYWHEEL_WORKERS": "1",
        "FLYWHEEL_MAX_WAITING": "0",
        "FLYWHEEL_MAX_BODY": "1000",
        "FLYWHEEL_DEADLINE": "3",
        "FLYWHEEL_PUBLIC_URL": "https://kg.example.org/flywheel/",
    }
    with api_server(folder / "store", folder / "server.log", env) as url:
        assert settle(url, 1)
        yield url


def test_a_body_over_the_limit_is_413(tight: str) -> None:
    query = ENGLISH_NAMES + "\n# " + "x" * 2000
    problem(ask(tight, query, "direct"), 413)
    problem(ask(tight, query, "form"), 413)
    assert len(rows(ask(tight, ENGLISH_NAMES, "direct"))) == 3  # under the limit: fine


def test_the_public_url_is_the_described_endpoint(tight: str) -> None:
    response = httpx.get(tight + "/sparql")
    sd = description(response.content, ox.RdfFormat.TURTLE)
    assert select_values(sd, "SELECT ?e { ?s sd:endpoint ?e }") == {
        "https://kg.example.org/flywheel/sparql"
    }


def test_a_saturated_server_answers_503_with_retry_after(tight: str) -> None:
    for _attempt in range(3):
        out: dict = {}
        slow = threading.Thread(
            target=_timed, args=(tight + "/sparql", {"query": SLOW}, out, "slow")
        )
        slow.start()
        time.sleep(1)  # let the slow query take the only worker
        probe = httpx.get(tight + "/sparql", params={"query": "ASK {}"}, timeout=60)
        slow.join(60)
        assert settle(tight, 1)  # free again once the stopped worker is replaced
        if out["slow"][0].status_code == 504:
            break  # else the probe came first (a very slow machine): try again
    problem(out["slow"][0], 504)
    problem(probe, 503)
    assert int(probe.headers["retry-after"]) >= 1


# --- a remote store: the query is forwarded with its dataset -----------------------------------


@pytest.fixture(scope="module")
@marks_its_users("server")
def remote(bundled_store, tmp_path_factory) -> Iterator[str]:
    """The API over an `oxigraph serve` holding the bundled cases."""
    folder = tmp_path_factory.mktemp("remote")
    shutil.copytree(bundled_store, folder / "store")
    for _attempt in range(3):
        process, url = start_oxigraph(folder / "store", folder / "oxigraph.log")
        if url:
            break
        stop(process)
    else:
        pytest.fail(Path(folder / "oxigraph.log").read_text(errors="replace")[-2000:])
    try:
        with api_server(url, folder / "server.log", {"FLYWHEEL_DEADLINE": "10"}) as api_url:
            yield api_url
    finally:
        stop(process)


def test_a_remote_store_answers_through_the_endpoint(remote: str) -> None:
    got = labels(ask(remote, CITY_LABELS, "form", params=[("default-graph-uri", HANGZHOU)]))
    assert got == HANGZHOU_LABELS
    construct = ask(remote, STAGES, headers={"Accept": "application/n-triples"})
    assert construct.headers["content-type"] == "application/n-triples"
    assert plain(ox.parse(construct.content, format=ox.RdfFormat.N_TRIPLES)) == STAGE_TRIPLES
    # the remote server's parser, in its words: 'SELECT ?x {' ends at column 12
    assert "error at 1:12" in problem(ask(remote, "SELECT ?x {"), 400)["detail"]
    problem(ask(remote, "ASK {}", headers={"Accept": "text/csv"}), 406)
    sd = description(httpx.get(remote + "/sparql").content, ox.RdfFormat.TURTLE)
    names = select_values(sd, "SELECT ?g { ?s sd:defaultDataset/sd:namedGraph/sd:name ?g }")
    assert {HANGZHOU, SHANGHAI, CITY_A} <= names


def test_a_remote_store_resolves_relative_iris_against_this_endpoint(remote: str) -> None:
    """As the W3C test query_content_type_construct asks of the endpoint: <s> in a template is
    the endpoint's address resolved, not the backend server's (which the client never sees); a
    BASE of the query's own still wins."""
    response = ask(
        remote, "CONSTRUCT { <s> <p> 1 } WHERE {}", headers={"Accept": "application/n-triples"}
    )
    [triple] = ox.parse(response.content, format=ox.RdfFormat.N_TRIPLES)
    assert (triple.subject.value, triple.predicate.value) == (remote + "/s", remote + "/p")
    own = ask(
        remote,
        "BASE <http://example.org/here/> CONSTRUCT { <s> <p> 1 } WHERE {}",
        headers={"Accept": "application/n-triples"},
    )
    [triple] = ox.parse(own.content, format=ox.RdfFormat.N_TRIPLES)
    assert triple.subject.value == "http://example.org/here/s"


# --- the default graph is a set: a triple two cases state is one triple -------------------------

HANGZHOU_CITY = HANGZHOU + "/city"
LABEL_COUNT = f"SELECT (COUNT(*) AS ?n) WHERE {{ <{HANGZHOU_CITY}> <{RDFS}label> ?l }}"
LABELS_BY_GRAPH = (
    f"SELECT ?g (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ <{HANGZHOU_CITY}> <{RDFS}label> ?l }} }} "
    "GROUP BY ?g"
)
CATALOG = "https://w3id.org/dataflywheel/catalog"
SECOND_CODING = CASE + "hangzhou-coder-b"


def count(api: str, query: str, how: str = "get", **kwargs) -> int:
    return int(rows(ask(api, query, how, **kwargs))[0]["n"]["value"])


@contextmanager
def writable_api(backend: str, bundled_store: Path, folder: Path) -> Iterator[str]:
    """The API with writes allowed over a copy of the bundled store: embedded, or an
    `oxigraph serve` holding it (remote)."""
    shutil.copytree(bundled_store, folder / "store")
    env = {"FLYWHEEL_API_TOKEN": API_TOKEN, "FLYWHEEL_DEADLINE": "10"}
    if backend == "embedded":
        with api_server(folder / "store", folder / "server.log", env) as url:
            yield url
        return
    for _attempt in range(3):
        process, remote_url = start_oxigraph(folder / "store", folder / "oxigraph.log")
        if remote_url:
            break
        stop(process)
    else:
        pytest.fail((folder / "oxigraph.log").read_text(errors="replace")[-2000:])
    try:
        with api_server(remote_url, folder / "server.log", env) as url:
            yield url
    finally:
        stop(process)


@pytest.mark.server
@pytest.mark.parametrize("backend", ["embedded", "remote"])
def test_a_triple_two_cases_state_is_one_triple_of_the_default_graph(
    bundled_store, tmp_path: Path, backend: str
) -> None:
    """A second coder's coding of Hangzhou (hangzhou.ttl under another case IRI) states the
    city's two labels too: without GRAPH they are two triples, not four (an RDF merge); with
    GRAPH, one per case. Removing one coding keeps them; removing both drops them."""
    text = (REPO / "kg" / "cases" / "hangzhou.ttl").read_text(encoding="utf-8")
    second = text.replace(f"<{HANGZHOU}>", f"<{SECOND_CODING}>")
    token = {"Authorization": f"Bearer {API_TOKEN}"}
    with writable_api(backend, bundled_store, tmp_path) as api:
        assert count(api, LABEL_COUNT) == 2
        put = httpx.put(
            f"{api}/cases/hangzhou-coder-b",
            content=second.encode("utf-8"),
            headers={**token, "Content-Type": "text/turtle"},
            timeout=60,
        )
        assert put.status_code == 201, put.text
        # in each case, and in the catalog (which names each case's city)
        both = {HANGZHOU: 2, SECOND_CODING: 2, CATALOG: 2}
        assert by_graph(api) == both
        for how in ("get", "form", "direct"):
            assert count(api, LABEL_COUNT, how) == 2
        # rdflib's name for the default graph: the same set, over the embedded store
        rdflib_default = [("default-graph-uri", "urn:x-rdflib:default")]
        assert count(api, LABEL_COUNT, params=rdflib_default) == (
            2 if backend == "embedded" else 4  # a remote store's cases, listed one by one
        )
        # the service description counts the default graph's triples once each: the second
        # coding adds only the triples that name it (its header)
        sd = description(httpx.get(api + "/sparql").content, ox.RdfFormat.TURTLE)
        void = "http://rdfs.org/ns/void#"
        [triples] = select_values(sd, f"SELECT ?n {{ ?s sd:defaultGraph/<{void}triples> ?n }}")
        naming = [t for t in ox.parse(second.encode(), format=ox.RdfFormat.TURTLE)
                  if SECOND_CODING in (t.subject.value, t.object.value)]  # fmt: skip
        assert int(triples) == CASE_TRIPLES + len(naming) and len(naming) == 7
        assert httpx.delete(f"{api}/cases/hangzhou", headers=token).status_code == 204
        assert count(api, LABEL_COUNT) == 2
        assert by_graph(api) == {SECOND_CODING: 2, CATALOG: 2}  # the catalog still names it
        assert httpx.get(f"{api}/cases/hangzhou-coder-b").json()["city_label"] == "Hangzhou"
        assert httpx.delete(f"{api}/cases/hangzhou-coder-b", headers=token).status_code == 204
        assert count(api, LABEL_COUNT) == 0
        assert by_graph(api) == {}


@pytest.mark.server
def test_serve_brings_a_store_without_the_union_up_to_date(bundled_store, tmp_path: Path) -> None:
    """A store written before flywheel kept the union (no mark, an empty default graph): the
    server rebuilds it as it starts, and a query without GRAPH finds every case."""
    shutil.copytree(bundled_store, tmp_path / "store")
    raw = ox.Store(str(tmp_path / "store"))
    raw.update(
        f"DELETE WHERE {{ GRAPH <{CATALOG}> {{ <{CATALOG}> <http://purl.org/dc/terms/conformsTo> "
        "?layout } } ; DROP DEFAULT"
    )
    assert not list(raw.quads_for_pattern(None, None, None, ox.DefaultGraph()))
    raw.flush()
    del raw
    with api_server(tmp_path / "store", tmp_path / "server.log") as api:
        assert labels(ask(api, CITY_LABELS)) == ALL_LABELS
        assert count(api, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }") == CASE_TRIPLES


def by_graph(api: str) -> dict[str, int]:
    return {r["g"]["value"]: int(r["n"]["value"]) for r in rows(ask(api, LABELS_BY_GRAPH))}


# --- the documentation runs --------------------------------------------------------------------


def test_the_documented_python_example_runs(api: str, capsys) -> None:
    text = (REPO / "docs" / "api.md").read_text(encoding="utf-8")
    section = text.split("## The SPARQL endpoint", 1)[1].split("\n## ", 1)[0]
    (code,) = re.findall(r"```python\n(.*?)```", section, flags=re.S)
    exec(compile(code.replace("http://127.0.0.1:8000", api), "docs/api.md", "exec"), {})
    assert capsys.readouterr().out.splitlines() == [
        f"{CITY_A} City A",
        f"{HANGZHOU} Hangzhou",
        f"{SHANGHAI} Shanghai",
    ]


def test_plain_json_is_accepted_for_select_and_ask(api: str) -> None:
    """Clients that ask for application/json get SPARQL JSON results, labelled as they asked."""
    for query, key in (('SELECT ?x WHERE { BIND("a" AS ?x) }', "results"), ("ASK {}", "boolean")):
        response = httpx.post(
            api + "/sparql",
            content=query.encode(),
            headers={"Content-Type": "application/sparql-query", "Accept": "application/json"},
        )
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("application/json")
        assert key in response.json()
