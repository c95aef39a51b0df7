"""flywheel compare on the bundled cases, against answers worked out by hand from the files."""

from __future__ import annotations

import csv
import io
import os
import subprocess

import pytest

from kg import paths
from kg.store import open_store
from kg.store.loading import load_files
from kg.views.comparison import COLUMNS, compare, years_statistics
from kg.vocab import STAGES
from tests.conftest import run_flywheel
from tests.servers import flywheel_command

CASE = "https://w3id.org/dataflywheel/case/"


@pytest.fixture(scope="module")
def rows() -> dict[str, dict]:
    store = open_store("memory:")
    assert load_files(store, paths.bundled_case_files()).ok
    return {row["case"].rsplit("/", 1)[-1]: row for row in compare(store)}


@pytest.fixture(scope="module")
def closed() -> dict[str, dict]:
    """The comparison with ends not coded closed at the next stage's start, as asked."""
    store = open_store("memory:")
    assert load_files(store, paths.bundled_case_files()).ok
    return {row["case"].rsplit("/", 1)[-1]: row for row in compare(store, close_at_next=True)}


def test_one_row_per_city(rows) -> None:
    assert sorted(rows) == ["city-a", "hangzhou", "shanghai"]
    assert {r["city"] for r in rows.values()} == {"City A", "Hangzhou", "Shanghai"}


def test_hangzhou_ends_stay_unknown_unless_asked(rows, closed) -> None:
    # hangzhou.ttl codes no end: unless asked, the first three ends are unknown (a later
    # episode exists) and the last is open; nothing else in the row changes
    r = rows["hangzhou"]
    for stage in ("startup", "rotation", "acceleration"):
        assert (
            r[f"{stage}_end"],
            r[f"{stage}_end_precision"],
            r[f"{stage}_end_earliest"],
            r[f"{stage}_end_latest"],
            r[f"{stage}_end_basis"],
        ) == (None, "unknown", None, None, "unknown"), stage
    assert r["inertia_end_basis"] == "open"
    assert closed["hangzhou"]["startup_end_basis"] == "next episode"
    assert closed["hangzhou"]["inertia_end_basis"] == "open"
    ends = {f"{s}_{p}" for s in STAGES for p in ("end", "end_precision", "end_earliest")}
    ends |= {f"{s}_{p}" for s in STAGES for p in ("end_latest", "end_basis")}
    assert {k: v for k, v in r.items() if k not in ends} == {
        k: v for k, v in closed["hangzhou"].items() if k not in ends
    }


def test_hangzhou(closed) -> None:
    r = closed["hangzhou"]
    # hangzhou.ttl: ep-startup 2016-04-01 (month), ep-rotation 2017-01-01 (month),
    # ep-acceleration 2018-04-13 (day), ep-inertia 2020-03-01 (month); no end dates stated,
    # so, asked to close them, each end is the next episode's start and the last one is open.
    assert (r["startup_start"], r["startup_start_precision"]) == ("2016-04-01", "month")
    assert (r["startup_end"], r["startup_end_precision"]) == ("2017-01-01", "month")
    assert (r["rotation_end"], r["rotation_end_precision"]) == ("2018-04-13", "day")
    assert (r["acceleration_start"], r["acceleration_end"]) == ("2018-04-13", "2020-03-01")
    assert (r["inertia_start"], r["inertia_end"], r["inertia_end_precision"]) == (
        "2020-03-01",
        None,
        "unknown",
    )
    # 2016-04-01 to 2020-03-01 is 1,430 days = 3.9 years; both dates to the month
    assert (r["years_startup_to_inertia"], r["years_precision"]) == (3.9, "month")
    # the months' bounds: startup 2016-04-01 to 2016-04-30, inertia 2020-03-01 to 2020-03-31;
    # fewest 2020-03-01 − 2016-04-30 = 1,401 days = 3.84 years, most 2020-03-31 − 2016-04-01 =
    # 1,460 days = 4.0 years (as question 17: tests/test_queries.py)
    assert (r["startup_start_earliest"], r["startup_start_latest"]) == ("2016-04-01", "2016-04-30")
    assert (r["startup_end_earliest"], r["startup_end_latest"]) == ("2017-01-01", "2017-01-31")
    assert (r["inertia_end_earliest"], r["inertia_end_latest"]) == (None, None)
    assert (r["years_at_least"], r["years_at_most"]) == (3.84, 4.0)
    # no re-aggregation flow is coded
    assert r["loop_closed"] is False and r["loop_closed_since"] is None
    # logics coded from each action's own evidence (unknown ones not counted): startup: the
    # Yunqi trial (technical; the exploration unknown); rotation: the campaign (bureaucratic; the
    # bureau's creation unknown); acceleration: two technical (the plan unknown); inertia: the
    # political inspection
    assert [
        r[f"{s}_dominant_logic"] for s in ("startup", "rotation", "acceleration", "inertia")
    ] == ["technical", "bureaucratic", "technical", "political"]
    assert (r["actions"], r["flows"], r["scenarios"]) == (8, 1, 4)


