"""Printing result tables: aligned on a terminal; CSV, TSV or JSON when asked or piped.

CSV and TSV are made safe to open by :mod:`kg.text`. A table printed for a terminal shows user text literally: never as Rich markup,
never as escape sequences. JSON keeps the text exact (it escapes control characters its own way).
"""

from __future__ import annotations

import io
import json
import re
import shutil
import sys
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import pyoxigraph as ox
from rich.console import Console
from rich.table import Table
from rich.text import Text

from kg.text import cell, delimited, delimited_rows, visible
from kg.vocab import curie

if TYPE_CHECKING:
    import pandas

FORMATS = ("table", "csv", "tsv", "json")

# DEL and C1 controls, which JSON leaves as they are
_DEL_AND_C1 = re.compile(r"[\x7f-\x9f]")


def choose_format(requested: str | None) -> str:
    """The format to print in: the one asked for, else a table on a terminal, CSV in a pipe."""
    if requested:
        return requested
    return "table" if sys.stdout.isatty() else "csv"


def render(
    columns: Sequence[str], rows: Sequence[Mapping[str, object]], fmt: str, title: str | None = None
) -> str:
    """Rows (mappings from column to value) in one of :data:`FORMATS`."""
    if fmt == "json":
        text = json.dumps(
            [{c: _json_value(r.get(c)) for c in columns} for r in rows],
            ensure_ascii=False,
            indent=2,
        )
        # JSON escapes C0 itself; DEL and C1 as \u escapes too (the same text once parsed)
        return _DEL_AND_C1.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
    if fmt in ("csv", "tsv"):
        return delimited(columns, rows, "," if fmt == "csv" else "\t").rstrip("\n")
    cells = [[visible(_short(row.get(c)), keep_cr=False) for c in columns] for row in rows]
    table = Table(title=Text(title) if title else None, show_lines=False)
    for column in columns:
        table.add_column(Text(visible(column, keep_cr=False)), overflow="fold")
    for row in cells:
        table.add_row(*(Text(c) for c in row))  # Text: user data is never read as markup
    # as wide as the terminal (COLUMNS, else the real width), folding cells that do not fit; as
    # wide as the content needs when there is no terminal (a table asked for in a pipe)
    needed = sum(max([len(c), *(len(r[i]) for r in cells)]) + 3 for i, c in enumerate(columns)) + 1
    width = shutil.get_terminal_size((max(80, needed), 24)).columns
    console = Console(file=io.StringIO(), width=width, record=True)
    console.print(table)
    return console.export_text().rstrip("\n")


def render_rows(columns: Sequence[str], rows: Sequence[Sequence[object]], fmt: str) -> str:
    """Rows given as their values in the order of ``columns`` (a cross-city answer read from
    the kept rows: :func:`kg.store.results.answer`) in one of :data:`FORMATS`."""
    if fmt in ("csv", "tsv"):
        return delimited_rows([columns, *rows], "," if fmt == "csv" else "\t").rstrip("\n")
    return render(columns, [dict(zip(columns, row, strict=True)) for row in rows], fmt)


def _short(value: object) -> str:
    text = cell(value)
    return curie(text) if text.startswith(("http://", "https://")) else text


def _json_value(value: object) -> object:
    if isinstance(value, ox.Literal):
        datatype = value.datatype.value
        if datatype.endswith(("#integer", "#int", "#long")):
            return int(value.value)
        if datatype.endswith(("#decimal", "#double", "#float")):
            return float(value.value)
        if datatype.endswith("#boolean"):
            return value.value == "true"
    if isinstance(value, bool | int | float) or value is None:
        return value
    return cell(value)


def as_frame(rows: Sequence[Mapping[str, object]]) -> pandas.DataFrame:
    """Rows (from a named query or :func:`kg.views.comparison.compare`) as a pandas DataFrame.

    Needs pandas (``pip install pandas``); raises ImportError saying so otherwise.
    """
    try:
        import pandas
    except ImportError:
        raise ImportError("as_frame needs pandas: pip install pandas") from None
    return pandas.DataFrame(
        [
            {k: cell(v) if isinstance(v, ox.NamedNode | ox.Literal) else v for k, v in row.items()}
            for row in rows
        ]
    )
