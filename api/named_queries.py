"""The named queries, one per competency question: their definitions and their results."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response

from api import reads
from api.cases import to_csv
from api.common import base, engine, media_content, negotiate, problems
from api.models import QueryDefinition, QueryList, QueryResults
from api.negotiation import content_type
from api.problems import ProblemError
from kg.sparql.named import NamedQuery, UnknownQueryError, get_query, load_queries

router = APIRouter(tags=["queries"])

QueryName = Path(
    description="the query's name (`01-stage-on-date`), its name without the number "
    "(`stage-on-date`) or its number (`1`)",
    examples=["01-stage-on-date"],
)


def _describe(query: NamedQuery, prefix: str) -> dict:
    here = f"{prefix}/queries/{query.name}"
    return {
        "name": query.name,
        "number": query.number,
        "slug": query.slug,
        "title": {"en": query.title.get("en"), "zh": query.title.get("zh")},
        "parameters": [
            {
                "name": p.name,
                "type": p.type.value,
                "default": p.default,
                "required": p.required,
                "description": p.description,
            }
            for p in query.params
        ],
        "columns": [{"name": c.name, "description": c.description} for c in query.columns],
        "links": {"self": here, "results": f"{here}/results"},
    }


def _query(name: str) -> NamedQuery:
    try:
        return get_query(name)
    except UnknownQueryError as error:
        raise ProblemError(404, str(error), "unknown-query") from None


@router.get(
    "/queries",
    response_model=QueryList,
    summary="The named queries",
    responses=problems(),
)
def list_queries(request: Request) -> dict:
    """Every named query, one per competency question: its number, title in English and
    Chinese, typed parameters with their defaults, the columns it returns and what each means,
    and links to its definition and results."""
    return {"queries": [_describe(q, base(request)) for q in load_queries().values()]}


@router.get(
    "/queries/{name}",
    response_model=QueryDefinition,
    summary="One named query, with its SPARQL",
    responses=problems(404),
)
def get_definition(request: Request, name: Annotated[str, QueryName]) -> dict:
    """The query's description (as in `/queries`) and its SPARQL text."""
    query = _query(name)
    return _describe(query, base(request)) | {"sparql": query.text}


_PARAMETER_HELP = "used by the queries that take it (see their definition); others answer 400"


@router.get(
    "/queries/{name}/results",
    response_model=QueryResults,
    summary="Run a named query",
    responses={
        200: {"content": media_content(["text/csv"], {"type": "string"})},
        **problems(404, 406),
    },
)
async def results(
    request: Request,
    name: Annotated[str, QueryName],
    case: Annotated[str | None, Query(description=f"a case graph IRI; {_PARAMETER_HELP}")] = None,
    date: Annotated[str | None, Query(description=f"a date YYYY-MM-DD; {_PARAMETER_HELP}")] = None,
    stage: Annotated[
        str | None, Query(description=f"a stage IRI (fw:…Stage); {_PARAMETER_HELP}")
    ] = None,
    scenario: Annotated[
        str | None, Query(description=f"an application scenario IRI; {_PARAMETER_HELP}")
    ] = None,
    k: Annotated[str | None, Query(description=f"a whole number; {_PARAMETER_HELP}")] = None,
    n: Annotated[str | None, Query(description=f"a whole number; {_PARAMETER_HELP}")] = None,
) -> Response | dict:
    """The query's rows, with its parameters taken from the query string (each typed as
    the query's definition says; a missing one takes its default). A parameter the query does
    not take, or a value of the wrong type, is 400 saying which and why. JSON by default (IRIs
    and literal values as text, null where unbound); `text/csv` by Accept."""
    query = _query(name)
    media = negotiate(request, ["application/json", "text/csv"])
    values = {key: value for key, value in request.query_params.multi_items()}
    repeated = [key for key in values if len(request.query_params.getlist(key)) > 1]
    if repeated:
        raise ProblemError(
            400, f"parameter '{repeated[0]}' is given more than once", "bad-parameter"
        )
    rows = await engine(request).read(reads.query_rows, query.name, values)
    columns = list(rows[0]) if rows else [c.name for c in query.columns]
    if media == "text/csv":
        return Response(to_csv(columns, rows), media_type=content_type("text/csv"))
    return {"query": query.name, "columns": columns, "rows": rows}
