"""Exports are safe to open (issue 12, item 7): no CSV or TSV cell that a spreadsheet would run
as a formula, numbers kept numbers, JSON kept exact, and nothing printed on a terminal read as
Rich markup or obeyed as an escape sequence.

The hostile cases are Hangzhou (a bundled case) with its city's label replaced, loaded with the
real ``flywheel load`` into a store of their own; every export the issue lists is parsed with
``csv.reader``.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
from decimal import Decimal
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDFS

from tests.conftest import REPO
from tests.servers import api_server, flywheel_command

CASE = "https://w3id.org/dataflywheel/case/"
LINK = '=HYPERLINK("http://127.0.0.1:9/x","City A")'
ANSI = "\x1b[2J\x1b]8;;http://evil\x1b\\click\x1b]8;;\x1b\\"
# case id -> the city's English label
LABELS = {
    "evil-link": LINK,
    "evil-sum": "@SUM(1+1)",
    "evil-minus": "-2+3",
    "evil-plus": "+cmd",
    "evil-tab": "\tTab city",
    "evil-cr": "\rCR city",
    "evil-markup": "[/x]",
    "evil-ansi": ANSI,
}
# what a spreadsheet-safe cell holds, worked out by hand: an apostrophe before a formula-like
# text; markup is no formula; control characters (not tab or CR) written out as \x1b
SAFE = {
    "evil-link": "'" + LINK,
    "evil-sum": "'@SUM(1+1)",
    "evil-minus": "'-2+3",
    "evil-plus": "'+cmd",
    "evil-tab": "'\tTab city",
    "evil-cr": "'\rCR city",
    "evil-markup": "[/x]",
    "evil-ansi": "\\x1b[2J\\x1b]8;;http://evil\\x1b\\click\\x1b]8;;\\x1b\\",
}
# evil-minus has its inertia stage start on 2015-03-01, 397 days before its startup (2016-04-01):
# -397 / 365.25 = -1.087, one decimal: -1.1 years from startup to inertia
NEGATIVE_YEARS = "-1.1"


def run_flywheel(*args: str) -> subprocess.CompletedProcess[str]:
    """The real command line, its output read as it is (a CR stays a CR: no newline translation),
    at a terminal wide enough for a table's cells not to fold."""
    result = subprocess.run(
        [*flywheel_command(), *args],
        capture_output=True,
        timeout=300,
        check=False,
        env={**os.environ, "COLUMNS": "400"},
    )
    return subprocess.CompletedProcess(
        result.args,
        result.returncode,
        result.stdout.decode("utf-8"),
        result.stderr.decode("utf-8", errors="replace"),
    )


def _turtle(text: str) -> str:
    return json.dumps(text)  # a JSON string is a Turtle string: \t, \r, \u001b, \", \\


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> Path:
    """A store (loaded by the real CLI) holding the hostile cases; returns the folder."""
    folder = tmp_path_factory.mktemp("hostile")
    hangzhou = (REPO / "kg" / "cases" / "hangzhou.ttl").read_text(encoding="utf-8")
    assert 'rdfs:label "Hangzhou"@en , "杭州"@zh .' in hangzhou
    for name, label in LABELS.items():
        text = hangzhou.replace("case/hangzhou", f"case/{name}").replace(
            'rdfs:label "Hangzhou"@en , "杭州"@zh .', f"rdfs:label {_turtle(label)}@en ."
        )
        if name == "evil-minus":
            text = text.replace('fw:startDate "2020-03-01"', 'fw:startDate "2015-03-01"')
        if name == "evil-ansi":  # an episode's label too: validation reports name episodes
            text = text.replace('"Hangzhou inertia stage"@en', f"{_turtle(ANSI)}@en")
        (folder / f"{name}.ttl").write_text(text, encoding="utf-8")
    store = folder / "store"
    loaded = run_flywheel("load", str(folder), "--force", "--store", str(store))
    assert loaded.returncode == 0, loaded.stderr
    assert "Loaded 8 case(s)" in loaded.stdout
    return folder


