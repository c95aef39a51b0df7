"""A SPARQL server as the store: its configuration file (kg.store.config), the columns a query
binds to a boolean (kg.sparql.booleans), and how a Virtuoso answer is read (kg.store.remote).
Files only: the servers themselves are in tests/test_store.py (Oxigraph) and
tests/test_virtuoso.py (Virtuoso)."""

from __future__ import annotations

import httpx
import pyoxigraph as ox
import pytest

from kg.sparql.booleans import boolean_variables
from kg.sparql.named import load_queries
from kg.store import RemoteStore, StoreConfigError, open_store, read_store_config
from kg.store.config import Auth, Dialect
from kg.store.remote import normal_boolean, normal_json_results, partial_answer
from tests.conftest import run_flywheel

XSD = "http://www.w3.org/2001/XMLSchema#"


def write(tmp_path, text: str, name: str = "store.toml"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_a_url_alone_is_an_oxigraph_server() -> None:
    store = open_store("http://127.0.0.1:7878/")
    assert isinstance(store, RemoteStore)
    assert (store.query_url, store.update_url, store.gsp_url) == (
        "http://127.0.0.1:7878/query",
        "http://127.0.0.1:7878/update",
        "http://127.0.0.1:7878/store",
    )
    assert store.settings.dialect is Dialect.OXIGRAPH and not store.settings.form_post
    store.close()


def test_virtuoso_gets_its_own_endpoints_form_posts_and_digest(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("FLYWHEEL_STORE_PASSWORD", "s3cret")
    config = write(
        tmp_path,
        'dialect = "virtuoso"\nurl = "http://db.example:8890/"\nauth = "digest"\nuser = "dba"\n'
        "timeout = 300\n",
    )
    settings = read_store_config(config)
    assert (settings.query, settings.update, settings.graph_store) == (
        "http://db.example:8890/sparql",
        "http://db.example:8890/sparql-auth",
        "http://db.example:8890/sparql-graph-crud-auth",
    )
    assert settings.form_post and settings.auth is Auth.DIGEST
    assert (settings.user, settings.password, settings.timeout) == ("dba", "s3cret", 300.0)
    assert "s3cret" not in repr(settings)
    store = open_store(config)
    assert isinstance(store, RemoteStore) and store.timeout == 300.0
    store.close()


def test_a_generic_server_names_each_endpoint_and_a_password_file(tmp_path, monkeypatch) -> None:
    monkeypatch.delenv("FLYWHEEL_STORE_PASSWORD", raising=False)
    monkeypatch.setenv("FLYWHEEL_STORE_USER", "reader")
    write(tmp_path, "p4ss\nignored second line\n", "secret")
    config = write(
        tmp_path,
        'dialect = "generic"\nurl = "https://kb.example/ds"\nquery = "https://kb.example/ds/q"\n'
        'update = "https://kb.example/ds/u"\ngraph-store = "https://kb.example/ds/data"\n'
        'auth = "basic"\npassword-file = "secret"\nform-post = true\n',
    )
    settings = read_store_config(config)
    assert (settings.query, settings.update, settings.graph_store) == (
        "https://kb.example/ds/q",
        "https://kb.example/ds/u",
        "https://kb.example/ds/data",
    )
    assert (settings.user, settings.password, settings.auth) == ("reader", "p4ss", Auth.BASIC)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ('dialect = "virtuoso"\n', "'url' is missing"),
        ('url = "ftp://x"\n', "must be an http:// or https:// address"),
        ('url = "http://x"\ndialect = "fuseki"\n', "use one of oxigraph, virtuoso, generic"),
        ('url = "http://x"\npasword-file = "s"\n', "unknown key(s) pasword-file"),
        ('url = "http://x"\npassword = "hunter2"\n', "a password is not kept in the store"),
        ('url = "http://x"\ndialect = "generic"\n', "give 'query'"),
        ('url = "http://x"\nauth = "digest"\n', "needs a user"),
        ('url = "http://x"\nauth = "basic"\nuser = "u"\n', "needs a password"),
        ('url = "http://x"\nauth = "basic"\nuser = "u"\npassword-file = "nope"\n', "cannot read"),
        ('url = "http://x"\ntimeout = -1\n', "'timeout' must be a number of seconds"),
        ('url = "http://x"\nform-post = "yes"\n', "'form-post' must be true or false"),
        ('url = "http://x"\nurl = "http://y"\n', "not a TOML file"),
    ],
)
def test_a_bad_configuration_is_said_in_words(tmp_path, monkeypatch, text, says) -> None:
    monkeypatch.delenv("FLYWHEEL_STORE_USER", raising=False)
    monkeypatch.delenv("FLYWHEEL_STORE_PASSWORD", raising=False)
    config = write(tmp_path, text)
    with pytest.raises(StoreConfigError, match=r"store\.toml") as raised:
        read_store_config(config)
    assert says in str(raised.value)