def test_shanghai(rows) -> None:
    r = rows["shanghai"]
    assert [r[f"{s}_start"] for s in ("startup", "rotation", "acceleration", "inertia")] == [
        "2018-03-30",
        "2018-04-12",
        "2018-10-17",
        "2020-05-08",
    ]
    # 2018-03-30 to 2020-05-08: 731 days to 2020-03-30 (2020 is a leap year) + 39 = 770 days
    assert (r["years_startup_to_inertia"], r["years_precision"]) == (2.1, "day")
    # known to the day: the bounds leave no room (770 / 365.25 = 2.108)
    assert (r["years_at_least"], r["years_at_most"]) == (2.11, 2.11)
    assert r["loop_closed"] is False
    # rotation: the portal trial (technical); the Big Data Center's launch has no logic its
    # source shows; startup: the work plan's logic is unknown, so no dominant logic
    assert r["rotation_dominant_logic"] == "technical"
    assert r["startup_dominant_logic"] is None
    assert (r["actions"], r["flows"], r["scenarios"]) == (6, 3, 2)


def test_city_a_keeps_the_unknown_unknown(rows) -> None:
    r = rows["city-a"]
    for stage in ("startup", "rotation", "acceleration", "inertia"):
        assert r[f"{stage}_start"] is None and r[f"{stage}_start_precision"] == "unknown"
        assert r[f"{stage}_end"] is None and r[f"{stage}_end_precision"] == "unknown"
    assert r["years_startup_to_inertia"] is None
    assert (r["years_at_least"], r["years_at_most"]) == (None, None)
    # the abstract's loop ends in re-aggregation (platform -> foundation), date unknown
    assert r["loop_closed"] is True and r["loop_closed_since"] is None
    assert [
        r[f"{s}_dominant_logic"] for s in ("startup", "rotation", "acceleration", "inertia")
    ] == ["political", "bureaucratic", "technical", "platform"]
    assert (r["actions"], r["flows"], r["scenarios"]) == (4, 5, 1)


def test_years_statistics(rows) -> None:
    # question 17 over the cities with both dates: Shanghai 770 days (2.11 years), Hangzhou 1,430
    # days (3.92 years; see test_hangzhou and test_shanghai); City A has no dates. The median of
    # two is their mean, (770 + 1430) / 2 = 1,100 days = 3.01 years; the range 660 days = 1.81
    assert years_statistics(list(rows.values())) == {
        "cities": 2,
        "median": 3.01,
        "min": 2.11,
        "max": 3.92,
        "range": 1.81,
    }
    # an odd number of cities: the middle one; none: nothing to say
    assert years_statistics([rows["shanghai"]])["median"] == 2.11
    assert years_statistics([rows["city-a"]]) == {
        "cities": 0,
        "median": None,
        "min": None,
        "max": None,
        "range": None,
    }


@pytest.mark.slow
def test_cli_compare_csv(tmp_path) -> None:
    store = str(tmp_path / "store")
    assert run_flywheel("load", "--bundled", "--store", store).returncode == 0
    result = run_flywheel("compare", "--csv", "--store", store)
    assert result.returncode == 0, result.stderr
    table = list(csv.DictReader(io.StringIO(result.stdout)))
    assert tuple(table[0]) == COLUMNS
    assert [row["case"] for row in table] == [CASE + s for s in ("city-a", "hangzhou", "shanghai")]
    assert table[1]["years_startup_to_inertia"] == "3.9"
    # city-a's loop is closed, the others' are not: spelled as xsd:boolean on screen and in the
    # exported file alike
    assert [row["loop_closed"] for row in table] == ["true", "false", "false"]
    exported = tmp_path / "cities.csv"
    assert run_flywheel("compare", "--store", store, "-o", str(exported)).returncode == 0
    assert exported.read_text(encoding="utf-8") == result.stdout
    table_view = subprocess.run(  # a terminal wide enough for every cell (COLUMNS honoured)
        [*flywheel_command(), "compare", "--store", store, "--format", "table"],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "250"},
        check=False,
    )
    assert "Hangzhou" in table_view.stdout and "2016-04-01 (month)" in table_view.stdout
    assert "over the 2 cities with both dates: median 3.01" in table_view.stdout


def test_each_stage_says_how_sure_its_start_is(rows) -> None:
    """By hand from the case files: City A's episodes rest on the abstract, graded confirmed
    (it states the stages), and have no claims of their own; each of Hangzhou's and Shanghai's
    starts has its own claim, graded inferred (the project's reading), with inferred evidence."""
    for city, level in (
        ("city-a", "confirmed"),
        ("hangzhou", "inferred"),
        ("shanghai", "inferred"),
    ):
        assert [rows[city][f"{s}_confidence"] for s in STAGES] == [level] * 4, city


