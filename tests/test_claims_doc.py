"""The claim and date documentation runs: the Turtle and SPARQL examples in
docs/claims-and-evidence.md give the result the page shows (worked out by hand, checked here with
rdflib and with Oxigraph), and the EDTF table in docs/dates.md gives the bounds the `edtf` package
computes; and both pages' examples use only terms the ontology declares."""

from __future__ import annotations

import datetime as dt
import re

import pyoxigraph as ox
import pytest
from edtf import parse_edtf, struct_time_to_date
from rdflib import Graph
from rdflib.namespace import RDF, SKOS

from kg import ontology
from kg.vocab import FW
from tests.conftest import REPO

CLAIMS = (REPO / "docs" / "claims-and-evidence.md").read_text(encoding="utf-8")
DATES = (REPO / "docs" / "dates.md").read_text(encoding="utf-8")

# The result table of the page, worked out by hand from its Turtle example.
EXPECTED = [
    ("2013-01-01", "false", "Coder B", "Reported", "NewsReport"),
    ("2014-01-01", "true", "Coder A", "Confirmed", "PolicyDocument"),
]


def _block(text: str, lang: str) -> str:
    match = re.search(rf"```{lang}\n(.*?)```", text, re.S)
    assert match is not None, lang
    return match.group(1)


def _short(value: str) -> str:
    return value.removeprefix(str(FW))


def test_the_claim_example_gives_the_documented_result_in_rdflib() -> None:
    graph = Graph().parse(data=_block(CLAIMS, "turtle"), format="turtle")
    rows = [
        tuple(_short(str(term)) for term in row)  # type: ignore[union-attr]
        for row in graph.query(_block(CLAIMS, "sparql"))
    ]
    assert rows == EXPECTED


def test_the_claim_example_gives_the_documented_result_in_oxigraph() -> None:
    store = ox.Store()
    store.load(_block(CLAIMS, "turtle").encode(), ox.RdfFormat.TURTLE)
    solutions = store.query(_block(CLAIMS, "sparql"))
    rows = [
        tuple(
            _short(term.value)
            for term in (s["value"], s["accepted"], s["coder"], s["confidence"], s["sourceType"])
        )
        for s in solutions  # type: ignore[union-attr]
    ]
    assert rows == EXPECTED


def test_the_page_shows_the_same_result() -> None:
    for value, accepted, coder, confidence, source_type in EXPECTED:
        row = f"| {value} | {accepted} | {coder} | fw:{confidence} | fw:{source_type} |"
        assert row in CLAIMS


def test_the_examples_use_only_declared_terms() -> None:
    declared = ontology.declared_terms()
    for text in (_block(CLAIMS, "turtle"), _block(DATES, "turtle")):
        used = set(re.findall(r"\bfw:([A-Za-z]+)", text))
        assert used and {u for u in used if str(FW[u]) not in declared} == set()


def _day(text: str) -> dt.date | None:
    return None if text == "–" else dt.date.fromisoformat(text)


def _bound(value: object) -> dt.date | None:
    if isinstance(value, float):  # edtf gives ±inf for an open end
        return None
    return struct_time_to_date(value)  # type: ignore[arg-type]


ROWS = [
    line
    for line in DATES.splitlines()
    if line.startswith("| ") and line.count("`") == 2 and line.split("|")[2].strip().startswith("`")
]


def test_the_date_table_has_every_kind_of_date() -> None:
    assert len(ROWS) == 9


@pytest.mark.parametrize("row", ROWS, ids=lambda r: r.split("`")[1])
def test_the_date_table_matches_the_edtf_parser(row: str) -> None:
    cells = [c.strip() for c in row.strip("|").split("|")]
    edtf_text = cells[1].strip("`")
    comparable, earliest, latest = (_day(c) for c in cells[3:6])
    parsed = parse_edtf(edtf_text)
    assert _bound(parsed.lower_strict()) == earliest, edtf_text
    assert _bound(parsed.upper_strict()) == latest, edtf_text
    # the comparable value: the earliest bound, or the latest when there is no earliest
    assert comparable == (earliest if earliest is not None else latest)


def test_precision_words_in_the_table_are_concepts_of_the_ontology() -> None:
    graph = ontology.ontology_graph()
    notations = {
        str(n)
        for s in graph.subjects(RDF.type, FW.DatePrecision)
        for n in graph.objects(s, SKOS.notation)
    }
    for row in ROWS:
        word = row.strip("|").split("|")[2].strip().split(" (")[0].replace(" ", "-")
        assert word in notations, word
