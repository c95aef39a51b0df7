"""The shapes of the REST resources' JSON answers (Pydantic models), each with an example, so
that the OpenAPI page is a usable reference."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from kg.vocab import FW

_CASE = "https://w3id.org/dataflywheel/case/hangzhou"
_FW = str(FW)

Precision = Literal[
    "day", "month", "year", "range", "on or before", "on or after", "ongoing", "unknown"
]


def _example(example: dict[str, Any]) -> ConfigDict:
    return ConfigDict(json_schema_extra={"examples": [example]})


class Label(BaseModel):
    """A label in English and Chinese (null where the source has none)."""

    en: str | None = None
    zh: str | None = None


class Term(BaseModel):
    """An ontology term (stage, mechanism, logic, loop step, class) with its labels."""

    iri: str
    label: Label

    model_config = _example(
        {"iri": f"{_FW}StartupStage", "label": {"en": "startup stage", "zh": "启动阶段"}}
    )


_STARTUP = {"iri": f"{_FW}StartupStage", "label": {"en": "startup stage", "zh": "启动阶段"}}
_POLITICAL = {"iri": f"{_FW}PoliticalLogic", "label": {"en": "political logic", "zh": "政治逻辑"}}


class Node(BaseModel):
    """A node of a case graph (an actor): its IRI, its label, and its labels by language."""

    iri: str
    label: str | None
    labels: Label


class Health(BaseModel):
    """Whether the server is up, its version, how many cases it serves, whether it takes writes."""

    status: Literal["ok"]
    version: str
    cases: int
    writes: bool

    model_config = _example({"status": "ok", "version": "0.1.0", "cases": 3, "writes": False})


class CaseLinks(BaseModel):
    """Where to read more about a case."""

    self: str
    graph: str
    timeline: str
    flywheel: str
    actors: str


_SUMMARY = {
    "id": "hangzhou",
    "iri": _CASE,
    "label": "Hangzhou (documented case)",
    "city": f"{_CASE}/city",
    "city_label": "Hangzhou",
    "triples": 501,
    "sources": 6,
    "synthetic": False,
    "ontology_version": "https://w3id.org/dataflywheel/ontology/0.1.0",
    "sha256": "7faf191142bb48865f95fba00201cf3aacd197377f161465d5555e9a471ddfe7",
    "loaded": "2025-01-01T00:00:00+00:00",
    "links": {
        "self": "/cases/hangzhou",
        "graph": "/cases/hangzhou/graph",
        "timeline": "/cases/hangzhou/timeline",
        "flywheel": "/cases/hangzhou/flywheel",
        "actors": "/cases/hangzhou/actors",
    },
}


class CaseSummary(BaseModel):
    """A case as the store's catalog describes it."""

    id: str = Field(description="the last segment of the case's graph IRI; names it in URLs")
    iri: str = Field(description="the case's graph IRI")
    label: str | None = Field(description="the case study's English label")
    city: str | None
    city_label: str | None
    triples: int
    sources: int = Field(description="sources the case codes")
    synthetic: bool = Field(description="true for generated test cities")
    ontology_version: str | None
    sha256: str = Field(description="hash of the case's triples (blank nodes ignored)")
    loaded: str = Field(description="when the case was stored (xsd:dateTime)")
    links: CaseLinks

    model_config = _example(_SUMMARY)


class CaseList(BaseModel):
    """Every case in the store."""

    cases: list[CaseSummary]

    model_config = _example({"cases": [_SUMMARY]})


class Counts(BaseModel):
    actions: int
    flows: int
    scenarios: int


