"""Limits on what flywheel reads, checked before a parser sees the data.

A case file is refused, with a message saying why, when it is empty, larger than the file limit,
holds a literal longer than the literal limit, is JSON nested deeper than any case needs, or is
XML that declares an external entity or DTD (flywheel never reads other files or the network
because of a case file) or entities that would expand beyond the literal limit ("billion
laughs"). The size limits can be changed with environment variables:

* ``FLYWHEEL_MAX_FILE_BYTES`` — the largest file or request body read as RDF (default 64 MiB),
  and the largest case of a request that brings many (``POST /cases``);
* ``FLYWHEEL_MAX_LITERAL_CHARS`` — the longest literal, in characters (default 1 Mi characters);
* ``FLYWHEEL_MAX_BULK_BYTES`` — the largest body of a request that brings many cases at once
  (default 1 GiB: about 1,200 synthetic cities of 4,000 triples, 0.86 MB each as N-Quads).
  Such a body is set aside on disk as it arrives and read case by case, never held in memory.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from xml.parsers import expat

import pyoxigraph as ox

from kg.errors import BadInput

FILE_ENV = "FLYWHEEL_MAX_FILE_BYTES"
LITERAL_ENV = "FLYWHEEL_MAX_LITERAL_CHARS"
BULK_ENV = "FLYWHEEL_MAX_BULK_BYTES"
DEFAULT_MAX_FILE_BYTES = 64 * 1024 * 1024
DEFAULT_MAX_LITERAL_CHARS = 1024 * 1024
DEFAULT_MAX_BULK_BYTES = 1024 * 1024 * 1024
MAX_JSON_DEPTH = 64

_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_JSON_BRACKET = re.compile(rb"[\[\]{}]")
_ENTITY_REF = re.compile(r"&([A-Za-z_:][\w.:-]*);")


class InputRefused(BadInput):
    """Data refused before parsing: what is wrong, and where when that is known."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None) -> None:
        self.message, self.line, self.column = message, line, column
        super().__init__(message)


def _env_int(name: str, default: int) -> int:
    text = os.environ.get(name, "").strip()
    try:
        value = int(text) if text else default
    except ValueError:
        return default
    return value if value > 0 else default


def max_file_bytes() -> int:
    """The largest file or body read as RDF, in bytes (``FLYWHEEL_MAX_FILE_BYTES``)."""
    return _env_int(FILE_ENV, DEFAULT_MAX_FILE_BYTES)


def max_literal_chars() -> int:
    """The longest literal accepted, in characters (``FLYWHEEL_MAX_LITERAL_CHARS``)."""
    return _env_int(LITERAL_ENV, DEFAULT_MAX_LITERAL_CHARS)


def max_bulk_bytes() -> int:
    """The largest request body bringing many cases at once, in bytes
    (``FLYWHEEL_MAX_BULK_BYTES``)."""
    return _env_int(BULK_ENV, DEFAULT_MAX_BULK_BYTES)


def check_size(size: int) -> None:
    """Refuse empty data and data over the file limit."""
    if size == 0:
        raise InputRefused("the file is empty: there is no case in it")
    limit = max_file_bytes()
    if size > limit:
        raise InputRefused(
            f"the file is {size:,} bytes, over flywheel's limit of {limit:,} bytes "
            f"(set {FILE_ENV} to raise it, or split the file by case)"
        )


def check_text(head: bytes) -> None:
    """Refuse data that is not UTF-8 text, from its first bytes: UTF-16/32 or binary."""
    for bom, name in ((b"\xff\xfe\x00\x00", "UTF-32"), (b"\x00\x00\xfe\xff", "UTF-32"),
                      (b"\xff\xfe", "UTF-16"), (b"\xfe\xff", "UTF-16")):  # fmt: skip
        if head.startswith(bom):
            raise InputRefused(f"the file is {name} text; flywheel reads RDF as UTF-8: save it "
                               "as UTF-8", 1, 1)  # fmt: skip
    if b"\x00" in head:
        raise InputRefused(
            "the file holds binary data (NUL bytes), not RDF text", 1, head.index(b"\x00") + 1
        )


def check_data(data: bytes, rdf_format: ox.RdfFormat) -> None:
    """The checks a parser cannot be trusted with: JSON nesting, XML entities and DTDs."""
    if rdf_format == ox.RdfFormat.JSON_LD:
        _check_json_depth(data)
    elif rdf_format == ox.RdfFormat.RDF_XML and (b"<!DOCTYPE" in data or b"<!ENTITY" in data):
        _check_xml(data)


