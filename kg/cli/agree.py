"""flywheel agree: how far coders of one case agree (Krippendorff's alpha), and where they differ."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from kg.cli.app import app
from kg.cli.common import TableFormatOpt, read_all, table_format
from kg.errors import EXIT_UNREADABLE

if TYPE_CHECKING:
    from kg.views.agreement import Agreement, Coding


ALPHA_COLUMNS = ("variable", "level", "alpha", "units", "coders", "values", "disagreements", "note")
DISAGREEMENT_COLUMNS = ("record", "label", "variable", "coder", "value", "evidence")


def _is_workbook(path: Path) -> bool:
    return path.suffix.lower() == ".xlsx" or path.is_dir()


def read_codings(files: list[Path]) -> tuple[str, list[Coding]]:
    """The case's IRI and each file's coding (an RDF case file, a workbook or a folder of the
    workbook's CSV files); every one read before any is used, every mistake said with where it
    is (exit 2), and codings of different cases refused."""
    from kg.views.agreement import Coding
    from kg.workbook import WorkbookError, read_workbook

    missing = [f for f in files if not f.exists()]
    for path in missing:
        typer.echo(f"error: {path}: no such file or folder", err=True)
    if missing:
        raise typer.Exit(EXIT_UNREADABLE)
    codings: list[tuple[str, Coding]] = []
    failed = False
    for path in files:
        if _is_workbook(path):
            try:
                iri, graph = read_workbook(path)
            except WorkbookError as error:
                for problem in error.errors:
                    typer.echo(f"error: {problem}", err=True)
                failed = True
                continue
            codings.append((iri, Coding(path.stem, graph)))
        else:
            for case in read_all([path], None):
                codings.append((case.iri, Coding(path.stem, case.graph)))
    if failed:
        raise typer.Exit(EXIT_UNREADABLE)
    cases = sorted({iri for iri, _ in codings})
    if len(cases) > 1:
        typer.echo(
            "error: the codings are of different cases (" + ", ".join(cases) + "); agreement "
            "is measured between codings of one case, whose records share their ids",
            err=True,
        )
        raise typer.Exit(EXIT_UNREADABLE)
    return cases[0], [coding for _, coding in codings]


def alpha_rows(report: Agreement) -> list[dict[str, object]]:
    """The alpha table, one row per variable coded."""
    return [
        {
            "variable": v.variable,
            "level": v.level,
            "alpha": None if v.alpha is None else round(v.alpha, 3),
            "units": v.units,
            "coders": v.coders,
            "values": v.values,
            "disagreements": v.disagreements,
            "note": v.why,
        }
        for v in report.variables
    ]


def disagreement_rows(report: Agreement) -> list[dict[str, object]]:
    """Every disagreement, one row per coder's value."""
    from kg.vocab import curie

    return [
        {
            "record": curie(d.record),
            "label": d.record_label,
            "variable": d.variable,
            "coder": coder,
            "value": value.shown,
            "evidence": "; ".join(value.evidence),
        }
        for d in report.disagreements
        for coder, value in d.values.items()
    ]


@app.command("agree")
def agree_cmd(
    codings: Annotated[
        list[Path],
        typer.Argument(
            metavar="CODING...",
            help="Codings of one case: case files (any RDF syntax), coding workbooks (.xlsx) or "
            "folders of the workbook's CSV files; one file may also hold several coders' claims.",
            show_default=False,
        ),
    ],
    fmt: TableFormatOpt = None,
    disagreements: Annotated[
        bool,
        typer.Option(
            "--disagreements",
            help="With csv, tsv or json: print the disagreements instead of the alpha table.",
        ),
    ] = False,
    ignore: Annotated[
        list[str] | None,
        typer.Option(
            "--ignore-coder",
            metavar="CODER",
            help="Leave this coder out (repeatable): on a merged file, its consensus "
            "('flywheel merge --consensus-by', default 'consensus').",
        ),
    ] = None,
) -> None:
    """Measure inter-coder reliability: Krippendorff's alpha per variable (nominal for stage,
    logic, mechanism, role kind, loop step; interval for dates, from their bounds), with the
    units and coders it rests on, and every disagreement with each coder's value and evidence.

    Exit code 0: measured (whatever the agreement); 2: a coding could not be read, or the
    codings are of different cases.
    """
    from kg.render.tables import render
    from kg.views.agreement import agreement

    report = agreement(read_codings(codings)[1], ignore or ())
    shown = table_format(fmt)
    if shown == "json":
        import json

        typer.echo(
            json.dumps(
                {
                    "coders": list(report.coders),
                    "alpha": alpha_rows(report),
                    "disagreements": disagreement_rows(report),
                    "notes": list(report.notes),
                },
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    if shown in ("csv", "tsv"):
        if disagreements:
            typer.echo(render(DISAGREEMENT_COLUMNS, disagreement_rows(report), shown))
        else:
            typer.echo(render(ALPHA_COLUMNS, alpha_rows(report), shown))
        return
    typer.echo(f"Coders ({len(report.coders)}): {', '.join(report.coders)}")
    typer.echo(render(ALPHA_COLUMNS, alpha_rows(report), shown, "Krippendorff's alpha"))
    if report.disagreements:
        typer.echo(render(DISAGREEMENT_COLUMNS, disagreement_rows(report), shown, "Disagreements"))
    else:
        typer.echo("No disagreements.")
    for note in report.notes:
        typer.echo(f"note: {note}")


@app.command("merge")
def merge_cmd(
    codings: Annotated[
        list[Path],
        typer.Argument(
            metavar="CODING...",
            help="Codings of one case: case files (any RDF syntax), coding workbooks (.xlsx) or "
            "folders of the workbook's CSV files.",
            show_default=False,
        ),
    ],
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="The merged case file (Turtle); default: stdout."),
    ] = None,
    prefer: Annotated[
        str | None,
        typer.Option(
            "--prefer",
            metavar="CODER",
            help="The arbiter: where coders differ, this coder's value is the consensus.",
        ),
    ] = None,
    consensus_by: Annotated[
        str,
        typer.Option(
            "--consensus-by",
            metavar="NAME",
            help="Who the consensus is coded by (fw:codedBy of the merged records).",
        ),
    ] = "consensus",
) -> None:
    """Merge several coders' codings of one case into one: every coder's value kept as a claim
    with its coder and evidence, and the consensus (the value all gave, or the arbiter's) as
    the record's own value. No value is overwritten or dropped.

    Exit code 0: every unit has a consensus; 1: some differences are left open (listed; their
    records keep only the coders' claims); 2: a coding could not be read.
    """
    from kg.errors import EXIT_FINDINGS, BadInput
    from kg.rdf.write import serialise_case
    from kg.views.consensus import merge
    from kg.vocab import curie

    case_iri, read = read_codings(codings)
    try:
        merged = merge(read, prefer, consensus_by)
    except BadInput as error:
        typer.echo(f"error: --prefer: {error}", err=True)
        raise typer.Exit(EXIT_UNREADABLE) from None
    text = serialise_case(merged.graph, case_iri, "turtle", case_prefix=True)
    if output is not None:
        output.write_text(text, encoding="utf-8")
        typer.echo(f"wrote {output} ({len(merged.graph)} triples)", err=True)
    else:
        typer.echo(text)
    typer.echo(
        f"{merged.agreed} unit(s) agreed, {merged.arbitrated} decided by the arbiter, "
        f"{len(merged.open)} left open.",
        err=True,
    )
    for d in merged.open:
        said = "; ".join(f"{coder}: {value.shown}" for coder, value in d.values.items())
        typer.echo(f"open: {curie(d.record)} {d.variable}: {said}", err=True)
    if merged.open:
        raise typer.Exit(EXIT_FINDINGS)