class Dates(BaseModel):
    """When an episode (or the city's first episode of a stage) began and ended: comparable
    days, precision, bounds, the dates as written, where the end comes from and how sure the
    start is."""

    start: str | None = Field(
        description="the start as a comparable day (the earliest it can be, else the latest)"
    )
    start_precision: Precision | None
    start_edtf: str | None = Field(
        default=None, description="the start as the coder wrote it (EDTF, for example 2016-04)"
    )
    start_earliest: str | None = Field(
        default=None, description="the earliest day it can have started (inclusive)"
    )
    start_latest: str | None = Field(
        default=None, description="the latest day it can have started (inclusive)"
    )
    end: str | None = Field(
        description="the stated end; else, when close_at_next was asked, the next episode's start"
    )
    end_precision: Precision | None
    end_edtf: str | None = Field(
        default=None,
        description="that end as written (EDTF): the episode's own, or the next episode's start",
    )
    end_earliest: str | None = Field(
        default=None,
        description="the earliest bound of the end (of the next episode's start when closed so)",
    )
    end_latest: str | None = Field(
        default=None,
        description="the latest bound of the end (of the next episode's start when closed so)",
    )
    end_basis: Literal["stated", "next episode", "unknown", "open"] | None = Field(
        default=None,
        description="where the end comes from: stated (coded), next episode (not coded; closed "
        "at the next episode's start because close_at_next was asked), unknown (not coded; a "
        "later episode exists) or open (no later episode, or coded as not yet ended); null for "
        "a stage the city has no episode of",
    )
    confidence: Literal["confirmed", "suspected", "inferred", "reported"] | None = Field(
        default=None,
        description="the weakest confidence behind the start: its own claims' and their "
        "evidence's, else the episode's evidence; null when nothing is graded",
    )


class StageDates(Dates):
    """When the city's first episode of a stage began and ended (kg.views.comparison)."""

    stage: Term
    dominant_logic: str | None = Field(
        description="the logic most coded actions in this stage followed; ties joined with '+'"
    )


class CaseDetail(CaseSummary):
    """A case with its counts, stage dates and loop status."""

    counts: Counts
    stages: list[StageDates]
    years_startup_to_inertia: float | None
    years_precision: Precision | None
    loop_closed: bool
    loop_closed_since: str | None
    loop_closed_since_precision: Precision | None

    model_config = _example(
        _SUMMARY
        | {
            "counts": {"actions": 8, "flows": 1, "scenarios": 4},
            "stages": [
                {
                    "stage": _STARTUP,
                    "start": "2016-04-01",
                    "start_precision": "month",
                    "start_edtf": "2016-04",
                    "start_earliest": "2016-04-01",
                    "start_latest": "2016-04-30",
                    "end": "2017-01-01",
                    "end_precision": "month",
                    "end_edtf": "2017-01",
                    "end_earliest": "2017-01-01",
                    "end_latest": "2017-01-31",
                    "dominant_logic": "political+technical",
                }
            ],
            "years_startup_to_inertia": 3.9,
            "years_precision": "month",
            "loop_closed": False,
            "loop_closed_since": None,
            "loop_closed_since_precision": None,
        }
    )


class TimelineItem(BaseModel):
    """A governance action (with its logic) or a data flow (with its loop step) of an episode."""

    action: str
    kind: Literal["action", "flow"]
    label: str | None
    labels: Label
    date: str | None
    date_precision: Precision
    date_earliest: str | None = Field(
        default=None, description="the earliest day the item can be (inclusive)"
    )
    date_latest: str | None = Field(
        default=None, description="the latest day the item can be (inclusive)"
    )
    loop_step: Term | None
    logic: Term | None


class EpisodeSummary(Dates):
    """A stage episode: which stage, when, driven by what, by whom."""

    episode: str
    stage: str
    stage_label: Label
    order: int | None = Field(description="the stage's place in the theory (fw:order, 1-4)")
    sequence: int = Field(description="the episode's place in the city's own history")
    follows_theory: bool
    end_inferred: bool = Field(
        description="true when the end is the next episode's start (asked with close_at_next)"
    )
    mechanism: Term | None = Field(description="the mechanism coded as driving the episode")
    logic: Term | None = Field(
        description="the logic most of the episode's actions followed; null when none dominates"
    )
    logics: list[Term] = Field(
        default=[],
        description="the logics most of the episode's actions followed: the dominant one, or "
        "those that tie for most actions; empty when no action has a logic",
    )
    actors: list[Node]


