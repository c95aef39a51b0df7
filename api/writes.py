"""Checking and changing cases: ``POST /validate`` (public), ``PUT``/``DELETE /cases/{id}``,
``POST /cases`` (many cases in one request) and the Graph Store Protocol at ``/store?graph=``
(writes need the bearer token)."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from pathlib import Path
from typing import Annotated
from urllib.parse import quote

import pyoxigraph as ox
from fastapi import APIRouter, Depends, Query, Request, Response

from api import checks, reads
from api.auth import require_writer
from api.common import (
    CaseId,
    base,
    body_format,
    engine,
    media_content,
    negotiate,
    problems,
    rdf_body,
)
from api.engine import Busy
from api.models import BulkResult, ValidationReport, WriteResult
from api.negotiation import DATASET_TYPES, GRAPH_TYPES, content_type
from api.problems import ProblemError
from kg import limits
from kg.errors import FlywheelError
from kg.rdf.names import case_id, case_iri_problem, name_key, shown
from kg.rdf.read import DatasetPart, split_dataset

router = APIRouter()

Force = Query(description="store the case even when it has violations of the shapes")
_WRITE_PROBLEMS = problems(401, 403, 409, 413, 415, 422)
# OpenAPI links from a stored case to its reads and its removal (used by stateful API tests).
_CASE_LINKS = {
    name: {"operationId": operation, "parameters": {"case_id": "$request.path.case_id"}}
    for name, operation in {
        "GetCase": "get_case_cases__case_id__get",
        "GetCaseGraph": "case_graph_cases__case_id__graph_get",
        "GetTimeline": "timeline_cases__case_id__timeline_get",
        "DeleteCase": "delete_case_cases__case_id__delete",
    }.items()
}


@router.post(
    "/validate",
    tags=["validation"],
    response_model=ValidationReport,
    summary="Check a case against the shapes",
    responses={
        200: {"content": media_content(["text/turtle"], {"type": "string"})},
        **problems(406, 413, 415),
    },
    openapi_extra=rdf_body("one case (or several, as named graphs) in any RDF syntax"),
)
async def validate(request: Request) -> Response | dict:
    """Validate the case(s) in the body, as `flywheel validate` does, without storing anything.
    The body may be Turtle, TriG, N-Triples, N-Quads, JSON-LD or RDF/XML (say which in
    Content-Type; others are 415). A body that is not valid RDF is 400 with the line and column
    of the error; a JSON-LD remote `@context` is refused (nothing is fetched). The report is
    JSON (per case: conforms, counts by severity, findings with the shape's message in English
    and Chinese) or, with `Accept: text/turtle`, a SHACL validation report."""
    media = body_format(request)
    answer = negotiate(request, ["application/json", "text/turtle"])
    data = await request.body()
    report = await engine(request).read(checks.validate_body, data, media, answer == "text/turtle")
    if isinstance(report, str):  # Turtle, as asked
        return Response(report, media_type=content_type("text/turtle"))
    return report


async def _checked(request: Request, name: str | None, graph: str | None, force: bool) -> dict:
    """Read and validate the body; a 422 problem listing the violations unless forced."""
    media = body_format(request)
    data = await request.body()
    checked = await engine(request).read(checks.check_case, data, media, name, graph)
    report = checked["report"]
    if not report["conforms"] and not force:
        raise ProblemError(422, checks.violations_text(report), "violations")
    # a CaseNameError here (a case with this short name came in meanwhile) is answered 409/400
    # by its kind, like the early check's
    created = await engine(request).write(checks.store_case, data, media, graph, name)
    return checked | {"created": created, "forced": not report["conforms"]}


@router.put(
    "/cases/{case_id}",
    tags=["writes"],
    response_model=WriteResult,
    status_code=201,
    summary="Put a case (create or replace it)",
    responses={
        200: {
            "model": WriteResult,
            "description": "The case replaced an earlier version",
            "links": _CASE_LINKS,
        },
        201: {"description": "The case was stored as a new case", "links": _CASE_LINKS},
        **_WRITE_PROBLEMS,
    },
    dependencies=[Depends(require_writer)],
    openapi_extra=rdf_body("the case graph in any RDF syntax; its owl:Ontology header names it"),
)
async def put_case(
    request: Request,
    response: Response,
    case_id: Annotated[str, CaseId],
    force: Annotated[bool, Force] = False,
) -> dict:
    """Store the case in the body under this id (the last segment of the IRI in its
    `owl:Ontology` header, or of its named graph; another id is 400). A short name belongs to
    one case: when another IRI holds this id (compared ignoring case, width and
    percent-encoding) the answer is 409, naming that case, and nothing is stored, forced or
    not. The case is validated: violations are 422 and nothing is stored, unless
    `?force=true`. The case replaces any earlier version with the same IRI in one transaction
    (readers see the old or the new case, never half). 201 Created with Location when it is
    new; 200 when it replaced one (the body says which)."""
    checked = await _checked(request, case_id, None, force)
    created = checked["created"]
    response.status_code = 201 if created else 200
    if created:
        response.headers["Location"] = f"{base(request)}/cases/{case_id}"
    return {
        "case": checked["iri"],
        "id": case_id,
        "created": created,
        "replaced": not created,
        "message": "the case was stored as a new case"
        if created
        else "the case replaced the one stored before",
        "forced": checked["forced"],
        "report": checked["report"],
    }


# --- many cases in one request ------------------------------------------------------------------

_NQUADS = "application/n-quads"


@router.post(
    "/cases",
    tags=["writes"],
    response_model=BulkResult,
    summary="Put many cases at once (N-Quads or TriG, one named graph per case)",
    responses=problems(401, 403, 413, 415),
    dependencies=[Depends(require_writer)],
    openapi_extra={
        "requestBody": {
            "required": True,
            "description": "several cases, each in its own named graph (its case IRI)",
            "content": {t: {"schema": {"type": "string"}} for t in DATASET_TYPES},
        }
    },
)
async def post_cases(request: Request, force: Annotated[bool, Force] = False) -> dict:
    """Store every case of the body, each in its named graph (N-Quads or TriG; other types are
    415), case by case with the rules of `PUT /store?graph=` for each: its name checked, the case
    validated (violations refuse it unless `?force=true`), then written in its own transaction,
    replacing an earlier version with the same IRI. A case refused leaves the others stored;
    the answer (200) says per case, in the body's order, `created`, `replaced` or `refused` and
    why (`problem`: violations, name-taken, bad-case-name, bad-request, too-large …). Cases of
    the body that share a short name are all refused, as `flywheel load` refuses them.

    The body is set aside on disk as it arrives (up to `FLYWHEEL_MAX_BULK_BYTES`, 1 GiB by
    default: 413 beyond), then split into its graphs and read case by case (each up to
    `FLYWHEEL_MAX_FILE_BYTES`), so memory holds one case at a time. A body that is not valid
    N-Quads or TriG, or holds triples outside its named graphs, is 400 with the line and
    column, and nothing is stored."""
    media = body_format(request)
    if media not in DATASET_TYPES:
        raise ProblemError(
            415,
            f"POST /cases reads several cases, each in its named graph, as "
            f"{' or '.join(DATASET_TYPES)}; this body is {media}: send one case in it with "
            "PUT /cases/{id}",
            "unsupported-media-type",
        )
    folder = Path(tempfile.mkdtemp(prefix="flywheel-cases-"))
    try:
        body = folder / "body"
        await _set_aside(request, body)
        parts = await asyncio.to_thread(_split, body, media, folder)
        shared = _shared_names(parts)
        done = []
        for part in parts:
            if part.iri in shared:
                done.append(_refused(part.iri, shared[part.iri], "name-taken"))
            else:
                done.append(await _one_of_many(request, part, force))
            part.path.unlink(missing_ok=True)
    finally:
        await asyncio.to_thread(shutil.rmtree, folder, True)
    loaded = sum(1 for case in done if case["status"] != "refused")
    return {"loaded": loaded, "refused": len(done) - loaded, "cases": done}


async def _set_aside(request: Request, target: Path) -> None:
    """Write the request body to ``target`` as it arrives; 413 past the bulk limit."""
    limit = limits.max_bulk_bytes()
    size = 0
    with target.open("wb") as out:
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise ProblemError(
                    413,
                    f"the body is over this server's limit of {limit:,} bytes for many cases "
                    f"at once ({limits.BULK_ENV}); send them in several requests",
                    "too-large",
                )
            out.write(chunk)
    if size == 0:
        raise ProblemError(400, "the body is empty: there is no case in it", "bad-request")


def _split(body: Path, media: str, folder: Path) -> list[DatasetPart]:
    with body.open("rb") as stream:
        parts = split_dataset(stream, DATASET_TYPES[media], folder, "request body")
    body.unlink()
    return parts


def _shared_names(parts: list[DatasetPart]) -> dict[str, str]:
    """The cases of the body whose short name another of its cases has, with why: none of them
    is stored (which would win should not depend on their order)."""
    groups: dict[str, list[str]] = {}
    for part in parts:
        groups.setdefault(name_key(case_id(part.iri)), []).append(part.iri)
    shared = {}
    for iris in groups.values():
        if len(iris) > 1:
            listed = ", ".join(f"<{shown(iri)}>" for iri in iris)
            for iri in iris:
                shared[iri] = (
                    f"the case <{shown(iri)}> is refused: {len(iris)} cases of this request go "
                    f"by the same short name '{shown(case_id(iri))}' ({listed}). A short name "
                    "belongs to one case: give each an IRI with its own last segment; none of "
                    "them was stored"
                )
    return shared


def _refused(iri: str, reason: str, problem: str, counts: dict | None = None) -> dict:
    return {
        "case": iri,
        "id": case_id(iri),
        "status": "refused",
        "reason": reason,
        "problem": problem,
        "forced": False,
        "counts": counts,
    }


async def _one_of_many(request: Request, part: DatasetPart, force: bool) -> dict:
    """Check, validate and store one case of a request that brought several, as PUT
    /store?graph= does; what became of it."""
    data = await asyncio.to_thread(part.path.read_bytes)
    try:
        checked = await engine(request).read(checks.check_case, data, _NQUADS, None, part.iri)
        report = checked["report"]
        if not report["conforms"] and not force:
            return _refused(
                part.iri, checks.violations_text(report), "violations", report["counts"]
            )
        created = await engine(request).write(checks.store_case, data, _NQUADS, part.iri, None)
    except FlywheelError as error:
        return _refused(part.iri, str(error), error.problem)
    except Busy as error:
        return _refused(part.iri, f"{error}; send this case again", "busy")
    return {
        "case": part.iri,
        "id": case_id(part.iri),
        "status": "created" if created else "replaced",
        "reason": None,
        "problem": None,
        "forced": not report["conforms"],
        "counts": report["counts"],
    }


@router.delete(
    "/cases/{case_id}",
    tags=["writes"],
    status_code=204,
    response_class=Response,
    summary="Remove a case",
    responses={204: {"description": "The case was removed"}, **problems(401, 403, 404)},
    dependencies=[Depends(require_writer)],
)
async def delete_case(request: Request, case_id: Annotated[str, CaseId]) -> Response:
    """Remove the case's graph and its catalog entry (204); 404 when there is no such case."""
    if not await engine(request).write(checks.remove_case, case_id, None):
        raise ProblemError(404, f"no case called {case_id!r} in this store", "not-found")
    return Response(status_code=204)


