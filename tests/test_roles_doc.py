"""docs/actors-roles-jurisdictions.md runs: its example uses only declared terms and its query
gives the row the page shows (worked out by hand). HermiT's view of it is in
tests/test_aligned_vocabularies.py."""

from __future__ import annotations

import re

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import XSD

from kg import ontology
from kg.vocab import FW
from tests.conftest import REPO

PAGE = (REPO / "docs" / "actors-roles-jurisdictions.md").read_text(encoding="utf-8")
EX = "https://example.org/lakeside/"


def block(lang: str) -> str:
    match = re.search(rf"```{lang}\n(.*?)```", PAGE, re.S)
    assert match is not None
    return match.group(1)


def example() -> Graph:
    return Graph().parse(data=block("turtle"), format="turtle")


def test_example_uses_only_declared_terms() -> None:
    used = {str(t) for triple in example() for t in triple if str(t).startswith(str(FW))}
    assert used and used - ontology.declared_terms() == set()


def test_query_gives_the_documented_row() -> None:
    rows = [tuple(row) for row in example().query(block("sparql"))]  # type: ignore[arg-type]
    assert rows == [
        (URIRef(f"{EX}bdc"), Literal("2019-01-01", datatype=XSD.date), FW.Ongoing),
    ]
    assert "`ex:bdc`, `2019-01-01`, `fw:Ongoing`" in PAGE