_EPISODE = {
    "episode": f"{_CASE}/ep-startup",
    "stage": f"{_FW}StartupStage",
    "stage_label": {"en": "startup stage", "zh": "启动阶段"},
    "order": 1,
    "sequence": 1,
    "follows_theory": True,
    "start": "2016-04-01",
    "start_precision": "month",
    "start_earliest": "2016-04-01",
    "start_latest": "2016-04-30",
    "end": "2017-01-01",
    "end_precision": "month",
    "end_earliest": "2017-01-01",
    "end_latest": "2017-01-31",
    "end_inferred": True,
    "end_basis": "next episode",
    "confidence": "inferred",
    "start_edtf": "2016-04",
    "end_edtf": "2017-01",
    "mechanism": {
        "iri": f"{_FW}HighLevelPromotion",
        "label": {"en": "high-level promotion", "zh": "高位推动"},
    },
    "logic": None,
    "logics": [
        _POLITICAL,
        {"iri": f"{_FW}TechnicalLogic", "label": {"en": "technical logic", "zh": "技术逻辑"}},
    ],
    "actors": [
        {
            "iri": f"{_CASE}/government",
            "label": "Hangzhou municipal government",
            "labels": {"en": "Hangzhou municipal government", "zh": "杭州市政府"},
        }
    ],
}


class Episode(EpisodeSummary):
    """A stage episode with the actions and flows coded during it, by date."""

    actions: list[TimelineItem]


class Timeline(BaseModel):
    """A case's stage episodes in sequence."""

    case: str
    episodes: list[Episode]

    model_config = _example(
        {
            "case": _CASE,
            "episodes": [
                _EPISODE
                | {
                    "actions": [
                        {
                            "action": f"{_CASE}/act-2016-04-explore-city-brain",
                            "kind": "action",
                            "label": "Hangzhou begins exploring the City Brain",
                            "labels": {"en": "Hangzhou begins exploring the City Brain"},
                            "date": "2016-04-01",
                            "date_precision": "month",
                            "loop_step": None,
                            "logic": _POLITICAL,
                        }
                    ]
                }
            ],
        }
    )


class Candidate(BaseModel):
    """An episode the coded dates do not rule out on the date asked."""

    episode: str
    stage: Term
    match: Literal["certainly", "possibly"] = Field(
        description='"certainly": every day the bounds allow places the city in this episode; '
        '"possibly": some do'
    )


class StageOnDate(BaseModel):
    """The stage a city was in on a date; null when the dates do not settle it."""

    case: str
    date: str
    stage: Term | None
    episode: str | None
    match: Literal["certainly", "possibly", "none"] = Field(
        description='"certainly": the dates (with their earliest and latest bounds) place the '
        'city in one episode for certain; "possibly": uncertain or missing dates leave one or '
        'more episodes possible and none certain (see candidates); "none": every episode is '
        "ruled out"
    )
    candidates: list[Candidate]

    model_config = _example(
        {
            "case": _CASE,
            "date": "2018-06-01",
            "stage": {
                "iri": f"{_FW}AccelerationStage",
                "label": {"en": "acceleration stage", "zh": "加速阶段"},
            },
            "episode": f"{_CASE}/ep-acceleration",
            "match": "certainly",
            "candidates": [
                {
                    "episode": f"{_CASE}/ep-acceleration",
                    "stage": {
                        "iri": f"{_FW}AccelerationStage",
                        "label": {"en": "acceleration stage", "zh": "加速阶段"},
                    },
                    "match": "certainly",
                }
            ],
        }
    )


class LoopStep(BaseModel):
    """A step of the data loop and the flows a case codes in it."""

    step: str
    label: Label
    order: int
    evidenced: bool
    flows: int


