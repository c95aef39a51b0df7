"""The query check (kg/sparql.py, kg/sparql_lexer.py): SERVICE hidden in every place the grammar
allows white space, comments or escapes never gets through; ordinary queries are never refused;
function calls, FROM, depth and size are judged from the tokens. And the second wall: a query
worker of an embedded store cannot open an internet socket, so a SERVICE that slipped past the
check still reaches no listener."""

from __future__ import annotations

import itertools
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg import limits
from kg.sparql.check import (
    QueryInvalid,
    QueryRefused,
    QueryTooComplex,
    QueryTooLarge,
    UpdateRefused,
    check_query,
    query_form,
)
from kg.sparql.lexer import escapes_processed, position, tokens
from kg.store.workers import run_isolated, spawn
from tests.servers import Listener

QUERIES = Path(__file__).resolve().parent.parent / "queries"
TARGET = "<http://127.0.0.1:{port}/sparql>"


# --- the tokens --------------------------------------------------------------------------------


def test_a_comment_ends_at_a_carriage_return_as_at_a_line_feed() -> None:
    kinds = [(t.kind, t.text) for t in tokens("?a #x\r?b #y\n?c #z\r\n?d")]
    assert kinds == [("VAR", "?a"), ("VAR", "?b"), ("VAR", "?c"), ("VAR", "?d")]


def test_strings_iris_and_names_are_single_tokens() -> None:
    text = "SELECT ?x WHERE { <a#b> ex:SERVICE '''it's \"x\"''' . _:b1 ?p \"a\\\"b\"@en-GB }"
    assert [t.text for t in tokens(text)] == [
        "SELECT",
        "?x",
        "WHERE",
        "{",
        "<a#b>",
        "ex:SERVICE",
        "'''it's \"x\"'''",
        ".",
        "_:b1",
        "?p",
        '"a\\"b"',
        "@en-GB",
        "}",
    ]


def test_a_comparison_is_not_an_iri_but_an_iri_without_spaces_is() -> None:
    assert [t.kind for t in tokens("?a < ?b")] == ["VAR", "PUNCT", "VAR"]
    assert [t.kind for t in tokens("?a <b> ?c")] == ["VAR", "IRIREF", "VAR"]


def test_escapes_are_processed_wherever_they_stand() -> None:
    assert escapes_processed("\\u0053ERVICE <\\U00000078>") == "SERVICE <x>"


def test_positions_count_cr_lf_and_lone_cr_as_line_ends() -> None:
    text = "a\r\nb\rc\nd"
    assert [position(text, text.index(c)) for c in "abcd"] == [(1, 1), (2, 1), (3, 1), (4, 1)]


# --- SERVICE hidden every way the grammar allows -----------------------------------------------

GAPS = [
    " ",
    "\t",
    "\r",
    "\n",
    "\r\n",
    "",
    " #x\r",
    " #x\n",
    "#SERVICE?\r",
    "# \u2028 comment \r",
]
KEYWORDS = ["SERVICE", "service", "SeRvIcE", "\\u0053ERVICE", "SERV\\u0049CE", "\\u0073ervice"]
KEYWORDS += ["".join(f"\\u{ord(c):04X}" for c in "SERVICE"), "SERVICE SILENT", "SERVICESILENT"]
TARGETS = [TARGET, "<http://127.0.0.1:{port}/\\u0073parql>", "?endpoint", ":sparql"]
PLACES = [
    "SELECT * WHERE {{ {gap}{service}{gap}{target}{gap}{{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ ?s ?p ?o .{service}{gap}{target}{gap}{{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ {{}}{service}{gap}{target}{{ ?s ?p ?o }}{gap}}}",
    "SELECT * WHERE {{ OPTIONAL {{{gap}{service}{gap}{target}{gap}{{ ?s ?p ?o }} }} }}",
    "SELECT * WHERE {{ FILTER EXISTS {{ {service}{gap}{target} {{ ?s ?p ?o }} }} }}",
    "SELECT * WHERE {{ {{ SELECT * WHERE {{ {service}{gap}{target} {{ ?s ?p ?o }} }} }} }}",
    "ASK {{ ?s ?p true{service}{gap}{target} {{ ?s ?p ?o }} }}",
    "CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH ?g {{ MINUS {{ {service} {target} {{}} }} }} }}",
]
PROLOGUE = "PREFIX : <http://127.0.0.1:{port}/>\nPREFIX service: <http://127.0.0.1:{port}/>\n"
BIND = "BIND(<http://127.0.0.1:{port}/sparql> AS ?endpoint)"