def needs_data(rdf_format: ox.RdfFormat) -> bool:
    """Whether :func:`check_data` looks at data of this syntax (else the bytes need no read)."""
    return rdf_format in (ox.RdfFormat.JSON_LD, ox.RdfFormat.RDF_XML)


def check_literals(quads: Iterable[ox.Quad], size: int) -> None:
    """Refuse a literal over the literal limit (only data larger than the limit can hold one)."""
    limit = max_literal_chars()
    if size <= limit:
        return
    for quad in quads:
        value = quad.object
        if isinstance(value, ox.Literal) and len(value.value) > limit:
            raise InputRefused(
                f"a literal of {len(value.value):,} characters (object of <{quad.predicate.value}>"
                f") is over flywheel's limit of {limit:,} characters (set {LITERAL_ENV} to raise it)"
            )


def _check_json_depth(data: bytes) -> None:
    depth = 0
    text = _JSON_STRING.sub(b'""', data)
    for match in _JSON_BRACKET.finditer(text):
        depth += 1 if match.group() in (b"[", b"{") else -1
        if depth > MAX_JSON_DEPTH:
            line = text.count(b"\n", 0, match.start()) + 1  # JSON strings hold no raw newline
            raise InputRefused(
                f"the JSON is nested more than {MAX_JSON_DEPTH} levels deep; no case needs that "
                "(flywheel refuses it rather than exhaust memory)",
                line,
            )


def _check_xml(data: bytes) -> None:
    """Walk the XML's DTD with expat (which never fetches anything): refuse external DTDs and
    entities, and entities whose expansion would exceed the literal limit."""
    limit = max_literal_chars()
    sizes: dict[str, int] = {}
    parser = expat.ParserCreate()

    def where() -> tuple[int, int]:
        return parser.CurrentLineNumber, parser.CurrentColumnNumber + 1

    def doctype(name: str, system_id: str | None, public_id: str | None, _internal: bool) -> None:
        if system_id or public_id:
            raise InputRefused(
                f"the XML refers to an external DTD ({system_id or public_id}); flywheel never "
                "reads other files or the network because of a case file",
                *where(),
            )

    def entity(
        name: str,
        is_parameter: bool,
        value: str | None,
        _base: str | None,
        system_id: str | None,
        public_id: str | None,
        _notation: str | None,
    ) -> None:
        if value is None:
            kind = "parameter entity" if is_parameter else "entity"
            raise InputRefused(
                f"the XML declares the external {kind} '{name}' ({system_id or public_id}); "
                "flywheel never reads other files or the network because of a case file",
                *where(),
            )
        size = len(_ENTITY_REF.sub("", value)) + sum(
            sizes.get(ref, len(ref) + 2) for ref in _ENTITY_REF.findall(value)
        )
        sizes[name] = size
        if size > limit:
            raise InputRefused(
                f"the XML entity '{name}' would expand to {size:,} characters, over flywheel's "
                f"limit of {limit:,} (nested entities, the 'billion laughs' attack)",
                *where(),
            )

    text_size = 0

    def characters(text: str) -> None:
        nonlocal text_size
        text_size += len(text)
        if text_size > max(limit, len(data)):
            raise InputRefused(
                f"the XML's entities expand its text beyond {max(limit, len(data)):,} "
                "characters (the 'billion laughs' attack)",
                *where(),
            )

    parser.StartDoctypeDeclHandler = doctype
    parser.EntityDeclHandler = entity
    parser.CharacterDataHandler = characters
    try:
        parser.Parse(data, True)
    except expat.ExpatError as error:
        if error.code == expat.errors.codes[expat.errors.XML_ERROR_AMPLIFICATION_LIMIT_BREACH]:
            raise InputRefused(
                "the XML's entities expand far beyond its size (the 'billion laughs' attack)",
                error.lineno,
                error.offset + 1,
            ) from None
        # otherwise not well-formed: the RDF parser says where, in its own words


# --- queries ---------------------------------------------------------------------------------

QUERY_ENV = "FLYWHEEL_MAX_QUERY_BYTES"
DEFAULT_MAX_QUERY_BYTES = 1024 * 1024
# How deep a query may go. The engine parses and evaluates recursively: measured with pyoxigraph
# 0.5 on the usual 8 MiB stack (bench/query_depth.py), nested EXISTS crash it at about 830
# levels, nested function calls at about 920, nested groups at about 2,200; a group of about
# 2,600 MINUS, 6,500 UNIONs or 8,000 triple patterns, or 6,800 chained '+', crash it too. Queries
# run on a 256 MiB stack (kg.store.workers.STACK_BYTES), 32 times that; no real query nests more than
# a few dozen levels or joins more than a few hundred patterns.
MAX_QUERY_DEPTH = 128  # brackets ({ ( [ << …) nested
MAX_QUERY_CHAIN = 10_000  # triple patterns, groups, operators, UNIONs … in all
WORKER_MEMORY_ENV = "FLYWHEEL_WORKER_MEMORY_MB"
DEFAULT_WORKER_MEMORY_MB = 2048


