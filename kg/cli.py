"""The ``flywheel`` command: validate, reason about and lint data-flywheel case graphs."""

from __future__ import annotations

import enum
import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, cast

import typer

from kg import __version__, paths
from kg.errors import EXIT_FINDINGS, EXIT_OK, EXIT_UNAVAILABLE, EXIT_UNREADABLE
from kg.rdf.read import FORMATS, CaseGraph, RdfInputError, read_cases

if TYPE_CHECKING:  # imported where used at run time, so that the CLI starts fast
    from collections.abc import Sequence

    from kg.store import CaseInfo, CaseStore, QueryResult

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

EXIT_TOOL = EXIT_UNAVAILABLE


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
        metavar="[FILE]...",
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
        metavar="SYNTAX",
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
    # rdflib logs a traceback for each ill-typed literal (30 February); the shapes report them
    logging.getLogger("rdflib.term").setLevel(logging.ERROR)


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
        for unreadable in errors:
            typer.echo(f"error: {unreadable}", err=True)
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
    from kg.check.report import render_json, render_text, render_turtle
    from kg.check.validation import CaseValidator

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

    from kg.check.reasoning import ReasonerError, reason_graph
    from kg.vocab import curie

    merged = Graph()
    for case in _read_all(_expand(files, bundled), input_format):
        for triple in case.graph:
            merged.add(triple)
    try:
        result = reason_graph(merged)
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


StoreOpt = Annotated[
    str | None,
    typer.Option(
        "--store",
        metavar="LOCATION",
        envvar="FLYWHEEL_STORE",
        show_default=False,
        help="Where the cases are kept: a folder (embedded Oxigraph), 'memory:', or the "
        "URL of a SPARQL server. Default: a folder in your user data directory.",
    ),
]
TableFormatOpt = Annotated[
    str | None,
    typer.Option(
        "--format",
        metavar="FORMAT",
        help="table, csv, tsv or json (default: a table on a terminal, CSV when piped).",
    ),
]


def _open(store: str | None) -> CaseStore:
    from kg.store import StoreError, open_store

    try:
        return open_store(store)
    except StoreError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(error.exit_code) from None


CaseArg = Annotated[str, typer.Argument(help="The case's graph IRI or its last part (hangzhou).")]


def _find(case_store: CaseStore, name: str) -> CaseInfo:
    """The catalog entry of a case named by IRI or last part; exit 2 (bad use, as for an unknown
    query) with a message if absent."""
    info = case_store.find_case(name)
    if info is None:
        typer.echo(f"error: no case '{name}' in the store ({case_store.location})", err=True)
        raise typer.Exit(EXIT_UNREADABLE)
    return info


def _table_format(fmt: str | None) -> str:
    from kg.render.tables import FORMATS, choose_format

    if fmt is not None and fmt not in FORMATS:
        typer.echo(f"error: unknown format '{fmt}' (use one of {', '.join(FORMATS)})", err=True)
        raise typer.Exit(EXIT_UNREADABLE)
    return choose_format(fmt)


