"""Every error the API gives, in one shape: RFC 9457 ``application/problem+json``
(``type``, ``title``, ``status``, ``detail``), with the parser's message where there is one."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect

from api.engine import Busy, DeadlineExceeded
from kg.errors import FlywheelError
from kg.store.workers import WorkFailed

_log = logging.getLogger("flywheel.api")
PROBLEM = "application/problem+json"
_TYPES = "https://w3id.org/dataflywheel/problems/"


class Problem(BaseModel):
    """An error: what kind, a short title, the HTTP status and what exactly was wrong."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "type": f"{_TYPES}bad-query",
                    "title": "Bad Request",
                    "status": 400,
                    "detail": "the query is not valid SPARQL: error at 1:8: expected …",
                }
            ]
        }
    }


# The responses every route may give, for the OpenAPI description.
PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": Problem, "description": text, "content": {PROBLEM: {}}}
    for status, text in {
        400: "The request is malformed (the detail says how)",
        413: "The request body is too large",
        503: "Busy: every worker is in use (see Retry-After), or the store is unavailable",
        504: "The work did not finish before the deadline and was stopped",
    }.items()
}


class ProblemError(Exception):
    """Raise to answer with a problem document."""

    def __init__(
        self,
        status: int,
        detail: str,
        kind: str = "about:blank",
        title: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.kind = kind if kind == "about:blank" or ":" in kind else _TYPES + kind
        self.title = title
        self.headers = headers or {}


def problem_response(
    status: int,
    detail: str | None,
    kind: str = "about:blank",
    title: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    """A ``application/problem+json`` response."""

    body = Problem(
        type=kind,
        title=title or HTTPStatus(status).phrase,
        status=status,
        detail=detail,
    )
    return JSONResponse(
        body.model_dump(exclude_none=True), status_code=status, media_type=PROBLEM, headers=headers
    )


# What an error means for the client. Flywheel's own errors carry their status and problem type
# (kg.errors); these are the others a request can meet. A ValueError or LookupError raised by a
# library over the client's data is the client's (400, 404); anything else is the server's (500).
_OTHER_STATUS: dict[type[Exception], tuple[int, str]] = {
    ValueError: (400, "bad-request"),
    LookupError: (404, "not-found"),
}


def error_status(error: BaseException) -> tuple[int, str]:
    """The HTTP status and problem type (its last part) for an error."""
    if isinstance(error, FlywheelError):
        return error.status, error.problem
    if isinstance(error, WorkFailed):  # not ours (ours always travel as themselves)
        return 500, "internal"
    for cls in type(error).__mro__:
        if cls in _OTHER_STATUS:
            return _OTHER_STATUS[cls]
    return 500, "internal"


def error_response(error: Exception) -> JSONResponse:
    """The problem document for an error."""
    status, kind = error_status(error)
    return problem_response(status, error.message if isinstance(error, WorkFailed) else str(error),
                            _TYPES + kind)  # fmt: skip


def install(app: FastAPI) -> None:
    """Answer every error as a problem document."""

    @app.exception_handler(ProblemError)
    async def _problem(_: Request, error: ProblemError) -> JSONResponse:
        return problem_response(error.status, error.detail, error.kind, error.title, error.headers)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, error: StarletteHTTPException) -> JSONResponse:
        return problem_response(error.status_code, str(error.detail), headers=error.headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, error: RequestValidationError) -> JSONResponse:
        parts = []
        for item in error.errors():
            where = ".".join(str(p) for p in item.get("loc", ()))
            parts.append(f"{where}: {item.get('msg')}")
        return problem_response(400, "; ".join(parts), _TYPES + "bad-request")

    @app.exception_handler(Busy)
    async def _busy(_: Request, error: Busy) -> JSONResponse:
        return problem_response(
            503, str(error), _TYPES + "busy", headers={"Retry-After": str(error.retry_after)}
        )

    @app.exception_handler(DeadlineExceeded)
    async def _deadline(_: Request, error: DeadlineExceeded) -> JSONResponse:
        return problem_response(504, str(error), _TYPES + "deadline")

    async def _error(_: Request, error: Exception) -> JSONResponse:
        return error_response(error)

    for cls in (FlywheelError, WorkFailed, *_OTHER_STATUS):
        app.add_exception_handler(cls, _error)

    @app.exception_handler(ClientDisconnect)
    async def _gone(request: Request, _: ClientDisconnect) -> JSONResponse:
        client = request.client.host if request.client else "?"
        _log.info("%s %s: the client %s went away before sending its whole request",
                  request.method, request.url.path, client)  # fmt: skip
        return problem_response(
            400, "the request ended before its body did", _TYPES + "bad-request"
        )
