"""flywheel ontology and docs: the ontology in other syntaxes and its HTML reference."""

from __future__ import annotations

import enum
from pathlib import Path
from typing import Annotated

import typer

from kg.cli.app import app
from kg.cli.common import (
    EXIT_TOOL,
    EXIT_UNREADABLE,
    BundledOpt,
    CasesArg,
    OntologyFormat,
    StoreOpt,
    expand_files,
    find_case,
    open_case_store,
    read_all,
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
    codebook: Annotated[
        Path | None,
        typer.Option(
            "--codebook",
            metavar="FILE",
            help="Regenerate the controlled-value tables of a codebook (docs/codebook.md) "
            "between its markers, from the ontology.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Write the ontology's HTML reference, one page in English and one in Chinese: every class,
    property, concept scheme and named individual with its label, definition and relations.
    With --codebook, regenerate instead the controlled-value tables of docs/codebook.md."""
    from kg.render import docs

    if codebook is not None:
        from kg.render.codebook_doc import rewrite

        try:
            changed = rewrite(codebook)
        except OSError as error:
            typer.echo(f"error: cannot rewrite {codebook}: {error.strerror or error}", err=True)
            raise typer.Exit(EXIT_UNREADABLE) from None
        except ValueError as error:  # the markers are missing
            typer.echo(f"error: {error}", err=True)
            raise typer.Exit(EXIT_UNREADABLE) from None
        typer.echo(f"{'rewrote' if changed else 'unchanged:'} {codebook}")
        return

    try:
        written = docs.write_pages(out)
    except OSError as error:
        typer.echo(f"error: cannot write the pages: {error}", err=True)
        raise typer.Exit(EXIT_TOOL) from None
    for path in written:
        typer.echo(f"wrote {path}")


class CiteFormat(enum.StrEnum):
    """How ``flywheel cite`` prints."""

    text = "text"
    bibtex = "bibtex"
    markdown = "markdown"


@app.command("cite")
def cite_cmd(
    cases_: CasesArg = None,
    bundled: BundledOpt = False,
    store: StoreOpt = None,
    fmt: Annotated[
        CiteFormat,
        typer.Option(
            "--format",
            help="text: references to paste; bibtex: for a reference manager; markdown: a "
            "release note's table of versions and licences.",
        ),
    ] = CiteFormat.text,
) -> None:
    """Print how to cite the paper, the ontology's version, the software and each case used
    (its licence, coders, ontology version and the SHA-256 of its triples)."""
    from kg.render import citation as render
    from kg.views import citation

    works = [citation.paper(), citation.ontology(), citation.software()]
    if bundled:
        from kg.store import content_hash

        for case in read_all(expand_files(None, True), None):
            works.append(citation.case(case.graph, case.iri, content_hash(case.quads())))
    else:
        with open_case_store(store) as case_store:
            infos = (
                [find_case(case_store, name) for name in cases_] if cases_ else case_store.cases()
            )
            for info in infos:
                graph = case_store.case_graph(info.iri)
                works.append(citation.case(graph, info.iri, info.sha256))
    writers = {CiteFormat.text: render.text, CiteFormat.bibtex: render.bibtex}
    typer.echo(writers.get(fmt, render.markdown)(works), nl=False)