def hidden_services(port: int) -> list[str]:
    """SERVICE in every place, every gap, every spelling and before every kind of target."""
    corpus = []
    prologue, bind = PROLOGUE.format(port=port), BIND.format(port=port)
    for place, gap, service, target in itertools.product(PLACES, GAPS, KEYWORDS, TARGETS):
        body = place.format(gap=gap, service=service, target=target.format(port=port))
        if target == "?endpoint":
            body = body.replace("WHERE {", "WHERE { " + bind, 1).replace("ASK {", "ASK { " + bind)
        corpus.append(prologue + body)
    # a prefix glued to the keyword (Oxigraph reads 'SERVICE:x' as SERVICE then ':x')
    corpus.append(prologue + "SELECT * WHERE { SERVICE:x { ?s ?p ?o } }")
    corpus.append(prologue + "SELECT * WHERE { service:x ?p ?o }")
    return corpus


def test_service_hidden_anywhere_is_refused() -> None:
    corpus = hidden_services(9)
    assert len(corpus) > 2000
    for text in corpus:
        with pytest.raises(QueryRefused, match="SERVICE"):
            check_query(text)


@pytest.mark.parametrize(
    "text",
    [
        "LOAD <http://127.0.0.1:9/x.ttl>",
        "# c\rLOAD <http://127.0.0.1:9/x.ttl>",
        "\\u004COAD <http://127.0.0.1:9/x.ttl>",
        "SELECT * WHERE { } ; load <http://127.0.0.1:9/x.ttl>",
        "PREFIX x: <urn:x:> DROP GRAPH x:g",
        "INSERT DATA { <urn:a> <urn:b> 1 }",
    ],
)
def test_updates_are_refused_however_written(text: str) -> None:
    with pytest.raises(UpdateRefused):
        check_query(text)


def test_the_engine_calls_the_service_behind_a_check_it_skipped_but_the_worker_has_no_network(
    tmp_path: Path,
) -> None:
    """The corpus is real: run without the check, the engine parses much of it and calls the
    service. In an unwalled process the listener is reached; in a walled worker, never."""
    listener = Listener()
    try:
        corpus = hidden_services(listener.port)
        control = run_isolated_unwalled(_run_unchecked, corpus[:1])
        reached = listener.caught_up()
        outcome = run_isolated("memory:", _run_unchecked, corpus)
        after = listener.caught_up()
    finally:
        listener.close()
    assert control["tried the network"] == 1 and reached >= 1  # the control did connect
    assert after == reached  # the walled worker added none
    assert outcome["tried the network"] > len(corpus) // 10, outcome
    assert "Permission denied" in outcome["message"]


def run_isolated_unwalled(fn, *args):
    worker = spawn(walled=False, read_only=False)
    try:
        worker.send("memory:", fn, args)
        reply = worker.receive(120)
    finally:
        worker.stop()
    assert reply is not None and reply[0] == "ok", reply
    return reply[1]


def _run_unchecked(store: object, corpus: list[str]) -> dict:
    """In a worker: each query straight to pyoxigraph, with no check, over one triple."""
    counts: dict = {"syntax error": 0, "tried the network": 0, "ran": 0, "message": ""}
    raw = ox.Store()
    raw.add(ox.Quad(ox.NamedNode("urn:s"), ox.NamedNode("urn:p"), ox.Literal("o")))
    for text in corpus:
        try:
            result = raw.query(text)
            list(result) if not isinstance(result, ox.QueryBoolean) else bool(result)
            counts["ran"] += 1  # SERVICE SILENT, or a service the plan never reached
        except SyntaxError:
            counts["syntax error"] += 1
        except (OSError, RuntimeError) as error:
            counts["tried the network"] += 1
            counts["message"] = str(error)
    return counts


def test_a_walled_worker_cannot_open_an_internet_socket() -> None:
    listener = Listener()
    worker = spawn(walled=True, read_only=False)
    try:
        worker.send("memory:", _connect, (listener.port,))
        reply = worker.receive(120)
        connections = listener.caught_up()
    finally:
        worker.stop()
        listener.close()
    assert reply == ("ok", "PermissionError")
    assert connections == 0


