"""flywheel serve: the HTTP API and web page, the one place the library reaches the web app."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from kg.cli.app import app
from kg.cli.common import (
    EXIT_TOOL,
    StoreOpt,
    open_case_store,
)
from kg.errors import EXIT_UNREADABLE


@app.command()
def serve(
    store: StoreOpt = None,
    host: Annotated[
        str, typer.Option(metavar="HOST", help="Address to listen on (loopback by default).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
    deadline: Annotated[
        float,
        typer.Option(
            envvar="FLYWHEEL_DEADLINE", help="Seconds a query may run before it is stopped (504)."
        ),
    ] = 30.0,
    workers: Annotated[
        int, typer.Option(envvar="FLYWHEEL_WORKERS", help="Queries that run at once (processes).")
    ] = 2,
    max_waiting: Annotated[
        int,
        typer.Option(
            envvar="FLYWHEEL_MAX_WAITING",
            help="Queries that may wait for a worker before 503 Busy.",
        ),
    ] = 64,
    max_body: Annotated[
        int,
        typer.Option(envvar="FLYWHEEL_MAX_BODY", help="Largest request body in bytes (else 413)."),
    ] = 10 * 1024 * 1024,
    token_file: Annotated[
        Path | None,
        typer.Option(
            envvar="FLYWHEEL_API_TOKEN_FILE",
            help="File holding the bearer token that allows writes (or the token itself in "
            "FLYWHEEL_API_TOKEN). Without one, writes are off.",
            show_default=False,
        ),
    ] = None,
    public_url: Annotated[
        str | None,
        typer.Option(
            envvar="FLYWHEEL_PUBLIC_URL",
            metavar="URL",
            help="The public base URL, when behind a proxy.",
            show_default=False,
        ),
    ] = None,
    worker_memory: Annotated[
        int,
        typer.Option(
            envvar="FLYWHEEL_WORKER_MEMORY_MB",
            min=256,
            help="Memory in MiB one query worker may take; a query needing more stops (500).",
        ),
    ] = 2048,
    header_timeout: Annotated[
        float,
        typer.Option(
            envvar="FLYWHEEL_HEADER_TIMEOUT",
            help="Seconds a client may take to send a request's headers before it is cut off.",
        ),
    ] = 10.0,
    warm: Annotated[
        bool,
        typer.Option(
            "--warm/--no-warm",
            envvar="FLYWHEEL_WARM",
            help="Read the comparison of every case before the port opens (at most 10 s, "
            "then in the background), so that the first GET /compare is answered at once.",
        ),
    ] = True,
) -> None:
    """Serve the store over HTTP: SPARQL endpoint, REST resources and the web page at /.
    Each option can also be set by the environment variable named in its help."""
    import os

    try:
        from api.server import Settings, run  # the one place the library reaches the web app
    except ImportError as error:  # pragma: no cover - the api extra is a core dependency
        typer.echo(f"error: the HTTP server needs fastapi and uvicorn ({error})", err=True)
        raise typer.Exit(EXIT_TOOL) from None
    from kg.store import default_location

    token = os.environ.get("FLYWHEEL_API_TOKEN") or None
    if token_file is not None:
        try:
            token = token_file.read_text(encoding="utf-8").strip() or None
        except OSError as error:
            typer.echo(f"error: cannot read the token file {token_file}: {error}", err=True)
            raise typer.Exit(EXIT_UNREADABLE) from None
    settings = Settings(
        store=store or default_location(),
        token=token,
        deadline=deadline,
        workers=workers,
        max_waiting=max_waiting,
        max_body=max_body,
        public_url=public_url,
        worker_memory_mb=worker_memory,
        header_timeout=header_timeout,
        warm=warm,
    )
    open_case_store(
        settings.store
    ).close()  # a store that cannot be opened is said here, in one line
    typer.echo(
        f"serving {settings.store} on http://{host}:{port}/ "
        f"(writes {'on' if token else 'off'}; Ctrl-C stops)",
        err=True,
    )
    run(settings, host, port)
