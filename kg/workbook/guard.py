"""Checking an .xlsx workbook before openpyxl reads it, so that no workbook exhausts the machine.

An .xlsx file is a zip archive of XML parts. :func:`checked_workbook` reads the file once and
refuses it (:class:`kg.limits.InputRefused`, with a message naming the limit and its
``FLYWHEEL_*`` variable) when

* the archive's directory (read without unpacking anything) lists too many parts, parts packed
  with anything but deflate, encrypted parts, parts that unpack to more than the workbook limit
  together, or a large part that unpacks far more than any spreadsheet does (a zip bomb);
* unpacking a part gives other bytes than the directory declares (a directory that lies: zipfile
  never unpacks past the declared size, and the checksum then fails), or more bytes in all than
  the limit;
* an XML part declares a DTD or entities (no spreadsheet program writes one);
* a sheet declares (``<dimension ref="A1:XFD1048576"/>``) or holds more rows, columns or cells
  than the sheet limits, or another part holds more XML elements than a sheet may hold cells.

Each part is unpacked through a stream into expat, never whole. The checked bytes are what
openpyxl then reads, so the file cannot change in between.
"""

from __future__ import annotations

import posixpath
import zipfile
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path
from xml.parsers import expat

from openpyxl.utils.cell import coordinate_to_tuple, range_boundaries

from kg.limits import (
    RATIO_GRACE_BYTES,
    SHEET_CELLS_ENV,
    SHEET_COLUMNS_ENV,
    SHEET_ROWS_ENV,
    WORKBOOK_BYTES_ENV,
    WORKBOOK_PARTS_ENV,
    WORKBOOK_RATIO_ENV,
    InputRefused,
    check_size,
    max_sheet_cells,
    max_sheet_columns,
    max_sheet_rows,
    max_workbook_bytes,
    max_workbook_parts,
    max_workbook_ratio,
)

CHUNK = 64 * 1024
ELEMENTS_PER_CELL = 4  # <c><is><t> or <c><f><v>: the most XML elements one cell needs
RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def checked_workbook(path: Path) -> BytesIO:
    """The workbook's bytes, checked against the limits (raises ``InputRefused``)."""
    check_size(path.stat().st_size)
    data = path.read_bytes()
    check_size(len(data))
    try:
        archive = zipfile.ZipFile(BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError):
        raise InputRefused(
            "the file is not an .xlsx workbook (it is not a zip archive, which an .xlsx file "
            "is); save it from your spreadsheet program as an Excel workbook (.xlsx)"
        ) from None
    with archive:
        _check_directory(archive.infolist())
        parts = _scan_parts(archive)  # zipfile unpacks no part past its size declared above
    _check_sheets(parts)
    return BytesIO(data)


# -- the archive's directory ----------------------------------------------------------------------


def _check_directory(infos: list[zipfile.ZipInfo]) -> None:
    limit = max_workbook_parts()
    if len(infos) > limit:
        raise InputRefused(
            f"the workbook's archive holds {len(infos):,} files; flywheel reads at most "
            f"{limit:,} (set {WORKBOOK_PARTS_ENV} to raise it)"
        )
    total, limit, ratio = 0, max_workbook_bytes(), max_workbook_ratio()
    for info in infos:
        if info.flag_bits & 0x1:
            raise InputRefused(
                f"the part {info.filename} of the workbook is encrypted; save the workbook "
                "without a password"
            )
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise InputRefused(
                f"the part {info.filename} of the workbook is packed in a way spreadsheet "
                "programs do not use; save the workbook again from your spreadsheet program"
            )
        packed = max(info.compress_size, 1)
        if info.file_size > RATIO_GRACE_BYTES and info.file_size > ratio * packed:
            raise InputRefused(
                f"the part {info.filename} of the workbook unpacks from {packed:,} to "
                f"{info.file_size:,} bytes, {info.file_size // packed:,} times its size, "
                f"which no spreadsheet does (a 'zip bomb'); flywheel accepts at most {ratio:,} "
                f"times (set {WORKBOOK_RATIO_ENV} to raise it)"
            )
        total += info.file_size
        if total > limit:
            raise InputRefused(
                f"the workbook unpacks to more than {limit:,} bytes (its part "
                f"{info.filename} alone to {info.file_size:,}); flywheel reads at most "
                f"{limit:,} (set {WORKBOOK_BYTES_ENV} to raise it)"
            )