def max_query_bytes() -> int:
    """The longest query accepted, in bytes of UTF-8 (``FLYWHEEL_MAX_QUERY_BYTES``)."""
    return _env_int(QUERY_ENV, DEFAULT_MAX_QUERY_BYTES)


def worker_memory_bytes() -> int:
    """How much memory a query worker process may take (``FLYWHEEL_WORKER_MEMORY_MB``)."""
    return _env_int(WORKER_MEMORY_ENV, DEFAULT_WORKER_MEMORY_MB) * 1024 * 1024


# ------------------------------------------------------------------------------------------------
# Workbooks (.xlsx): checked as a zip archive and sheet by sheet before openpyxl reads them
# ------------------------------------------------------------------------------------------------
# A coding workbook holds one case. The bundled cases fill at most 18 rows of a sheet, the
# template's dropdowns reach 1,000 rows and the widest sheet has 31 columns; a city coded in great
# detail might fill a few thousand rows. The defaults are far above that and far below what
# exhausts a machine (a row of 16,384 columns alone is 16,384 cells held in memory).

WORKBOOK_BYTES_ENV = "FLYWHEEL_MAX_WORKBOOK_BYTES"
WORKBOOK_PARTS_ENV = "FLYWHEEL_MAX_WORKBOOK_PARTS"
WORKBOOK_RATIO_ENV = "FLYWHEEL_MAX_WORKBOOK_RATIO"
SHEET_ROWS_ENV = "FLYWHEEL_MAX_SHEET_ROWS"
SHEET_COLUMNS_ENV = "FLYWHEEL_MAX_SHEET_COLUMNS"
SHEET_CELLS_ENV = "FLYWHEEL_MAX_SHEET_CELLS"
# the workbook unpacked: the template is 0.12 MB, a sheet of 2,000,000 cells about 80 MB
DEFAULT_MAX_WORKBOOK_BYTES = 128 * 1024 * 1024
DEFAULT_MAX_WORKBOOK_PARTS = 2000  # files in the archive: the template has 50, 4 a sheet
# unpacked size / packed size of one part over 1 MiB: a sheet's XML packs 5 to 20 times, a zip
# bomb about 1,000 times; Apache POI refuses over 100 as well (ZipSecureFile's inflate ratio)
DEFAULT_MAX_WORKBOOK_RATIO = 100
RATIO_GRACE_BYTES = 1024 * 1024  # smaller parts may pack as well as they like
DEFAULT_MAX_SHEET_ROWS = 100_000  # 100 times the template's dropdowns
DEFAULT_MAX_SHEET_COLUMNS = 1000  # 30 times the widest sheet
DEFAULT_MAX_SHEET_CELLS = 2_000_000  # rows × columns of a sheet's used range


def max_workbook_bytes() -> int:
    """The most a workbook may unpack to, all its parts together (``FLYWHEEL_MAX_WORKBOOK_BYTES``)."""
    return _env_int(WORKBOOK_BYTES_ENV, DEFAULT_MAX_WORKBOOK_BYTES)


def max_workbook_parts() -> int:
    """The most files a workbook's archive may hold (``FLYWHEEL_MAX_WORKBOOK_PARTS``)."""
    return _env_int(WORKBOOK_PARTS_ENV, DEFAULT_MAX_WORKBOOK_PARTS)


def max_workbook_ratio() -> int:
    """The most a part over 1 MiB may unpack to, per packed byte (``FLYWHEEL_MAX_WORKBOOK_RATIO``)."""
    return _env_int(WORKBOOK_RATIO_ENV, DEFAULT_MAX_WORKBOOK_RATIO)


def max_sheet_rows() -> int:
    """The most rows a sheet may declare or hold (``FLYWHEEL_MAX_SHEET_ROWS``)."""
    return _env_int(SHEET_ROWS_ENV, DEFAULT_MAX_SHEET_ROWS)


def max_sheet_columns() -> int:
    """The most columns a sheet may declare or hold (``FLYWHEEL_MAX_SHEET_COLUMNS``)."""
    return _env_int(SHEET_COLUMNS_ENV, DEFAULT_MAX_SHEET_COLUMNS)


def max_sheet_cells() -> int:
    """The most cells a sheet may declare or hold (``FLYWHEEL_MAX_SHEET_CELLS``)."""
    return _env_int(SHEET_CELLS_ENV, DEFAULT_MAX_SHEET_CELLS)
