"""Text made safe to show and to open: CSV and TSV that no spreadsheet runs as a formula, and
control characters written out so that a terminal shows them and obeys none.

Every CSV or TSV that flywheel writes (printed, saved, or served over HTTP) goes through
:func:`delimited_rows`, which makes it safe to open: a text cell that a spreadsheet would run as a
formula gets a leading ``'`` (:func:`neutralise`, as OWASP recommends against CSV injection), every
text cell is quoted, numbers stay bare numbers, and control characters are shown as ``\\x1b``
(:func:`visible`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from operator import itemgetter
from typing import cast

import pyoxigraph as ox

# A cell a spreadsheet runs as a formula: one that begins with = + - @ tab or CR (OWASP's list),
# or NUL (ASVS's), also after spaces, or after apostrophes (so that the prefix can be undone).
_FORMULA = re.compile(r"'*[ \u00a0]*[=+\-@\t\r\x00]")
# A cell a spreadsheet reads as a number (and so never as a formula): -3, +1.5, -1e3, .5
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
# C0 controls but tab, newline and carriage return; DEL; C1 controls (0x9b is CSI on terminals)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_CONTROL_OR_CR = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def neutralise(text: str) -> str:
    """A CSV cell's text that no spreadsheet runs: a formula-like text (``=…``, ``+…``, ``-…``,
    ``@…``, tab- or CR-led) gets a leading ``'``; a number (``-3``, ``+1.5``) stays as it is.

    Apostrophes already in front of such a text count too (``'=x`` becomes ``''=x``), so that
    :func:`restore` gives back exactly the original.
    """
    if _FORMULA.match(text) and not _NUMBER.fullmatch(text):
        return "'" + text
    return text


def restore(text: str) -> str:
    """The text :func:`neutralise` was given: the inverse, for reading a CSV flywheel wrote."""
    if text.startswith("'") and _FORMULA.match(text[1:]) and not _NUMBER.fullmatch(text[1:]):
        return text[1:]
    return text


def visible(text: str, keep_cr: bool = True) -> str:
    """Text with its control characters (but tab, newline and, unless ``keep_cr`` is false,
    carriage return) written out as ``\\x1b``, so that a terminal shows them and obeys none."""
    pattern = _CONTROL if keep_cr else _CONTROL_OR_CR
    return pattern.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


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
    """Rows as CSV (or TSV): a header line, then each row's cells as :func:`cell` writes them,
    made safe to open as :func:`delimited_rows` says."""
    if len(columns) < 2:
        return delimited_rows(
            [columns, *([row.get(c) for c in columns] for row in rows)], delimiter, newline
        )
    pick = itemgetter(*columns)  # a row's cells in one call; a row that lacks one: by name

    def cells(row: Mapping[str, object]) -> Sequence[object]:
        try:
            return cast(tuple[object, ...], pick(row))
        except KeyError:
            return [row.get(c) for c in columns]

    return delimited_rows([columns, *(cells(row) for row in rows)], delimiter, newline)


def delimited_rows(
    rows: Iterable[Sequence[object]],
    delimiter: str = ",",
    newline: str = "\n",
    controls_visible: bool = True,
) -> str:
    """Lines of cells (RFC 4180 quoting) that a spreadsheet opens without running anything.

    A number (an int, float or Decimal, or a text that is a plain number like ``-3``) is written
    bare; an empty cell is empty; any other text is quoted, so that no separator in it (``,``
    ``;`` or tab, whichever a spreadsheet splits on) can start a new cell, and is neutralised
    (:func:`neutralise`). Control characters are shown (:func:`visible`) unless
    ``controls_visible`` is false (the coding workbook, which must read back exactly).
    """
    lines = []
    # each text's and each term's field made once (cells repeat: labels, IRIs, stages), and a
    # row of them joined in one call; a number's field is made each time (equal numbers may be
    # written differently: 1.0, 1.00, True), so a row with one takes the longer way
    known: dict[object, str] = {None: ""}
    for row in rows:
        try:
            lines.append(delimiter.join(map(known.__getitem__, row)))
        except (KeyError, TypeError):  # a cell not seen yet, a number, or one no dict can key
            lines.append(delimiter.join([_cell_field(v, known, controls_visible) for v in row]))
    return newline.join(lines) + newline if lines else ""


def _cell_field(value: object, known: dict[object, str], controls_visible: bool) -> str:
    """A cell as :func:`delimited_rows` writes it; a text's or a term's field is kept in
    ``known``."""
    kind = type(value)
    if kind is str or kind in _TERMS:
        field = known.get(value)
        if field is None:
            field = known[value] = _field(cell(value), controls_visible)
        return field
    if value is None:
        return ""
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return str(value)
    return _field(cell(value), controls_visible)


_TERMS = (ox.NamedNode, ox.Literal, ox.BlankNode)


def _field(text: str, controls_visible: bool) -> str:
    """A text cell as :func:`delimited_rows` writes it."""
    if controls_visible:
        text = visible(text)
    if text == "" or _NUMBER.fullmatch(text):
        return text
    return '"' + neutralise(text).replace('"', '""') + '"'
