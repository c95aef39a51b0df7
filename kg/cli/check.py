"""flywheel validate, reason and lint: checking cases and the ontology."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from kg.cli.app import app
from kg.cli.common import (
    BundledOpt,
    FilesArg,
    InputFormatOpt,
    Lang,
    ReportFormat,
    expand_files,
    read_all,
)
from kg.errors import EXIT_FINDINGS, EXIT_OK


@app.command()
def validate(
    files: FilesArg = None,
    bundled: BundledOpt = False,
    lang: Annotated[Lang, typer.Option("--lang", help="Language of the report.")] = Lang.en,
    output: Annotated[ReportFormat, typer.Option("--format", help="Report format.")] = (
        ReportFormat.text
    ),
    input_format: InputFormatOpt = None,
) -> None:
    """Check case graphs against the case shapes and report what to fix.

    Exit code 0: every case conforms (warnings and infos allowed); 1: at least one violation;
    2: a file could not be read (nothing validated).
    """
    from kg.check.report import render_json, render_text, render_turtle
    from kg.check.validation import CaseValidator

    cases = read_all(expand_files(files, bundled), input_format, lang.value)
    validator = CaseValidator()
    reports = [validator.validate_case(case) for case in cases]
    if output is ReportFormat.json:
        typer.echo(render_json(reports))
    elif output is ReportFormat.turtle:
        typer.echo(render_turtle(reports))
    else:
        typer.echo(render_text(reports, lang.value))
    raise typer.Exit(EXIT_OK if all(r.conforms for r in reports) else EXIT_FINDINGS)


@app.command()
def reason(
    files: FilesArg = None,
    bundled: BundledOpt = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
    input_format: InputFormatOpt = None,
    aligned: Annotated[
        bool,
        typer.Option(
            "--aligned",
            help="Also reason over the vocabularies the ontology aligns to (PROV-O, ORG, DCAT, "
            "SKOS, OWL-Time; copies kept in the package, read offline). Slower.",
        ),
    ] = False,
) -> None:
    """Run the HermiT OWL reasoner over the ontology and the given cases.

    Says whether they are consistent; if not, which individuals and axioms clash; if so, the
    types HermiT infers beyond those stated. Exit code 0: consistent; 1: inconsistent;
    2: a file could not be read; 3: the reasoner could not run (for example, no Java).
    """
    from rdflib import Graph

    from kg.check.reasoning import ReasonerError, reason_graph
    from kg.vocab import curie

    merged = Graph()
    for case in read_all(expand_files(files, bundled), input_format):
        for triple in case.graph:
            merged.add(triple)
    try:
        result = reason_graph(merged, aligned=aligned)
    except ReasonerError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(error.exit_code) from None
    if as_json:
        typer.echo(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))
    elif result.consistent:
        typer.echo(f"Consistent: HermiT finds no contradiction ({result.seconds:.1f} s).")
        if result.unsatisfiable_classes:
            typer.echo("Unsatisfiable classes: " + ", ".join(result.unsatisfiable_classes))
        if result.inferred_types:
            typer.echo("Inferred types (beyond those stated and their superclasses):")
            for iri, types in sorted(result.inferred_types.items()):
                typer.echo(f"  {curie(iri)}: {', '.join(types)}")
        else:
            typer.echo("No types inferred beyond those stated and their superclasses.")
    else:
        typer.echo("Inconsistent: the cases contradict the ontology.")
        for clash in result.clashes:
            typer.echo(f"- {clash.explanation}")
            for axiom in clash.axioms:
                typer.echo(f"    axiom: {axiom}")
    raise typer.Exit(
        EXIT_OK if result.consistent and not result.unsatisfiable_classes else EXIT_FINDINGS
    )


@app.command()
def lint(
    as_json: Annotated[bool, typer.Option("--json", help="Print the problems as JSON.")] = False,
) -> None:
    """Check the ontology itself: labels and definitions in English and Chinese, declared
    terms, domains and ranges, metadata, no punning. Exit code 0: clean; 1: problems found."""
    from kg.check.lint import lint_project

    problems = lint_project()
    if as_json:
        typer.echo(json.dumps([p.as_dict() for p in problems], ensure_ascii=False, indent=2))
    else:
        for problem in problems:
            typer.echo(f"{problem.check}: {problem.subject} — {problem.message}")
        typer.echo(f"{len(problems)} problem(s) found." if problems else "The ontology is clean.")
    raise typer.Exit(EXIT_FINDINGS if problems else EXIT_OK)
