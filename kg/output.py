"""Printing result tables: aligned on a terminal; CSV, TSV or JSON when asked or piped."""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Mapping, Sequence

import pyoxigraph as ox
from rich.console import Console
from rich.table import Table

from kg.namespaces import curie

FORMATS = ("table", "csv", "tsv", "json")


def cell(value: object) -> str:
    """A value as text: IRIs and literals by their value, booleans as ``true``/``false`` (as
    in xsd:boolean), nothing as an empty string."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, ox.NamedNode | ox.Literal | ox.BlankNode):
        return value.value
    return str(value)


def delimited(
    columns: Sequence[str],
    rows: Sequence[Mapping[str, object]],
    delimiter: str = ",",
    newline: str = "\n",
) -> str:
    """Rows as CSV (or TSV): a header line, then each row's cells as :func:`cell` writes them."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator=newline)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([cell(row.get(c)) for c in columns])
    return buffer.getvalue()


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
        return json.dumps(
            [{c: _json_value(r.get(c)) for c in columns} for r in rows],
            ensure_ascii=False,
            indent=2,
        )
    if fmt in ("csv", "tsv"):
        return delimited(columns, rows, "," if fmt == "csv" else "\t").rstrip("\n")
    cells = [[_short(row.get(c)) for c in columns] for row in rows]
    table = Table(title=title, show_lines=False)
    for column in columns:
        table.add_column(column, overflow="fold")
    for row in cells:
        table.add_row(*row)
    # as wide as the content needs, so that cells are not folded
    needed = sum(max([len(c), *(len(r[i]) for r in cells)]) + 3 for i, c in enumerate(columns)) + 1
    console = Console(file=io.StringIO(), width=max(80, needed), record=True)
    console.print(table)
    return console.export_text().rstrip("\n")


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


def as_frame(rows: Sequence[Mapping[str, object]]):
    """Rows (from a named query or :func:`kg.comparison.compare`) as a pandas DataFrame.

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