def _store(hostile: Path) -> str:
    return str(hostile / "store")


def _by_case(text: str, delimiter: str = ",", key: str = "case") -> dict[str, dict[str, str]]:
    rows = list(csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter))
    return {row[key].rsplit("/", 1)[-1].removeprefix("case:"): row for row in rows}


def _assert_safe_cities(rows: dict[str, dict[str, str]], column: str = "city") -> None:
    assert {name: rows[name][column] for name in LABELS} == SAFE


def _no_escape(text: str) -> None:
    assert "\x1b" not in text and "\x9b" not in text and "Traceback" not in text


# --- CSV and TSV through the CLI -----------------------------------------------------------------


@pytest.mark.slow
def test_compare_csv_neutralises_formulas_and_keeps_numbers(hostile: Path) -> None:
    result = run_flywheel("compare", "--csv", "--store", _store(hostile))
    assert result.returncode == 0, result.stderr
    _no_escape(result.stdout)
    rows = _by_case(result.stdout)
    _assert_safe_cities(rows)
    minus = rows["evil-minus"]
    assert minus["years_startup_to_inertia"] == NEGATIVE_YEARS
    assert float(minus["years_startup_to_inertia"]) == -1.1
    # a negative number is written bare (no apostrophe, no quotes): a number in any spreadsheet
    assert f",{NEGATIVE_YEARS}," in result.stdout
    for row in rows.values():
        assert int(row["actions"]) > 0 and int(row["flows"]) >= 0 and int(row["scenarios"]) >= 0
    # the separator trick: every text cell is quoted, so a ';' in one never starts a new cell
    assert '"\'=HYPERLINK(""http://127.0.0.1:9/x"",""City A"")"' in result.stdout


@pytest.mark.slow  # more than a few seconds
def test_compare_output_file_and_codebook(hostile: Path, tmp_path: Path) -> None:
    target = tmp_path / "cities.csv"
    result = run_flywheel("compare", "-o", str(target), "--store", _store(hostile))
    assert result.returncode == 0, result.stderr
    with target.open(encoding="utf-8", newline="") as handle:
        text = handle.read()
    _no_escape(text)
    rows = _by_case(text)
    _assert_safe_cities(rows)
    assert rows["evil-minus"]["years_startup_to_inertia"] == NEGATIVE_YEARS
    book = (tmp_path / "cities.codebook.md").read_text(encoding="utf-8")
    assert "`'=HYPERLINK(…)` stands for the coded text `=HYPERLINK(…)`" in book
    _no_escape(book)
    assert "| \\[/x\\] |" in book  # a label is no Markdown link or markup in the codebook


@pytest.mark.parametrize("fmt,delimiter", [("csv", ","), ("tsv", "\t")])
def test_cases_csv_and_tsv(hostile: Path, fmt: str, delimiter: str) -> None:
    result = run_flywheel("cases", "--format", fmt, "--store", _store(hostile))
    assert result.returncode == 0, result.stderr
    _no_escape(result.stdout)
    rows = _by_case(result.stdout, delimiter)
    _assert_safe_cities(rows)
    assert all(int(row["triples"]) > 0 for row in rows.values())


def test_sparql_csv_neutralises_but_keeps_typed_negative_numbers(hostile: Path) -> None:
    # typed numbers come as Oxigraph writes them (-1.5e3 as -1500); a text that is a plain
    # number ("+1.5") is one to a spreadsheet too, and runs nothing: it stays as it is
    query = (
        "SELECT ?text ?n ?d {} "
        'VALUES (?text ?n ?d) { ("-3 days" -3 -1.5e3) ("=1+1" +2 -0.5) ("+1.5" -0 "-") }'
    )
    result = run_flywheel("sparql", query, "--format", "csv", "--store", _store(hostile))
    assert result.returncode == 0, result.stderr
    assert list(csv.reader(io.StringIO(result.stdout))) == [
        ["text", "n", "d"],
        ["'-3 days", "-3", "-1500"],
        ["'=1+1", "2", "-0.5"],
        ["+1.5", "0", "'-"],
    ]
    assert '\n+1.5,0,"\'-"' in result.stdout


