"""Dates as scholars know them (docs/dates.md): EDTF parsed by the `edtf` package, and the
named queries' certainly/possibly/not and fewest/most days on the synthetic test cities of
tests/fixtures/dates/ (every expected answer below is worked out by hand from those files; the
arithmetic is in the comments)."""

from __future__ import annotations

import datetime as dt

import pyoxigraph as ox
import pytest

from kg import ontology
from kg.rdf import read as rdfio
from kg.rdf.lexical import parse_edtf
from kg.sparql.named import get_query, run
from tests.conftest import FIXTURES

FW = "https://w3id.org/dataflywheel/ontology#"
ONTOLOGY_GRAPH = "https://w3id.org/dataflywheel/ontology"
RANGES = "https://w3id.org/dataflywheel/synthetic/dates-ranges"
STATED = "https://w3id.org/dataflywheel/synthetic/dates-stated"
FEBRUARY = "https://w3id.org/dataflywheel/synthetic/dates-february"


def fw(name: str) -> str:
    return FW + name


def day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


# ------------------------------------------------------------------------------------------------
# EDTF as written → comparable value, bounds, precision (the table of docs/dates.md)
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "precision", "value", "earliest", "latest", "uncertain"),
    [
        ("2016-04-13", "day", "2016-04-13", "2016-04-13", "2016-04-13", False),
        ("2016-05", "month", "2016-05-01", "2016-05-01", "2016-05-31", False),
        ("2016-02", "month", "2016-02-01", "2016-02-01", "2016-02-29", False),  # a leap year
        ("2015-02", "month", "2015-02-01", "2015-02-01", "2015-02-28", False),
        ("2016", "year", "2016-01-01", "2016-01-01", "2016-12-31", False),
        ("2016?", "year", "2016-01-01", "2016-01-01", "2016-12-31", True),
        ("2016-04?", "month", "2016-04-01", "2016-04-01", "2016-04-30", True),
        ("2016-21", "range", "2016-03-01", "2016-03-01", "2016-05-31", False),  # spring
        ("201X", "range", "2010-01-01", "2010-01-01", "2019-12-31", False),
        ("2016/2017", "range", "2016-01-01", "2016-01-01", "2017-12-31", False),
        ("../2018-06", "on or before", "2018-06-30", None, "2018-06-30", False),
        ("2020/..", "on or after", "2020-01-01", "2020-01-01", None, False),
    ],
)
def test_edtf_gives_the_bounds_of_docs_dates(text, precision, value, earliest, latest, uncertain):
    parsed = parse_edtf(text)
    assert parsed.precision == precision and parsed.uncertain is uncertain
    assert parsed.value == day(value)
    assert parsed.earliest == (day(earliest) if earliest else None)
    assert parsed.latest == (day(latest) if latest else None)


def test_an_end_can_be_open_or_unknown():
    # EDTF's interval ends: ".." open (ongoing), "" unknown
    assert parse_edtf("..", end=True).precision == "ongoing"
    assert parse_edtf("", end=True).precision == "unknown"
    assert parse_edtf("..", end=True).value is None


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("2016-13", "is not a date in EDTF"),
        ("spring 2016", "is not a date in EDTF"),
        ("2015-02-29", "is not a day of the calendar"),  # edtf lets it pass; the calendar not
        ("2017/2016", "starts after it ends"),
        ("[2016..2017]", "beyond level 1"),  # level 2: one of a set
        ("2016-04-13T10:00:00", "beyond level 1 or a time of day"),
        ("..", "is not a date in EDTF"),  # open alone is an end's, not a point's
    ],
)
def test_bad_dates_say_what_is_wrong(text, says):
    with pytest.raises(ValueError, match=says):
        parse_edtf(text)


# ------------------------------------------------------------------------------------------------
# The queries on the fixture cities
# ------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def store() -> ox.Store:
    result = ox.Store()
    for name in ("ranges", "stated"):
        for case in rdfio.read_cases(FIXTURES / "dates" / f"{name}.ttl"):
            result.extend(rdfio.to_oxigraph(case.graph, case.iri))
    result.extend(rdfio.to_oxigraph(ontology.stored_ontology_graph(), ONTOLOGY_GRAPH))
    return result


@pytest.fixture(scope="module")
def february() -> ox.Store:
    """february.ttl alone (its city would join the statistics of question 17)."""
    result = ox.Store()
    for case in rdfio.read_cases(FIXTURES / "dates" / "february.ttl"):
        result.extend(rdfio.to_oxigraph(case.graph, case.iri))
    result.extend(rdfio.to_oxigraph(ontology.stored_ontology_graph(), ONTOLOGY_GRAPH))
    return result


def ask(store: ox.Store, query: str, **values: str) -> list[dict[str, str | None]]:
    return run(store, get_query(query), values)


