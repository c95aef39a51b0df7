"""How /sparql reads its query string's fields (api/sparql.py): each decoded once, and a second
"?" that starts a protocol field (…/sparql?union-default-graph=true?query=…, as Comunica 4
sends when given a source URL with a query string) read as the start of that field."""

from __future__ import annotations

from api.sparql import _fields


def test_a_protocol_field_after_a_second_question_mark_is_its_own_field() -> None:
    assert _fields(b"union-default-graph=true?query=ASK%20%7B%7D", "query string") == [
        ("union-default-graph", "true"),
        ("query", "ASK {}"),
    ]


def test_a_question_mark_before_anything_else_stays_in_the_value() -> None:
    # "?b=c" starts no protocol field: the graph IRI keeps its own query string
    assert _fields(b"default-graph-uri=http%3A//x/a?b=c", "query string") == [
        ("default-graph-uri", "http://x/a?b=c")
    ]
    # a later "?" that does start one is still found
    assert _fields(b"default-graph-uri=http%3A//x/a?b=c?query=ASK%7B%7D", "query string") == [
        ("default-graph-uri", "http://x/a?b=c"),
        ("query", "ASK{}"),
    ]


def test_the_query_itself_is_never_split() -> None:
    assert _fields(b"query=ASK%7B%7D?query=x", "query string") == [("query", "ASK{}?query=x")]