@pytest.mark.slow
def test_export_csv_workbook_neutralised_and_reads_back(hostile: Path, tmp_path: Path) -> None:
    folder = tmp_path / "workbook"
    result = run_flywheel(
        "export", "evil-link", "--csv", "-o", str(folder), "--store", _store(hostile)
    )
    assert result.returncode == 0, result.stderr
    with (folder / "case.csv").open(encoding="utf-8-sig", newline="") as handle:
        cells = [c for row in csv.reader(handle) for c in row]
    assert "'" + LINK in cells and LINK not in cells
    assert not [c for c in cells if c[:1] in ("=", "+", "@", "\t", "\r")]
    # flywheel import takes the apostrophe off again: the label comes back exactly
    back = tmp_path / "back.ttl"
    imported = run_flywheel("import", str(folder), "-o", str(back))
    assert imported.returncode in (0, 1), imported.stderr
    graph = Graph().parse(back, format="turtle")
    assert Literal(LINK, lang="en") in set(
        graph.objects(URIRef(f"{CASE}evil-link/city"), RDFS.label)
    )


@pytest.mark.parametrize("name", ["evil-ansi", "evil-link"])
def test_export_xlsx_holds_text_not_formulas(hostile: Path, tmp_path: Path, name: str) -> None:
    from openpyxl import load_workbook

    target = tmp_path / f"{name}.xlsx"
    result = run_flywheel("export", name, "--xlsx", "-o", str(target), "--store", _store(hostile))
    assert result.returncode == 0, result.stderr  # an escape sequence was a traceback
    workbook = load_workbook(target)
    cells = [c for sheet in workbook.worksheets for row in sheet.iter_rows() for c in row]
    assert not [c for c in cells if c.data_type == "f" and c.parent.sheet_state == "visible"]
    texts = {c.value for c in cells if isinstance(c.value, str)}
    expected = {"evil-ansi": SAFE["evil-ansi"], "evil-link": LINK}[name]
    assert expected in texts  # a typed text cell: the spreadsheet runs nothing, shows it all
    assert not [t for t in texts if "\x1b" in t]


# --- JSON keeps the text -------------------------------------------------------------------------


def test_json_keeps_the_original_text(hostile: Path) -> None:
    for command in (["cases"], ["compare"]):
        result = run_flywheel(*command, "--format", "json", "--store", _store(hostile))
        assert result.returncode == 0, result.stderr
        _no_escape(result.stdout)  # JSON writes ESC as \u001b: the same text once parsed
        rows = {r["case"].rsplit("/", 1)[-1]: r for r in json.loads(result.stdout)}
        assert {name: rows[name]["city"] for name in LABELS} == LABELS
    assert rows["evil-minus"]["years_startup_to_inertia"] == -1.1


# --- the terminal ----------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["[/x]", "[bold]x[/bold]", "[link=http://127.0.0.1:9/]y[/link]"])
def test_sparql_table_prints_markup_literally(value: str, tmp_path: Path) -> None:
    query = f'SELECT ("{value}" AS ?a) {{}}'
    result = run_flywheel("sparql", query, "--format", "table", "--store", str(tmp_path / "s"))
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert f"│ {value} │" in result.stdout


