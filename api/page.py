"""The web page at ``/``: one HTML file and its static scripts and styles (``/static/…``), all
served by this package, so the page works offline and asks nothing of any other host.

The page itself (``api/static/``) is plain HTML, CSS and JavaScript modules with no library: it
reads the JSON resources (``/cases``, ``/cases/{id}/flywheel``, ``…/timeline``, ``…/actors``,
``/compare``) and posts SPARQL to ``/sparql``, with addresses relative to the page, so it also
works behind a proxy that serves the API under a path.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.exceptions import HTTPException
from starlette.staticfiles import StaticFiles

from api.problems import ProblemError

STATIC_DIR = Path(__file__).resolve().parent / "static"

# Only this server: no other host may be reached by the page, whatever the data says.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; "
        "frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}

router = APIRouter()
_static = StaticFiles(directory=STATIC_DIR)


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
async def page() -> HTMLResponse:
    """The page: the cases, a city's flywheel and timeline, the comparison, a SPARQL box."""
    return HTMLResponse(_index(), headers=SECURITY_HEADERS)


@cache
def _index() -> str:
    return (STATIC_DIR / "index.html").read_text(encoding="utf-8")


@router.get("/static/{path:path}", include_in_schema=False)
async def static(path: str, request: Request) -> Response:
    """A file of the page (scripts, styles, icon); no path leaves ``api/static/``."""
    try:
        response = await _static.get_response(path, request.scope)
    except HTTPException as error:
        raise ProblemError(error.status_code, f"no such file of the page: {path}") from None
    response.headers.update(SECURITY_HEADERS)
    return response