# -- the parts, unpacked through a stream into expat ----------------------------------------------


@dataclass
class Part:
    """What the streaming pass saw in one XML part."""

    name: str
    root: str = ""
    elements: int = 0
    dimension: tuple[int, int] | None = None  # declared (last row, last column)
    rows: int = 0  # the last row number present
    columns: int = 0  # the last column number present
    cells: int = 0  # <c> elements
    over: bool = False  # the pass stopped: a limit is already exceeded
    sheets: list[tuple[str, str]] = field(default_factory=list)  # a workbook's (name, r:id)
    targets: dict[str, str] = field(default_factory=dict)  # a .rels part's Id → Target
    _row: int = 0
    _column: int = 0


class _Stop(Exception):
    """The part holds more than a limit: no need to read further."""


def _scan_parts(archive: zipfile.ZipFile) -> dict[str, Part]:
    parts: dict[str, Part] = {}
    unpacked, limit = 0, max_workbook_bytes()
    for info in archive.infolist():
        part = Part(info.filename)
        parser = _parser(part)
        parsing = True
        try:
            with archive.open(info) as stream:
                while chunk := stream.read(CHUNK):
                    unpacked += len(chunk)
                    if unpacked > limit:  # zipfile stops at the declared sizes, checked above
                        raise InputRefused(
                            f"the workbook unpacks to more than {limit:,} bytes; flywheel reads "
                            f"at most {limit:,} (set {WORKBOOK_BYTES_ENV} to raise it)"
                        )
                    parsing = parsing and _feed(parser, chunk)
                if parsing:
                    _feed(parser, b"", final=True)
        except _Stop:
            part.over = True
        except InputRefused:  # a refusal of ours (a ValueError too): as it is
            raise
        except (zipfile.BadZipFile, EOFError, OSError, ValueError) as problem:
            raise InputRefused(
                f"the part {info.filename} of the workbook is damaged: what it unpacks to does "
                f"not match the archive's directory ({problem}); save the workbook again from "
                "your spreadsheet program"
            ) from None
        parts[info.filename] = part
    return parts


def _feed(parser: expat.XMLParserType, chunk: bytes, final: bool = False) -> bool:
    """Feed expat; False once the part turns out not to be XML (images and the like)."""
    try:
        parser.Parse(chunk, final)
    except expat.ExpatError:
        return False
    return True


def _parser(part: Part) -> expat.XMLParserType:
    parser = expat.ParserCreate()
    limits = (max_sheet_rows(), max_sheet_columns(), max_sheet_cells())
    cells_limit = limits[2]

    def refuse_dtd(*_args: object) -> None:
        raise InputRefused(
            f"the part {part.name} of the workbook declares a DTD or entities, which no "
            "spreadsheet program writes; flywheel refuses them (they can expand without end "
            "or point at other files)",
            parser.CurrentLineNumber,
            parser.CurrentColumnNumber + 1,
        )

    def start(name: str, attributes: dict[str, str]) -> None:
        local = name.rsplit(":", 1)[-1]
        part.elements += 1
        if not part.root:
            part.root = local
        if part.root == "worksheet":
            if local in ("row", "c", "dimension"):
                _sheet_element(part, local, attributes)
                if _sheet_over(part, limits):
                    raise _Stop
            if part.elements > ELEMENTS_PER_CELL * cells_limit:
                raise _Stop
        elif part.elements > cells_limit:
            raise _Stop
        elif part.root == "workbook" and local == "sheet":
            rid = next((v for k, v in attributes.items() if k.endswith(":id")), "")
            part.sheets.append((attributes.get("name", ""), rid))
        elif part.root == "Relationships" and local == "Relationship":
            part.targets[attributes.get("Id", "")] = attributes.get("Target", "")

    parser.StartDoctypeDeclHandler = refuse_dtd
    parser.EntityDeclHandler = refuse_dtd
    parser.StartElementHandler = start
    return parser


