"""flywheel export, template, import and migrate: a case out of the store as RDF or a workbook,
a workbook back in, and a case coded for an earlier ontology version brought up to this one."""

from __future__ import annotations

import enum
from pathlib import Path
from typing import Annotated

import typer

from kg.cli.app import app
from kg.cli.common import (
    CaseArg,
    InputFormatOpt,
    Lang,
    StoreOpt,
    find_case,
    open_case_store,
)
from kg.errors import EXIT_FINDINGS, EXIT_OK, EXIT_UNREADABLE
from kg.rdf.write import serialise_case


class ExportFormat(enum.StrEnum):
    turtle = "turtle"
    trig = "trig"
    nt = "nt"
    nquads = "nquads"
    json_ld = "json-ld"
    xml = "xml"


@app.command()
def export(
    case: CaseArg,
    store: StoreOpt = None,
    fmt: Annotated[
        ExportFormat, typer.Option("--format", help="RDF syntax.")
    ] = ExportFormat.turtle,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write to a file.")] = None,
    xlsx: Annotated[
        bool,
        typer.Option("--xlsx", help="Write a coding workbook (.xlsx) instead of RDF."),
    ] = False,
    as_csv: Annotated[
        bool,
        typer.Option("--csv", help="Write a coding workbook as a folder of CSV files."),
    ] = False,
    lang: Annotated[
        Lang, typer.Option("--lang", help="Language of a workbook's headers and labels.")
    ] = Lang.en,
    with_context: Annotated[
        bool,
        typer.Option(
            "--context",
            help="With --format json-ld: compact JSON-LD using the published @context "
            "(https://w3id.org/dataflywheel/context.jsonld).",
        ),
    ] = False,
) -> None:
    """Write one case's graph out in an RDF syntax, or as a coding workbook (--xlsx, --csv)."""
    with open_case_store(store) as case_store:
        info = find_case(case_store, case)
        graph = case_store.case_graph(info.iri)
    if xlsx or as_csv:
        from kg.store import case_id
        from kg.workbook import write_case

        name = case_id(info.iri)
        target = output or Path(f"{name}.xlsx" if xlsx else name)
        if xlsx and as_csv:
            typer.echo("error: choose --xlsx or --csv, not both", err=True)
            raise typer.Exit(EXIT_UNREADABLE)
        write_case(graph, target, info.iri, lang.value, as_csv=as_csv)
        typer.echo(f"wrote {target}")
        return
    if with_context and fmt is not ExportFormat.json_ld:
        typer.echo("error: --context goes with --format json-ld", err=True)
        raise typer.Exit(EXIT_UNREADABLE)
    if with_context:
        from kg.rdf.jsonld import compact_case

        text = compact_case(graph)
    else:
        text = serialise_case(graph, info.iri, fmt.value)
    if output:
        output.write_text(text, encoding="utf-8")
        typer.echo(f"wrote {output}")
    else:
        typer.echo(text)


@app.command()
def template(
    target: Annotated[
        Path, typer.Argument(help="The workbook to write: FILE.xlsx, or a folder with --csv.")
    ],
    lang: Annotated[
        Lang, typer.Option("--lang", help="Language of the headers and dropdown labels.")
    ] = Lang.en,
    as_csv: Annotated[
        bool, typer.Option("--csv", help="Write a folder of CSV files (one a sheet).")
    ] = False,
) -> None:
    """Write an empty coding workbook: one sheet per kind of record, dropdowns for every
    controlled value, headers in English or Chinese."""
    from kg.workbook import write_template

    if not as_csv and target.suffix.lower() != ".xlsx":
        typer.echo(
            f"error: {target}: a workbook is written to a .xlsx file; "
            "for a folder of CSV files add --csv",
            err=True,
        )
        raise typer.Exit(EXIT_UNREADABLE)
    written = write_template(target, lang.value, as_csv=as_csv)
    typer.echo(f"wrote {written}")


