"""The FastAPI application: ``create_app()`` wires the settings, the query engine, the error
shape, CORS, request size limits and the routes (``/sparql``, the REST resources, the page).

Run it with ``flywheel serve`` or ``uvicorn --factory api.app:create_app`` (settings from the
environment, see :class:`api.settings.Settings`).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi_offline import FastAPIOffline
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api import cases, page, problems, resources, sparql
from api.engine import Engine
from api.settings import Settings
from kg import limits
from kg.version import __version__

DESCRIPTION = """\
Ask a store of city cases the questions of the data-flywheel theory (Wang, Wei & Wu 2023):
which stage a city was in, whether its data loop is closed, which logics its actors followed,
how cities compare. A SPARQL 1.1 endpoint (`/sparql`, read-only), JSON resources, the named
queries, validation of a case, and the ontology and shapes.

Errors are `application/problem+json`. Reads are public (CORS `*`, no credentials); writes need
the bearer token set in the server's configuration and are off without one.
"""


class BodyLimit:
    """Answer 413 when a request body is larger than ``limit`` bytes, whether the client says
    so in Content-Length or streams it; ``larger`` gives some routes (method, path) a limit of
    their own (a request that brings many cases)."""

    def __init__(
        self, app: ASGIApp, limit: int, larger: Mapping[tuple[str, str], int] | None = None
    ) -> None:
        self.app = app
        self.limit = limit
        self.larger = dict(larger or {})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.larger.get((scope["method"], scope["path"]), self.limit)
        declared = dict(scope.get("headers") or ()).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await self._refuse(scope, receive, send, limit)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise _TooLarge
            return message

        try:
            await self.app(scope, counted, send)
        except _TooLarge:
            await self._refuse(scope, receive, send, limit)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        response = problems.problem_response(
            413,
            f"the request body is larger than this server accepts ({limit:,} bytes)",
            "https://w3id.org/dataflywheel/problems/too-large",
        )
        await response(scope, receive, send)


class _TooLarge(Exception):
    pass


class HeadAsGet:
    """HEAD answered wherever GET is (RFC 9110 9.3.2): the request runs as a GET and only its
    status and headers are sent."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, headers_only)


def _log_to_stderr() -> None:
    """Send the API's own log lines (refused writes, never a token) to stderr with a time and
    level, unless the host program has configured logging already. Without this they reached
    the server's log only through Python's last-resort handler, bare and by accident."""
    log = logging.getLogger("flywheel.api")
    if log.handlers or logging.getLogger().handlers:
        return
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)


def create_app(settings: Settings | None = None) -> FastAPI:
    """The API over the store the settings name (from the environment when not given)."""
    settings = settings or Settings.from_env()
    _log_to_stderr()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = Engine(
            settings.store,
            workers=settings.workers,
            deadline=settings.deadline,
            max_waiting=settings.max_waiting,
            worker_memory=settings.worker_memory_mb * 1024 * 1024,
        )
        app.state.engine = engine
        # the port opens once the workers have started and, unless --no-warm, the comparison
        # of every case has been read (or WARM_WAIT seconds have passed): the first requests
        # wait for neither
        await engine.started()
        if settings.warm:
            await cases.warm_compare(engine)
        try:
            yield
        finally:
            engine.close()

    # FastAPIOffline: the /docs and /redoc pages with their scripts served by this app (no CDN).
    app = FastAPIOffline(
        title="flywheel-kg API",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        responses={k: v for k, v in problems.PROBLEM_RESPONSES.items() if k in (400, 503)},
        openapi_tags=[
            {"name": "SPARQL", "description": "The SPARQL 1.1 Protocol endpoint (read-only)."},
            {"name": "cases", "description": "The cases in the store and what they show."},
            {"name": "queries", "description": "The named competency-question queries."},
            {"name": "ontology", "description": "The ontology and the SHACL shapes."},
            {"name": "validation", "description": "Check a case against the shapes."},
            {"name": "writes", "description": "Put or remove a case (bearer token needed)."},
        ],
    )
    app.state.settings = settings
    problems.install(app)
    app.include_router(sparql.router)
    app.include_router(resources.router)
    app.include_router(page.router)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=["*"],
        allow_credentials=False,
        allow_methods=["GET", "HEAD", "POST", "OPTIONS"],
        allow_headers=["Content-Type", "Accept", "Authorization"],
        expose_headers=["Retry-After", "Location"],
    )
    app.add_middleware(
        BodyLimit, limit=settings.max_body, larger={("POST", "/cases"): limits.max_bulk_bytes()}
    )
    app.add_middleware(HeadAsGet)
    return app