def test_the_command_line_says_what_is_wrong_with_the_file(tmp_path) -> None:
    config = write(tmp_path, 'url = "http://127.0.0.1:9"\npassword = "hunter2"\n')
    result = run_flywheel("cases", "--store", str(config))
    assert result.returncode == 2
    assert "a password is not kept in the store configuration" in result.stderr
    assert "hunter2" not in result.stderr and "Traceback" not in result.stderr
    missing = run_flywheel("cases", "--store", str(tmp_path / "absent.toml"))
    assert missing.returncode == 2 and "cannot read the store configuration" in missing.stderr


def test_the_columns_a_query_binds_to_a_boolean() -> None:
    assert boolean_variables(
        "SELECT * WHERE { ?s ?p ?o BIND (BOUND(?o) AS ?a) BIND (?o > 2 AS ?b) "
        "BIND (IF(?a, true, false) AS ?c) BIND (IF(?a, 1, 0) AS ?d) BIND (COALESCE(?a, false) "
        "AS ?e) BIND (COALESCE(?o, false) AS ?f) BIND (!?a AS ?g) BIND (?a && ?b AS ?h) "
        "BIND (STR(?o) AS ?i) BIND (?o IN (1, 2) AS ?j) BIND (EXISTS { ?o ?p ?s } AS ?k) "
        "BIND ((?b) AS ?l) BIND (STRLEN(?i) + 1 AS ?m) }"
        "GROUP BY ?s"
    ) == frozenset("abceghjkl")
    assert boolean_variables(
        "SELECT (MAX(?o = 1) AS ?any) (COUNT(?o) AS ?n) WHERE { ?s ?p ?o }"
    ) == {"any"}
    # the named queries' boolean columns: those their headers say are true or false
    queries = load_queries()
    assert boolean_variables(queries["21-condition-table"].text) >= {
        "leaderPromotion",
        "dataBureau",
        "commandCenter",
        "enoughScenarios",
        "loopClosed",
    }
    assert "followsTheory" in boolean_variables(queries["02-stage-timeline"].text)
    assert "match" not in boolean_variables(queries["01-stage-on-date"].text)


def test_a_virtuoso_boolean_is_read_as_one() -> None:
    boolean = ox.NamedNode(XSD + "boolean")
    one = ox.Literal("1", datatype=ox.NamedNode(XSD + "integer"))
    assert normal_boolean(one, True) == ox.Literal("true", datatype=boolean)
    assert normal_boolean(one, False) == one  # a count, not a boolean column
    assert normal_boolean(ox.Literal("1.0000", datatype=ox.NamedNode(XSD + "decimal")), True) == (
        ox.Literal("true", datatype=boolean)
    )
    assert normal_boolean(ox.Literal("0", datatype=boolean), False) == ox.Literal(
        "false", datatype=boolean
    )
    two = ox.Literal("2", datatype=ox.NamedNode(XSD + "integer"))
    assert normal_boolean(two, True) == two
    body = (
        b'{"head": {"vars": ["b", "n"]}, "results": {"bindings": [{"b": {"type": '
        b'"typed-literal", "datatype": "http://www.w3.org/2001/XMLSchema#integer", "value": '
        b'"0"}, "n": {"type": "typed-literal", "datatype": '
        b'"http://www.w3.org/2001/XMLSchema#integer", "value": "0"}}]}}'
    )
    fixed = normal_json_results(body, frozenset({"b"}))
    parsed = ox.parse_query_results(fixed, format=ox.QueryResultsFormat.JSON)
    (row,) = list(parsed)
    assert row["b"] == ox.Literal("false", datatype=boolean) and row["n"].value == "0"
    assert normal_json_results(b"not json", frozenset({"b"})) == b"not json"


def test_an_answer_virtuoso_cut_short_is_refused() -> None:
    request = httpx.Request("POST", "http://db.example:8890/sparql?x=1")
    whole = httpx.Response(200, request=request)
    assert partial_answer(whole) is None
    cut = httpx.Response(200, headers={"X-SPARQL-MaxRows": "10000"}, request=request)
    said = partial_answer(cut)
    assert said is not None and "at most 10000 rows" in said and "ResultSetMaxRows" in said
    timed = httpx.Response(
        200,
        headers={"X-SQL-State": "S1TAT", "X-SQL-Message": "RC...: Returning incomplete results"},
        request=request,
    )
    assert "Returning incomplete results" in (partial_answer(timed) or "")