def test_tables_show_escape_sequences_and_markup_literally(hostile: Path) -> None:
    store = _store(hostile)
    query = (
        "PREFIX fw: <https://w3id.org/dataflywheel/ontology#> "
        "SELECT ?label { GRAPH ?g { ?c a fw:City ; rdfs:label ?label } } ORDER BY ?label"
    )
    for command in (
        ["cases"],
        ["compare"],
        ["sparql", "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> " + query],
    ):
        result = run_flywheel(*command, "--format", "table", "--store", store)
        assert result.returncode == 0, result.stderr
        _no_escape(result.stdout + result.stderr)
        assert "\r" not in result.stdout
        assert "\\x1b[2J\\x1b]8;;http://evil\\x1b\\click" in result.stdout
        assert "[/x]" in result.stdout and "\\x0dCR city" in result.stdout
        assert LINK in result.stdout  # a terminal runs no formula: shown as it is


def test_validation_report_shows_escape_sequences(hostile: Path) -> None:
    result = run_flywheel("validate", str(hostile / "evil-ansi.ttl"))
    assert "Traceback" not in result.stderr
    _no_escape(result.stdout)
    assert "“\\x1b[2J\\x1b]8;;http://evil" in result.stdout


# --- the writer itself (one function for every CSV and TSV) ------------------------------------


def test_writer_keeps_numbers_and_quotes_text() -> None:
    from kg.text import delimited, restore

    rows = [
        {"a": -3, "b": Decimal("-1.50"), "c": -0.5, "d": "-3", "e": "-3 days", "f": None},
        {"a": True, "b": "@x", "c": "a;=1+1", "d": "'=x", "e": "'s-Hertogenbosch", "f": ""},
    ]
    text = delimited(list("abcdef"), rows)
    assert text.splitlines() == [
        '"a","b","c","d","e","f"',
        '-3,-1.50,-0.5,-3,"\'-3 days",',
        '"true","\'@x","a;=1+1","\'\'=x","\'s-Hertogenbosch",',
    ]
    cells = list(csv.reader(io.StringIO(text)))
    assert [restore(c) for c in cells[2]] == ["true", "@x", "a;=1+1", "'=x", "'s-Hertogenbosch", ""]
    tsv = delimited(["t"], [{"t": "\t=x"}, {"t": -7}], "\t")
    assert list(csv.reader(io.StringIO(tsv), delimiter="\t")) == [["t"], ["'\t=x"], ["-7"]]


def test_writer_writes_a_repeated_cell_as_it_wrote_it_first() -> None:
    """Cells repeat (labels, IRIs): the writer makes each text's field once. Values equal in
    Python but written differently (1, 1.0, 1.00, True, the text "1", a literal "1") each keep
    their own field, whichever came first, on every row."""
    from kg.text import delimited_rows

    integer = ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")
    row = [1, 1.0, Decimal("1.00"), True, "1", ox.Literal("1", datatype=integer), "=1", None]
    expected = '1,1.0,1.00,"true",1,1,"\'=1",'
    for rows in ([row, row, row], [row[::-1], row, row]):
        lines = delimited_rows(rows).splitlines()
        assert lines[1:] == [expected, expected]
    assert delimited_rows([[[1]]]) == '"[1]"\n'  # a cell no dict can key: written as its text


# --- over HTTP -----------------------------------------------------------------------------------


@pytest.mark.server
@pytest.mark.slow
def test_http_compare_and_query_csv(hostile: Path, tmp_path: Path) -> None:
    with api_server(_store(hostile), tmp_path / "server.log") as url:
        response = httpx.get(f"{url}/compare", headers={"Accept": "text/csv"}, timeout=60)
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/csv")
        _no_escape(response.text)
        rows = _by_case(response.text)
        _assert_safe_cities(rows)
        assert rows["evil-minus"]["years_startup_to_inertia"] == NEGATIVE_YEARS
        assert int(rows["evil-link"]["actions"]) > 0

        query = httpx.get(f"{url}/queries/16/results", headers={"Accept": "text/csv"}, timeout=60)
        assert query.status_code == 200
        _assert_safe_cities(_by_case(query.text), "cityLabel")

        body = httpx.get(f"{url}/compare", timeout=60).json()
        cities = {r["case"].rsplit("/", 1)[-1]: r["city"] for r in body["rows"]}
        assert cities == LABELS  # JSON keeps the text