def matches(store: ox.Store, case: str, date: str) -> list[str | None]:
    """Question 1's match for each episode, in sequence."""
    return [row["match"] for row in ask(store, "01", case=case, date=date)]


# ranges.ttl: ep1 startup 2016/2017 (2016-01-01..2017-12-31); ep2 rotation ../2018-06 (latest
# 2018-06-30, no earliest); ep3 acceleration 2019-05 coded as value + month precision only
# (2019-05-01..2019-05-31 from the precision); ep4 inertia 2020/.. (earliest 2020-01-01, no
# latest), end ".." (ongoing). No end is stated, so each episode is over when the next begins.
@pytest.mark.parametrize(
    ("date", "expected"),
    [
        # ep1 may have begun (2016-01-01 <= date < 2017-12-31) and ep2's start has no earliest
        # bound, so ep1 may already be over: possibly; ep2 may have begun (no earliest bound),
        # not certainly (latest 2018-06-30): possibly; ep3 and ep4 begin later: not
        ("2016-06-01", ["possibly", "possibly", "not", "not"]),
        # ep1 certainly began (by 2017-12-31) but ep2 certainly had by 2018-06-30: not; ep2
        # began by 2018-06-30 and ep3 no earlier than 2019-05-01: certainly
        ("2018-12-01", ["not", "certainly", "not", "not"]),
        # inside May 2019: ep2 may be over or not, ep3 may have begun or not
        ("2019-05-15", ["not", "possibly", "possibly", "not"]),
        # ep3 began by 2019-05-31, ep4 not before 2020-01-01: certainly in ep3
        ("2019-12-31", ["not", "not", "certainly", "not"]),
        # ep4 "2020 or later" has no latest bound: ep3 may still run, ep4 may have begun
        ("2021-01-01", ["not", "not", "possibly", "possibly"]),
    ],
)
def test_01_ranges(store, date, expected):
    assert matches(store, RANGES, date) == expected


def test_01_and_02_carry_the_bounds(store):
    columns = (
        "start",
        "startPrecision",
        "startEarliest",
        "startLatest",
        "end",
        "endPrecision",
        "endEarliest",
        "endLatest",
        "endBasis",
    )
    # the bounds as coded in ranges.ttl (ep1, ep2, ep4) or from the month precision (ep3);
    # an end closed by the next episode has that episode's start and its bounds
    expected = [
        ("2016-01-01", fw("RangePrecision"), "2016-01-01", "2017-12-31",
         "2018-06-30", fw("OnOrBefore"), None, "2018-06-30", "next episode"),
        ("2018-06-30", fw("OnOrBefore"), None, "2018-06-30",
         "2019-05-01", fw("MonthPrecision"), "2019-05-01", "2019-05-31", "next episode"),
        ("2019-05-01", fw("MonthPrecision"), "2019-05-01", "2019-05-31",
         "2020-01-01", fw("OnOrAfter"), "2020-01-01", None, "next episode"),
        ("2020-01-01", fw("OnOrAfter"), "2020-01-01", None,
         None, fw("Ongoing"), None, None, "open"),
    ]  # fmt: skip
    timeline = ask(store, "02", case=RANGES, closeAtNext="true")
    assert [tuple(row[c] for c in columns) for row in timeline] == expected
    on_date = ask(store, "01", case=RANGES, date="2019-12-31")
    assert [tuple(row[c] for c in columns) for row in on_date] == expected


# stated.ttl: ep1 startup 2015-03 (coded bounds 2015-03-01..31) with a stated end 2015-12
# (2015-12-01..31, the episode's last day); ep2 rotation spring 2016 (2016-03-01..2016-05-31), end
# unknown; ep3 inertia 2018-04-13 (day), the last episode, no end: open.
@pytest.mark.parametrize(
    ("date", "expected"),
    [
        ("2015-03-15", ["possibly", "not", "not"]),  # inside March 2015
        ("2015-06-01", ["certainly", "not", "not"]),  # after 2015-03-31, before 2015-12-01
        ("2015-12-01", ["certainly", "not", "not"]),  # a stated end is inclusive
        ("2015-12-15", ["possibly", "not", "not"]),  # inside the end month
        ("2016-01-15", ["not", "not", "not"]),  # after 2015-12-31, before 2016-03-01: no stage
        ("2016-04-01", ["not", "possibly", "not"]),  # inside spring 2016
        ("2017-01-01", ["not", "certainly", "not"]),  # after 2016-05-31, before 2018-04-13
        ("2018-04-13", ["not", "not", "certainly"]),  # the next episode began that day
    ],
)
def test_01_stated_ends(store, date, expected):
    assert matches(store, STATED, date) == expected