def test_the_confidence_words_are_the_ontologys() -> None:
    from rdflib import URIRef
    from rdflib.namespace import SKOS

    from kg.ontology import ontology_graph
    from kg.vocab import CONFIDENCE_IRIS, FW

    graph = ontology_graph()
    ordered = sorted(
        graph.subjects(SKOS.inScheme, FW.ConfidenceScheme),
        key=lambda c: int(graph.value(c, FW.order)),
    )
    assert [str(graph.value(c, SKOS.notation)) for c in ordered] == list(CONFIDENCE_IRIS)
    assert [URIRef(i) for i in CONFIDENCE_IRIS.values()] == ordered


def test_min_confidence_leaves_weaker_starts_out(rows) -> None:
    """Every start of Hangzhou and Shanghai is graded inferred, City A's confirmed (see above).
    Asking for 'confirmed' leaves out the eight inferred starts, and the ends they closed
    (every end here is the next episode's start): no date is left for those two cities, and no
    years. Asking for 'inferred' or weaker leaves nothing out."""
    store = open_store("memory:")
    assert load_files(store, paths.bundled_case_files()).ok
    strict = {r["case"].rsplit("/", 1)[-1]: r for r in compare(store, None, "confirmed")}
    assert [strict[c]["starts_left_out"] for c in ("city-a", "hangzhou", "shanghai")] == [0, 4, 4]
    for city in ("hangzhou", "shanghai"):
        for stage in STAGES:
            for part in ("start", "start_earliest", "start_latest", "end", "end_latest"):
                assert strict[city][f"{stage}_{part}"] is None, (city, stage, part)
        assert strict[city]["years_startup_to_inertia"] is None
    for level in ("inferred", "reported"):
        kept = {r["case"].rsplit("/", 1)[-1]: r for r in compare(store, None, level)}
        assert kept == rows
        assert all(r["starts_left_out"] == 0 for r in kept.values())
    with pytest.raises(ValueError, match="no confidence level 'sure'"):
        compare(store, None, "sure")


def test_min_confidence_keeps_a_confirmed_start_and_the_end_it_closes(tmp_path) -> None:
    """Hangzhou with its rotation start (and that claim's evidence) regraded confirmed, by hand:
    asking for 'confirmed' keeps the rotation start (2017-01-01) and the startup's end it closes;
    the other three starts are left out, and with them the rotation's and the acceleration's
    ends (the acceleration and inertia starts)."""
    from rdflib import Graph, URIRef

    from kg.vocab import FW

    graph = Graph().parse(paths.CASES_DIR / "hangzhou.ttl")
    hz = "https://w3id.org/dataflywheel/case/hangzhou/"
    for node in (URIRef(hz + "claim-start-rotation"), URIRef(hz + "ev-stage-rotation")):
        graph.set((node, FW.confidence, FW.Confirmed))
    case = tmp_path / "hangzhou.ttl"
    graph.serialize(case, format="turtle")
    store = open_store("memory:")
    assert load_files(store, [case], force=True).ok
    (row,) = compare(store, None, "confirmed", close_at_next=True)
    assert row["starts_left_out"] == 3
    assert row["rotation_start"] == "2017-01-01" and row["rotation_confidence"] == "confirmed"
    assert row["startup_end"] == "2017-01-01"  # closed by the rotation start, which is kept
    assert row["startup_start"] is None and row["rotation_end"] is None
    assert row["acceleration_start"] is None and row["acceleration_end"] is None
    assert row["inertia_start"] is None


@pytest.mark.slow  # several commands in subprocesses: a few seconds
def test_min_confidence_on_the_command_line(tmp_path) -> None:
    store = str(tmp_path / "store")
    assert run_flywheel("load", "--bundled", "--store", store).returncode == 0
    result = run_flywheel(
        "compare", "--min-confidence", "confirmed", "--format", "csv", "--store", store
    )
    assert result.returncode == 0, result.stderr
    assert "8 stage start(s) left out: graded below 'confirmed'" in result.stderr
    table = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [r["starts_left_out"] for r in table] == ["0", "4", "4"]
    out = tmp_path / "cities.csv"
    written = run_flywheel(
        "compare", "--min-confidence", "confirmed", "-o", str(out), "--store", store
    )
    assert written.returncode == 0, written.stderr
    assert "minimum confidence: 'confirmed'" in (tmp_path / "cities.codebook.md").read_text()
    refused = run_flywheel(
        "compare", "--min-confidence", "confirmed", "--conditions", "--store", store
    )
    assert refused.returncode == 2 and "does not apply to --conditions" in refused.stderr