@app.command("import")
def import_workbook(
    source: Annotated[
        Path, typer.Argument(help="A filled coding workbook (.xlsx) or a folder of CSV files.")
    ],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="The case file to write (Turtle).")
    ] = None,
    lang: Annotated[Lang, typer.Option("--lang", help="Language of the report.")] = Lang.en,
) -> None:
    """Turn a filled coding workbook into a case graph (Turtle), and validate it.

    Every mistake is reported with its sheet, row and column, all at once; then nothing is
    written (exit code 2). Exit code 1: the case was written but has violations.
    """
    from kg.check.report import render_text
    from kg.check.validation import CaseValidator
    from kg.workbook import WorkbookError, read_workbook_noting

    if not source.exists():
        typer.echo(f"error: {source}: no such file or folder", err=True)
        raise typer.Exit(EXIT_UNREADABLE)
    try:
        case_iri, graph, notes = read_workbook_noting(source)
    except WorkbookError as error:
        for problem in error.errors:
            typer.echo(f"error: {problem}", err=True)
        typer.echo(f"{len(error.errors)} mistake(s) in {source}; nothing was written.", err=True)
        raise typer.Exit(EXIT_UNREADABLE) from None
    for note in notes:
        typer.echo(f"note: {note}", err=True)
    text = serialise_case(graph, case_iri, "turtle", case_prefix=True)
    report = CaseValidator().validate(graph, case_iri, str(output or source))
    if output:
        output.write_text(text, encoding="utf-8")
        typer.echo(f"wrote {output} ({len(graph)} triples)", err=True)
    else:
        typer.echo(text)
    typer.echo(render_text([report], lang.value), err=True)
    raise typer.Exit(EXIT_OK if report.conforms else EXIT_FINDINGS)


@app.command("migrate")
def migrate_cmd(
    files: Annotated[
        list[Path],
        typer.Argument(
            metavar="FILE...",
            help="Case files coded with an earlier ontology version (any RDF syntax), or coding "
            "workbooks (.xlsx, or a folder of CSV files).",
            show_default=False,
        ),
    ],
    output_dir: Annotated[
        Path | None,
        typer.Option(
            "--output-dir",
            "-o",
            help="Folder to write the migrated cases into (default: beside each file).",
            show_default=False,
        ),
    ] = None,
    input_format: InputFormatOpt = None,
) -> None:
    """Turn cases coded with an earlier version of the ontology into this version's, without
    losing a statement: each becomes NAME.VERSION.ttl (the input is left as it is).

    Deprecated terms are rewritten to the term that replaces them; changes of the model are
    made by the migration's rules (ontology/migrations/), each saying how many statements it
    rewrote; what could not be decided is listed for the coder. Exit code 0: migrated; 1:
    migrated, with questions left to decide; 2: a file cannot be read or migrated (nothing is
    written for it).
    """
    from kg.migrate import Migration, MigrationError, migrate_file, migrate_graph
    from kg.ontology import replacements
    from kg.rdf.read import RdfInputError
    from kg.vocab import curie
    from kg.workbook import WorkbookError, read_workbook

    failed = questions = 0
    for path in files:
        try:
            if path.is_dir() or path.suffix.lower() == ".xlsx":
                case_iri, graph = read_workbook(path)
                done: list[Migration] = [migrate_graph(graph, case_iri, str(path))]
            else:
                done = migrate_file(path, input_format)
        except WorkbookError as error:
            for problem in error.errors:
                typer.echo(f"error: {problem}", err=True)
            failed += 1
            continue
        except (RdfInputError, MigrationError) as error:
            typer.echo(f"error: {error}", err=True)
            failed += 1
            continue
        folder = output_dir or (path if path.is_dir() else path.parent)
        for number, migration in enumerate(done):
            if migration.from_version == migration.to_version:
                typer.echo(
                    f"{path}: <{migration.case}> is coded for ontology "
                    f"{migration.to_version} already; nothing to do"
                )
                continue
            stem = path.stem if len(done) == 1 else f"{path.stem}-{number + 1}"
            target = folder / f"{stem}.{migration.to_version}.ttl"
            folder.mkdir(parents=True, exist_ok=True)
            target.write_text(
                serialise_case(migration.graph, migration.case, "turtle", case_prefix=True),
                encoding="utf-8",
            )
            typer.echo(
                f"{path}: <{migration.case}> from ontology {migration.from_version} to "
                f"{migration.to_version}: wrote {target} ({migration.statements_in} statements "
                f"in, {len(migration.graph)} out)"
            )
            for old, count in sorted(migration.renamed.items()):
                new = ", ".join(curie(r) for r in replacements()[old])
                typer.echo(f"  renamed {curie(old)} → {new} in {count} statement(s)")
            for change in migration.changes:
                if change.removed or change.added:
                    typer.echo(
                        f"  {change.says.get('rule', change.rule)}: {change.removed} "
                        f"statement(s) removed, {change.added} added"
                    )
            for question in migration.questions:
                typer.echo(
                    f"  to decide: {curie(question.subject)} {curie(question.property)} "
                    f"{curie(question.value)}: {question.why}"
                )
            questions += len(migration.questions)
    if failed:
        typer.echo(
            f"{failed} file(s) could not be migrated; nothing was written for them.", err=True
        )
        raise typer.Exit(EXIT_UNREADABLE)
    raise typer.Exit(EXIT_FINDINGS if questions else EXIT_OK)
