"""flywheel load, cases, remove, backup, restore, reindex and synth: what the store holds."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from kg import paths
from kg.cli.app import app
from kg.cli.common import (
    BundledOpt,
    CaseArg,
    InputFormatOpt,
    StoreOpt,
    TableFormatOpt,
    find_case,
    open_case_store,
    require_matches,
    table_format,
)
from kg.errors import EXIT_FINDINGS, EXIT_OK, EXIT_UNREADABLE

if TYPE_CHECKING:
    from rich.progress import TaskID

    from kg.store.loading import LoadProgress


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
    jobs: Annotated[
        int | None,
        typer.Option(
            "--jobs",
            "-j",
            help="Worker processes that validate in parallel [default: the usable cores].",
            min=1,
            show_default=False,
        ),
    ] = None,
) -> None:
    """Validate case files and load them into the store, one named graph per case.

    A case with violations is refused (unless --force); a file that cannot be read is reported
    with its line and column and loads nothing; the other files still load. Loading a case
    again (same IRI) replaces it. A case whose short name (its IRI's last segment, compared
    ignoring case, width and percent-encoding) another case holds is refused, even with
    --force, and so are two cases of one load with the same short name. Files are validated
    in parallel (--jobs) and set aside on disk, so memory does not grow with their number;
    the cases are written once every file is validated, each in one transaction. Exit code
    0: all loaded; 1: some refused; 2: some unreadable.
    """
    from kg.check.validation import Severity
    from kg.store import StoreError
    from kg.store.loading import expand_paths, load_files

    require_matches(paths_ or [])
    files = expand_paths(paths_ or [])
    if bundled:
        files = [*paths.bundled_case_files(), *files]
    if not files:
        typer.echo(
            "No case files given: name files, folders or patterns, or use --bundled.", err=True
        )
        raise typer.Exit(EXIT_UNREADABLE)
    with open_case_store(store) as case_store:
        before = {c.iri for c in case_store.cases()}
        try:
            with _load_bar(len(files)) as progress:
                result = load_files(
                    case_store,
                    files,
                    force=force,
                    fmt=input_format,
                    progress=progress,
                    jobs=jobs,
                )
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
        for summary in warned:
            typer.echo(
                f"findings: {summary.case}: {summary.count(Severity.WARNING)} warning(s), "
                f"{summary.count(Severity.INFO)} info(s) (flywheel validate shows them)"
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


@contextmanager
def _load_bar(files: int) -> Iterator[Callable[[LoadProgress], None] | None]:
    """A progress bar on the terminal's stderr for a load of more than a few files (cases
    validated, refused, time left; then cases written); None when stderr is not a terminal."""
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    console = Console(stderr=True)
    if files <= 10 or not console.is_terminal:
        yield None
        return
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[refused]}"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        TextColumn("left"),
    )
    with Progress(*columns, console=console, transient=True) as bar:
        checking = bar.add_task("Validating files", total=files, refused="")
        writing: list[TaskID] = []

        def show(state: LoadProgress) -> None:
            refused = f"refused {state.refused}, unreadable {state.unreadable}"
            if state.to_write is None:
                bar.update(checking, completed=state.files, refused=refused)
                return
            if not writing:
                bar.update(checking, visible=False)
                writing.append(bar.add_task("Writing cases", total=state.to_write, refused=""))
            bar.update(writing[0], completed=state.written, refused=refused)

        yield show


@app.command()
def cases(store: StoreOpt = None, fmt: TableFormatOpt = None) -> None:
    """List the cases in the store, from its catalog."""
    from kg.render.tables import render

    with open_case_store(store) as case_store:
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
    typer.echo(render(columns, rows, table_format(fmt)))


@app.command()
def remove(
    case: CaseArg,
    store: StoreOpt = None,
) -> None:
    """Remove one case (its graph and its catalog entry) from the store."""
    with open_case_store(store) as case_store:
        info = find_case(case_store, case)
        case_store.remove_case(info.iri)
    typer.echo(f"Removed <{info.iri}>.")


@app.command("backup")
def backup_cmd(
    file: Annotated[Path, typer.Argument(help="The backup file (N-Quads; .gz: compressed).")],
    store: StoreOpt = None,
) -> None:
    """Write the whole store (cases, catalog, ontology) to one file.

    The default graph, the union of the cases, is not written: restore rebuilds it. The file is
    written under a temporary name and renamed when complete. Exit code 0: written;
    2: the file cannot be written; 3: the store cannot be read.
    """
    from kg.store.backup import BackupError, backup

    with open_case_store(store) as case_store:
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
    """Put a backup back, all or nothing: the store changes only once the whole file has been
    read and found valid (an embedded store is restored into a new folder that then takes its
    place). The file is read as it goes, so memory does not grow with its size; the default
    graph (the union of the cases) is rebuilt.

    Exit code 0: restored; 1: refused: the store holds data (use --replace), or the backup holds
    two cases with one short name; 2: the file is not a valid backup, or holds a case IRI that
    cannot name a case (an invisible character, one of flywheel's own graph names); 3: the store
    cannot be written. When it is not restored, the store is unchanged.
    """
    from kg.errors import FlywheelError
    from kg.store.backup import restore

    with open_case_store(store) as case_store:
        try:
            restored = restore(case_store, file, replace=replace)
        except FlywheelError as error:
            typer.echo(f"error: {error}; the store was not changed", err=True)
            raise typer.Exit(error.exit_code) from None
    if restored.left_out:
        typer.echo(
            f"note: {restored.left_out} triple(s) of the backup's default graph were left out: "
            "a store's default graph is the union of its cases, rebuilt from them",
            err=True,
        )
    typer.echo(f"restored {restored.quads} quads from {file} into {case_store.location}")


@app.command()
def reindex(
    store: StoreOpt = None,
    every: Annotated[
        bool,
        typer.Option(
            "--all",
            help="Recompute every case's kept rows and rebuild the default graph, whatever "
            "their state.",
        ),
    ] = False,
) -> None:
    """Bring what the store derives from its case graphs up to date: the rows each case keeps
    for the cross-city questions (compare, queries 2 and 16-23), where they are
    missing or were made by another version of flywheel, its ontology or its queries; and the
    default graph, the union of the case graphs (each triple once), where the store has none.

    Every write keeps both; run this after upgrading flywheel, or after another program (or an
    older flywheel) has written the store's case graphs. Exit code 0: done; 3: the store
    cannot be written.
    """
    from kg.store import StoreError

    with open_case_store(store) as case_store:
        try:
            renewed = case_store.reindex(every)
            graphs = case_store.rebuild_union() if every else None
            if graphs is None and case_store.ensure_union():
                graphs = len(case_store.case_graphs())
        except StoreError as error:
            typer.echo(f"error: {error}", err=True)
            raise typer.Exit(error.exit_code) from None
    typer.echo(f"Recomputed the kept rows of {len(renewed)} case(s).")
    if graphs is not None:
        typer.echo(
            f"Rebuilt the default graph of {case_store.location} from {graphs} case graph(s)."
        )


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
    jobs: Annotated[
        int | None,
        typer.Option(
            "--jobs",
            "-j",
            min=1,
            help="Processes writing cities (default: one per core).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Generate synthetic city cases (for scale tests and benchmarks; they describe no real city)."""
    from kg.synth import write_synthetic

    output.mkdir(parents=True, exist_ok=True)
    try:
        write_synthetic(output, count, actions, seed, jobs or os.cpu_count() or 1)
    except OSError as error:
        typer.echo(f"error: cannot write to {output}: {error.strerror}", err=True)
        raise typer.Exit(EXIT_UNREADABLE) from None
    typer.echo(
        f"wrote {count} synthetic case(s) to {output}/ (IRI space "
        "https://w3id.org/dataflywheel/synthetic/, marked fw:isSynthetic true)"
    )