# --- Graph Store Protocol ------------------------------------------------------------------------

GraphParam = Query(
    description="the graph's absolute IRI (a case graph; GET also reads the catalog "
    "and the ontology graphs)",
    examples=["https://w3id.org/dataflywheel/case/hangzhou"],
)
DefaultParam = Query(
    description="the default graph: not offered (every case is a named graph); 400",
)


def _graph(graph: str | None, default: str | None) -> str:
    """The graph IRI asked for, or a 400 problem."""
    if default is not None:
        raise ProblemError(
            400,
            "this store keeps every case in its own named graph and offers no default graph; "
            "name a graph with ?graph=<IRI>",
            "bad-request",
        )
    if not graph:
        raise ProblemError(400, "name a graph with ?graph=<absolute IRI>", "bad-request")
    try:
        ox.NamedNode(graph)  # the store's own IRI check, so no bad IRI reaches a write
    except ValueError as error:
        raise ProblemError(
            400, f"?graph= must be an absolute IRI, not {graph!r}: {error}", "bad-request"
        ) from None
    return graph


_GSP_TYPES = list(GRAPH_TYPES)


@router.get(
    "/store",
    tags=["writes"],
    summary="Graph Store Protocol: read a graph",
    response_class=Response,
    responses={
        200: {
            "description": "The graph (Turtle by default; see Accept)",
            "content": media_content(_GSP_TYPES, {"type": "string"}),
        },
        **problems(404, 406),
    },
)
async def gsp_get(
    request: Request,
    graph: Annotated[str | None, GraphParam] = None,
    default: Annotated[str | None, DefaultParam] = None,
) -> Response:
    """The named graph as RDF (Turtle, N-Triples, JSON-LD or RDF/XML by Accept); 404 when it
    holds no triples. Public, like every read."""
    iri = _graph(graph, default)
    media = negotiate(request, _GSP_TYPES)
    data = await engine(request).read(reads.named_graph, iri, media)
    if data is None:
        raise ProblemError(404, f"the store has no graph <{iri}>", "not-found")
    return Response(data, media_type=content_type(media), headers={"Vary": "Accept"})


