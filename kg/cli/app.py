"""The ``flywheel`` command's application object, its top-level options and its entry point."""

from __future__ import annotations

import logging
from typing import Annotated

import typer

from kg import __version__
from kg.errors import EXIT_UNREADABLE

app = typer.Typer(
    help="Code, check and study city cases of digital government as a data flywheel "
    "(Wang, Wei & Wu 2023).",
    epilog="Exit codes: 0 done; 1 findings (violations, an inconsistent ontology, a case refused "
    "because another holds its name); 2 unreadable input or bad use (a file that cannot be read, "
    "an invalid or refused query, an unknown case or query, a wrong parameter, an input over a "
    "limit); 3 the store or the query engine is unavailable.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # plain help: options with their value names, no <bool> noise
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"flywheel-kg {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Show the version and exit."
        ),
    ] = False,
) -> None:
    """Code, check and study city cases of digital government as a data flywheel."""
    # rdflib logs a traceback for each ill-typed literal (30 February); the shapes report them
    logging.getLogger("rdflib.term").setLevel(logging.ERROR)


def main_entry() -> None:
    """The ``flywheel`` console script: the app, with flywheel's errors (a store that does not
    answer, a case the store refuses for its name, …) reported in one line, with the exit code
    their kind carries (kg.errors), instead of a traceback."""
    from kg.errors import FlywheelError

    try:
        app()
    except FlywheelError as error:
        typer.echo(f"error: {error}", err=True)
        raise SystemExit(error.exit_code) from None
    except OSError as error:  # a file that cannot be written or read, e.g. a missing folder
        where = f": {error.filename}" if error.filename else ""
        typer.echo(f"error: {error.strerror or error}{where}", err=True)
        raise SystemExit(EXIT_UNREADABLE) from None
