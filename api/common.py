"""Small pieces the REST routers share: the problem responses each route documents, content
negotiation that answers 406, the case id path parameter, and the body media types."""

from __future__ import annotations

from typing import Any

import pyoxigraph as ox
from fastapi import Path, Request

from api.engine import Engine
from api.negotiation import DATASET_TYPES, GRAPH_TYPES, choose
from api.problems import PROBLEM, PROBLEM_RESPONSES, Problem, ProblemError
from api.reads import CASE_ID

_MORE = {
    401: "No bearer token (see WWW-Authenticate)",
    403: "The token is wrong, or writes are off on this server",
    404: "No such case, query or graph",
    405: "The method is not supported here (see Allow)",
    406: "None of the media types the Accept header names can be served",
    409: "Another case holds the case's short name (the detail names it); nothing stored",
    415: "The body's Content-Type is not an RDF syntax this server reads",
    422: "The case has violations of the shapes (the detail lists them); not stored",
}

# Media types a request body may have (a case in any RDF syntax).
BODY_TYPES: dict[str, ox.RdfFormat] = {**GRAPH_TYPES, **DATASET_TYPES}

CaseId = Path(
    description="the case's id: the last segment of its graph IRI",
    pattern=CASE_ID,
    examples=["hangzhou"],
)


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The problem responses (400, 503 and 504 always; the others named) for ``responses=``."""
    chosen: dict[int | str, dict[str, Any]] = {}
    for status in sorted({400, 503, 504, *statuses}):
        if status in PROBLEM_RESPONSES:
            chosen[status] = PROBLEM_RESPONSES[status]
        else:
            chosen[status] = {
                "model": Problem,
                "description": _MORE[status],
                "content": {PROBLEM: {}},
            }
    # Any other client error is a problem document too (a malformed parameter is 400, not
    # FastAPI's default 422, which this entry keeps out of the description).
    chosen["4XX"] = {
        "model": Problem,
        "description": "Another client error",
        "content": {PROBLEM: {}},
    }
    return chosen


def media_content(types: list[str], schema: dict | None = None) -> dict[str, dict]:
    """OpenAPI ``content`` entries for non-JSON media types."""
    return {t: ({"schema": schema} if schema else {}) for t in types}


def engine(request: Request) -> Engine:
    """The app's query engine."""
    engine: Engine = request.app.state.engine
    return engine


def base(request: Request) -> str:
    """The prefix for links: the configured public URL, else root-relative."""
    public = request.app.state.settings.public_url
    return public.rstrip("/") if public else ""


def negotiate(request: Request, offered: list[str]) -> str:
    """The media type to answer with, or a 406 problem naming what can be served."""
    chosen = choose(request.headers.get("accept"), offered)
    if chosen is None:
        raise ProblemError(
            406,
            f"cannot answer in {request.headers.get('accept')!r}; this resource is available as "
            + ", ".join(offered),
            "not-acceptable",
        )
    return chosen


def body_format(request: Request) -> str:
    """The RDF syntax of the request body from its Content-Type, or a 415 problem."""
    given = request.headers.get("content-type", "")
    media = given.split(";", 1)[0].strip().lower()
    if media not in BODY_TYPES:
        raise ProblemError(
            415,
            f"cannot read a body of type {given or '(none given)'!r}; send a case as one of "
            + ", ".join(BODY_TYPES),
            "unsupported-media-type",
        )
    return media


def rdf_body(description: str) -> dict[str, Any]:
    """``openapi_extra`` describing an RDF request body in any syntax the server reads."""
    return {
        "requestBody": {
            "required": True,
            "description": description,
            "content": {t: {"schema": {"type": "string"}} for t in BODY_TYPES},
        }
    }