@app.command()
def load(
    paths_: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="PATH...", help="Case files, folders or glob patterns.", show_default=False
        ),
    ] = None,
    bundled: BundledOpt = False,
    store: StoreOpt = None,
    force: Annotated[
        bool, typer.Option("--force", help="Load cases even if they have violations.")
    ] = False,
    input_format: InputFormatOpt = None,
) -> None:
    """Validate case files and load them into the store, one named graph per case.

    A case with violations is refused (unless --force); a file that cannot be read is reported
    with its line and column and loads nothing; the other files still load. Loading a case
    again (same IRI) replaces it. A case whose short name (its IRI's last segment, compared
    ignoring case, width and percent-encoding) another case holds is refused, even with
    --force, and so are two cases of one load with the same short name. Exit code 0: all
    loaded; 1: some refused; 2: some unreadable.
    """
    from rich.progress import Progress

    from kg.store import StoreError
    from kg.store.loading import expand_paths, load_files

    files = expand_paths(paths_ or [])
    if bundled:
        files = [*paths.bundled_case_files(), *files]
    if not files:
        typer.echo(
            "No case files given: name files, folders or patterns, or use --bundled.", err=True
        )
        raise typer.Exit(EXIT_UNREADABLE)
    with _open(store) as case_store:
        before = {c.iri for c in case_store.cases()}
        try:
            if len(files) > 10:
                with Progress(transient=True) as bar:
                    task = bar.add_task("Validating and loading", total=len(files))
                    result = load_files(
                        case_store,
                        files,
                        force=force,
                        fmt=input_format,
                        progress=lambda _p: bar.advance(task),
                    )
            else:
                result = load_files(case_store, files, force=force, fmt=input_format)
        except StoreError as error:
            typer.echo(f"error: {error}", err=True)
            raise typer.Exit(error.exit_code) from None
        for unreadable in result.unreadable:
            typer.echo(f"unreadable: {unreadable}", err=True)
        for report in result.refused:
            typer.echo(f"refused: {report.source} — case <{report.case}> has violations:", err=True)
            for finding in report.findings:
                if finding.severity.name == "VIOLATION":
                    typer.echo(
                        f"  {finding.describe_focus()}: {finding.message()} [{finding.shape}]",
                        err=True,
                    )
        for refusal in result.refused_names:
            typer.echo(f"refused: {refusal.source} — {refusal.reason}", err=True)
        warned = [r for r in result.reports if r.conforms and r.findings]
        for report in warned:
            counts = {
                s: sum(1 for f in report.findings if f.severity.name == s)
                for s in ("WARNING", "INFO")
            }
            typer.echo(
                f"findings: {report.case}: {counts['WARNING']} warning(s), "
                f"{counts['INFO']} info(s) (flywheel validate shows them)"
            )
        replaced = sum(1 for c in result.loaded if c.iri in before)
        refused = len(result.refused) + len(result.refused_names)
        typer.echo(
            f"Loaded {len(result.loaded)} case(s) ({replaced} replaced), refused "
            f"{refused}, unreadable {len(result.unreadable)} file(s). "
            f"Store: {case_store.location}"
        )
    if result.unreadable:
        raise typer.Exit(EXIT_UNREADABLE)
    raise typer.Exit(EXIT_FINDINGS if refused else EXIT_OK)


@app.command()
def cases(store: StoreOpt = None, fmt: TableFormatOpt = None) -> None:
    """List the cases in the store, from its catalog."""
    from kg.render.tables import render

    with _open(store) as case_store:
        infos = case_store.cases()
    columns = ["case", "city", "triples", "sources", "ontology", "synthetic", "loaded", "sha256"]
    rows = [
        {
            "case": i.iri,
            "city": i.city_label or i.city,
            "triples": i.triples,
            "sources": i.sources,
            "ontology": (i.ontology_version or "").rsplit("/", 1)[-1],
            "synthetic": i.synthetic,
            "loaded": i.loaded,
            "sha256": i.sha256[:12],
        }
        for i in infos
    ]
    typer.echo(render(columns, rows, _table_format(fmt)))


@app.command()
def remove(
    case: CaseArg,
    store: StoreOpt = None,
) -> None:
    """Remove one case (its graph and its catalog entry) from the store."""
    with _open(store) as case_store:
        info = _find(case_store, case)
        case_store.remove_case(info.iri)
    typer.echo(f"Removed <{info.iri}>.")


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
    from rdflib import Dataset, URIRef

    from kg.vocab import PREFIXES

    with _open(store) as case_store:
        info = _find(case_store, case)
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
    elif fmt in (ExportFormat.trig, ExportFormat.nquads):
        dataset = Dataset()
        for prefix, namespace in PREFIXES.items():
            dataset.bind(prefix, namespace)
        named = dataset.graph(URIRef(info.iri))
        for triple in graph:
            named.add(triple)
        text = dataset.serialize(format=fmt.value)
    else:
        for prefix, namespace in PREFIXES.items():
            graph.bind(prefix, namespace)
        text = graph.serialize(format=fmt.value)
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
    from kg.vocab import PREFIXES
    from kg.workbook import WorkbookError, read_workbook

    if not source.exists():
        typer.echo(f"error: {source}: no such file or folder", err=True)
        raise typer.Exit(EXIT_UNREADABLE)
    try:
        case_iri, graph = read_workbook(source)
    except WorkbookError as error:
        for problem in error.errors:
            typer.echo(f"error: {problem}", err=True)
        typer.echo(f"{len(error.errors)} mistake(s) in {source}; nothing was written.", err=True)
        raise typer.Exit(EXIT_UNREADABLE) from None
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace)
    local = case_iri.rsplit("/", 1)[-1]
    if local.isidentifier() and local not in PREFIXES:
        graph.bind(local, case_iri + "/")
    text = graph.serialize(format="turtle")
    report = CaseValidator().validate(graph, case_iri, str(output or source))
    if output:
        output.write_text(text, encoding="utf-8")
        typer.echo(f"wrote {output} ({len(graph)} triples)", err=True)
    else:
        typer.echo(text)
    typer.echo(render_text([report], lang.value), err=True)
    raise typer.Exit(EXIT_OK if report.conforms else EXIT_FINDINGS)