def _connect(store: object, port: int) -> str:
    import socket

    try:
        with socket.create_connection(("127.0.0.1", port), timeout=5):
            return "connected"
    except OSError as error:
        return type(error).__name__


# --- ordinary queries pass -----------------------------------------------------------------


ORDINARY = [
    "SELECT * WHERE { ?s ?p ?o } LIMIT 10",
    "PREFIX svc: <http://example.org/service#> SELECT ?service WHERE { ?x svc:SERVICE ?service }",
    "SELECT * WHERE { ?s ?p 'SERVICE <http://x/> { }' . # SERVICE <http://x/> {}\n }",
    "SELECT * WHERE { <http://example.org/SERVICE> ?p ?o }",
    "SELECT * FROM <https://w3id.org/dataflywheel/case/hangzhou> WHERE { ?s ?p ?o }",
    "SELECT * FROM NAMED <urn:x:g> WHERE { GRAPH ?g { ?s ?p ?o } }",
    "BASE <https://w3id.org/dataflywheel/case/> SELECT * FROM <hangzhou> WHERE { ?s ?p ?o }",
    "PREFIX xsd: <http://www.w3.org/2001/XMLSchema#> SELECT (xsd:date(?d) AS ?day) "
    "WHERE { ?s ?p ?d FILTER(xsd:integer(STR(?d)) > 1) } ORDER BY xsd:date(?d)",
    "SELECT * WHERE { ?s <urn:p> (1 2 (3)) . ?s <urn:q> () . (1 ?x) <urn:r> [ <urn:s> 2 ] }",
    "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g HAVING (COUNT(*) > 1)",
    "SELECT * WHERE { ?s (<urn:a>/<urn:b>)*|^<urn:c> ?o FILTER(?o IN (1, 2, 3)) }",
    "SELECT * WHERE { VALUES (?a ?b) { (1 UNDEF) (<urn:x> 'y') } OPTIONAL { ?a ?p ?b } }",
    "ASK { FILTER(REGEX('a', '^a$', 'i') && !BOUND(?x) || sameTerm(?x, ?x)) }",
    "DESCRIBE <urn:x>",
    "CONSTRUCT WHERE { ?s ?p ?o }",
    "SELECT (GROUP_CONCAT(?o ; SEPARATOR=', ') AS ?all) WHERE { ?s ?p ?o }",
    "SELECT ?load ?service ?drop WHERE { BIND(1 AS ?load) BIND(2 AS ?service) }",
    "SELECT * WHERE { ?s ?p ?o FILTER(?o < 1) FILTER(?o > 0) }",
]


@pytest.mark.parametrize("text", ORDINARY, ids=range(len(ORDINARY)))
def test_ordinary_queries_are_not_refused(text: str) -> None:
    check_query(text)
    ox.Store().query(text)  # and they are SPARQL the engine runs (on an empty store)


@pytest.mark.parametrize("path", sorted(QUERIES.rglob("*.rq")), ids=lambda p: p.name)
def test_the_named_queries_are_not_refused(path: Path) -> None:
    check_query(path.read_text(encoding="utf-8"))


def test_the_form_is_read_from_the_tokens() -> None:
    assert query_form("# SELECT\nPREFIX ask: <urn:x:> CONSTRUCT { ?s ask:p ?o } WHERE {}") == (
        "CONSTRUCT"
    )
    assert query_form("'SELECT'") is None


# --- functions, FROM, depth, size ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "function"),
    [
        ("SELECT * WHERE { BIND(<urn:x>(1) AS ?x) }", "<urn:x>"),
        (
            "PREFIX fn: <http://www.w3.org/2005/xpath-functions#> SELECT * WHERE "
            "{ BIND(fn:doc('file:///etc/passwd') AS ?x) }",
            "xpath-functions#doc>",
        ),
        (
            "PREFIX fn: <http://www.w3.org/2005/xpath-functions#> SELECT "
            "(fn:unparsed-text('/etc/passwd') AS ?x) {}",
            "xpath-functions#unparsed-text>",
        ),
        ("SELECT * WHERE { ?s ?p ?o FILTER <urn:f>(?o) }", "<urn:f>"),
        ("SELECT * WHERE { ?s ?p ?o } ORDER BY ?s <urn:f>(?o)", "<urn:f>"),
        ("SELECT ?s WHERE { ?s ?p ?o } GROUP BY ?s HAVING <urn:f>(?s)", "<urn:f>"),
        ("SELECT * { { SELECT (STR(<urn:f>()) AS ?x) WHERE {} } }", "<urn:f>"),
        ("PREFIX bif: <bif:> SELECT * WHERE { FILTER(bif:http_get('x')) }", "<bif:http_get>"),
    ],
)
def test_a_function_the_engine_lacks_is_refused_by_name(text: str, function: str) -> None:
    with pytest.raises(QueryRefused, match="calls the function") as refused:
        check_query(text)
    assert function in str(refused.value)


