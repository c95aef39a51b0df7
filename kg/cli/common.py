"""Options and helpers the commands share: arguments, opening the store, finding a case, choosing and printing a table."""

from __future__ import annotations

import enum
import glob
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, cast

import typer

from kg import paths
from kg.errors import EXIT_UNAVAILABLE, EXIT_UNREADABLE
from kg.rdf.read import FORMATS, CaseGraph, RdfInputError, read_cases

if TYPE_CHECKING:
    from kg.store import CaseInfo, CaseStore, QueryResult


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


StoreOpt = Annotated[
    str | None,
    typer.Option(
        "--store",
        metavar="LOCATION",
        envvar="FLYWHEEL_STORE",
        show_default=False,
        help="Where the cases are kept: a folder (embedded Oxigraph), 'memory:', the URL of "
        "an Oxigraph server, or a .toml file naming any SPARQL 1.1 server's endpoints "
        "(Virtuoso…; docs/scaling.md). Default: a folder in your user data directory.",
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


CasesArg = Annotated[
    list[str] | None,
    typer.Argument(
        metavar="[CASE]...",
        help="Cases in the store (graph IRI or last part); default: every case there.",
        show_default=False,
    ),
]
CaseArg = Annotated[str, typer.Argument(help="The case's graph IRI or its last part (hangzhou).")]


def _matches(argument: str) -> list[Path]:
    """The files an argument names: itself, a folder's RDF files (recursively), or a glob
    pattern's matches (a pattern the shell passed on because it matched nothing)."""
    path = Path(argument)
    if any(c in argument for c in "*?[") and not path.exists():
        found: list[Path] = []
        for match in sorted(glob.glob(argument, recursive=True)):
            found.extend(_matches(match) if Path(match).is_dir() else [Path(match)])
        return found
    if path.is_dir():
        return sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in FORMATS)
    return [path]


def require_matches(arguments: Iterable[str | Path]) -> None:
    """Exit 2, naming each one, when a glob pattern or a folder names no case file: a pattern
    that matches nothing is a mistake to report, never to pass over."""
    empty = [str(a) for a in arguments if not _matches(str(a))]
    for argument in empty:
        kind = "folder" if Path(argument).is_dir() else "pattern"
        typer.echo(
            f"error: the {kind} {argument} matches no case file ({', '.join(sorted(FORMATS))})",
            err=True,
        )
    if empty:
        raise typer.Exit(EXIT_UNREADABLE)


def expand_files(files: list[Path] | None, bundled: bool) -> list[Path]:
    require_matches(files or [])
    chosen = list(paths.bundled_case_files()) if bundled else []
    for path in files or []:
        chosen.extend(_matches(str(path)))
    if not chosen:
        typer.echo("No case files given: name files or folders, or use --bundled.", err=True)
        raise typer.Exit(EXIT_UNREADABLE)
    return chosen


def read_all(files: list[Path], fmt: str | None, lang: str = "en") -> list[CaseGraph]:
    """Read every file first; if any cannot be read, say which and where (in ``lang``), and
    stop."""
    cases: list[CaseGraph] = []
    errors: list[RdfInputError] = []
    for path in files:
        try:
            cases.extend(read_cases(path, fmt))
        except RdfInputError as error:
            errors.append(error)
    if errors:
        for unreadable in errors:
            shown = paths.display_path(unreadable.path)
            said = "错误" if lang == "zh" else "error"
            typer.echo(f"{said}: {unreadable.describe(lang, shown)}", err=True)
        if lang == "zh":
            typer.echo(f"有 {len(errors)} 个文件无法读取;未作任何验证。", err=True)
        else:
            typer.echo(f"{len(errors)} file(s) could not be read; nothing was validated.", err=True)
        raise typer.Exit(EXIT_UNREADABLE)
    return cases


def open_case_store(store: str | None) -> CaseStore:
    from kg.store import StoreConfigError, StoreError, open_store

    try:
        return open_store(store)
    except (StoreError, StoreConfigError) as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(error.exit_code) from None


def find_case(case_store: CaseStore, name: str) -> CaseInfo:
    """The catalog entry of a case named by IRI or last part; exit 2 (bad use, as for an unknown
    query) with a message if absent."""
    info = case_store.find_case(name)
    if info is None:
        typer.echo(f"error: no case '{name}' in the store ({case_store.location})", err=True)
        raise typer.Exit(EXIT_UNREADABLE)
    return info


def table_format(fmt: str | None) -> str:
    from kg.render.tables import FORMATS, choose_format

    if fmt is not None and fmt not in FORMATS:
        typer.echo(f"error: unknown format '{fmt}' (use one of {', '.join(FORMATS)})", err=True)
        raise typer.Exit(EXIT_UNREADABLE)
    return choose_format(fmt)


def print_result(result: QueryResult, fmt: str) -> None:
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


def say_if_stale(case_store: CaseStore) -> None:
    """Say on stderr when cases keep rows for the cross-city questions made by another version
    (the answers then come from the case graphs: right, but slower)."""
    from kg.store.results import stale_cases

    stale = stale_cases(case_store)
    if stale:
        typer.echo(
            f"note: {len(stale)} case(s) keep rows made by another version of flywheel, its "
            "ontology or its queries; these answers were read from the case graphs (slower). "
            "Run 'flywheel reindex' to renew them.",
            err=True,
        )