class Flywheel(BaseModel):
    """A case's data loop step by step, whether it is closed, and its stages."""

    case: str
    steps: list[LoopStep]
    loop_closed: bool
    closed_since: str | None
    closed_since_precision: Precision | None
    stages: list[EpisodeSummary]

    model_config = _example(
        {
            "case": _CASE,
            "steps": [
                {
                    "step": f"{_FW}Aggregation",
                    "label": {"en": "aggregation", "zh": "归集"},
                    "order": 1,
                    "evidenced": True,
                    "flows": 1,
                }
            ],
            "loop_closed": False,
            "closed_since": None,
            "closed_since_precision": None,
            "stages": [_EPISODE],
        }
    )


class ActorLogic(Term):
    """A logic an actor's actions followed, with how many actions."""

    actions: int


class ActorStage(BaseModel):
    stage: Term
    logics: list[ActorLogic]


class Actor(BaseModel):
    """An actor, its kind, and the logics of its actions per stage."""

    actor: str
    label: str | None
    labels: Label
    kind: Term | None
    stages: list[ActorStage]


class Actors(BaseModel):
    """A case's actors."""

    case: str
    actors: list[Actor]

    model_config = _example(
        {
            "case": _CASE,
            "actors": [
                {
                    "actor": f"{_CASE}/national-leadership",
                    "label": "national leadership",
                    "labels": {"en": "national leadership", "zh": "国家领导人"},
                    "kind": {"iri": f"{_FW}Actor", "label": {"en": "actor", "zh": "主体"}},
                    "stages": [
                        {
                            "stage": {
                                "iri": f"{_FW}InertiaStage",
                                "label": {"en": "inertia stage", "zh": "惯性阶段"},
                            },
                            "logics": [_POLITICAL | {"actions": 1}],
                        }
                    ],
                }
            ],
        }
    )


class Comparison(BaseModel):
    """One row per city (kg.views.comparison), its columns and what each means."""

    columns: list[str]
    descriptions: dict[str, str]
    rows: list[dict[str, str | int | float | bool | None]]

    model_config = _example(
        {
            "columns": ["case", "city", "loop_closed"],
            "descriptions": {"loop_closed": "true when a re-aggregation flow feeds …"},
            "rows": [{"case": _CASE, "city": "Hangzhou", "loop_closed": False}],
        }
    )


class QueryParameter(BaseModel):
    name: str
    type: Literal["iri", "date", "integer", "decimal", "string", "boolean"]
    default: str | None
    required: bool
    description: str


class QueryColumn(BaseModel):
    name: str
    description: str


class QueryLinks(BaseModel):
    self: str
    results: str


class QuerySummary(BaseModel):
    """A named query: one competency question."""

    name: str
    number: int
    slug: str
    title: Label
    parameters: list[QueryParameter]
    columns: list[QueryColumn]
    links: QueryLinks


_QUERY = {
    "name": "01-stage-on-date",
    "number": 1,
    "slug": "stage-on-date",
    "title": {
        "en": "Which stage was a city in on a given date?",
        "zh": "某城市在某一日期处于哪个阶段?",
    },
    "parameters": [
        {
            "name": "date",
            "type": "date",
            "default": "2018-06-01",
            "required": False,
            "description": "the date asked about",
        }
    ],
    "columns": [{"name": "stage", "description": "the flywheel stage (fw:FlywheelStage)"}],
    "links": {"self": "/queries/01-stage-on-date", "results": "/queries/01-stage-on-date/results"},
}


class QueryList(BaseModel):
    """Every named query."""

    queries: list[QuerySummary]

    model_config = _example({"queries": [_QUERY]})


class QueryDefinition(QuerySummary):
    """A named query with its SPARQL text."""

    sparql: str

    model_config = _example(_QUERY | {"sparql": "PREFIX fw: … SELECT ?case ?date … WHERE { … }"})