def _sheet_element(part: Part, local: str, attributes: dict[str, str]) -> None:
    """Count a sheet's rows and cells the way openpyxl numbers them (``r``, else the next)."""
    if local == "dimension":
        try:
            _, _, last_column, last_row = range_boundaries(attributes.get("ref", ""))
        except (TypeError, ValueError):
            return
        part.dimension = (last_row or 0, last_column or 0)
    elif local == "row":
        part._row = _number(attributes.get("r"), part._row + 1)
        part._column = 0
        part.rows = max(part.rows, part._row)
    elif local == "c":
        part.cells += 1
        try:
            part._column = coordinate_to_tuple(attributes["r"])[1]
        except (KeyError, TypeError, ValueError):
            part._column += 1
        part.columns = max(part.columns, part._column)


def _number(text: str | None, default: int) -> int:
    try:
        return int(float(text)) if text is not None else default
    except (ValueError, OverflowError):
        return default


def _sheet_over(part: Part, limits: tuple[int, int, int]) -> bool:
    rows, columns, cells = limits
    if part.cells > cells or part.rows > rows or part.columns > columns:
        return True
    if part.rows * part.columns > cells:
        return True
    last_row, last_column = part.dimension or (0, 0)
    return last_row > rows or last_column > columns or last_row * last_column > cells


# -- the sheets' limits, named by the sheets' titles ----------------------------------------------


def _check_sheets(parts: dict[str, Part]) -> None:
    titles = _titles(parts)
    rows, columns, cells = max_sheet_rows(), max_sheet_columns(), max_sheet_cells()
    for part in parts.values():
        if part.root != "worksheet":
            if part.over:
                raise InputRefused(
                    f"the part {part.name} of the workbook holds more than {cells:,} XML "
                    f"elements; flywheel reads at most {cells:,} (set {SHEET_CELLS_ENV} to "
                    "raise it)"
                )
            continue
        sheet = f"the sheet “{titles.get(part.name, part.name)}”"
        for verb, (last_row, last_column) in (
            ("declares", part.dimension or (0, 0)),
            ("holds", (part.rows, part.columns)),
        ):
            size = f"{sheet} {verb} {last_row:,} rows × {last_column:,} columns"
            if last_row > rows:
                _refuse(f"{size}; flywheel reads at most {rows:,} rows", SHEET_ROWS_ENV)
            if last_column > columns:
                _refuse(f"{size}; flywheel reads at most {columns:,} columns", SHEET_COLUMNS_ENV)
            if last_row * last_column > cells:
                _refuse(
                    f"{size} ({last_row * last_column:,} cells); flywheel reads at most "
                    f"{cells:,} cells a sheet",
                    SHEET_CELLS_ENV,
                )
        if part.over:
            _refuse(
                f"{sheet} holds more than {cells:,} cells; flywheel reads at most {cells:,}",
                SHEET_CELLS_ENV,
            )


def _refuse(text: str, variable: str) -> None:
    raise InputRefused(
        f"{text} (set {variable} to raise it; delete stray cells far below or right of the "
        "data, or cut the sheet to its used range)"
    )


def _titles(parts: dict[str, Part]) -> dict[str, str]:
    """Each sheet part's title, from the workbook part and its relationships."""
    titles: dict[str, str] = {}
    for part in parts.values():
        if part.root != "workbook":
            continue
        folder, base = posixpath.split(part.name)
        rels = parts.get(posixpath.join(folder, "_rels", base + ".rels"))
        if rels is None:
            continue
        for name, rid in part.sheets:
            target = rels.targets.get(rid, "")
            path = target[1:] if target.startswith("/") else posixpath.join(folder, target)
            titles[posixpath.normpath(path)] = name
    return titles