@router.put(
    "/store",
    tags=["writes"],
    status_code=201,
    response_class=Response,
    summary="Graph Store Protocol: put a case graph",
    responses={
        201: {"description": "The graph was created"},
        204: {"description": "The graph replaced an earlier version"},
        **problems(401, 403, 409, 413, 415, 422),
    },
    dependencies=[Depends(require_writer)],
    openapi_extra=rdf_body("the case graph; its owl:Ontology header must be the ?graph= IRI"),
)
async def gsp_put(
    request: Request,
    graph: Annotated[str | None, GraphParam] = None,
    default: Annotated[str | None, DefaultParam] = None,
    force: Annotated[bool, Force] = False,
) -> Response:
    """Store the body as the case graph `?graph=` (its `owl:Ontology` header, or its one named
    graph, must be that IRI; relative IRIs resolve against it). A graph whose short name (its
    last segment) another case holds is 409, naming that case; an IRI with invisible
    characters, or one of the server's own graphs (catalog, ontology and its version IRI,
    shapes), is 400. Validated as for `PUT /cases/{id}` (422 on violations unless
    `?force=true`). 201 Created or 204 replaced (the same IRI)."""
    iri = _graph(graph, default)
    problem = case_iri_problem(iri)
    if problem is not None:
        raise ProblemError(400, problem, "bad-case-name")
    checked = await _checked(request, None, iri, force)
    if checked["created"]:
        location = f"{base(request)}/store?graph={quote(iri, safe='')}"
        return Response(status_code=201, headers={"Location": location})
    return Response(status_code=204)