class QueryResults(BaseModel):
    """A named query's rows: IRIs and literal values as text, null where unbound."""

    query: str
    columns: list[str]
    rows: list[dict[str, str | None]]

    model_config = _example(
        {
            "query": "11-loop-closed",
            "columns": ["case", "closed"],
            "rows": [{"case": "https://w3id.org/dataflywheel/case/city-a", "closed": "true"}],
        }
    )


class Finding(BaseModel):
    """One thing the shapes found about one node."""

    focus: str
    focusKind: str | None
    focusLabels: dict[str, str]
    shape: str
    severity: Literal["violation", "warning", "info"]
    messages: dict[str, str] = Field(description="the shape's message by language (en, zh)")
    path: str | None
    value: str | None


class CaseReport(BaseModel):
    """The findings for one case."""

    case: str
    source: str
    conforms: bool = Field(description="true when there is no violation")
    counts: dict[str, int]
    findings: list[Finding]


_REPORT = {
    "case": _CASE,
    "source": "request body",
    "conforms": True,
    "counts": {"violation": 0, "warning": 1, "info": 0},
    "findings": [
        {
            "focus": f"{_CASE}/ep-startup",
            "focusKind": "fw:StageEpisode",
            "focusLabels": {"en": "Hangzhou startup stage"},
            "shape": "fws:StartupLeaderShape",
            "severity": "warning",
            "messages": {"en": "no leading official …", "zh": "启动阶段没有…"},
            "path": None,
            "value": None,
        }
    ],
}


class ValidationReport(BaseModel):
    """The validation report of every case in the body."""

    conforms: bool
    cases: list[CaseReport]

    model_config = _example({"conforms": True, "cases": [_REPORT]})


class WriteResult(BaseModel):
    """What a write did: the case stored, whether it was new, and its validation report."""

    case: str
    id: str
    created: bool
    replaced: bool
    message: str
    forced: bool = Field(description="true when stored despite violations (?force=true)")
    report: CaseReport

    model_config = _example(
        {
            "case": _CASE,
            "id": "hangzhou",
            "created": False,
            "replaced": True,
            "message": "the case replaced the one stored before",
            "forced": False,
            "report": _REPORT,
        }
    )


class BulkCase(BaseModel):
    """What became of one case of a request that brought several (``POST /cases``)."""

    case: str = Field(description="the case's graph IRI")
    id: str = Field(description="its short name, the last segment of the IRI")
    status: Literal["created", "replaced", "refused"]
    reason: str | None = Field(
        None, description="why it was refused: the problem, in words (violations listed)"
    )
    problem: str | None = Field(
        None,
        description="the kind of refusal, as the problem types of single writes name it: "
        "violations, name-taken, bad-case-name, bad-request, too-large, busy, …",
    )
    forced: bool = Field(False, description="true when stored despite violations (?force=true)")
    counts: dict[str, int] | None = Field(
        None, description="its findings by severity, when it was validated"
    )


class BulkResult(BaseModel):
    """What a request that brought several cases did, case by case, in the body's order."""

    loaded: int = Field(description="cases stored (created or replaced)")
    refused: int = Field(description="cases not stored")
    cases: list[BulkCase]

    model_config = _example(
        {
            "loaded": 1,
            "refused": 1,
            "cases": [
                {
                    "case": _CASE,
                    "id": "hangzhou",
                    "status": "created",
                    "reason": None,
                    "problem": None,
                    "forced": False,
                    "counts": {"violation": 0, "warning": 1, "info": 0},
                },
                {
                    "case": "https://w3id.org/dataflywheel/case/riverton",
                    "id": "riverton",
                    "status": "refused",
                    "reason": "the case <https://w3id.org/dataflywheel/case/riverton> has 1 "
                    "violation(s) of the shapes and was not stored (add ?force=true to store it "
                    "anyway): …",
                    "problem": "violations",
                    "forced": False,
                    "counts": {"violation": 1, "warning": 0, "info": 0},
                },
            ],
        }
    )
