"""flywheel ontology and docs: the ontology in other syntaxes and its HTML reference."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from kg.cli.app import app
from kg.cli.common import (
    EXIT_TOOL,
    OntologyFormat,
)


@app.command("ontology")
def ontology_cmd(
    fmt: Annotated[OntologyFormat, typer.Option("--format", help="Syntax to print.")] = (
        OntologyFormat.turtle
    ),
    write_derived: Annotated[
        bool,
        typer.Option(
            "--write-derived",
            help="Regenerate ontology/flywheel.rdf and flywheel.jsonld from the "
            "Turtle source (for maintainers, in a source checkout).",
        ),
    ] = False,
) -> None:
    """Print the ontology in Turtle, RDF/XML, JSON-LD or N-Triples."""
    from kg import ontology

    if write_derived:
        from kg.render import derived

        for path in derived.write_derived():
            typer.echo(f"wrote {path}")
        return
    typer.echo(ontology.serialise(fmt.value))


@app.command("docs")
def docs_cmd(
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            help="Folder to write en.html and zh.html into (default: docs/ontology of the "
            "source checkout, or of the current folder).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Write the ontology's HTML reference, one page in English and one in Chinese: every class,
    property, concept scheme and named individual with its label, definition and relations."""
    from kg.render import docs

    try:
        written = docs.write_pages(out)
    except OSError as error:
        typer.echo(f"error: cannot write the pages: {error}", err=True)
        raise typer.Exit(EXIT_TOOL) from None
    for path in written:
        typer.echo(f"wrote {path}")