@app.command("backup")
def backup_cmd(
    file: Annotated[Path, typer.Argument(help="The backup file (N-Quads; .gz: compressed).")],
    store: StoreOpt = None,
) -> None:
    """Write the whole store (cases, catalog, ontology, default graph) to one file.

    The file is written under a temporary name and renamed when complete. Exit code 0: written;
    2: the file cannot be written; 3: the store cannot be read.
    """
    from kg.store.backup import BackupError, backup

    with _open(store) as case_store:
        try:
            count = backup(case_store, file)
        except BackupError as error:
            typer.echo(f"error: {error}", err=True)
            raise typer.Exit(error.exit_code) from None
    typer.echo(f"wrote {count} quads from {case_store.location} to {file}")


@app.command("restore")
def restore_cmd(
    file: Annotated[Path, typer.Argument(help="A file written by 'flywheel backup'.")],
    store: StoreOpt = None,
    replace: Annotated[
        bool, typer.Option("--replace", help="Overwrite a store that already holds data.")
    ] = False,
) -> None:
    """Put a backup back: the whole file is checked first, then written in one transaction.

    Exit code 0: restored; 1: refused: the store holds data (use --replace), or the backup holds
    two cases with one short name; 2: the file is not a valid backup, or holds a case IRI that
    cannot name a case (an invisible character, one of flywheel's own graph names); 3: the store
    cannot be written. When it is not restored, the store is unchanged.
    """
    from kg.errors import FlywheelError
    from kg.store.backup import restore

    with _open(store) as case_store:
        try:
            count = restore(case_store, file, replace=replace)
        except FlywheelError as error:
            typer.echo(f"error: {error}; the store was not changed", err=True)
            raise typer.Exit(error.exit_code) from None
    typer.echo(f"restored {count} quads from {file} into {case_store.location}")


@app.command()
def synth(
    count: Annotated[int, typer.Argument(help="How many synthetic cities.", min=1)],
    output: Annotated[Path, typer.Option("--output", "-o", help="Folder to write them to.")] = Path(
        "synthetic"
    ),
    actions: Annotated[
        int,
        typer.Option(
            help="Actions per city (about 40 triples each, with their evidence and data flows).",
            min=4,
        ),
    ] = 100,
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same cities).")] = 0,
) -> None:
    """Generate synthetic city cases (for scale tests and benchmarks; they describe no real city)."""
    from kg.synth import synthetic_case

    output.mkdir(parents=True, exist_ok=True)
    for number in range(1, count + 1):
        synthetic_case(number, actions=actions, seed=seed).serialize(
            output / f"synthetic-{number:04d}.ttl", format="turtle"
        )
    typer.echo(
        f"wrote {count} synthetic case(s) to {output}/ (IRI space "
        "https://w3id.org/dataflywheel/synthetic/, marked fw:isSynthetic true)"
    )


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
            help="Treat the default graph as the union of all graphs (embedded stores only).",
        ),
    ] = False,
) -> None:
    """Run a read-only SPARQL query on the store. Name graphs with GRAPH ?g { … }, or use --union.

    SERVICE, LOAD, updates, FROM with a file or other non-web IRI, calls of functions other than
    SPARQL's own and the XSD casts, and queries nested deeper than the engine can go are refused
    (exit 2). The query runs in a separate process that cannot open network connections.
    """
    from kg.sparql.check import QueryRefused
    from kg.sparql.workers import EngineStopped, run_isolated, user_query
    from kg.store import StoreError, default_location

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
        result = run_isolated(store or default_location(), user_query, query_text, union)
    except QueryRefused as error:
        where = f"{file}: " if file is not None else ""
        typer.echo(f"error: {where}{error}", err=True)
        raise typer.Exit(error.exit_code) from None
    except (StoreError, EngineStopped) as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(error.exit_code) from None
    _print_result(result, _table_format(fmt))


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
    typer.echo(render(["name", "question", "title", "parameters"], rows, _table_format(fmt)))


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
) -> None:
    """Run a named query. Parameters are bound as typed RDF terms, never pasted into the query."""
    from kg.sparql.named import QueryParameterError, UnknownQueryError, bind, get_query
    from kg.store import StoreError

    values: dict[str, str] = {}
    for item in param or []:
        key, sep, value = item.partition("=")
        if not sep:
            typer.echo(f"error: --param takes name=value, not '{item}'", err=True)
            raise typer.Exit(EXIT_UNREADABLE)
        values[key.strip()] = value
    try:
        named = get_query(name)
        bindings = bind(named, values)
        with _open(store) as case_store:
            result = case_store.query(named.text, {v.value: t for v, t in bindings.items()})
    except (UnknownQueryError, QueryParameterError, StoreError) as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(error.exit_code) from None
    _print_result(result, _table_format(fmt))