def test_01_an_unknown_end_stays_open_only_to_the_next_start(store):
    # stated.ttl's ep2 codes its end as fw:UnknownDate: the next episode's start closes it
    ep2 = ask(store, "01", case=STATED, date="2017-01-01")[1]
    assert (ep2["endBasis"], ep2["end"], ep2["endEarliest"], ep2["endLatest"]) == (
        "next episode",
        "2018-04-13",
        "2018-04-13",
        "2018-04-13",
    )


def test_02_month_ends_know_leap_years(february):
    # february.ttl: 1900 is not a leap year (a century not divisible by 400), 2000 is, 2015 is
    # not, 2016 is
    rows = ask(february, "02", case=FEBRUARY)
    assert [(r["startEarliest"], r["startLatest"]) for r in rows] == [
        ("1900-02-01", "1900-02-28"),
        ("2000-02-01", "2000-02-29"),
        ("2015-02-01", "2015-02-28"),
        ("2016-02-01", "2016-02-29"),
    ]


def test_17_fewest_and_most_years(store):
    columns = (
        "case",
        "startupStartEarliest",
        "startupStartLatest",
        "inertiaStartEarliest",
        "inertiaStartLatest",
        "days",
        "years",
        "daysAtLeast",
        "daysAtMost",
        "yearsAtLeast",
        "yearsAtMost",
    )
    rows = ask(store, "17")
    assert [tuple(row[c] for c in columns) for row in rows] == [
        # stated.ttl: 2015-03-01 → 2018-04-13: 2015-03-01 → 2018-03-01 is 365 + 366 (2016-02-29)
        # + 365 = 1096 days, + 31 (March) + 12 = 1139 (3.12 years); at least from 2015-03-31:
        # 1139 − 30 = 1109 (3.04); at most from 2015-03-01 to the known day: 1139
        (STATED, "2015-03-01", "2015-03-31", "2018-04-13", "2018-04-13",
         "1139", "3.12", "1109", "1139", "3.04", "3.12"),
        # ranges.ttl: 2016-01-01 → 2020-01-01 is 366 + 365 + 365 + 365 = 1461 days (4.00
        # years); at least 2017-12-31 → 2020-01-01 = 1 + 365 + 365 = 731 (2.00); inertia
        # "2020 or later" has no latest bound, so no most
        (RANGES, "2016-01-01", "2017-12-31", "2020-01-01", None,
         "1461", "4", "731", None, "2", None),
    ]  # fmt: skip
    # the statistics stay on the comparable values: 1139 and 1461 days, range 322 (0.88)
    assert {
        (row["citiesCompared"], row["minYears"], row["maxYears"], row["rangeYears"]) for row in rows
    } == {("2", "3.12", "4", "0.88")}


def test_19_a_first_attested_creation_has_only_a_most(store):
    # stated.ttl: the bureau's creation is first attested in August 2016 (on or before
    # 2016-08-31, no earliest bound); startup 2015-03 (2015-03-01..31). Comparable: 2015-03-01 →
    # 2016-08-31 = 366 (to 2016-03-01, over 2016-02-29) + 153 (March to July) + 30 = 549 days
    # (1.5 years); the most is the same 549; the fewest is unknown (the bureau may be older)
    columns = (
        "createdPrecision",
        "createdEarliest",
        "createdLatest",
        "days",
        "years",
        "daysAtLeast",
        "daysAtMost",
        "yearsAtLeast",
        "yearsAtMost",
    )
    rows = ask(store, "19")
    assert [tuple(row[c] for c in columns) for row in rows] == [
        (fw("OnOrBefore"), None, "2016-08-31", "549", "1.5", None, "549", None, "1.5")
    ]


def test_14_counts_a_year_only_when_the_date_stays_in_it(store):
    # stated.ttl: s:flow-2016 (year 2016) counts in 2016, s:flow-back-june (2017-06) in 2017;
    # s:flow-2016-2017 may be any day of 2016 or 2017 and s:flow-back-attested any day up to
    # 2017-03-31, so their years are unknown: they count on the undated row (year empty), last,
    # with the scenario (no launch is coded)
    rows = ask(store, "14", case=STATED)
    assert [(r["year"], r["newFlows"], r["totalFlows"], r["newScenarios"]) for r in rows] == [
        ("2016", "1", "1", "0"),
        ("2017", "1", "2", "0"),
        (None, "2", None, "1"),
    ]


