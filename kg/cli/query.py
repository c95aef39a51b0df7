"""flywheel sparql, queries and query: asking the store."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from kg.cli.app import app
from kg.cli.common import (
    Lang,
    StoreOpt,
    TableFormatOpt,
    open_case_store,
    print_result,
    table_format,
)
from kg.errors import EXIT_UNREADABLE, DeadlineExceeded

TimeoutOpt = Annotated[
    float,
    typer.Option(
        "--timeout",
        envvar="FLYWHEEL_QUERY_TIMEOUT",
        min=0,
        help="Seconds the query may run before it is stopped (0: no limit).",
    ),
]


def _timed_out(error: DeadlineExceeded) -> typer.Exit:
    typer.echo(f"error: {error}; --timeout SECONDS allows longer (0: no limit)", err=True)
    return typer.Exit(error.exit_code)


@app.command()
def sparql(
    query_text: Annotated[
        str | None, typer.Argument(metavar="QUERY", help="A SPARQL query.")
    ] = None,
    file: Annotated[
        Path | None, typer.Option("--file", "-f", help="Read the query from a file.")
    ] = None,
    store: StoreOpt = None,
    fmt: TableFormatOpt = None,
    union: Annotated[
        bool,
        typer.Option(
            "--union",
            help="Add the catalog and the ontology to the default graph (embedded stores only).",
        ),
    ] = False,
    timeout: TimeoutOpt = 60.0,
) -> None:
    """Run a read-only SPARQL query on the store. The default graph is the union of the cases
    (each triple once); GRAPH ?g { … } says which case a triple is in.

    SERVICE, LOAD, updates, FROM with a file or other non-web IRI, calls of functions other than
    SPARQL's own and the XSD casts, and queries nested deeper than the engine can go are refused
    (exit 2). The query runs in a separate process that cannot open network connections, and
    is stopped after --timeout seconds (exit 2).
    """
    from kg.sparql.check import QueryRefused
    from kg.store import StoreError, default_location
    from kg.store.workers import EngineStopped, run_isolated, user_query

    if (query_text is None) == (file is None):
        typer.echo("error: give a query, or --file FILE.rq (not both)", err=True)
        raise typer.Exit(EXIT_UNREADABLE)
    if file is not None:
        try:
            query_text = file.read_text(encoding="utf-8")
        except OSError as error:
            typer.echo(f"error: {file}: {error.strerror}", err=True)
            raise typer.Exit(EXIT_UNREADABLE) from None
        except UnicodeDecodeError as error:
            typer.echo(f"error: {file}: not UTF-8 text (byte {error.start + 1})", err=True)
            raise typer.Exit(EXIT_UNREADABLE) from None
    assert query_text is not None
    try:
        result = run_isolated(
            store or default_location(), user_query, query_text, union, deadline=timeout or None
        )
    except QueryRefused as error:
        where = f"{file}: " if file is not None else ""
        typer.echo(f"error: {where}{error}", err=True)
        raise typer.Exit(error.exit_code) from None
    except DeadlineExceeded as error:
        raise _timed_out(error) from None
    except (StoreError, EngineStopped) as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(error.exit_code) from None
    print_result(result, table_format(fmt))


@app.command("queries")
def list_queries(
    lang: Annotated[Lang, typer.Option("--lang", help="Language of the titles.")] = Lang.en,
    fmt: TableFormatOpt = None,
) -> None:
    """List the named queries (one per competency question) with their parameters."""
    from kg.render.tables import render
    from kg.sparql.named import load_queries

    rows = [
        {
            "name": q.name,
            "question": q.number,
            "title": q.title.get(lang.value) or q.title.get("en"),
            "parameters": ", ".join(
                f"{p.name} ({p.type}{'' if p.default is None else ', default ' + p.default})"
                for p in q.params
            ),
        }
        for q in load_queries().values()
    ]
    typer.echo(render(["name", "question", "title", "parameters"], rows, table_format(fmt)))


@app.command()
def query(
    name: Annotated[
        str, typer.Argument(help="A named query: its number (7), or name (07-foundation-holdings).")
    ],
    param: Annotated[
        list[str] | None,
        typer.Option(
            "--param",
            "-p",
            metavar="NAME=VALUE",
            help="A parameter as name=value (repeatable); see 'flywheel queries'.",
        ),
    ] = None,
    store: StoreOpt = None,
    fmt: TableFormatOpt = None,
    timeout: TimeoutOpt = 60.0,
) -> None:
    """Run a named query. Parameters are bound as typed RDF terms, never pasted into the query.
    The query runs in a separate process, stopped after --timeout seconds (exit 2); a
    cross-city one whose rows every case keeps is read from them here (no query to run)."""
    from kg.collector import collector_paused
    from kg.render.tables import render_rows
    from kg.sparql.named import QueryParameterError, UnknownQueryError, bind, get_query
    from kg.store import StoreError, default_location
    from kg.store.results import answer
    from kg.store.workers import EngineStopped, named_query, run_isolated

    values: dict[str, str] = {}
    for item in param or []:
        key, sep, value = item.partition("=")
        if not sep:
            typer.echo(f"error: --param takes name=value, not '{item}'", err=True)
            raise typer.Exit(EXIT_UNREADABLE)
        values[key.strip()] = value
    try:
        bind(get_query(name), values)  # a wrong name or parameter is said before any work starts
        location = store or default_location()
        # a store that cannot be opened: said in one line; the kept rows are made, written out
        # and dropped with the cycle collector paused (kg.collector)
        with open_case_store(location) as case_store, collector_paused():
            kept = answer(case_store, name, values)
            if kept is not None:
                typer.echo(render_rows(*kept, table_format(fmt)))
                del kept
                return
        result = run_isolated(location, named_query, name, values, deadline=timeout or None)
    except DeadlineExceeded as error:
        raise _timed_out(error) from None
    except (UnknownQueryError, QueryParameterError, StoreError, EngineStopped) as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(error.exit_code) from None
    print_result(result, table_format(fmt))