@app.command("compare")
def compare_cmd(
    cases_: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="[CASE]...",
            help="Cases to compare (graph IRI or last part); default: all.",
            show_default=False,
        ),
    ] = None,
    store: StoreOpt = None,
    fmt: TableFormatOpt = None,
    as_csv: Annotated[
        bool, typer.Option("--csv", help="Every column as CSV (for R, Stata, QCA tools).")
    ] = False,
    conditions: Annotated[
        bool,
        typer.Option(
            "--conditions", help="Print the city x condition table of question 21 instead."
        ),
    ] = False,
    min_scenarios: Annotated[
        int | None,
        typer.Option(
            "--min-scenarios",
            min=0,
            help="With --conditions: scenarios needed for the 'scenarios' condition.",
        ),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="Write the table as CSV to FILE and its codebook to FILE.codebook.md "
            "(columns, types, units, unknowns, thresholds, cases and their hashes).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Compare cities: stage dates, years from startup to inertia, loop closure, dominant logics."""
    from kg.render.tables import render
    from kg.store import StoreError
    from kg.views.comparison import COLUMNS, compare, years_statistics

    with _open(store) as case_store:
        chosen = None
        if cases_:
            chosen = [_find(case_store, name).iri for name in cases_]
        try:
            if output is not None:
                _write_comparison(case_store, chosen, conditions, min_scenarios, output)
                return
            if conditions:
                from kg.views.comparison import condition_table

                columns, found = condition_table(case_store, chosen, min_scenarios)
                typer.echo(render(columns, found, "csv" if as_csv else _table_format(fmt)))
                return
            rows = compare(case_store, chosen)
        except StoreError as error:
            typer.echo(f"error: {error}", err=True)
            raise typer.Exit(error.exit_code) from None
    chosen_format = "csv" if as_csv else _table_format(fmt)
    if chosen_format != "table":  # asked for, or stdout is not a terminal (a pipe, a file)
        typer.echo(render(list(COLUMNS), rows, chosen_format))
        return

    def when(row: dict[str, object], stage: str) -> str:
        start = row[f"{stage}_start"]
        precision = row[f"{stage}_start_precision"]
        return f"{start} ({precision})" if start else ("unknown" if precision else "—")

    short = [
        {
            "city": r["city"],
            **{
                stage: when(r, stage)
                for stage in ("startup", "rotation", "acceleration", "inertia")
            },
            "years to inertia": ""
            if r["years_startup_to_inertia"] is None
            else f"{r['years_startup_to_inertia']} ({r['years_precision']})",
            "loop closed": (
                "yes" + (f" since {r['loop_closed_since']}" if r["loop_closed_since"] else "")
            )
            if r["loop_closed"]
            else "no",
            "dominant logics": " / ".join(
                str(r[f"{s}_dominant_logic"] or "—")
                for s in ("startup", "rotation", "acceleration", "inertia")
            ),
            "actions/flows/scenarios": f"{r['actions']}/{r['flows']}/{r['scenarios']}",
        }
        for r in rows
    ]
    typer.echo(
        render(
            list(short[0]) if short else ["city"],
            short,
            "table",
            title="Cities compared (flywheel compare --csv gives every column)",
        )
    )
    stats = years_statistics(rows)
    if stats["cities"]:
        typer.echo(
            f"Years from startup to inertia, over the {stats['cities']} cities with both dates: "
            f"median {stats['median']}, shortest {stats['min']}, longest {stats['max']}, "
            f"range {stats['range']}"
        )


def _write_comparison(
    case_store: CaseStore,
    chosen: Sequence[str] | None,
    conditions: bool,
    k: int | None,
    output: Path,
) -> None:
    """``flywheel compare -o FILE``: the CSV and its codebook."""
    from kg.views.codebook import comparison_export, conditions_export, write_export

    if conditions:
        table = conditions_export(case_store, chosen, k, data_file=output.name)
    else:
        table = comparison_export(case_store, chosen, data_file=output.name)
    try:
        written = write_export(table, output)
    except OSError as error:
        typer.echo(f"error: cannot write {error.filename}: {error.strerror}", err=True)
        raise typer.Exit(EXIT_UNREADABLE) from None
    typer.echo(f"wrote {written[0]} ({len(table.rows)} row(s)) and its codebook {written[1]}")


@app.command()
def plot(
    cases_: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="[CASE]...",
            help="The case to draw (graph IRI or last part); with --compare, the cases to "
            "compare (default: all).",
            show_default=False,
        ),
    ] = None,
    compare: Annotated[
        bool, typer.Option("--compare", help="Draw the cities' stage timelines on one axis.")
    ] = False,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="The figure to write: FILE.svg (vector) or FILE.png. Default: "
            "CASE-flywheel.svg, or compare.svg with --compare.",
            show_default=False,
        ),
    ] = None,
    lang: Annotated[Lang, typer.Option("--lang", help="Language of the labels.")] = Lang.en,
    store: StoreOpt = None,
) -> None:
    """Draw a city's flywheel and timeline, or (--compare) the cities' stages on one time axis,
    as SVG or PNG for print (grey-scale safe, Chinese labels with --lang zh)."""
    import warnings

    from kg.render.plot import SUFFIXES, plot_case, plot_compare
    from kg.store import case_id

    if not compare and len(cases_ or []) != 1:
        typer.echo("error: name one case to draw, or use --compare [CASE...]", err=True)
        raise typer.Exit(EXIT_UNREADABLE)
    if output is not None and output.suffix.lower() not in SUFFIXES:
        typer.echo(
            f"error: cannot tell the figure format from '{output}': use .svg or .png", err=True
        )
        raise typer.Exit(EXIT_UNREADABLE)
    with _open(store) as case_store:
        chosen = [_find(case_store, name).iri for name in cases_ or []]
        if compare and not chosen:
            chosen = [info.iri for info in case_store.cases()]
        if not chosen:
            typer.echo(f"error: no cases in the store ({case_store.location})", err=True)
            raise typer.Exit(EXIT_FINDINGS)
        name = "compare" if compare else f"{case_id(chosen[0])}-flywheel"
        target = output or Path(f"{name}.svg")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                if compare:
                    plot_compare(case_store, chosen, target, lang.value)
                else:
                    plot_case(case_store, chosen[0], target, lang.value)
            except OSError as error:
                typer.echo(f"error: cannot write {target}: {error.strerror}", err=True)
                raise typer.Exit(EXIT_UNREADABLE) from None
    for warning in caught:
        typer.echo(f"warning: {warning.message}", err=True)
    typer.echo(f"wrote {target}")


def _print_result(result: QueryResult, fmt: str) -> None:
    from kg.render.tables import render

    if result.boolean is not None:
        typer.echo("true" if result.boolean else "false")
    elif result.variables or not result.triples:
        typer.echo(render(list(result.variables), list(result.rows), fmt))
    else:
        import pyoxigraph as ox

        # with no output given, serialize returns the bytes (its stub says bytes | None)
        text = cast(bytes, ox.serialize(list(result.triples), format=ox.RdfFormat.TURTLE))
        typer.echo(text.decode())


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
    )
    _open(settings.store).close()  # a store that cannot be opened is said here, in one line
    typer.echo(
        f"serving {settings.store} on http://{host}:{port}/ "
        f"(writes {'on' if token else 'off'}; Ctrl-C stops)",
        err=True,
    )
    run(settings, host, port)


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
        from kg import derived

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


if __name__ == "__main__":
    main_entry()