@router.delete(
    "/store",
    tags=["writes"],
    status_code=204,
    response_class=Response,
    summary="Graph Store Protocol: remove a case graph",
    responses={204: {"description": "The graph was removed"}, **problems(401, 403, 404)},
    dependencies=[Depends(require_writer)],
)
async def gsp_delete(
    request: Request,
    graph: Annotated[str | None, GraphParam] = None,
    default: Annotated[str | None, DefaultParam] = None,
) -> Response:
    """Remove the case graph and its catalog entry (204); 404 when there is no such case."""
    iri = _graph(graph, default)
    reserved = reads.reserved(iri)
    if reserved:
        raise ProblemError(400, reserved, "bad-request")
    if not await engine(request).write(checks.remove_case, None, iri):
        raise ProblemError(404, f"the store has no case graph <{iri}>", "not-found")
    return Response(status_code=204)


@router.post(
    "/store",
    tags=["writes"],
    summary="Graph Store Protocol: merge into a graph (not offered)",
    status_code=405,
    response_class=Response,
    responses={405: problems(405)[405]},
)
async def gsp_post() -> Response:
    """Merging triples into a case would store a case that was never validated whole, so it is
    not offered: 405, with `Allow: GET, PUT, DELETE`. Put the whole case instead."""
    raise ProblemError(
        405,
        "merging into a graph is not offered: put the whole case with PUT (it is validated whole)",
        "method-not-allowed",
        headers={"Allow": "GET, PUT, DELETE"},
    )
