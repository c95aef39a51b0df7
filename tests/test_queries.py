"""The named queries (queries/*.rq) on the bundled cases.

Every expected answer below was worked out by hand from kg/cases/{city-a,hangzhou,shanghai}.ttl
(the comment next to it says where it comes from), not by running the query.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg import ontology, paths
from kg.rdf import read as rdfio
from kg.sparql.check import substitute_terms
from kg.sparql.named import (
    NamedQuery,
    ParamType,
    QueryDefinitionError,
    QueryParameterError,
    UnknownQueryError,
    bind,
    get_query,
    load_queries,
    parse_query,
    run,
)

FW = "https://w3id.org/dataflywheel/ontology#"
ONTOLOGY_GRAPH = "https://w3id.org/dataflywheel/ontology"
CASES = "https://w3id.org/dataflywheel/case/"
CITY_A = CASES + "city-a"
HANGZHOU = CASES + "hangzhou"
SHANGHAI = CASES + "shanghai"
QUERIES = load_queries()
WITH_CASE = [q for q in QUERIES.values() if "case" in q.param_names]


def fw(name: str) -> str:
    return FW + name


def ca(name: str) -> str:
    return f"{CITY_A}/{name}"


def hz(name: str) -> str:
    return f"{HANGZHOU}/{name}"


def sh(name: str) -> str:
    return f"{SHANGHAI}/{name}"


@pytest.fixture(scope="module")
def store() -> ox.Store:
    """The three bundled cases, each in its named graph, and the ontology in its own graph."""
    result = ox.Store()
    for path in paths.bundled_case_files():
        for case in rdfio.read_cases(path):
            result.extend(rdfio.to_oxigraph(case.graph, case.iri))
    result.extend(rdfio.to_oxigraph(ontology.stored_ontology_graph(), ONTOLOGY_GRAPH))
    return result


def ask(store: ox.Store, query: str, **values: str) -> list[dict[str, str | None]]:
    return run(store, get_query(query), values)


def cells(rows: list[dict[str, str | None]], *columns: str) -> list[tuple[str | None, ...]]:
    return [tuple(row[c] for c in columns) for row in rows]


# ------------------------------------------------------------------------------------------------
# The library itself: headers, names, parameters
# ------------------------------------------------------------------------------------------------


def test_one_query_per_competency_question():
    assert sorted(q.number for q in QUERIES.values()) == list(range(1, 28))
    for query in QUERIES.values():
        assert re.fullmatch(rf"{query.number:02d}-[a-z0-9-]+", query.name)


@pytest.mark.parametrize("query", QUERIES.values(), ids=lambda q: q.name)
def test_header_has_titles_params_and_columns(query: NamedQuery):
    text = query.text
    assert text.startswith(f"# question: {query.number}\n# title: ")
    assert query.title["en"] and query.title["zh"]
    assert re.search(r"[\u4e00-\u9fff]", query.title["zh"]), "the zh title is in Chinese"
    assert query.columns
    for column in query.columns:
        assert column.description
    for param in query.params:
        assert param.description
        assert param.default is not None, "every bundled query runs with its defaults"
    # one city per single-city query, all case graphs for the cross-city ones; question 24
    # asks one city or, by default, every one (case = *)
    if query.number <= 15:
        assert query.param_names[0] == "case"
    elif query.number in (24, 25, 26, 27):
        assert query.params[0].name == "case" and query.params[0].default == "*"
    else:
        assert "case" not in query.param_names
        assert "GRAPH ?case" in text


@pytest.mark.parametrize("query", QUERIES.values(), ids=lambda q: q.name)
def test_columns_are_the_variables_the_query_returns(store, query: NamedQuery):
    results = store.query(query.text, substitutions=bind(query))
    returned = [v.value for v in results.variables]
    assert returned == query.column_names


@pytest.mark.parametrize("query", QUERIES.values(), ids=lambda q: q.name)
def test_every_param_is_a_variable_of_the_query(query: NamedQuery):
    body = "\n".join(line for line in query.text.splitlines() if not line.lstrip().startswith("#"))
    for param in query.params:
        assert re.search(rf"\?{param.name}\b", body)
        # Oxigraph substitutes only variables the query returns
        assert param.name in query.column_names


@pytest.mark.parametrize("query", QUERIES.values(), ids=lambda q: q.name)
def test_queries_are_ordered(query: NamedQuery):
    assert re.search(r"^ORDER BY ", query.text, re.MULTILINE)
    assert [c.name for c in query.columns] == [name for name, _ in query.columns]


@pytest.mark.parametrize("query", QUERIES.values(), ids=lambda q: q.name)
def test_queries_name_their_graphs(query: NamedQuery):
    body = "\n".join(line for line in query.text.splitlines() if not line.lstrip().startswith("#"))
    # facts about cases come from GRAPH ?case (or a renamed case variable), theory from the
    # ontology graph; the default graph is never queried
    assert re.search(r"GRAPH \?\w*[cC]ase", body)
    for graph in re.findall(r"GRAPH\s+(<[^>]*>|\?\w+)", body):
        assert graph == f"<{ONTOLOGY_GRAPH}>" or graph.startswith("?")


def test_get_query_accepts_number_stem_and_slug():
    for key in ("1", "01", 1, "01-stage-on-date", "stage-on-date", "01-stage-on-date.rq"):
        assert get_query(key).name == "01-stage-on-date"
    assert get_query("22").name == "22-secondary-only-cities"
    with pytest.raises(UnknownQueryError, match="no query called"):
        get_query("99")
    with pytest.raises(UnknownQueryError):
        get_query("stage")


def test_bind_types_the_values():
    terms = bind(get_query(1), {"case": HANGZHOU, "date": "2019-02-03"})
    assert terms[ox.Variable("case")] == ox.NamedNode(HANGZHOU)
    assert terms[ox.Variable("date")] == ox.Literal(
        "2019-02-03", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#date")
    )
    # defaults fill what is not given
    assert bind(get_query(20))[ox.Variable("n")] == ox.Literal(
        "2", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")
    )
    assert bind(get_query(21), {"k": "+03"})[ox.Variable("k")].value == "3"
    # numbers and dates given as Python values are taken as their text
    assert bind(get_query(21), {"k": 4})[ox.Variable("k")].value == "4"  # type: ignore[dict-item]
    date = bind(get_query(1), {"date": dt.date(2019, 2, 3)})  # type: ignore[dict-item]
    assert date[ox.Variable("date")].value == "2019-02-03"
    with pytest.raises(QueryParameterError, match="must be given as text"):
        bind(get_query(21), {"k": True})  # type: ignore[dict-item]


@pytest.mark.parametrize(
    ("query", "values", "message"),
    [
        (1, {"city": HANGZHOU}, "no parameter 'city'"),
        (16, {"case": HANGZHOU}, "takes no parameters"),
        (1, {"date": "2018-13-40"}, "date written YYYY-MM-DD"),
        (1, {"date": "2018-02-30"}, "date written YYYY-MM-DD"),
        (1, {"date": "20180601"}, "date written YYYY-MM-DD"),
        (1, {"date": '2018-06-01"^^xsd:date) } UNION { ?s ?p ?o'}, "date written"),
        (20, {"n": "abc"}, "whole number"),
        (20, {"n": "1.5"}, "whole number"),
        (21, {"k": "1 } ; DROP ALL"}, "whole number"),
        (2, {"closeAtNext": "yes"}, "must be true or false, not 'yes'"),
        (2, {"closeAtNext": "True"}, "must be true or false"),
        (2, {"closeAtNext": "1"}, "must be true or false"),
        (1, {"case": "not an iri"}, "absolute IRI"),
        (1, {"case": "<x> } ; DROP ALL"}, "absolute IRI"),
        (1, {"case": "hangzhou"}, "absolute IRI"),
    ],
)
def test_bind_rejects_what_does_not_fit(query, values, message):
    with pytest.raises(QueryParameterError, match=re.escape(message)):
        bind(get_query(query), values)


def test_required_params_and_other_types():
    query = parse_query(
        "# question: 99\n# title: t\n# title@zh: 测试\n"
        "# param: label | string | - | a label\n"
        "# param: share | decimal | 0.5 | a share\n"
        "# column: label | the label\n# column: share | the share\n\n"
        "SELECT ?label ?share WHERE {}\n",
        "99-test",
    )
    assert query.param("label").required
    with pytest.raises(QueryParameterError, match="needs a value for parameter 'label'"):
        bind(query, {})
    assert bind(query, {"label": "x"})[ox.Variable("share")].value == "0.5"
    for bad in ("abc", "1e5", "NaN", ""):
        if bad:
            with pytest.raises(QueryParameterError, match="decimal number"):
                bind(query, {"label": "x", "share": bad})
    assert isinstance(bind(query, {"label": "x"})[ox.Variable("label")], ox.Literal)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("# title: t\n# title@zh: 测\n# column: a | b\n\nSELECT ?a {}", "no '# question: N'"),
        (
            "# question: 98\n# title: t\n# title@zh: 测\n# column: a | b\n\nSELECT ?a {}",
            "file name",
        ),
        ("# question: 99\n# title: t\n# column: a | b\n\nSELECT ?a {}", "no title in 'zh'"),
        ("# question: 99\n# title: t\n# title@zh: 测\n\nSELECT ?a {}", "lists no columns"),
        (
            "# question: 99\n# title: t\n# title@zh: 测\n# param: x | iri | - | d\n"
            "# column: a | b\n\nSELECT ?a {}",
            "not used",
        ),
        (
            "# question: 99\n# title: t\n# title@zh: 测\n# param: x | uri | - | d\n"
            "# column: a | b\n\nSELECT ?a ?x {}",
            "unknown type",
        ),
        (
            "# question: 99\n# title: t\n# title@zh: 测\n# param: x | date | 2018-99-01 | d\n"
            "# column: a | b\n\nSELECT ?a ?x {}",
            "bad default",
        ),
        (
            "# question: 99\n# title: t\n# title@zh: 测\n# colum: a | b\n\nSELECT ?a {}",
            "unknown header key",
        ),
    ],
)
def test_malformed_headers_are_refused(text, message):
    with pytest.raises(QueryDefinitionError, match=re.escape(message)):
        parse_query(text, "99-test")


def test_run_returns_plain_strings(store):
    rows = ask(store, "stage-on-date", case=HANGZHOU, date="2018-06-01")
    assert rows and all(isinstance(v, str | type(None)) for row in rows for v in row.values())
    assert list(rows[0]) == get_query(1).column_names


# ------------------------------------------------------------------------------------------------
# Injection: parameters are RDF terms, never query text
# ------------------------------------------------------------------------------------------------

INJECTED_IRIS = [
    f"{HANGZHOU}> }} ?s ?p ?o . {{ <x",
    f"{HANGZHOU}>}}UNION{{GRAPH?g{{?s?p?o}}}}#",
    f'{HANGZHOU}" ) }} ?s ?p ?o {{ ("',
    f"{HANGZHOU}\n}} ?s ?p ?o {{",
]


@pytest.mark.parametrize("query", WITH_CASE, ids=lambda q: q.name)
@pytest.mark.parametrize("value", INJECTED_IRIS)
def test_injected_case_is_refused(query: NamedQuery, value: str):
    with pytest.raises(QueryParameterError):
        bind(query, {"case": value})


def test_injected_scenario_is_refused():
    with pytest.raises(QueryParameterError):
        bind(get_query(10), {"scenario": f"{sh('sc-ywtb-portal')}> }} ?s ?p ?o {{ <x"})


def test_a_well_formed_but_unknown_case_gives_nothing(store):
    for query in WITH_CASE:
        values = {"case": CASES + "atlantis"}
        if "scenario" in query.param_names:
            values["scenario"] = CASES + "atlantis/sc"
        rows = run(store, query, values)
        assert rows == [], query.name


def test_string_params_with_quotes_stay_literals(store):
    query = parse_query(
        "# question: 99\n# title: t\n# title@zh: 测试\n"
        "# param: label | string | - | an English label\n"
        "# column: label | the label asked\n# column: thing | what has it\n\n"
        "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
        "SELECT ?label ?thing WHERE {\n"
        "  GRAPH ?g { ?thing rdfs:label ?l }\n"
        '  FILTER (STR(?l) = ?label && LANGMATCHES(LANG(?l), "en"))\n'
        "}\n",
        "99-label",
    )
    assert cells(run(store, query, {"label": "Hangzhou"}), "thing") == [(hz("city"),)]
    for value in (
        'Hangzhou" || true || "',
        "Hangzhou') } UNION { GRAPH ?g { ?thing ?p ?o } } #",
        'x" ) } ?thing ?p ?o { FILTER("',
        '\\"\'"""',
    ):
        rows = run(store, query, {"label": value})
        assert rows == []
        assert bind(query, {"label": value})[ox.Variable("label")].value == value


