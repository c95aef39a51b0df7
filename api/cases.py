"""The cases in the store and what they show: ``/health``, ``/cases`` and each case's graph,
timeline, stage on a date, data loop and actors, and ``/compare``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from api import reads, stories
from api.common import CaseId, base, engine, media_content, negotiate, problems
from api.engine import Engine
from api.models import (
    Actors,
    CaseDetail,
    CaseList,
    Comparison,
    Flywheel,
    Health,
    StageOnDate,
    Timeline,
)
from api.negotiation import content_type
from kg.text import delimited
from kg.version import __version__
from kg.views.comparison import COLUMNS, DESCRIPTIONS
from kg.vocab import Confidence

router = APIRouter(tags=["cases"])

GRAPH_OFFERED = [
    "application/ld+json",
    "application/json",
    "text/turtle",
    "application/n-triples",
    "application/rdf+xml",
]
_GRAPH_FORMAT = {"application/json": "application/ld+json"}


# ``?close_at_next=true``: one meaning wherever a stage's end is shown
CloseAtNext = Annotated[
    bool,
    Query(
        description="end a stage whose end is not coded at the next stage's start (its "
        "end_basis is then 'next episode'); without it that end stays unknown ('unknown')",
    ),
]


@router.get(
    "/health",
    response_model=Health,
    summary="Is the server up?",
    responses=problems(),
)
async def health(request: Request) -> dict:
    """The server's status and version, how many cases it serves (read from the store, so a
    store that cannot be read answers 503), and whether writes are on (a token is configured).
    Answered by the server process itself, never by a query worker: busy workers do not delay
    it."""
    count = await engine(request).here(reads.count_cases)
    return {
        "status": "ok",
        "version": __version__,
        "cases": count,
        "writes": request.app.state.settings.token is not None,
    }


@router.get(
    "/cases",
    response_model=CaseList,
    summary="Every case in the store",
    responses=problems(),
)
async def list_cases(request: Request) -> dict:
    """The catalog: for each case its id (the last segment of its graph IRI), city, triple
    count, number of sources, whether it is synthetic, the ontology version it was coded
    with, a hash of its triples, when it was loaded, and links to its views."""
    return {"cases": await engine(request).read(reads.list_cases, base(request))}


@router.get(
    "/cases/{case_id}",
    response_model=CaseDetail,
    summary="One case, with its counts, stage dates and loop status",
    responses=problems(404),
)
async def get_case(
    request: Request,
    case_id: Annotated[str, CaseId],
    close_at_next: CloseAtNext = False,
) -> dict:
    """The case's catalog entry plus what `flywheel compare` says of it: how many actions,
    flows and scenarios it codes, when each stage began and ended (with the precision of each
    date; an unknown date is null with precision `unknown`, never a guess), the dominant logic
    per stage, the years from startup to inertia, and whether its data loop is closed."""
    return await engine(request).read(reads.case_detail, case_id, base(request), close_at_next)


@router.get(
    "/cases/{case_id}/graph",
    summary="The case graph in an RDF syntax",
    response_class=Response,
    responses={
        200: {
            "description": "The case graph (JSON-LD by default; see Accept)",
            "content": {
                **media_content(GRAPH_OFFERED, {"type": "string"}),
                # JSON-LD in expanded form: an array of node objects
                "application/ld+json": {"schema": {"type": "array", "items": {"type": "object"}}},
                "application/json": {"schema": {"type": "array", "items": {"type": "object"}}},
            },
        },
        **problems(404, 406),
    },
)
async def case_graph(request: Request, case_id: Annotated[str, CaseId]) -> Response:
    """Every triple of the case's named graph. `Accept` chooses the syntax: JSON-LD
    (`application/ld+json`, the default, also for `application/json`), Turtle (with the
    project's prefixes), N-Triples or RDF/XML; anything else is 406."""
    media = negotiate(request, GRAPH_OFFERED)
    fmt = _GRAPH_FORMAT.get(media, media)
    data = await engine(request).read(reads.case_graph, case_id, fmt)
    return Response(data, media_type=content_type(fmt), headers={"Vary": "Accept"})


@router.get(
    "/cases/{case_id}/timeline",
    response_model=Timeline,
    summary="The case's stage episodes in sequence, with their actions and flows",
    responses=problems(404),
)
async def timeline(
    request: Request,
    case_id: Annotated[str, CaseId],
    close_at_next: CloseAtNext = False,
) -> dict:
    """The city's stage episodes in its own sequence (named query 02): the stage and its
    place in the theory, start and end with their precision and where the end comes from
    (`end_basis`; an end not coded is the next episode's start only with `close_at_next`), the
    weakest confidence behind the start, the mechanism coded as driving it, the logic most of its
    actions followed (null when none dominates), the actors who acted in it, and its
    governance actions (with their logic) and data flows (with their loop step) by date."""
    return await engine(request).read(stories.timeline, case_id, True, close_at_next)


@router.get(
    "/cases/{case_id}/stage",
    response_model=StageOnDate,
    summary="Which stage the city was in on a date",
    responses=problems(404),
)
async def stage_on_date(
    request: Request,
    case_id: Annotated[str, CaseId],
    date: Annotated[
        str,
        Query(
            description="the date asked about, written YYYY-MM-DD",
            pattern=r"^\d{4}-\d{2}-\d{2}$",
            examples=["2018-06-01"],
        ),
    ],
) -> dict:
    """The stage on that date (named query 01), read with each date's earliest and latest
    bounds (a date known to the month may be any day of it). `stage` is given when the dates
    place the city in one episode for certain (`match` "certainly"); when uncertain or missing
    dates leave episodes only possible (City A codes no dates; Hangzhou's inertia began some
    day in March 2020) it is null, `match` is "possibly" and `candidates` lists them with
    their own match; a date before the first episode gives "none". A date that is not a real
    YYYY-MM-DD date is 400."""
    return await engine(request).read(stories.stage_on_date, case_id, date)


@router.get(
    "/cases/{case_id}/flywheel",
    response_model=Flywheel,
    summary="The case's data loop, step by step, and whether it is closed",
    responses=problems(404),
)
async def flywheel(
    request: Request,
    case_id: Annotated[str, CaseId],
    close_at_next: CloseAtNext = False,
) -> dict:
    """The five steps of the data loop in the ontology's order (aggregation, fusion,
    transformation, circulation, re-aggregation), each with the data flows the case codes in
    it; whether the loop is closed (a re-aggregation flow from a scenario or the platform back
    into the data foundation, named query 11) and since when; and the stage episodes."""
    return await engine(request).read(stories.flywheel, case_id, close_at_next)


@router.get(
    "/cases/{case_id}/actors",
    response_model=Actors,
    summary="The case's actors and the logics they followed, stage by stage",
    responses=problems(404),
)
async def actors(request: Request, case_id: Annotated[str, CaseId]) -> dict:
    """Each actor the case codes, its kind (its most specific actor class: leading official,
    functional department, command center, …) and, per stage, the institutional logics its
    actions followed with how many actions under each."""
    return await engine(request).read(stories.actors, case_id)


@router.get(
    "/compare",
    response_model=Comparison,
    summary="Compare cities: one row per case",
    responses={
        200: {"content": media_content(["text/csv"], {"type": "string"})},
        **problems(404, 406),
    },
)
async def compare(
    request: Request,
    case: Annotated[
        list[str] | None,
        Query(
            description="a case id to include (repeatable); none means every case",
            examples=[["hangzhou", "shanghai"]],
        ),
    ] = None,
    min_confidence: Annotated[
        Confidence | None,
        Query(
            description="leave out stage starts graded below this level (strongest first: "
            "confirmed, suspected, inferred, reported), or not graded, and the end of the stage "
            "each closed; each row's starts_left_out counts them",
        ),
    ] = None,
    close_at_next: CloseAtNext = False,
) -> Response | dict:
    """The table `flywheel compare` prints: each stage's start and end with their precision,
    the years from startup to inertia, whether and since when the loop is closed, the dominant
    logic per stage, and the counts of actions, flows and scenarios. JSON by default (with
    what each column means); `text/csv` by Accept, for R, Stata or QCA tools."""
    media = negotiate(request, ["application/json", "text/csv"])
    floor = min_confidence.value if min_confidence is not None else None
    rows = await engine(request).read(
        reads.compare_cases, *_compare_args(case, floor, close_at_next), keep=True
    )
    if media == "text/csv":
        return Response(to_csv(list(COLUMNS), rows), media_type=content_type("text/csv"))
    return {"columns": list(COLUMNS), "descriptions": DESCRIPTIONS, "rows": rows}


def _compare_args(
    case: list[str] | None, floor: str | None, close_at_next: bool
) -> tuple[list[str], str | None, bool]:
    """:func:`api.reads.compare_cases`'s arguments for a ``/compare`` request, as the kept
    read is known by (:meth:`Engine.warm` names the same read with the same arguments)."""
    return list(case or []), floor, close_at_next


# How long the server waits for its first read of /compare before it opens its port: the kept
# table of 10,000 cities is read in under a second; a store whose cases keep no current rows
# (before `flywheel reindex`) takes minutes, and is then read on in the background.
WARM_WAIT = 10.0


async def warm_compare(engine: Engine, wait: float = WARM_WAIT) -> bool:
    """Read ``/compare`` without parameters (every case) when the server starts, waiting up to
    ``wait`` seconds for it, so that its first request is answered from the kept table
    (seconds at thousands of cities otherwise); whether the read ended in time."""
    return await engine.warm(reads.compare_cases, *_compare_args(None, None, False), wait=wait)


def to_csv(columns: list[str], rows: list[dict]) -> str:
    """Rows as CSV (RFC 4180 line ends): unknown values are empty cells, booleans true/false."""
    return delimited(columns, rows, newline="\r\n")
