"""The case views' own rules, on hand-made items (kg/views/timeline.py): which logic leads a
stage, and a tie stated as a tie (the bundled cases have none since their re-coding on 0.2); the
order of episodes and items by the bounds of their dates, on a hand-made case in a real store."""

from __future__ import annotations

from rdflib import Graph

from kg.rdf.read import CaseGraph
from kg.store import open_store
from kg.views.timeline import date_order, dominant_logic, leading_logics, timeline
from kg.vocab import FW

POLITICAL, TECHNICAL = str(FW.PoliticalLogic), str(FW.TechnicalLogic)


def _action(logic: str | None, kind: str = "action") -> dict:
    return {"kind": kind, "logic": {"iri": logic} if logic else None}


def test_one_logic_leads() -> None:
    found = [_action(POLITICAL), _action(POLITICAL), _action(TECHNICAL), _action(None)]
    assert leading_logics(found) == [POLITICAL]
    assert dominant_logic(found) == POLITICAL


def test_a_tie_is_stated_and_has_no_single_dominant_logic() -> None:
    found = [_action(TECHNICAL), _action(POLITICAL)]
    assert leading_logics(found) == [POLITICAL, TECHNICAL]  # in IRI order
    assert dominant_logic(found) is None


def test_flows_and_actions_without_a_logic_do_not_count() -> None:
    assert leading_logics([_action(None), _action(TECHNICAL, kind="flow")]) == []
    assert dominant_logic([]) is None


# ---------------------------------------------------------------------------------------------
# Ordering by the bounds of dates (issue 14)


def test_date_order_reads_the_bounds() -> None:
    year = date_order("2016-01-01", "2016-12-31", "a")
    march = date_order("2016-03-01", "2016-03-31", "b")
    january = date_order("2016-01-01", "2016-01-31", "c")
    by_june_2018 = date_order(None, "2018-06-30", "d")
    undated = date_order(None, None, "e")
    assert sorted([undated, by_june_2018, march, year, january]) == [
        january,
        year,
        march,
        by_june_2018,
        undated,
    ]


ORDERED = "https://example.org/cases/ordered"
ORDERED_TTL = f"""@prefix fw: <{FW}> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix ex: <{ORDERED}/> .

<{ORDERED}> a owl:Ontology .
ex:case a fw:CaseStudy ; fw:studiesCity ex:city .
ex:city a fw:City .

ex:ep1 a fw:StageEpisode ; fw:episodeOf ex:city ; fw:ofStage fw:StartupStage ; fw:sequence 1 ;
    fw:startDate "2016-01-01"^^xsd:date ; fw:startDatePrecision fw:YearPrecision .
# known only as "by March 2017" (a latest bound): placed by it, after 2016
ex:ep2 a fw:StageEpisode ; fw:episodeOf ex:city ; fw:ofStage fw:RotationStage ; fw:sequence 2 ;
    fw:startLatest "2017-03-31"^^xsd:date ; fw:startDatePrecision fw:OnOrBefore .

ex:year a fw:GovernanceAction ; rdfs:label "a: in 2016"@en ; fw:duringEpisode ex:ep1 ;
    fw:date "2016-01-01"^^xsd:date ; fw:datePrecision fw:YearPrecision .
ex:march a fw:GovernanceAction ; rdfs:label "b: in March 2016"@en ; fw:duringEpisode ex:ep1 ;
    fw:date "2016-03-01"^^xsd:date ; fw:datePrecision fw:MonthPrecision .
ex:zz-january a fw:GovernanceAction ; rdfs:label "c: in January 2016"@en ; fw:duringEpisode ex:ep1 ;
    fw:date "2016-01-01"^^xsd:date ; fw:datePrecision fw:MonthPrecision .
ex:bounds a fw:DataFlow ; rdfs:label "d: between 2016-02-10 and 2016-02-20"@en ;
    fw:duringEpisode ex:ep1 ; fw:datePrecision fw:RangePrecision ;
    fw:dateEarliest "2016-02-10"^^xsd:date ; fw:dateLatest "2016-02-20"^^xsd:date .
ex:undated a fw:GovernanceAction ; rdfs:label "e: undated"@en ; fw:duringEpisode ex:ep1 ;
    fw:datePrecision fw:UnknownDate .
ex:day a fw:GovernanceAction ; rdfs:label "f: 15 January 2016"@en ; fw:duringEpisode ex:ep1 ;
    fw:date "2016-01-15"^^xsd:date ; fw:datePrecision fw:DayPrecision .
"""


def test_timeline_orders_episodes_and_items_by_their_bounds() -> None:
    # By hand: c (2016-01-01..01-31), a (2016-01-01..12-31), f (01-15), d (02-10..02-20, bounds
    # only), b (03-01..03-31), e (undated, last). By the plain date, as before, a and c tied on
    # 2016-01-01 and their IRIs put a first (ex:year < ex:zz-january), and d, having no fw:date,
    # went to the end with e: a, c, f, b, d, e.
    graph = Graph().parse(data=ORDERED_TTL, format="turtle")
    with open_store("memory:") as store:
        store.put_cases([CaseGraph(ORDERED, "ordered.ttl", graph)])
        found = timeline(store, ORDERED)
    assert [e["episode"].rsplit("/", 1)[-1] for e in found["episodes"]] == ["ep1", "ep2"]
    items = [i["label"][0] for i in found["episodes"][0]["actions"]]
    assert items == ["c", "a", "f", "d", "b", "e"]
    bounded = found["episodes"][0]["actions"][3]
    assert (bounded["date_earliest"], bounded["date_latest"]) == ("2016-02-10", "2016-02-20")