# ------------------------------------------------------------------------------------------------
# One city
# ------------------------------------------------------------------------------------------------


def test_01_stage_on_date(store):
    columns = (
        "match",
        "episode",
        "stage",
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

    def matches(case: str, date: str) -> list[tuple[str | None, ...]]:
        return cells(ask(store, "01", case=case, date=date), "episode", "match")

    # hangzhou.ttl: hz:ep-acceleration starts 2018-04-13 (day); hz:ep-inertia starts 2020-03
    # (month: 2020-03-01 to 2020-03-31) and closes it; every episode is listed with its match
    rows = ask(store, "01", case=HANGZHOU, date="2018-06-01")
    assert cells(rows, *columns)[2] == (
        "certainly",
        hz("ep-acceleration"),
        fw("AccelerationStage"),
        "2018-04-13",
        fw("DayPrecision"),
        "2018-04-13",
        "2018-04-13",
        "2020-03-01",
        fw("MonthPrecision"),
        "2020-03-01",
        "2020-03-31",
        "next episode",
    )
    # startup (2016-04) and rotation (2017-01) were over by 2018-04-13; inertia began 2020-03
    assert cells(rows, "episode", "match") == [
        (hz("ep-startup"), "not"),
        (hz("ep-rotation"), "not"),
        (hz("ep-acceleration"), "certainly"),
        (hz("ep-inertia"), "not"),
    ]
    # hz:ep-rotation starts some day in January 2017 (2017-01-01 to 2017-01-31): on 2017-01-01
    # the city may still have been in startup or already in rotation
    assert matches(HANGZHOU, "2017-01-01") == [
        (hz("ep-startup"), "possibly"),
        (hz("ep-rotation"), "possibly"),
        (hz("ep-acceleration"), "not"),
        (hz("ep-inertia"), "not"),
    ]
    # by 2017-02-01 rotation had certainly begun (its latest start is 2017-01-31)
    assert matches(HANGZHOU, "2017-02-01")[:2] == [
        (hz("ep-startup"), "not"),
        (hz("ep-rotation"), "certainly"),
    ]
    # before hz:ep-startup (2016-04: no earlier than 2016-04-01) the city was in no stage
    assert {m for _, m in matches(HANGZHOU, "2015-06-01")} == {"not"}
    # 2016-04-15 is inside startup's month: startup possibly, nothing else
    assert matches(HANGZHOU, "2016-04-15")[0] == (hz("ep-startup"), "possibly")
    # hz:ep-inertia is the last episode and states no end: still open, certainly after 2020-03-31
    assert cells(
        ask(store, "01", case=HANGZHOU, date="2024-01-01")[3:],
        "episode",
        "match",
        "endBasis",
        "endPrecision",
        "endEarliest",
        "endLatest",
    ) == [(hz("ep-inertia"), "certainly", "open", fw("UnknownDate"), None, None)]
    # shanghai.ttl: sh:ep-startup 2018-03-30, sh:ep-rotation 2018-04-12 (both day precision)
    assert cells(ask(store, "01", case=SHANGHAI, date="2018-04-01"), "episode", "match", "end")[
        :2
    ] == [(sh("ep-startup"), "certainly", "2018-04-12"), (sh("ep-rotation"), "not", "2018-10-17")]
    assert matches(SHANGHAI, "2018-04-12")[:2] == [
        (sh("ep-startup"), "not"),
        (sh("ep-rotation"), "certainly"),
    ]


def test_02_stage_timeline(store):
    columns = (
        "sequence",
        "stage",
        "theoryOrder",
        "followsTheory",
        "start",
        "startPrecision",
        "end",
        "endPrecision",
        "endBasis",
    )
    # hangzhou.ttl: episodes 1-4 start 2016-04-01 (month), 2017-01-01 (month), 2018-04-13 (day),
    # 2020-03-01 (month); no end is coded, so unless asked each end stays unknown: no end, no
    # bounds, no duration; the last one, with no later episode, is open
    assert cells(
        ask(store, "02", case=HANGZHOU),
        "closeAtNext",
        "end",
        "endPrecision",
        "endEarliest",
        "endLatest",
        "endBasis",
        "daysAtLeast",
        "daysAtMost",
    ) == [
        ("false", None, fw("UnknownDate"), None, None, "unknown", None, None),
        ("false", None, fw("UnknownDate"), None, None, "unknown", None, None),
        ("false", None, fw("UnknownDate"), None, None, "unknown", None, None),
        ("false", None, fw("UnknownDate"), None, None, "open", None, None),
    ]
    # asked to close them, each is closed by the next start, saying so
    assert cells(ask(store, "02", case=HANGZHOU, closeAtNext="true"), *columns) == [
        (
            "1",
            fw("StartupStage"),
            "1",
            "true",
            "2016-04-01",
            fw("MonthPrecision"),
            "2017-01-01",
            fw("MonthPrecision"),
            "next episode",
        ),
        (
            "2",
            fw("RotationStage"),
            "2",
            "true",
            "2017-01-01",
            fw("MonthPrecision"),
            "2018-04-13",
            fw("DayPrecision"),
            "next episode",
        ),
        (
            "3",
            fw("AccelerationStage"),
            "3",
            "true",
            "2018-04-13",
            fw("DayPrecision"),
            "2020-03-01",
            fw("MonthPrecision"),
            "next episode",
        ),
        (
            "4",
            fw("InertiaStage"),
            "4",
            "true",
            "2020-03-01",
            fw("MonthPrecision"),
            None,
            fw("UnknownDate"),
            "open",
        ),
    ]
    # the bounds: a month runs from its first to its last day, a day is itself; the last
    # episode is open (no end bounds); an end closed by the next episode has that start's bounds
    assert cells(
        ask(store, "02", case=HANGZHOU, closeAtNext="true"),
        "startEarliest",
        "startLatest",
        "endEarliest",
        "endLatest",
    ) == [
        ("2016-04-01", "2016-04-30", "2017-01-01", "2017-01-31"),
        ("2017-01-01", "2017-01-31", "2018-04-13", "2018-04-13"),
        ("2018-04-13", "2018-04-13", "2020-03-01", "2020-03-31"),
        ("2020-03-01", "2020-03-31", None, None),
    ]
    # shanghai.ttl: 2018-03-30, 2018-04-12, 2018-10-17, 2020-05-08, all day precision
    assert cells(
        ask(store, "02", case=SHANGHAI, closeAtNext="true"), "start", "end", "followsTheory"
    ) == [
        ("2018-03-30", "2018-04-12", "true"),
        ("2018-04-12", "2018-10-17", "true"),
        ("2018-10-17", "2020-05-08", "true"),
        ("2020-05-08", None, "true"),
    ]
    # how long each lasted, at least (latest start to earliest end) and at most (earliest start
    # to latest end), counted by hand from those bounds: 2016-04-30 → 2017-01-01 is 246 days,
    # 2016-04-01 → 2017-01-31 is 305; 2017-01-31 → 2018-04-13 is 365 + 72 = 437, from 01-01 467;
    # 2018-04-13 → 2020-03-01 is 365 + 323 = 688 (2020 a leap year), to 03-31 718; the open
    # inertia episode has no end, so no duration
    assert cells(
        ask(store, "02", case=HANGZHOU, closeAtNext="true"), "daysAtLeast", "daysAtMost"
    ) == [
        ("246", "305"),
        ("437", "467"),
        ("688", "718"),
        (None, None),
    ]
    # Shanghai's days: 13 (30 March to 12 April), 188, 569 (2018-10-17 → 2020-05-08: 365 + 204)
    assert cells(
        ask(store, "02", case=SHANGHAI, closeAtNext="true"), "daysAtLeast", "daysAtMost"
    ) == [
        ("13", "13"),
        ("188", "188"),
        ("569", "569"),
        (None, None),
    ]


def test_03_stage_drivers(store):
    columns = (
        "action",
        "actor",
        "actorClass",
        "post",
        "characteristicActor",
        "logic",
        "mechanism",
        "evidence",
        "confidence",
        "source",
        "sourceType",
    )
    # city-a.ttl: ca:act-leaders-promote-aggregation by ca:leaders, typed fw:LeadershipCollective
    # (who acts) and fw:LeadingOfficial (the part it plays; only that class is the startup stage's
    # expected one), post "principal party and government leaders", political logic, evidence
    # ev-political-logic and ev-stages, both confirmed quotes of the abstract (src-paper, secondary
    # literature): one row per class and piece of evidence (the two classes' order is not fixed)
    assert sorted(cells(ask(store, "03", case=CITY_A), *columns)) == sorted(
        (
            ca("act-leaders-promote-aggregation"),
            ca("leaders"),
            fw(actor_class),
            "principal party and government leaders",
            characteristic,
            fw("PoliticalLogic"),
            fw("HighLevelPromotion"),
            ca(evidence),
            fw("Confirmed"),
            ca("src-paper"),
            fw("SecondaryLiterature"),
        )
        for actor_class, characteristic in (
            ("LeadingOfficial", "true"),
            ("LeadershipCollective", "false"),
        )
        for evidence in ("ev-political-logic", "ev-stages")
    )
    # hangzhou.ttl: two startup actions, both by hz:government (fw:PeoplesGovernment, no post),
    # each with two pieces of evidence; the exploration's logic is left unknown (its source says
    # only that the city began exploring), the Yunqi announcement is coded under technical logic
    # from its own unverified report (its claims and its evidence node fw:Reported)
    rows = ask(store, "03", case=HANGZHOU)
    assert cells(
        rows,
        "action",
        "actorClass",
        "post",
        "characteristicActor",
        "logic",
        "date",
        "evidence",
        "confidence",
    ) == [
        (
            hz("act-2016-04-explore-city-brain"),
            fw("PeoplesGovernment"),
            None,
            "false",
            None,
            "2016-04-01",
            hz("ev-explore"),
            fw("Confirmed"),
        ),
        (
            hz("act-2016-04-explore-city-brain"),
            fw("PeoplesGovernment"),
            None,
            "false",
            None,
            "2016-04-01",
            hz("ev-stage-startup"),
            fw("Inferred"),
        ),
        (
            hz("act-2016-10-yunqi-city-brain"),
            fw("PeoplesGovernment"),
            None,
            "false",
            fw("TechnicalLogic"),
            "2016-10-01",
            hz("ev-stage-startup"),
            fw("Inferred"),
        ),
        (
            hz("act-2016-10-yunqi-city-brain"),
            fw("PeoplesGovernment"),
            None,
            "false",
            fw("TechnicalLogic"),
            "2016-10-01",
            hz("ev-yunqi"),
            fw("Reported"),
        ),
    ]
    # another stage: in rotation the campaign is performed by the data bureau (a data
    # administration playing the technical department's part, not the rotation stage's functional
    # department) and the campaign departments (government departments playing functional
    # departments' part); one row per class each actor is typed with
    rotation = ask(store, "03", case=HANGZHOU, stage=fw("RotationStage"))
    assert sorted(set(cells(rotation, "action", "actor", "actorClass", "characteristicActor"))) == [
        (hz("act-2017-01-data-bureau"), hz("government"), fw("PeoplesGovernment"), "false"),
        (
            hz("act-2017-09-data-aggregation-campaign"),
            hz("campaign-departments"),
            fw("FunctionalDepartment"),
            "true",
        ),
        (
            hz("act-2017-09-data-aggregation-campaign"),
            hz("campaign-departments"),
            fw("GovernmentDepartment"),
            "false",
        ),
        (
            hz("act-2017-09-data-aggregation-campaign"),
            hz("data-bureau"),
            fw("DataAdministration"),
            "false",
        ),
        (
            hz("act-2017-09-data-aggregation-campaign"),
            hz("data-bureau"),
            fw("TechnicalDepartment"),
            "false",
        ),
    ]
    # the bureau's creation: 1 class x 2 pieces of evidence (ev-bureau, ev-stage-rotation); the
    # campaign: 2 actors x 2 classes x 2 pieces (ev-campaign, ev-stage-rotation)
    assert len(rotation) == 10


def test_04_promotion_before_aggregation(store):
    columns = (
        "action",
        "date",
        "datePrecision",
        "firstAggregationDate",
        "firstAggregationPrecision",
        "aggregationFlows",
        "undatedAggregationFlows",
        "before",
    )
    # hangzhou.ttl: promotion actions 2016-04 (explore, startup) and 2020-03-31 (inspection,
    # inertia); the only aggregation flow is 2017-09 (month): the inspection came after
    assert cells(ask(store, "04", case=HANGZHOU), *columns) == [
        (
            hz("act-2016-04-explore-city-brain"),
            "2016-04-01",
            fw("MonthPrecision"),
            "2017-09-01",
            fw("MonthPrecision"),
            "1",
            "0",
            "yes",
        ),
    ]
    # shanghai.ttl: the work plan (2018-03-30) and the aggregation flow known only to the year
    # 2018 overlap by date, but the plan is in the startup episode and the flow in rotation
    assert cells(ask(store, "04", case=SHANGHAI), *columns) == [
        (
            sh("act-2018-03-30-ywtb-work-plan"),
            "2018-03-30",
            fw("DayPrecision"),
            "2018-01-01",
            fw("YearPrecision"),
            "1",
            "0",
            "yes",
        ),
    ]
    # city-a.ttl: the leaders' action and the aggregation flow are both undated and both in the
    # startup episode: the order cannot be told
    assert cells(ask(store, "04", case=CITY_A), *columns) == [
        (
            ca("act-leaders-promote-aggregation"),
            None,
            fw("UnknownDate"),
            None,
            fw("UnknownDate"),
            "1",
            "1",
            "unknown",
        ),
    ]


def test_05_institutional_changes(store):
    columns = ("change", "date", "datePrecision", "role", "unit", "unitClass")
    # hangzhou.ttl: hz:act-2017-01-data-bureau (2017-01, month) created hz:data-bureau, typed
    # fw:DataAdministration (an administrative organ) and fw:TechnicalDepartment (the part it
    # plays): one row per class
    assert sorted(cells(ask(store, "05", case=HANGZHOU), *columns)) == [
        (
            hz("act-2017-01-data-bureau"),
            "2017-01-01",
            fw("MonthPrecision"),
            "created",
            hz("data-bureau"),
            fw(unit_class),
        )
        for unit_class in ("DataAdministration", "TechnicalDepartment")
    ]
    # shanghai.ttl: sh:act-2018-04-12-big-data-center created sh:big-data-center, typed
    # fw:BigDataCenter (a public service unit) and fw:TechnicalDepartment
    assert sorted(cells(ask(store, "05", case=SHANGHAI), *columns)) == [
        (
            sh("act-2018-04-12-big-data-center"),
            "2018-04-12",
            fw("DayPrecision"),
            "created",
            sh("big-data-center"),
            fw(unit_class),
        )
        for unit_class in ("BigDataCenter", "TechnicalDepartment")
    ]
    # city-a.ttl codes no fw:InstitutionalChange (the abstract names no unit)
    assert ask(store, "05", case=CITY_A) == []
    # no institutional change is coded in Hangzhou's inertia stage
    assert ask(store, "05", case=HANGZHOU, stage=fw("InertiaStage")) == []


def test_06_aggregation_contributors(store):
    columns = ("department", "flows", "resources", "volume", "volumeUnit")
    # hangzhou.ttl: hz:flow-2017-09-aggregation from hz:campaign-departments, 204 data items
    assert cells(ask(store, "06", case=HANGZHOU), *columns) == [
        (hz("campaign-departments"), "1", "1", "204", "data items (数据项)"),
    ]
    # shanghai.ttl: sh:flow-2018-aggregation from sh:departments, 362 systems
    assert cells(ask(store, "06", case=SHANGHAI), *columns) == [
        (
            sh("departments"),
            "1",
            "1",
            "362",
            "information systems migrated to the government cloud (信息系统)",
        ),
    ]
    # city-a.ttl: ca:flow-aggregation from ca:functional-departments, no volume
    assert cells(ask(store, "06", case=CITY_A), *columns) == [
        (ca("functional-departments"), "1", "1", None, None),
    ]


def test_07_foundation_holdings(store):
    columns = ("resource", "flow", "loopStep", "origin", "date", "datePrecision", "derivedFrom")
    # city-a.ttl: the foundation holds departmental data (aggregated from the departments), fused
    # data (fused within the foundation, derived from departmental data) and use data
    # (re-aggregated from the platform, derived from fused data); all undated
    assert cells(ask(store, "07", case=CITY_A), *columns) == [
        (
            ca("res-departmental-data"),
            ca("flow-aggregation"),
            fw("Aggregation"),
            ca("functional-departments"),
            None,
            fw("UnknownDate"),
            None,
        ),
        (
            ca("res-fused-data"),
            ca("flow-fusion"),
            fw("Fusion"),
            ca("foundation"),
            None,
            fw("UnknownDate"),
            ca("res-departmental-data"),
        ),
        (
            ca("res-use-data"),
            ca("flow-reaggregation"),
            fw("Reaggregation"),
            ca("platform"),
            None,
            fw("UnknownDate"),
            ca("res-fused-data"),
        ),
    ]
    # shanghai.ttl: sh:res-department-systems came from sh:departments (2018, year); no flow brings
    # sh:res-public-data into the foundation, so its origin is not coded
    assert cells(ask(store, "07", case=SHANGHAI), *columns) == [
        (
            sh("res-department-systems"),
            sh("flow-2018-aggregation"),
            fw("Aggregation"),
            sh("departments"),
            "2018-01-01",
            fw("YearPrecision"),
            None,
        ),
        (sh("res-public-data"), None, None, None, None, None, None),
    ]
    # hangzhou.ttl: the first batch, from the campaign departments in 2017-09
    assert cells(ask(store, "07", case=HANGZHOU), "resource", "origin", "date") == [
        (hz("res-first-batch"), hz("campaign-departments"), "2017-09-01"),
    ]


def test_08_scenarios_reusing_foundation(store):
    columns = (
        "scenario",
        "foundation",
        "scenarioType",
        "launchedBy",
        "launchDate",
        "launchPrecision",
    )
    # hangzhou.ttl: three scenarios reuse hz:foundation; the Xiaoshan trial (2016) does not
    assert cells(ask(store, "08", case=HANGZHOU), *columns) == [
        (
            hz("sc-park-first-pay-later"),
            hz("foundation"),
            fw("Parking"),
            hz("act-2018-12-29-comprehensive-city-brain"),
            "2018-12-29",
            fw("DayPrecision"),
        ),
        (
            hz("sc-special-vehicle-priority"),
            hz("foundation"),
            fw("TrafficManagement"),
            hz("act-2018-12-29-comprehensive-city-brain"),
            "2018-12-29",
            fw("DayPrecision"),
        ),
        (
            hz("sc-health-code"),
            hz("foundation"),
            fw("HealthCode"),
            hz("act-2020-health-code"),
            "2020-01-01",
            fw("YearPrecision"),
        ),
    ]
    # shanghai.ttl: the portal (2018-10-17) and 随申码 (2020-02, month)
    assert cells(
        ask(store, "08", case=SHANGHAI),
        "scenario",
        "scenarioTypeLabel",
        "launchDate",
        "launchPrecision",
    ) == [
        (sh("sc-ywtb-portal"), "government services", "2018-10-17", fw("DayPrecision")),
        (sh("sc-suishenma"), "health code", "2020-02-01", fw("MonthPrecision")),
    ]
    # city-a.ttl: the scenarios (one collective node, no type) reuse the foundation; undated
    assert cells(ask(store, "08", case=CITY_A), *columns) == [
        (
            ca("scenarios"),
            ca("foundation"),
            None,
            ca("act-departments-build-scenarios"),
            None,
            fw("UnknownDate"),
        ),
    ]


def test_09_joint_scenarios(store):
    columns = ("scenario", "technicalDepartment", "functionalDepartment", "action", "logic")
    # city-a.ttl: ca:scenarios built by the technical and the functional departments, produced by
    # ca:act-departments-build-scenarios under technical logic
    assert cells(ask(store, "09", case=CITY_A), *columns) == [
        (
            ca("scenarios"),
            ca("technical-departments"),
            ca("functional-departments"),
            ca("act-departments-build-scenarios"),
            fw("TechnicalLogic"),
        ),
    ]
    # hangzhou.ttl and shanghai.ttl: every scenario is coded as built by the city government
    assert ask(store, "09", case=HANGZHOU) == []
    assert ask(store, "09", case=SHANGHAI) == []


def test_10_scenario_lineage(store):
    columns = ("resource", "flow", "loopStep", "from", "fromDepartment", "to", "date")
    # shanghai.ttl (the default): departments → foundation (aggregation, 2018) → portal
    # (transformation, 2018), both carrying sh:res-department-systems
    assert cells(ask(store, "10"), *columns) == [
        (
            sh("res-department-systems"),
            sh("flow-2018-aggregation"),
            fw("Aggregation"),
            sh("departments"),
            "true",
            sh("foundation"),
            "2018-01-01",
        ),
        (
            sh("res-department-systems"),
            sh("flow-2018-transformation-portal"),
            fw("Transformation"),
            sh("foundation"),
            "false",
            sh("sc-ywtb-portal"),
            "2018-01-01",
        ),
    ]
    # city-a.ttl: transformation carries fused data, derived from departmental data; the lineage
    # runs aggregation → fusion → transformation
    rows = ask(store, "10", case=CITY_A, scenario=ca("scenarios"))
    assert cells(rows, "resource", "flow", "from", "fromDepartment", "to") == [
        (
            ca("res-departmental-data"),
            ca("flow-aggregation"),
            ca("functional-departments"),
            "true",
            ca("foundation"),
        ),
        (ca("res-fused-data"), ca("flow-fusion"), ca("foundation"), "false", ca("foundation")),
        (
            ca("res-fused-data"),
            ca("flow-transformation"),
            ca("foundation"),
            "false",
            ca("scenarios"),
        ),
    ]
    # hangzhou.ttl: no flow into the scenario is coded; it reuses hz:foundation, which holds the
    # first batch aggregated from the campaign departments
    assert cells(
        ask(store, "10", case=HANGZHOU, scenario=hz("sc-special-vehicle-priority")),
        "resource",
        "flow",
        "from",
        "fromDepartment",
    ) == [
        (hz("res-first-batch"), hz("flow-2017-09-aggregation"), hz("campaign-departments"), "true"),
    ]
    # shanghai.ttl: 随申码 draws public data from the foundation; where that came from is not coded
    assert cells(
        ask(store, "10", case=SHANGHAI, scenario=sh("sc-suishenma")),
        "resource",
        "from",
        "fromDepartment",
    ) == [
        (sh("res-public-data"), sh("foundation"), "false"),
    ]
    # hangzhou.ttl: the Xiaoshan trial reuses no foundation and receives no flow
    assert ask(store, "10", case=HANGZHOU, scenario=hz("sc-xiaoshan-traffic-trial")) == []


def test_11_loop_closed(store):
    columns = ("closed", "reaggregationFlows", "firstDate", "firstPrecision", "undatedFlows")
    # city-a.ttl: ca:flow-reaggregation, platform → foundation, undated
    assert cells(ask(store, "11", case=CITY_A), *columns) == [
        ("true", "1", None, fw("UnknownDate"), "1")
    ]
    # hangzhou.ttl and shanghai.ttl code no re-aggregation flow
    for case in (HANGZHOU, SHANGHAI):
        assert cells(ask(store, "11", case=case), *columns) == [("false", "0", None, None, "0")]


def test_12_command_center(store):
    columns = ("commandCenter", "since", "sincePrecision", "coordinated", "platform")
    # city-a.ttl: ca:command-center coordinates the functional and the technical departments and
    # operates ca:platform; its only action is undated
    assert cells(ask(store, "12", case=CITY_A), *columns) == [
        (
            ca("command-center"),
            None,
            fw("UnknownDate"),
            ca("functional-departments"),
            ca("platform"),
        ),
        (
            ca("command-center"),
            None,
            fw("UnknownDate"),
            ca("technical-departments"),
            ca("platform"),
        ),
    ]
    # hangzhou.ttl: hz:command-center operates the City Brain; whom it coordinates and since when
    # are not coded
    assert cells(ask(store, "12", case=HANGZHOU), *columns) == [
        (hz("command-center"), None, fw("UnknownDate"), None, hz("platform-city-brain")),
    ]
    # shanghai.ttl names no command center
    assert ask(store, "12", case=SHANGHAI) == []


def test_13_logic_interactions(store):
    columns = ("stage", "logic", "actions", "interaction", "kind")
    # hangzhou.ttl: no stage has actions under two logics since each action's logic is coded
    # from its own evidence (startup: explore unknown, Yunqi technical; acceleration: plan
    # unknown, the rest technical), and no logic interaction is coded
    assert ask(store, "13", case=HANGZHOU) == []
    # shanghai.ttl: rotation has the Big Data Center (logic unknown) and the portal trial
    # (technical): one logic only
    assert ask(store, "13", case=SHANGHAI) == []
    # city-a.ttl: one logic per stage; ca:interaction, coded in no episode, adjusts all four
    rows = ask(store, "13", case=CITY_A)
    assert cells(rows, *columns) == [
        (None, fw(logic), None, ca("interaction"), fw("Adjustment"))
        for logic in ("PoliticalLogic", "BureaucraticLogic", "TechnicalLogic", "PlatformLogic")
    ]
    assert {row["outcome"] for row in rows} == {
        "technology and organisation grow together (良性共生), and city governance moves towards "
        "holistic intelligent governance"
    }


def test_14_yearly_growth(store):
    columns = (
        "year",
        "newResources",
        "newScenarios",
        "newFlows",
        "totalResources",
        "totalScenarios",
        "totalFlows",
    )
    # hangzhou.ttl: scenarios launched 2016-10 (Xiaoshan), 2018-12-29 (two), 2020 (health code);
    # the one flow (2017-09) carries the one resource
    assert cells(ask(store, "14", case=HANGZHOU), *columns) == [
        ("2016", "0", "1", "0", "0", "1", "0"),
        ("2017", "1", "0", "1", "1", "1", "1"),
        ("2018", "0", "2", "0", "1", "3", "1"),
        ("2020", "0", "1", "0", "1", "4", "1"),
    ]
    # shanghai.ttl: 2018: the systems resource, the portal, the aggregation and transformation
    # flows; 2020: the public data (first carried 2020-02), 随申码 and its flow
    assert cells(ask(store, "14", case=SHANGHAI), *columns) == [
        ("2018", "1", "1", "2", "1", "1", "2"),
        ("2020", "1", "1", "1", "2", "2", "3"),
    ]
    # city-a.ttl: nothing is dated: 3 resources, 1 scenario node, 5 flows on the undated row
    assert cells(ask(store, "14", case=CITY_A), *columns) == [
        (None, "3", "1", "5", None, None, None)
    ]


def test_15_weak_claims(store):
    # hangzhou.ttl, by hand: low confidence (no confirmed piece) are the four stage episodes and
    # their start-date claims (the project's inferred reading), the four actor roles (inferred),
    # everything resting only on an unverified report (its evidence graded suspected: the Yunqi
    # announcement and its Xiaoshan trial, the plan and the development and reform commission, the
    # claims on their dates and the health code's year, the Yunqi logic claim); of these only the
    # Yunqi action and the plan also cite the stage reading's source. Every other listed claim has
    # confirmed evidence from one source only. The health-code action and scenario, their logic
    # claim and the City Brain platform cite two sources each, so they are not listed.
    low_single = [f"ep-{s}" for s in ("startup", "rotation", "acceleration", "inertia")]
    low_single += [f"claim-start-{s}" for s in ("startup", "rotation", "acceleration", "inertia")]
    low_single += [
        "role-bureau-technical",
        "role-command-center",
        "role-departments-functional",
        "role-drc-functional",
        "claim-date-health-code",
        "claim-date-plan",
        "claim-date-yunqi",
        "claim-logic-yunqi",
        "drc",
        "sc-xiaoshan-traffic-trial",
    ]
    expected = {hz(name): ("true", "true") for name in low_single}
    for name in ("act-2016-10-yunqi-city-brain", "act-2018-04-13-city-brain-plan"):
        expected[hz(name)] = ("true", "false")
    for name in (
        "act-2016-04-explore-city-brain",
        "act-2017-01-data-bureau",
        "act-2017-09-data-aggregation-campaign",
        "act-2018-12-29-comprehensive-city-brain",
        "act-2020-03-31-inspection",
        "campaign-departments",
        "claim-logic-campaign",
        "claim-logic-comprehensive",
        "claim-logic-inspection",
        "command-center",
        "data-bureau",
        "national-leadership",
        "flow-2017-09-aggregation",
        "foundation",
        "regulation-city-brain",
        "res-first-batch",
        "sc-park-first-pay-later",
        "sc-special-vehicle-priority",
    ):
        expected[hz(name)] = ("false", "true")
    rows = ask(store, "15", case=HANGZHOU)
    assert {row["claim"]: (row["lowConfidence"], row["singleSource"]) for row in rows} == expected
    assert len(rows) == 38
    by_claim = {row["claim"]: row for row in rows}
    # hz:flow-2017-09-aggregation: ev-campaign (confirmed), ev-first-batch (suspected),
    # ev-foundation-reading (inferred), all from the 浙江新闻 interview
    flow = by_claim[hz("flow-2017-09-aggregation")]
    assert (
        flow["evidence"],
        flow["sources"],
        flow["confirmed"],
        flow["suspected"],
        flow["inferred"],
    ) == ("3", "1", "1", "1", "1")
    # city-a.ttl: every claim quotes the one abstract: 42 nodes have evidence (case, city,
    # Jiangsu, 5 actors, 5 roles, 4 episodes, 4 actions, foundation, scenarios, platform,
    # 3 resources, 5 flows, interaction, governance, 8 claims); only the three inferred stage
    # placements (rotation, acceleration, inertia actions) have no confirmed evidence
    rows = ask(store, "15", case=CITY_A)
    assert len(rows) == 42
    assert {row["claim"] for row in rows if row["lowConfidence"] == "true"} == {
        ca(f"claim-stage-{name}") for name in ("departments", "scenarios", "platform")
    }
    assert {(row["singleSource"], row["sources"]) for row in rows} == {("true", "1")}


# ------------------------------------------------------------------------------------------------
# Across cities
# ------------------------------------------------------------------------------------------------


def test_16_cities_loop_closed(store):
    # only City A codes a re-aggregation flow (undated); the others none
    assert cells(
        ask(store, "16"), "case", "closed", "reaggregationFlows", "firstDate", "firstPrecision"
    ) == [
        (CITY_A, "true", "1", None, fw("UnknownDate")),
        (HANGZHOU, "false", "0", None, None),
        (SHANGHAI, "false", "0", None, None),
    ]


def test_17_startup_to_inertia(store):
    # shanghai.ttl: 2018-03-30 → 2020-05-08 is 770 days (731 to 2020-03-30, +31 +8), 2.11 years;
    # hangzhou.ttl: 2016-04-01 → 2020-03-01 is 1430 days (1461 to 2020-04-01, −31), 3.92 years;
    # range 660 days = 1.81 years (the median is kg.views.comparison's: see tests/test_compare.py)
    rows = ask(store, "17")
    assert cells(
        rows,
        "case",
        "startupStart",
        "startupPrecision",
        "inertiaStart",
        "inertiaPrecision",
        "days",
        "years",
    ) == [
        (
            SHANGHAI,
            "2018-03-30",
            fw("DayPrecision"),
            "2020-05-08",
            fw("DayPrecision"),
            "770",
            "2.11",
        ),
        (
            HANGZHOU,
            "2016-04-01",
            fw("MonthPrecision"),
            "2020-03-01",
            fw("MonthPrecision"),
            "1430",
            "3.92",
        ),
        (CITY_A, None, fw("UnknownDate"), None, fw("UnknownDate"), None, None),
    ]
    assert {
        cells([row], "citiesCompared", "minYears", "maxYears", "rangeYears")[0] for row in rows
    } == {("2", "2.11", "3.92", "1.81")}
    # the least and most days the bounds allow: hangzhou's starts are months (2016-04-01 to
    # 2016-04-30, 2020-03-01 to 2020-03-31): at least 2020-03-01 − 2016-04-30 = 1461 − 60 = 1401
    # days (3.84 years: 2016-04-30 → 2020-04-30 is 1461, back 30 + 30 to 2020-03-01), at most
    # 2020-03-31 − 2016-04-01 = 1461 − 1 = 1460 (4.00); shanghai's days: 770 both; city-a none
    assert cells(
        rows,
        "startupStartEarliest",
        "startupStartLatest",
        "inertiaStartEarliest",
        "inertiaStartLatest",
        "daysAtLeast",
        "daysAtMost",
        "yearsAtLeast",
        "yearsAtMost",
    ) == [
        ("2018-03-30", "2018-03-30", "2020-05-08", "2020-05-08", "770", "770", "2.11", "2.11"),
        ("2016-04-01", "2016-04-30", "2020-03-01", "2020-03-31", "1401", "1460", "3.84", "4"),
        (None, None, None, None, None, None, None, None),
    ]


def test_18_dominant_logic(store):
    columns = ("case", "stage", "logic", "actions", "stageActions", "dominant", "characteristic")
    T, F = "true", "false"
    expected = [
        # city-a.ttl: one action per stage, each under the theory's logic
        (CITY_A, fw("StartupStage"), fw("PoliticalLogic"), "1", "1", T, T),
        (CITY_A, fw("RotationStage"), fw("BureaucraticLogic"), "1", "1", T, T),
        (CITY_A, fw("AccelerationStage"), fw("TechnicalLogic"), "1", "1", T, T),
        (CITY_A, fw("InertiaStage"), fw("PlatformLogic"), "1", "1", T, T),
        # hangzhou.ttl (logics from each action's own evidence; unknown ones not counted):
        # startup Yunqi (technical; explore unknown); rotation campaign (bureau unknown);
        # acceleration comprehensive City Brain and health code (plan unknown); inertia inspection
        (HANGZHOU, fw("StartupStage"), fw("TechnicalLogic"), "1", "1", T, F),
        (HANGZHOU, fw("RotationStage"), fw("BureaucraticLogic"), "1", "1", T, T),
        (HANGZHOU, fw("AccelerationStage"), fw("TechnicalLogic"), "2", "2", T, T),
        (HANGZHOU, fw("InertiaStage"), fw("PoliticalLogic"), "1", "1", T, F),
        # shanghai.ttl: startup work plan unknown (no row); rotation portal trial (Big Data Center
        # unknown); portal and 随申码; the 一网统管 plan (political) in inertia
        (SHANGHAI, fw("RotationStage"), fw("TechnicalLogic"), "1", "1", T, F),
        (SHANGHAI, fw("AccelerationStage"), fw("TechnicalLogic"), "2", "2", T, T),
        (SHANGHAI, fw("InertiaStage"), fw("PoliticalLogic"), "1", "1", T, F),
    ]
    assert cells(ask(store, "18"), *columns) == expected


def test_19_data_bureau_delay(store):
    columns = (
        "case",
        "bureau",
        "creation",
        "created",
        "createdPrecision",
        "startupStart",
        "days",
        "years",
    )
    # shanghai.ttl: Big Data Center 2018-04-12, 13 days after the 2018-03-30 work plan;
    # hangzhou.ttl: bureau 2017-01 (month), 275 days after 2016-04-01 (30+31+30+31+31+30+31+30+31)
    assert cells(ask(store, "19"), *columns) == [
        (
            SHANGHAI,
            sh("big-data-center"),
            sh("act-2018-04-12-big-data-center"),
            "2018-04-12",
            fw("DayPrecision"),
            "2018-03-30",
            "13",
            "0.04",
        ),
        (
            HANGZHOU,
            hz("data-bureau"),
            hz("act-2017-01-data-bureau"),
            "2017-01-01",
            fw("MonthPrecision"),
            "2016-04-01",
            "275",
            "0.75",
        ),
    ]
    # city-a.ttl codes no data bureau
    # the least and most days the month precisions allow (hangzhou): the bureau 2017-01-01 to
    # 2017-01-31, startup 2016-04-01 to 2016-04-30; at least 2017-01-01 − 2016-04-30 = 275 − 29 =
    # 246 days (0.67 years), at most 2017-01-31 − 2016-04-01 = 275 + 30 = 305 (0.84); Shanghai's
    # day precision dates leave no room: 13 and 13
    assert cells(
        ask(store, "19"),
        "createdEarliest",
        "createdLatest",
        "startupStartEarliest",
        "startupStartLatest",
        "daysAtLeast",
        "daysAtMost",
        "yearsAtLeast",
        "yearsAtMost",
    ) == [
        ("2018-04-12", "2018-04-12", "2018-03-30", "2018-03-30", "13", "13", "0.04", "0.04"),
        ("2017-01-01", "2017-01-31", "2016-04-01", "2016-04-30", "246", "305", "0.67", "0.84"),
    ]


def test_20_shared_scenario_types(store):
    columns = (
        "scenarioType",
        "cities",
        "case",
        "scenarios",
        "firstDate",
        "firstPrecision",
        "first",
    )
    # health code: Hangzhou 2020 (year precision) and Shanghai 2020-02 (month): the year may
    # start before or end after February, so which city was first cannot be told
    assert cells(ask(store, "20"), *columns) == [
        (fw("HealthCode"), "2", HANGZHOU, "1", "2020-01-01", fw("YearPrecision"), "unknown"),
        (fw("HealthCode"), "2", SHANGHAI, "1", "2020-02-01", fw("MonthPrecision"), "unknown"),
    ]
    # n = 1: every typed scenario; traffic has two in Hangzhou, first the Xiaoshan trial 2016-10;
    # City A's scenarios have no type
    assert cells(
        ask(store, "20", n="1"), "scenarioType", "cities", "case", "scenarios", "firstDate", "first"
    ) == [
        (fw("HealthCode"), "2", HANGZHOU, "1", "2020-01-01", "unknown"),
        (fw("HealthCode"), "2", SHANGHAI, "1", "2020-02-01", "unknown"),
        (fw("GovernmentServices"), "1", SHANGHAI, "1", "2018-10-17", "yes"),
        (fw("Parking"), "1", HANGZHOU, "1", "2018-12-29", "yes"),
        (fw("TrafficManagement"), "1", HANGZHOU, "2", "2016-10-01", "yes"),
    ]
    assert ask(store, "20", n="3") == []


def test_21_condition_table(store):
    columns = (
        "case",
        "leaderPromotion",
        "dataBureau",
        "commandCenter",
        "scenarios",
        "k",
        "enoughScenarios",
        "loopClosed",
    )
    T, F = "true", "false"
    # city-a.ttl: leaders (fw:LeadingOfficial) promote; no data bureau; a command center; one
    # scenario node; re-aggregation coded. hangzhou.ttl: promotion only by the government and the
    # national leadership (plain actors); data bureau; command center; 4 scenarios; no
    # re-aggregation. shanghai.ttl: promotion by the government and general offices; Big Data
    # Center; no command center; 2 scenarios; no re-aggregation. The data-unit condition: Hangzhou's
    # hz:data-bureau is a fw:DataAdministration, Shanghai's sha:big-data-center a fw:BigDataCenter,
    # City A codes neither.
    assert cells(ask(store, "21"), *columns) == [
        (CITY_A, T, F, T, "1", "1", T, T),
        (HANGZHOU, F, T, T, "4", "1", T, F),
        (SHANGHAI, F, T, F, "2", "1", T, F),
    ]
    assert cells(ask(store, "21", k="3"), "case", "k", "enoughScenarios") == [
        (CITY_A, "3", F),
        (HANGZHOU, "3", T),
        (SHANGHAI, "3", F),
    ]
    # how sure each value is, from the evidence each item cites (fw:hasEvidence, its
    # fw:confidence): City A's promotion cites ev-political-logic and ev-stages (both
    # confirmed), its command center ev-platform-logic (confirmed), its one scenario node two
    # confirmed pieces, its re-aggregation flow two confirmed and ev-flow-reading (inferred):
    # the flow, the only one, is as sure as its weakest, inferred. Hangzhou: the bureau
    # (ev-bureau) and the center (ev-inspection) confirmed; of its four scenarios the Xiaoshan
    # trial (ev-yunqi) and the health code (ev-health-code) cite reported evidence. Shanghai:
    # the Big Data Center cites two reported press pieces; its portal scenario one. A condition
    # that does not hold has no confidence.
    assert cells(
        ask(store, "21"),
        "leaderPromotionConfidence",
        "dataBureauConfidence",
        "commandCenterConfidence",
        "scenariosConfidence",
        "loopClosedConfidence",
    ) == [
        (fw("Confirmed"), None, fw("Confirmed"), fw("Confirmed"), fw("Inferred")),
        (None, fw("Confirmed"), fw("Confirmed"), fw("Reported"), None),
        (None, fw("Reported"), None, fw("Reported"), None),
    ]


def test_21_a_condition_is_as_sure_as_its_best_supported_item():
    """Two command centers, one citing suspected evidence, one reported: the condition holds on
    the better one's evidence (suspected); a center citing no graded evidence adds no level."""
    ttl = f"""@prefix fw: <{FW}> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix ex: <https://example.org/synthetic/two-centers/> .
<https://example.org/synthetic/two-centers> a owl:Ontology .
ex:study a fw:CaseStudy ; fw:studiesCity ex:city .
ex:a a fw:CommandCenter ; fw:hasEvidence ex:ev-suspected .
ex:b a fw:CommandCenter ; fw:hasEvidence ex:ev-reported .
ex:c a fw:CommandCenter .
ex:ev-suspected fw:confidence fw:Suspected .
ex:ev-reported fw:confidence fw:Reported .
"""
    store = ox.Store()
    store.extend(rdfio.to_oxigraph(ontology.stored_ontology_graph(), ONTOLOGY_GRAPH))
    graph = ox.NamedNode("https://example.org/synthetic/two-centers")
    store.load(ttl.encode(), ox.RdfFormat.TURTLE, to_graph=graph)
    (row,) = ask(store, "21", k="1")
    assert (row["commandCenter"], row["commandCenterConfidence"]) == ("true", fw("Suspected"))
    assert (row["scenarios"], row["scenariosConfidence"]) == ("0", None)


def test_22_secondary_only_cities(store):
    columns = (
        "case",
        "sources",
        "secondaryOrNewsSources",
        "evidence",
        "secondaryOrNewsEvidence",
        "onlySecondaryOrNews",
    )
    # city-a.ttl: 11 pieces of evidence, all from the paper (secondary literature);
    # hangzhou.ttl: 6 sources, 3 news (Shanghai Daily, 浙江新闻, 重庆日报) and 3 policy documents;
    # 8 of its 21 pieces cite news (yunqi, bureau, campaign, first-batch, health-code,
    # stage-rotation, foundation-reading, role-reading; health-code-first and regulation cite a
    # policy document); shanghai.ttl: 5 sources, 2 news (第一财经, 上海发布);
    # 6 of 11 pieces cite them (aggregation, portal-items, suishenma, stage-acceleration,
    # foundation-reading, portal-reading)
    assert cells(ask(store, "22"), *columns) == [
        (CITY_A, "1", "1", "11", "11", "true"),
        (HANGZHOU, "6", "3", "21", "8", "false"),
        (SHANGHAI, "5", "2", "11", "6", "false"),
    ]


# ------------------------------------------------------------------------------------------------
# City A agrees with the abstract
# ------------------------------------------------------------------------------------------------


def test_city_a_agrees_with_the_abstract(store):
    # "启动阶段的高位推动、转动阶段的体制微调、加速阶段的场景赋能以及惯性阶段的平台运作": four stages
    # in this order; the abstract gives no dates
    timeline = ask(store, "02", case=CITY_A)
    assert cells(timeline, "sequence", "stage", "followsTheory") == [
        ("1", fw("StartupStage"), "true"),
        ("2", fw("RotationStage"), "true"),
        ("3", fw("AccelerationStage"), "true"),
        ("4", fw("InertiaStage"), "true"),
    ]
    for row in timeline:
        assert row["start"] is None and row["end"] is None
        assert row["startPrecision"] == row["endPrecision"] == fw("UnknownDate")
    # no date can place City A in a stage: every episode stays possible, none is ruled out
    for date in ("2010-01-01", "2020-06-30"):
        assert cells(ask(store, "01", case=CITY_A, date=date), "episode", "match") == [
            (ca(f"ep-{s}"), "possibly") for s in ("startup", "rotation", "acceleration", "inertia")
        ]
    # "数据(归集)→底座(融合)→场景(转化)→平台(循环)→数据(再归集)": the loop is closed, date unknown
    assert cells(ask(store, "11", case=CITY_A), "closed", "firstPrecision") == [
        ("true", fw("UnknownDate"))
    ]
    assert ("true", None) in cells(
        [r for r in ask(store, "16") if r["case"] == CITY_A], "closed", "firstDate"
    )
    # leaders, bureaucratic departments, technical departments, the command center: each stage
    # under its theory's logic, and the years from startup to inertia unknown
    assert {
        (row["stage"], row["logic"], row["characteristic"])
        for row in ask(store, "18")
        if row["case"] == CITY_A
    } == {
        (fw("StartupStage"), fw("PoliticalLogic"), "true"),
        (fw("RotationStage"), fw("BureaucraticLogic"), "true"),
        (fw("AccelerationStage"), fw("TechnicalLogic"), "true"),
        (fw("InertiaStage"), fw("PlatformLogic"), "true"),
    }
    city_a = next(row for row in ask(store, "17") if row["case"] == CITY_A)
    assert city_a["days"] is None and city_a["years"] is None
    table = next(row for row in ask(store, "21") if row["case"] == CITY_A)
    assert (table["leaderPromotion"], table["commandCenter"], table["loopClosed"]) == (
        "true",
        "true",
        "true",
    )


# ------------------------------------------------------------------------------------------------
# A sparse case: optional facts missing must not multiply rows
# ------------------------------------------------------------------------------------------------

SPARSE = "https://example.org/sparse"
SPARSE_TTL = f"""
@prefix fw:  <{FW}> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix sp:  <{SPARSE}/> .

<{SPARSE}> a owl:Ontology ; owl:imports <https://w3id.org/dataflywheel/ontology/0.1.0> .
sp:case a fw:CaseStudy ; fw:studiesCity sp:city .
sp:city a fw:City .
# the stages in the wrong order; no labels, no evidence anywhere
sp:ep1 a fw:StageEpisode ; fw:episodeOf sp:city ; fw:ofStage fw:RotationStage ; fw:sequence 1 ;
    fw:startDate "2019-01-01"^^xsd:date ; fw:startDatePrecision fw:YearPrecision ;
    fw:endDatePrecision fw:UnknownDate .
sp:ep2 a fw:StageEpisode ; fw:episodeOf sp:city ; fw:ofStage fw:StartupStage ; fw:sequence 2 ;
    fw:startDatePrecision fw:UnknownDate ; fw:endDatePrecision fw:UnknownDate .
sp:someone fw:post "someone" .
sp:group a fw:LeadingGroup .
sp:center a fw:CommandCenter .
sp:act1 a fw:GovernanceAction ; fw:performedBy sp:someone ; fw:duringEpisode sp:ep1 ;
    fw:datePrecision fw:UnknownDate .
sp:act2 a fw:GovernanceAction ; fw:performedBy sp:group ; fw:duringEpisode sp:ep1 ;
    fw:underLogic fw:BureaucraticLogic ; fw:instanceOfMechanism fw:HighLevelPromotion ;
    fw:datePrecision fw:UnknownDate .
sp:act3 a fw:GovernanceAction ; fw:performedBy sp:group ; fw:duringEpisode sp:ep1 ;
    fw:underLogic fw:BureaucraticLogic ; fw:datePrecision fw:UnknownDate .
sp:act4 a fw:GovernanceAction ; fw:performedBy sp:group ; fw:duringEpisode sp:ep1 ;
    fw:underLogic fw:PoliticalLogic ; fw:datePrecision fw:UnknownDate .
sp:change a fw:InstitutionalChange ; fw:performedBy sp:group ; fw:duringEpisode sp:ep1 ;
    fw:datePrecision fw:UnknownDate .
sp:scenario a fw:ApplicationScenario .
sp:flow a fw:DataFlow ; fw:fromNode sp:someone ; fw:toNode sp:scenario ;
    fw:inLoopStep fw:Transformation ; fw:datePrecision fw:UnknownDate .
sp:data a fw:DataResource .
sp:flow2 a fw:DataFlow ; fw:fromNode sp:group ; fw:toNode sp:scenario ; fw:carries sp:data ;
    fw:datePrecision fw:UnknownDate .
sp:interaction a fw:LogicInteraction ; fw:interactionKind fw:Conflict ;
    fw:involvesLogic fw:PoliticalLogic , fw:BureaucraticLogic ; fw:duringEpisode sp:ep1 .
"""


@pytest.fixture(scope="module")
def sparse_store(tmp_path_factory) -> ox.Store:
    path = tmp_path_factory.mktemp("sparse") / "sparse.ttl"
    path.write_text(SPARSE_TTL, encoding="utf-8")
    result = ox.Store()
    for case in rdfio.read_cases(path):
        assert case.iri == SPARSE
        result.extend(rdfio.to_oxigraph(case.graph, case.iri))
    result.extend(rdfio.to_oxigraph(ontology.stored_ontology_graph(), ONTOLOGY_GRAPH))
    return result


def sparse_values(query: NamedQuery) -> dict[str, str]:
    values = {}
    if "case" in query.param_names:
        values["case"] = SPARSE
    if "scenario" in query.param_names:
        values["scenario"] = f"{SPARSE}/scenario"
    if "stage" in query.param_names:
        values["stage"] = fw("RotationStage")
    if "n" in query.param_names:
        values["n"] = "1"
    return values


@pytest.mark.parametrize("query", QUERIES.values(), ids=lambda q: q.name)
def test_missing_optional_facts_do_not_multiply_rows(sparse_store, query: NamedQuery):
    rows = run(sparse_store, query, sparse_values(query))
    assert len(rows) <= 6, rows
    assert len({tuple(sorted(row.items(), key=lambda kv: kv[0])) for row in rows}) == len(rows)


def test_sparse_case_answers(sparse_store):
    def sparse(query: str, **values: str) -> list[dict[str, str | None]]:
        named = get_query(query)
        return run(sparse_store, named, {**sparse_values(named), **values})

    # rotation coded before startup: neither episode is where the theory puts it
    assert cells(sparse("02"), "stage", "followsTheory") == [
        (fw("RotationStage"), "false"),
        (fw("StartupStage"), "false"),
    ]
    # 2019-06-01 is inside ep1's start year (2019-01-01 to 2019-12-31), and ep2's start (ep1's
    # end) is unknown: both possibly
    assert cells(sparse("01", date="2019-06-01"), "episode", "match") == [
        (f"{SPARSE}/ep1", "possibly"),
        (f"{SPARSE}/ep2", "possibly"),
    ]
    # 2018-06-01 is before ep1 (no earlier than 2019-01-01); ep2's start is unknown
    assert cells(sparse("01", date="2018-06-01"), "episode", "match") == [
        (f"{SPARSE}/ep1", "not"),
        (f"{SPARSE}/ep2", "possibly"),
    ]
    # 2020-01-01 is after ep1's latest start (2019-12-31): ep1 is certain if its end is known;
    # it is not (ep2 has no start), so possibly
    assert cells(sparse("01", date="2020-01-01"), "episode", "match")[0] == (
        f"{SPARSE}/ep1",
        "possibly",
    )
    # an action with no logic and an untyped actor: empty cells, not the ontology's every label
    act1 = [row for row in sparse("03") if row["action"] == f"{SPARSE}/act1"]
    assert cells(
        act1, "logic", "logicLabel", "actorClass", "post", "characteristicActor", "evidence"
    ) == [(None, None, None, "someone", "false", None)]
    # an institutional change naming no unit
    assert cells(sparse("05"), "change", "role", "unit") == [(f"{SPARSE}/change", None, None)]
    # the political logic is outnumbered in rotation
    assert cells(sparse("18"), "logic", "actions", "dominant", "characteristic") == [
        (fw("BureaucraticLogic"), "2", "true", "true"),
        (fw("PoliticalLogic"), "1", "false", "false"),
    ]
    assert cells(sparse("13"), "logic", "actions", "interaction", "kind") == [
        (fw("PoliticalLogic"), "1", None, None),
        (fw("BureaucraticLogic"), "2", None, None),
        (fw("PoliticalLogic"), None, f"{SPARSE}/interaction", fw("Conflict")),
        (fw("BureaucraticLogic"), None, f"{SPARSE}/interaction", fw("Conflict")),
    ]
    # a leading group's high-level promotion counts as leader promotion
    assert cells(
        sparse("21"), "leaderPromotion", "dataBureau", "commandCenter", "scenarios", "loopClosed"
    ) == [("true", "false", "true", "1", "false")]
    assert cells(sparse("12"), "commandCenter", "since", "sincePrecision", "coordinated") == [
        (f"{SPARSE}/center", None, fw("UnknownDate"), None)
    ]
    assert cells(sparse("17"), "days", "citiesCompared", "minYears") == [(None, "0", None)]
    assert sparse("08") == [] and sparse("09") == []
    # a flow with no loop step: the lineage shows it, with empty step columns
    assert cells(sparse("10"), "resource", "flow", "loopStep", "loopStepOrder", "from") == [
        (f"{SPARSE}/data", f"{SPARSE}/flow2", None, None, f"{SPARSE}/group")
    ]
    assert cells(sparse("14"), "year", "newResources", "newScenarios", "newFlows") == [
        (None, "1", "1", "2")
    ]


def with_values_block(query: NamedQuery, values: dict[str, str]) -> str:
    """The query with its parameters bound by a VALUES block at the start of its WHERE clause:
    what a plain SPARQL 1.1 server without substitution would be sent."""
    terms = bind(query, values)
    if not terms:
        return query.text
    names = " ".join(f"?{variable.value}" for variable in terms)
    row = " ".join(str(term) for term in terms.values())
    start = query.text.index("WHERE {", query.text.index("\nSELECT")) + len("WHERE {")
    return f"{query.text[:start]}\n  VALUES ({names}) {{ ({row}) }}{query.text[start:]}"


def with_terms_in_the_text(query: NamedQuery, values: dict[str, str]) -> str:
    """What a remote SPARQL server is sent: the terms in the variables' places."""
    terms = bind(query, values)
    return substitute_terms(query.text, {variable.value: t for variable, t in terms.items()})


@pytest.mark.parametrize("binder", [with_values_block, with_terms_in_the_text])
@pytest.mark.parametrize("query", QUERIES.values(), ids=lambda q: q.name)
def test_same_answers_however_parameters_are_bound(store, sparse_store, query, binder):
    """Oxigraph's substitution, standard SPARQL 1.1 (bottom-up) binding by VALUES, and the
    terms written into the text (remote servers) agree: no query relies on a parameter being
    visible where plain SPARQL would not see it."""
    runs = [(store, {})]
    if "case" in query.param_names:
        runs = [(store, {"case": case}) for case in (CITY_A, HANGZHOU, SHANGHAI)]
    runs.append((sparse_store, sparse_values(query)))
    for target, values in runs:
        if "scenario" in query.param_names and target is store:
            values["scenario"] = {
                CITY_A: ca("scenarios"),
                HANGZHOU: hz("sc-special-vehicle-priority"),
                SHANGHAI: sh("sc-ywtb-portal"),
            }[values["case"]]
        expected = run(target, query, values)
        results = target.query(binder(query, values))
        names = [v.value for v in results.variables]
        got = [{n: (s[n].value if s[n] is not None else None) for n in names} for s in results]
        # as multisets: rows that tie on a query's ORDER BY (an actor or unit typed with two
        # classes, as the 0.2 cases type who acts and the part it plays) may come in either order
        assert sorted(got, key=repr) == sorted(expected, key=repr), values


def test_param_types_are_the_documented_ones():
    assert {t.value for t in ParamType} == {
        "iri",
        "date",
        "integer",
        "decimal",
        "string",
        "boolean",
    }
    used = {p.type for q in QUERIES.values() for p in q.params}
    assert used <= set(ParamType)


# ------------------------------------------------------------------------------------------------
# Question 23: a date two coders read differently is one row (issue 14)
# ------------------------------------------------------------------------------------------------

TWO_CODERS = "https://example.org/cases/two-coders"
TWO_CODERS_TTL = f"""@prefix fw: <{FW}> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix ex: <{TWO_CODERS}/> .

<{TWO_CODERS}> a owl:Ontology .

# coder A: startup from May 2016; coder B: from 2015 (every part of the date differs)
ex:ep1 a fw:StageEpisode ; rdfs:label "startup"@en ; fw:codedBy "A" ;
    fw:ofStage fw:StartupStage ;
    fw:startEDTF "2016-05" ; fw:startDate "2016-05-01"^^xsd:date ;
    fw:startDatePrecision fw:MonthPrecision ;
    fw:startEarliest "2016-05-01"^^xsd:date ; fw:startLatest "2016-05-31"^^xsd:date .
ex:b-ofStage a fw:Claim ; fw:claimAbout ex:ep1 ; fw:codedBy "B" ;
    fw:claimProperty fw:ofStage ; fw:claimValue fw:StartupStage .
ex:b-edtf a fw:Claim ; fw:claimAbout ex:ep1 ; fw:codedBy "B" ;
    fw:claimProperty fw:startEDTF ; fw:claimValue "2015" .
ex:b-date a fw:Claim ; fw:claimAbout ex:ep1 ; fw:codedBy "B" ;
    fw:claimProperty fw:startDate ; fw:claimValue "2015-01-01"^^xsd:date .
ex:b-precision a fw:Claim ; fw:claimAbout ex:ep1 ; fw:codedBy "B" ;
    fw:claimProperty fw:startDatePrecision ; fw:claimValue fw:YearPrecision .
ex:b-earliest a fw:Claim ; fw:claimAbout ex:ep1 ; fw:codedBy "B" ;
    fw:claimProperty fw:startEarliest ; fw:claimValue "2015-01-01"^^xsd:date .
ex:b-latest a fw:Claim ; fw:claimAbout ex:ep1 ; fw:codedBy "B" ;
    fw:claimProperty fw:startLatest ; fw:claimValue "2015-12-31"^^xsd:date .

# an action dated without EDTF (as in 0.1): A 2018-04-13, B 2018-04-12; logics agree
ex:act1 a fw:GovernanceAction ; rdfs:label "act"@en ; fw:codedBy "A" ;
    fw:underLogic fw:TechnicalLogic ;
    fw:date "2018-04-13"^^xsd:date ; fw:datePrecision fw:DayPrecision .
ex:b-act-date a fw:Claim ; fw:claimAbout ex:act1 ; fw:codedBy "B" ;
    fw:claimProperty fw:date ; fw:claimValue "2018-04-12"^^xsd:date .
ex:b-act-precision a fw:Claim ; fw:claimAbout ex:act1 ; fw:codedBy "B" ;
    fw:claimProperty fw:datePrecision ; fw:claimValue fw:DayPrecision .
ex:b-act-logic a fw:Claim ; fw:claimAbout ex:act1 ; fw:codedBy "B" ;
    fw:claimProperty fw:underLogic ; fw:claimValue fw:TechnicalLogic .

# a second action: A could not date it (fw:UnknownDate), B dates it 2019; and they differ on
# its logic
ex:act2 a fw:GovernanceAction ; rdfs:label "act 2"@en ; fw:codedBy "A" ;
    fw:underLogic fw:PoliticalLogic ; fw:datePrecision fw:UnknownDate .
ex:b-act2-edtf a fw:Claim ; fw:claimAbout ex:act2 ; fw:codedBy "B" ;
    fw:claimProperty fw:dateEDTF ; fw:claimValue "2019" .
ex:b-act2-date a fw:Claim ; fw:claimAbout ex:act2 ; fw:codedBy "B" ;
    fw:claimProperty fw:date ; fw:claimValue "2019-01-01"^^xsd:date .
ex:b-act2-precision a fw:Claim ; fw:claimAbout ex:act2 ; fw:codedBy "B" ;
    fw:claimProperty fw:datePrecision ; fw:claimValue fw:YearPrecision .
ex:b-act2-logic a fw:Claim ; fw:claimAbout ex:act2 ; fw:codedBy "B" ;
    fw:claimProperty fw:underLogic ; fw:claimValue fw:TechnicalLogic .
"""


def test_a_date_read_differently_is_one_row_of_question_23() -> None:
    # By hand: ep1's start differs in all five parts -> one row on fw:startDate, shown as
    # written (2016-05 | 2015); act1's date differs in its value only (no EDTF written) -> one
    # row on fw:date with the values; act2: A gave only fw:UnknownDate, B wrote 2019 -> one row
    # on fw:date (A's precision, B's EDTF), and one on fw:underLogic. ep1's stage, act1's logic
    # and act1's precision agree: no rows.
    store = ox.Store()
    store.load(TWO_CODERS_TTL.encode(), ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(TWO_CODERS))
    rows = ask(store, "23")
    assert cells(rows, "record", "property", "coderA", "valuesA", "coderB", "valuesB") == [
        (f"{TWO_CODERS}/act1", fw("date"), "A", "2018-04-13", "B", "2018-04-12"),
        (f"{TWO_CODERS}/act2", fw("date"), "A", fw("UnknownDate"), "B", "2019"),
        (
            f"{TWO_CODERS}/act2",
            fw("underLogic"),
            "A",
            fw("PoliticalLogic"),
            "B",
            fw("TechnicalLogic"),
        ),
        (f"{TWO_CODERS}/ep1", fw("startDate"), "A", "2016-05", "B", "2015"),
    ]


def test_24_units_on_date(store):
    """Worked out from the case files: Hangzhou's data bureau was founded in 2017-01 (bounds 1 to
    31 January), its operations command center on or before 2020-03-31 (no earliest bound);
    Shanghai's big data center on 2018-04-12. No case codes a dissolution or says a unit still
    exists, so no unit certainly existed: a dissolution the case does not code is unknown."""

    def by_unit(case: str, date: str) -> dict[str, tuple]:
        rows = ask(store, "24", case=case, date=date)
        return {
            str(r["unit"]).rsplit("/", 1)[-1]: (
                r["founded"],
                r["foundedBy"],
                r["endedBy"],
                r["existed"],
            )
            for r in rows
        }

    before = by_unit(HANGZHOU, "2016-12-31")
    assert before["data-bureau"] == ("2017-01", "not", "possibly", "not")
    during = by_unit(HANGZHOU, "2017-01-15")  # inside the founding month: either side
    assert during["data-bureau"] == ("2017-01", "possibly", "possibly", "possibly")
    after = by_unit(HANGZHOU, "2018-01-01")
    assert after["data-bureau"] == ("2017-01", "certainly", "possibly", "possibly")
    assert after["command-center"] == ("../2020-03-31", "possibly", "possibly", "possibly")
    assert after["drc"] == (None, "possibly", "possibly", "possibly")  # no date coded
    assert set(after) == {
        "campaign-departments",
        "command-center",
        "data-bureau",
        "drc",
        "government",
    }
    shanghai = by_unit(SHANGHAI, "2018-01-01")
    assert shanghai["big-data-center"] == ("2018-04-12", "not", "possibly", "not")
    assert by_unit(SHANGHAI, "2018-04-12")["big-data-center"][1] == "certainly"
    # every case at once: the default
    every = ask(store, "24", date="2018-01-01")
    assert {str(r["case"]) for r in every} == {CITY_A, HANGZHOU, SHANGHAI}
    assert len(every) == 4 + 5 + 4


def test_25_logic_changes(store):
    """By hand from the case files: City A's functional departments unify the data foundation
    under bureaucratic logic in rotation and build scenarios under technical logic in
    acceleration. Hangzhou's government follows technical logic in startup and acceleration (no
    change; its rotation action has no coded logic), its data bureau bureaucratic logic in
    rotation and no coded logic in acceleration (unknown is no change); Shanghai's government
    technical logic in rotation and acceleration. So one change in all."""
    every = ask(store, "25")
    assert cells(every, "case", "actor", "fromStage", "fromLogic", "toStage", "toLogic") == [
        (
            CITY_A,
            CITY_A + "/functional-departments",
            fw("RotationStage"),
            fw("BureaucraticLogic"),
            fw("AccelerationStage"),
            fw("TechnicalLogic"),
        )
    ]
    assert cells(every, "fromActions", "toActions") == [("1", "1")]
    assert ask(store, "25", case=HANGZHOU) == []


def test_26_mechanism_lags(store):
    """By hand from the case files. Hangzhou: the first high-level promotion is 2016-04 (1 to 30
    April), the first institutional change the data bureau of 2017-01 (1 to 31 January), the
    first scenario the Xiaoshan trial of 2016-10 (1 to 31 October): promotion to change at least
    2016-04-30 → 2017-01-01 = 246 days, at most 2016-04-01 → 2017-01-31 = 305; to the scenario
    154 (→ 2016-10-01) and 213 (→ 2016-10-31). Shanghai, all to the day: the work plan
    2018-03-30, the big data center 2018-04-12 (13 days), the portal 2018-10-17 (201 days).
    City A codes no date: every column empty."""
    rows = {str(r["case"]): r for r in ask(store, "26")}
    assert set(rows) == {CITY_A, HANGZHOU, SHANGHAI}
    lags = ("promotionToChangeAtLeast", "promotionToChangeAtMost")
    lags += ("promotionToScenarioAtLeast", "promotionToScenarioAtMost")
    assert cells([rows[HANGZHOU]], *lags) == [("246", "305", "154", "213")]
    assert cells([rows[SHANGHAI]], *lags) == [("13", "13", "201", "201")]
    assert cells([rows[HANGZHOU]], "scenarioFirstEarliest", "scenarioFirstLatest") == [
        ("2016-10-01", "2016-10-31")
    ]
    assert all(value is None for key, value in rows[CITY_A].items() if key != "case")


# ------------------------------------------------------------------------------------------------
# Question 27: who first set up each kind of data unit, a province or a city within it (issue 15)
# ------------------------------------------------------------------------------------------------


def test_27_province_city_diffusion_on_the_bundled_cases(store):
    # Only City A (in Jiangsu) and Hangzhou (in Zhejiang) code a city within a province;
    # Shanghai's city lies within the country. Neither codes a provincial unit: City A's command
    # center (no date) and Hangzhou's data bureau (2017-01: 1 to 31 January) and command center
    # (on or before 2020-03-31: no earliest bound) are the city's only.
    columns = (
        "provinceLabel",
        "cityLabel",
        "practice",
        "provinceUnits",
        "cityUnits",
        "cityFirstEarliest",
        "cityFirstLatest",
        "direction",
    )
    assert cells(ask(store, "27"), *columns) == [
        ("Jiangsu province", "City A", fw("CommandCenter"), "0", "1", None, None, "city only"),
        (
            "Zhejiang province",
            "Hangzhou",
            fw("CommandCenter"),
            "0",
            "1",
            None,
            "2020-03-31",
            "city only",
        ),
        (
            "Zhejiang province",
            "Hangzhou",
            fw("DataAdministration"),
            "0",
            "1",
            "2017-01-01",
            "2017-01-31",
            "city only",
        ),
    ]


def test_27_province_city_diffusion_by_hand():
    """tests/fixtures/diffusion/province.ttl, by hand. Province: data administration 2015-06
    (06-01 to 06-30), big data centre on or before 2019-01-01 (no earliest bound), command
    centre 2016-02-10. City X: data administrations 2017-03-05 and 2021 (the first decides),
    big data centre 2018, command centre 2020. City Y: data administration 2015 (overlaps
    June 2015), command centre undated. City Z: data administration 2014-05."""
    store = ox.Store()
    store.extend(rdfio.to_oxigraph(ontology.stored_ontology_graph(), ONTOLOGY_GRAPH))
    graph = ox.NamedNode("https://example.org/synthetic/province")
    path = Path(__file__).parent / "fixtures" / "diffusion" / "province.ttl"
    store.load(path.read_bytes(), ox.RdfFormat.TURTLE, to_graph=graph)
    columns = (
        "cityLabel",
        "practice",
        "provinceUnits",
        "provinceFirstEarliest",
        "provinceFirstLatest",
        "cityUnits",
        "cityFirstEarliest",
        "cityFirstLatest",
        "direction",
    )
    bdc, center, data = fw("BigDataCenter"), fw("CommandCenter"), fw("DataAdministration")
    assert cells(ask(store, "27"), *columns) == [
        # the province's centre by 2019-01-01 may be older or younger than X's (2018)
        ("City X", bdc, "1", None, "2019-01-01", "1", "2018-01-01", "2018-12-31", "undetermined"),
        # 2016-02-10 is before 2020-01-01
        (
            "City X",
            center,
            "1",
            "2016-02-10",
            "2016-02-10",
            "1",
            "2020-01-01",
            "2020-12-31",
            "province first",
        ),
        # 2015-06-30 is before 2017-03-05; X's second (2021) does not count
        (
            "City X",
            data,
            "1",
            "2015-06-01",
            "2015-06-30",
            "2",
            "2017-03-05",
            "2017-03-05",
            "province first",
        ),
        ("City Y", bdc, "1", None, "2019-01-01", "0", None, None, "province only"),
        # Y's centre has no date: nothing decides
        ("City Y", center, "1", "2016-02-10", "2016-02-10", "1", None, None, "undetermined"),
        # 2015 and June 2015 overlap
        (
            "City Y",
            data,
            "1",
            "2015-06-01",
            "2015-06-30",
            "1",
            "2015-01-01",
            "2015-12-31",
            "undetermined",
        ),
        ("City Z", bdc, "1", None, "2019-01-01", "0", None, None, "province only"),
        ("City Z", center, "1", "2016-02-10", "2016-02-10", "0", None, None, "province only"),
        # 2014-05-31 is before 2015-06-01
        (
            "City Z",
            data,
            "1",
            "2015-06-01",
            "2015-06-30",
            "1",
            "2014-05-01",
            "2014-05-31",
            "city first",
        ),
    ]