def test_11_and_16_when_the_loop_closed(store):
    # stated.ttl: re-aggregation in 2017-06 (2017-06-01..30) and on or before 2017-03-31.
    # Compared as days, the first is 2017-03-31 (on or before). It may have closed any day
    # before that (no earliest bound): firstEarliest empty; it had certainly closed by
    # 2017-03-31, the smaller of the latest bounds (2017-03-31, 2017-06-30)
    columns = ("closed", "reaggregationFlows", "firstDate", "firstPrecision")
    more = ("undatedFlows", "firstEarliest", "closedBy")
    expected = ("true", "2", "2017-03-31", fw("OnOrBefore"), "0", None, "2017-03-31")
    [row] = ask(store, "11", case=STATED)
    assert tuple(row[c] for c in columns + more) == expected
    by_case = {r["case"]: r for r in ask(store, "16")}
    assert tuple(by_case[STATED][c] for c in columns + more) == expected
    # ranges.ttl codes no re-aggregation
    assert (by_case[RANGES]["closed"], by_case[RANGES]["closedBy"]) == ("false", None)


# ------------------------------------------------------------------------------------------------
# The timeline view (what the API and the CLI show) on the bundled Hangzhou case
# ------------------------------------------------------------------------------------------------

HANGZHOU = "https://w3id.org/dataflywheel/case/hangzhou"


def test_the_view_names_a_stage_only_when_certain(bundled_store):
    from kg.store import open_store
    from kg.views.timeline import episodes, stage_on_date

    with open_store(bundled_store, read_only=True) as store:
        # hangzhou.ttl: inertia starts 2020-03 (month), closing acceleration (2018-04-13): on
        # 2020-03-01 the city may be in either; from 2020-04-01 certainly in inertia
        march = stage_on_date(store, HANGZHOU, "2020-03-01")
        assert (march["match"], march["stage"], march["episode"]) == ("possibly", None, None)
        assert [(c["episode"].rsplit("/", 1)[-1], c["match"]) for c in march["candidates"]] == [
            ("ep-acceleration", "possibly"),
            ("ep-inertia", "possibly"),
        ]
        april = stage_on_date(store, HANGZHOU, "2020-04-01")
        assert (april["match"], april["episode"]) == ("certainly", f"{HANGZHOU}/ep-inertia")
        # before startup (no earlier than 2016-04-01): no episode at all
        before = stage_on_date(store, HANGZHOU, "2015-01-01")
        assert (before["match"], before["candidates"]) == ("none", [])
        # the timeline carries the bounds: startup 2016-04 (1 to 30); its end is not coded, so
        # unknown, unless asked to close it at rotation's start (2017-01)
        first = episodes(store, HANGZHOU)[0]
        assert (first["start_earliest"], first["start_latest"]) == ("2016-04-01", "2016-04-30")
        assert (first["end_earliest"], first["end_latest"], first["end_basis"]) == (
            None,
            None,
            "unknown",
        )
        closed = episodes(store, HANGZHOU, close_at_next=True)[0]
        assert (closed["end_earliest"], closed["end_latest"]) == ("2017-01-01", "2017-01-31")
        assert closed["end_basis"] == "next episode" and closed["end_inferred"]
        # hangzhou.ttl grades the evidence for each stage start 'inferred'
        assert {e["confidence"] for e in episodes(store, HANGZHOU)} == {"inferred"}


def test_the_comparison_carries_bounds_and_fewest_most_years():
    from kg.rdf.read import CaseGraph
    from kg.store import open_store
    from kg.views.comparison import compare

    with open_store("memory:") as store:
        store.put_cases(
            [
                CaseGraph(case.iri, name, case.graph)
                for name in ("ranges", "stated")
                for case in rdfio.read_cases(FIXTURES / "dates" / f"{name}.ttl")
            ]
        )
        rows = {row["case"]: row for row in compare(store)}
    stated, ranges = rows[STATED], rows[RANGES]
    # as question 17 (test_17_fewest_and_most_years): stated 1109 to 1139 days, 3.04 to 3.12
    # years; ranges at least 731 days (2.0 years), no most (inertia "2020 or later")
    assert (stated["years_at_least"], stated["years_at_most"]) == (3.04, 3.12)
    assert (ranges["years_at_least"], ranges["years_at_most"]) == (2.0, None)
    # ranges: startup 2016/2017; rotation first attested by 2018-06-30; inertia still open
    assert (ranges["startup_start_earliest"], ranges["startup_start_latest"]) == (
        "2016-01-01",
        "2017-12-31",
    )
    assert (ranges["rotation_start_precision"], ranges["rotation_start_earliest"]) == (
        "on or before",
        None,
    )
    assert (ranges["inertia_end_precision"], ranges["inertia_end_latest"]) == ("ongoing", None)
    # stated: the loop closed on or before 2017-03-31 (first attested), certainly by then
    assert (
        stated["loop_closed"],
        stated["loop_closed_since"],
        stated["loop_closed_since_precision"],
        stated["loop_closed_by"],
    ) == (True, "2017-03-31", "on or before", "2017-03-31")
