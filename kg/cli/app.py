"""The ``flywheel`` command's application object, its top-level options and its entry point."""

from __future__ import annotations

import logging
from typing import Annotated, Any

import typer
import typer.core

from kg import __version__
from kg.errors import EXIT_UNREADABLE

# typer prints a parameter's Python type after it ("case <str>", "PATH... <list[str]>",
# "--jobs <int range>"); help shows value names instead, as click and most commands do.
_VALUE_NAMES = {"int": "N", "int range": "N", "float": "SECONDS", "float range": "SECONDS"}


def _value_name(shown: str) -> str:
    """The name a value is shown by in help, from typer's type label ("<int range>" → N)."""
    label = shown.removeprefix("<").removesuffix(">")
    if "|" in label:  # a choice: [en|zh]
        return f"[{label}]"
    return _VALUE_NAMES.get(label, label.upper())


def _argument_name(param: Any) -> str:
    name = param.metavar or (param.name or "").upper()
    return name if param.nargs == 1 or name.endswith("...") else name + "..."


class _Command(typer.core.TyperCommand):
    """A command whose help names values (CASE, PATH..., --jobs N, --lang [en|zh]) and not
    their Python types."""

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        pieces = [self.options_metavar] if self.options_metavar else []
        for param in self.get_params(ctx):
            if param.param_type_name == "argument":
                name = _argument_name(param)
                optional = not param.required and not name.startswith("[")
                pieces.append(f"[{name}]" if optional else name)
        return pieces

    def format_options(self, ctx: Any, formatter: Any) -> None:
        arguments: list[tuple[str, str]] = []
        options: list[tuple[str, str]] = []
        for param in self.get_params(ctx):
            record = param.get_help_record(ctx)
            if record is None:
                continue
            name, text = record
            if param.param_type_name == "argument":
                arguments.append((_argument_name(param), text))
                continue
            shown = None if param.metavar else getattr(param, "display_type_rich", str)(ctx)
            if shown and name.endswith(f" {shown}"):
                name = f"{name.removesuffix(shown)}{_value_name(shown)}"
            options.append((name, text))
        for title, rows in (("Arguments", arguments), ("Options", options)):
            if rows:
                with formatter.section(title):
                    formatter.write_dl(rows)


class _Typer(typer.Typer):
    """The app: every command made with :class:`_Command` unless it asks for another class."""

    def command(
        self, *args: Any, cls: type[typer.core.TyperCommand] | None = None, **kwargs: Any
    ) -> Any:
        return super().command(*args, cls=cls or _Command, **kwargs)


app = _Typer(
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