@pytest.mark.parametrize(
    "text",
    [
        "SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o }",
        "BASE <file:///etc/> SELECT * FROM <passwd> WHERE { ?s ?p ?o }",
        "PREFIX e: <file:///etc/> SELECT * FROM NAMED e:pass\\-wd WHERE { ?s ?p ?o }",
        "SELECT * FROM <\\u0066ile:///etc/passwd> WHERE { ?s ?p ?o }",
        "SELECT * FROM <relative> WHERE { ?s ?p ?o }",
    ],
)
def test_from_a_file_or_a_relative_name_is_refused(text: str) -> None:
    with pytest.raises(QueryRefused, match="FROM"):
        check_query(text)


def test_deep_nesting_is_refused_before_the_engine_sees_it() -> None:
    deep = "SELECT * WHERE { FILTER(" + "(" * 20000 + "1" + ")" * 20000 + ") }"
    with pytest.raises(QueryTooComplex, match="more than 128 deep"):
        check_query(deep)
    depth = limits.MAX_QUERY_DEPTH
    # the group and FILTER's own parenthesis are two levels
    check_query("SELECT * WHERE { FILTER(" + "(" * (depth - 2) + "1" + ")" * (depth - 2) + ") }")
    with pytest.raises(QueryTooComplex):
        check_query(
            "SELECT * WHERE { FILTER(" + "(" * (depth - 1) + "1" + ")" * (depth - 1) + ") }"
        )


def test_long_chains_are_refused() -> None:
    chain = limits.MAX_QUERY_CHAIN
    with pytest.raises(QueryTooComplex, match="joins more than"):
        check_query("SELECT * WHERE { FILTER(" + "+".join(["1"] * (chain + 2)) + ") }")
    with pytest.raises(QueryTooComplex):
        check_query("SELECT * WHERE { " + " ".join(["MINUS {}"] * chain) + " }")
    with pytest.raises(QueryTooComplex):
        check_query(
            "SELECT * WHERE { " + " ".join(f"?s <urn:p> ?o{i} ." for i in range(chain)) + "}"
        )


def test_a_query_over_the_size_limit_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(limits.QUERY_ENV, "100")
    with pytest.raises(QueryTooLarge, match=r"over flywheel's limit of 100 bytes"):
        check_query("SELECT * WHERE { ?s ?p ?o } # " + "x" * 100)


def test_words_outside_sparql_are_invalid() -> None:
    with pytest.raises(QueryInvalid, match="'DEFINE' at line 1, column 1"):
        check_query('DEFINE input:grab-all "yes" SELECT * WHERE { ?s ?p ?o }')


# --- one spelling of an IRI for every value a person types ------------------------------------


@pytest.mark.parametrize(
    ("text", "absolute"),
    [
        ("https://w3id.org/dataflywheel/case/hangzhou", True),
        ("urn:x:y", True),
        ("https://example.org/城市/杭州", True),
        ("hangzhou", False),
        ("https://example.org/a b", False),
        ("https://example.org/a\x01b", False),  # a control character (one old check let it by)
        ("https://example.org/a\u3000b", False),  # an ideographic space (the other let it by)
        ("https://example.org/a\u202eb", False),  # a bidi control
        ("https://example.org/<a>", False),
    ],
)
def test_one_iri_check_for_parameters_and_cells(text: str, absolute: bool) -> None:
    from kg.rdf.lexical import is_absolute_iri
    from kg.sparql.named import QueryParameterError, get_query, to_term

    assert is_absolute_iri(text) is absolute
    case = get_query("stage-timeline").param("case")
    if absolute:
        assert to_term(case, text) == ox.NamedNode(text)
    else:
        with pytest.raises(QueryParameterError):
            to_term(case, text)
