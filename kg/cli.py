"""The ``flywheel`` command: validate, reason about and lint data-flywheel case graphs."""

from __future__ import annotations

import enum
import json
from pathlib import Path
from typing import Annotated

import typer

from kg import __version__, paths
from kg.rdfio import FORMATS, CaseGraph, RdfInputError, read_cases

app = typer.Typer(
    help="Code, check and study city cases of digital government as a data flywheel "
    "(Wang, Wei & Wu 2023).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

EXIT_OK, EXIT_FINDINGS, EXIT_UNREADABLE, EXIT_TOOL = 0, 1, 2, 3


class Lang(enum.StrEnum):
    en = "en"
    zh = "zh"


class ReportFormat(enum.StrEnum):
    text = "text"
    json = "json"
    turtle = "turtle"


class OntologyFormat(enum.StrEnum):
    turtle = "turtle"
    xml = "xml"
    json_ld = "json-ld"
    nt = "nt"


FilesArg = Annotated[
    list[Path] | None,
    typer.Argument(
        help="Case files or folders (Turtle, TriG, N-Triples, N-Quads, JSON-LD, "
        "RDF/XML). A folder means every RDF file in it.",
        show_default=False,
    ),
]
BundledOpt = Annotated[bool, typer.Option("--bundled", help="Use the cases shipped with flywheel.")]
InputFormatOpt = Annotated[
    str | None,
    typer.Option(
        "--input-format",
        help="RDF syntax of the files when their extension does not "
        "say (turtle, trig, nt, nquads, json-ld, xml).",
    ),
]


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


def _expand(files: list[Path] | None, bundled: bool) -> list[Path]:
    chosen = list(paths.bundled_case_files()) if bundled else []
    for path in files or []:
        if path.is_dir():
            chosen.extend(sorted(p for p in path.rglob("*") if p.suffix.lower() in FORMATS))
        else:
            chosen.append(path)
    if not chosen:
        typer.echo("No case files given: name files or folders, or use --bundled.", err=True)
        raise typer.Exit(EXIT_UNREADABLE)
    return chosen


def _read_all(files: list[Path], fmt: str | None) -> list[CaseGraph]:
    """Read every file first; if any cannot be read, say which and where, and stop."""
    cases: list[CaseGraph] = []
    errors: list[RdfInputError] = []
    for path in files:
        try:
            cases.extend(read_cases(path, fmt))
        except RdfInputError as error:
            errors.append(error)
    if errors:
        for error in errors:
            typer.echo(f"error: {error}", err=True)
        typer.echo(f"{len(errors)} file(s) could not be read; nothing was validated.", err=True)
        raise typer.Exit(EXIT_UNREADABLE)
    return cases


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
    from kg.report import render_json, render_text, render_turtle
    from kg.validation import CaseValidator

    cases = _read_all(_expand(files, bundled), input_format)
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
) -> None:
    """Run the HermiT OWL reasoner over the ontology and the given cases.

    Says whether they are consistent; if not, which individuals and axioms clash; if so, the
    types HermiT infers beyond those stated. Exit code 0: consistent; 1: inconsistent;
    2: a file could not be read; 3: the reasoner could not run (for example, no Java).
    """
    from rdflib import Graph

    from kg.namespaces import curie
    from kg.reasoning import ReasonerError, reason_graph

    merged = Graph()
    for case in _read_all(_expand(files, bundled), input_format):
        for triple in case.graph:
            merged.add(triple)
    try:
        result = reason_graph(merged)
    except ReasonerError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(EXIT_TOOL) from None
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
    from kg.lint import lint_project

    problems = lint_project()
    if as_json:
        typer.echo(json.dumps([p.as_dict() for p in problems], ensure_ascii=False, indent=2))
    else:
        for problem in problems:
            typer.echo(f"{problem.check}: {problem.subject} — {problem.message}")
        typer.echo(f"{len(problems)} problem(s) found." if problems else "The ontology is clean.")
    raise typer.Exit(EXIT_FINDINGS if problems else EXIT_OK)


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
        for path in ontology.write_derived():
            typer.echo(f"wrote {path}")
        return
    typer.echo(ontology.serialise(fmt.value))


if __name__ == "__main__":
    app()
