"""flywheel compare and plot: the cities side by side, as tables and figures."""

from __future__ import annotations

import enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from kg.cli.app import app
from kg.cli.common import (
    CasesArg,
    Lang,
    StoreOpt,
    TableFormatOpt,
    find_case,
    open_case_store,
    say_if_stale,
    table_format,
)
from kg.errors import EXIT_FINDINGS, EXIT_UNREADABLE
from kg.vocab import Confidence

if TYPE_CHECKING:
    from collections.abc import Sequence

    from kg.store import CaseStore
    from kg.views.calibration import Anchors
    from kg.views.codebook import Export


@app.command("compare")
def compare_cmd(
    cases_: CasesArg = None,
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
    min_confidence: Annotated[
        Confidence | None,
        typer.Option(
            "--min-confidence",
            help="Leave out stage starts graded below this level (confirmed, suspected, "
            "inferred, reported: strongest first), or not graded, and the end of the stage each "
            "closed; say how many.",
        ),
    ] = None,
    close_at_next: Annotated[
        bool,
        typer.Option(
            "--close-at-next",
            help="End a stage whose end is not coded at the next stage's start (each "
            "*_end_basis column then says 'next episode'); without it that end stays unknown. "
            "Applies to the comparison and to --sequences.",
        ),
    ] = False,
    fuzzy: Annotated[
        bool,
        typer.Option(
            "--fuzzy",
            help="Print question 21's conditions as fuzzy sets instead (fsQCA, R's QCA): counted "
            "conditions calibrated directly from three anchors (see --anchor).",
        ),
    ] = False,
    anchor: Annotated[
        list[str] | None,
        typer.Option(
            "--anchor",
            metavar="NAME=E,C,I",
            help="With --fuzzy: a condition's anchors, full non-membership, crossover and full "
            "membership (scenarios=0,1.5,4 by default; repeatable).",
        ),
    ] = None,
    sequences: Annotated[
        SequenceLayout | None,
        typer.Option(
            "--sequences",
            help="Print each city's stage sequence instead, for sequence analysis (R's "
            "TraMineR): spell (one row per episode, with begin and end bounds) or sts (one row "
            "per city, one column per month).",
        ),
    ] = None,
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
    from kg.views.comparison import COLUMNS, compare, summary_rows, years_statistics

    if min_confidence is not None and (conditions or fuzzy or sequences is not None):
        typer.echo(
            "error: --min-confidence leaves stage starts out of the comparison; it does not "
            "apply to --conditions, --fuzzy or --sequences",
            err=True,
        )
        raise typer.Exit(EXIT_UNREADABLE)
    if close_at_next and (conditions or fuzzy or sequences is SequenceLayout.sts):
        typer.echo(
            "error: --close-at-next closes stage ends in the comparison and in --sequences "
            "spell; the condition tables have no stage ends, and STS always reads a stage as "
            "lasting until the next one begins (its codebook says so)",
            err=True,
        )
        raise typer.Exit(EXIT_UNREADABLE)
    floor = min_confidence.value if min_confidence is not None else None
    with open_case_store(store) as case_store:
        chosen = None
        if cases_:
            chosen = [find_case(case_store, name).iri for name in cases_]
        if sequences is not None:
            _sequences(case_store, chosen, sequences, output, table_format(fmt), close_at_next)
            return
        if fuzzy:
            _fuzzy(case_store, chosen, anchor or [], output, table_format(fmt))
            return
        try:
            if output is not None:
                _write_comparison(
                    case_store, chosen, conditions, min_scenarios, output, floor, close_at_next
                )
                return
            if conditions:
                from kg.views.comparison import condition_table

                columns, found = condition_table(case_store, chosen, min_scenarios)
                typer.echo(render(columns, found, "csv" if as_csv else table_format(fmt)))
                return
            rows = compare(case_store, chosen, floor, close_at_next)
            say_if_stale(case_store)
        except StoreError as error:
            typer.echo(f"error: {error}", err=True)
            raise typer.Exit(error.exit_code) from None
    if min_confidence is not None:
        left_out = sum(n for r in rows if isinstance(n := r["starts_left_out"], int))
        typer.echo(
            f"{left_out} stage start(s) left out: graded below '{min_confidence.value}' or not "
            "graded (column starts_left_out)",
            err=True,
        )
    chosen_format = "csv" if as_csv else table_format(fmt)
    if chosen_format != "table":  # asked for, or stdout is not a terminal (a pipe, a file)
        typer.echo(render(list(COLUMNS), rows, chosen_format))
        return

    short = summary_rows(rows)
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


def _write(table: Export, output: Path) -> None:
    """Write an export's CSV and its codebook, saying where; a file that cannot be written
    exits 2."""
    from kg.views.codebook import write_export

    try:
        written = write_export(table, output)
    except OSError as error:
        typer.echo(f"error: cannot write {error.filename}: {error.strerror}", err=True)
        raise typer.Exit(EXIT_UNREADABLE) from None
    typer.echo(f"wrote {written[0]} ({len(table.rows)} row(s)) and its codebook {written[1]}")


def _anchors(given: Sequence[str]) -> dict[str, Anchors]:
    """'scenarios=0,1.5,4' options → anchors by condition; a mistake exits 2, saying which."""
    from kg.views.calibration import parse_anchors

    found = {}
    for text in given:
        name, sep, numbers = text.partition("=")
        try:
            if not sep or not name.strip():
                raise ValueError("write NAME=E,C,I, as in scenarios=0,1.5,4")
            found[name.strip()] = parse_anchors(numbers)
        except ValueError as error:
            typer.echo(f"error: --anchor {text}: {error}", err=True)
            raise typer.Exit(EXIT_UNREADABLE) from None
    return found


def _fuzzy(
    case_store: CaseStore,
    chosen: Sequence[str] | None,
    given: Sequence[str],
    output: Path | None,
    fmt: str,
) -> None:
    """``flywheel compare --fuzzy``: the calibrated condition table, printed or written."""
    from kg.render.tables import render
    from kg.views.codebook import fuzzy_export

    name = output.name if output else "fuzzy.csv"
    try:
        table = fuzzy_export(case_store, chosen, _anchors(given), data_file=name)
    except ValueError as error:
        typer.echo(f"error: --anchor: {error}", err=True)
        raise typer.Exit(EXIT_UNREADABLE) from None
    if output is None:
        typer.echo(render(table.columns, table.rows, fmt))
        return
    _write(table, output)


class SequenceLayout(enum.StrEnum):
    """The layouts of ``flywheel compare --sequences``."""

    spell = "spell"
    sts = "sts"


def _sequences(
    case_store: CaseStore,
    chosen: Sequence[str] | None,
    layout: SequenceLayout,
    output: Path | None,
    fmt: str,
    close_at_next: bool = False,
) -> None:
    """``flywheel compare --sequences``: SPELL or STS rows, printed or written with a codebook."""
    from kg.render.tables import render
    from kg.views.codebook import spell_export, sts_export

    data_file = output.name if output else f"{layout.value}.csv"
    if layout is SequenceLayout.spell:
        table = spell_export(case_store, chosen, data_file=data_file, close_at_next=close_at_next)
    else:
        table = sts_export(case_store, chosen, data_file=data_file)
    if output is None:
        typer.echo(render(table.columns, table.rows, "csv" if fmt == "table" else fmt))
        return
    _write(table, output)


def _write_comparison(
    case_store: CaseStore,
    chosen: Sequence[str] | None,
    conditions: bool,
    k: int | None,
    output: Path,
    floor: str | None = None,
    close_at_next: bool = False,
) -> None:
    """``flywheel compare -o FILE``: the CSV and its codebook."""
    from kg.views.codebook import comparison_export, conditions_export

    if conditions:
        table = conditions_export(case_store, chosen, k, data_file=output.name)
    else:
        table = comparison_export(
            case_store,
            chosen,
            data_file=output.name,
            min_confidence=floor,
            close_at_next=close_at_next,
        )
    _write(table, output)


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
    close_at_next: Annotated[
        bool,
        typer.Option(
            "--close-at-next",
            help="Draw a stage whose end is not coded up to the next stage's start (the figure "
            "says so); without it that end is drawn as unknown.",
        ),
    ] = False,
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
    with open_case_store(store) as case_store:
        chosen = [find_case(case_store, name).iri for name in cases_ or []]
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
                    plot_compare(case_store, chosen, target, lang.value, close_at_next)
                else:
                    plot_case(case_store, chosen[0], target, lang.value, close_at_next)
            except OSError as error:
                typer.echo(f"error: cannot write {target}: {error.strerror}", err=True)
                raise typer.Exit(EXIT_UNREADABLE) from None
    for warning in caught:
        typer.echo(f"warning: {warning.message}", err=True)
    typer.echo(f"wrote {target}")


@app.command("departures")
def departures_cmd(
    cases_: CasesArg = None,
    store: StoreOpt = None,
    fmt: TableFormatOpt = None,
    lang: Annotated[Lang, typer.Option("--lang", help="Language of the departures.")] = Lang.en,
) -> None:
    """List each city's departures from the theory in one table: what the shapes that compare
    a case with the theory's expectations find (the stage order and mechanisms, the startup's
    leaders, the inertia stage's command center, platform and re-aggregation, an action's logic
    against its stage and its actor's kind), one row per finding."""
    from kg.render.tables import render
    from kg.views.departures import COLUMNS, departures

    with open_case_store(store) as case_store:
        chosen = [find_case(case_store, name).iri for name in cases_] if cases_ else None
        rows = departures(case_store, chosen, lang.value)
    typer.echo(render(list(COLUMNS), rows, table_format(fmt), title="Departures from the theory"))
