"""Hostile workbooks (issue 12, item 6): spreadsheet bombs are refused before openpyxl reads them,
with a message naming the limit; formulas and links to other workbooks are read as text.

Each workbook is built here, small on disk, from the made-up city of tests/test_workbook.py, and
run through the real ``flywheel import``. The import writes no store: "nothing changed" means the
output file was not written. No API route takes a workbook, so there is no HTTP side to test.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.worksheet.formula import ArrayFormula
from rdflib import Literal

from kg.rdf.read import read_cases
from tests.conftest import run_flywheel
from tests.servers import Listener
from tests.test_workbook import LAKE, lakeside, save_xlsx

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
ROW = b'<row><c t="inlineStr"><is><t>x</t></is></c></row>'  # 51 bytes a row


def actions_part(workbook: Path) -> str:
    """The archive path of the "actions" sheet (openpyxl numbers sheets in order)."""
    names = load_workbook(workbook, read_only=True).sheetnames
    return f"xl/worksheets/sheet{names.index('actions') + 1}.xml"


def rewrite(
    source: Path, target: Path, change: Callable[[str, bytes], bytes | None], extra=()
) -> Path:
    """Copy a workbook, passing each part through ``change`` (None drops it), then add ``extra``
    (name, bytes) parts."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            data = change(info.filename, old.read(info))
            if data is not None:
                new.writestr(info.filename, data)
        for name, data in extra:
            new.writestr(name, data)
    return target


@pytest.fixture
def lake(tmp_path) -> Path:
    return save_xlsx(lakeside(), tmp_path / "lakeside.xlsx")


def refused(workbook: Path, *words: str) -> str:
    """Import the workbook; check it is refused (exit 2) in words, and nothing is written."""
    out = workbook.with_suffix(".ttl")
    result = run_flywheel("import", str(workbook), "-o", str(out))
    assert result.returncode == 2, result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    assert f"error: {workbook.name} was not read: " in result.stderr
    for word in words:
        assert word in result.stderr, result.stderr[-2000:]
    assert "nothing was written" in result.stderr
    assert not out.exists()
    return result.stderr


# ------------------------------------------------------------------------------------------------
# Sheet dimensions
# ------------------------------------------------------------------------------------------------


def test_a_sheet_declaring_the_whole_grid_is_refused(lake, tmp_path) -> None:
    """The issue's input: a small workbook whose actions sheet says A1:XFD1048576."""
    part = actions_part(lake)

    def whole_grid(name: str, data: bytes) -> bytes:
        if name != part:
            return data
        data, count = re.subn(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:XFD1048576"', data)
        assert count == 1
        return data

    workbook = rewrite(lake, tmp_path / "grid.xlsx", whole_grid)
    refused(
        workbook,
        "the sheet “actions” declares 1,048,576 rows × 16,384 columns",
        "at most 100,000 rows",
        "FLYWHEEL_MAX_SHEET_ROWS",
    )


@pytest.mark.parametrize(
    ("cell", "words"),
    [
        ("A150000", ("holds 150,000 rows", "FLYWHEEL_MAX_SHEET_ROWS")),
        ("XFD3", ("holds 3 rows × 16,384 columns", "FLYWHEEL_MAX_SHEET_COLUMNS")),
        (
            "ZZ9000",
            ("holds 9,000 rows × 702 columns (6,318,000 cells)", "FLYWHEEL_MAX_SHEET_CELLS"),
        ),
    ],
)
def test_a_stray_cell_far_out_is_refused(lake, tmp_path, cell: str, words) -> None:
    """No dimension to go by (it is dropped): the cells present are counted."""
    part, row = actions_part(lake), cell.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    stray = f'<row r="{row}"><c r="{cell}" t="inlineStr"><is><t>end</t></is></c></row>'

    def far_cell(name: str, data: bytes) -> bytes:
        if name != part:
            return data
        data = re.sub(rb"<dimension [^>]*/>", b"", data)
        return data.replace(b"</sheetData>", stray.encode() + b"</sheetData>")

    refused(rewrite(lake, tmp_path / "stray.xlsx", far_cell), "the sheet “actions”", *words)


@pytest.mark.slow
def test_sheet_limits_are_set_by_environment_variables(lake, monkeypatch) -> None:
    """The made-up city's widest sheet is "case": a header and one row, 17 columns."""
    monkeypatch.setenv("FLYWHEEL_MAX_SHEET_COLUMNS", "16")
    refused(
        lake,
        "the sheet “case” declares 2 rows × 17 columns; flywheel reads at most 16 columns",
        "FLYWHEEL_MAX_SHEET_COLUMNS",
    )
    monkeypatch.setenv("FLYWHEEL_MAX_SHEET_COLUMNS", "17")
    result = run_flywheel("import", str(lake), "-o", str(lake.with_suffix(".ttl")))
    assert result.returncode == 0, result.stderr


# ------------------------------------------------------------------------------------------------
# The archive: zip bombs, a lying directory, too many parts
# ------------------------------------------------------------------------------------------------


def bomb_rows(target: zipfile.ZipFile, name: str, size: int, declared: int | None = None) -> None:
    """Write a sheet part of ``size`` bytes of rows, highly compressible, streamed."""
    info = zipfile.ZipInfo(name)
    info.compress_type = zipfile.ZIP_DEFLATED
    with target.open(info, "w", force_zip64=True) as out:
        out.write(f'<worksheet xmlns="{MAIN}"><sheetData>'.encode())
        chunk = ROW * 20_000
        for _ in range(size // len(chunk)):
            out.write(chunk)
        out.write(b"</sheetData></worksheet>")


def with_bomb(lake: Path, target: Path, size: int) -> Path:
    part = actions_part(lake)
    rewrite(lake, target, lambda name, data: None if name == part else data)
    with zipfile.ZipFile(target, "a", zipfile.ZIP_DEFLATED) as archive:
        bomb_rows(archive, part, size)
    return target


@pytest.mark.slow
def test_a_zip_bomb_is_refused_from_the_directory(lake, tmp_path) -> None:
    """A sheet of 150 MB of rows, packed about 340 times: refused as a bomb, unread."""
    workbook = with_bomb(lake, tmp_path / "bomb.xlsx", 150_000_000)
    assert workbook.stat().st_size < 1_000_000
    refused(workbook, "times its size", "zip bomb", "FLYWHEEL_MAX_WORKBOOK_RATIO")


@pytest.mark.slow
def test_a_workbook_unpacking_past_the_limit_is_refused(lake, tmp_path, monkeypatch) -> None:
    """With the ratio allowed, the total size limit (128 MiB) still holds."""
    monkeypatch.setenv("FLYWHEEL_MAX_WORKBOOK_RATIO", "100000")
    workbook = with_bomb(lake, tmp_path / "bomb.xlsx", 150_000_000)
    refused(workbook, "unpacks to more than 134,217,728 bytes", "FLYWHEEL_MAX_WORKBOOK_BYTES")


def test_a_directory_that_lies_about_the_size_is_refused(lake, tmp_path) -> None:
    """The directory says the 20 MB sheet unpacks to 2,000 bytes: zipfile stops there, and the
    checksum shows the lie."""
    workbook = with_bomb(lake, tmp_path / "liar.xlsx", 20_000_000)
    data = bytearray(workbook.read_bytes())
    name_at = data.rindex(actions_part(lake).encode())  # its entry in the central directory
    entry = data.rindex(b"PK\x01\x02", 0, name_at)
    assert entry + 46 == name_at
    data[entry + 24 : entry + 28] = (2000).to_bytes(4, "little")  # the unpacked size
    workbook.write_bytes(bytes(data))
    with zipfile.ZipFile(workbook) as archive:
        assert archive.getinfo(actions_part(lake)).file_size == 2000
    refused(workbook, f"the part {actions_part(lake)}", "is damaged", "archive's directory")


def test_too_many_parts_are_refused(lake, tmp_path) -> None:
    extra = [(f"customXml/item{n}.xml", b"<a/>") for n in range(2100)]
    workbook = rewrite(lake, tmp_path / "parts.xlsx", lambda name, data: data, extra)
    refused(
        workbook, "holds 2,", "files; flywheel reads at most 2,000", "FLYWHEEL_MAX_WORKBOOK_PARTS"
    )


@pytest.mark.slow
def test_a_part_with_too_many_elements_is_refused(lake, tmp_path) -> None:
    """1,050,000 shared strings, 2,100,000 elements (25 MB unpacked), in a part openpyxl
    would read whole."""
    items = "".join(f"<si><t>{n}</t></si>" for n in range(1_050_000))
    strings = f'<sst xmlns="{MAIN}">{items}</sst>'.encode()
    content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"

    def listed(name: str, data: bytes) -> bytes:
        if name != "[Content_Types].xml":
            return data
        override = f'<Override PartName="/xl/sharedStrings.xml" ContentType="{content_type}"/>'
        return data.replace(b"</Types>", override.encode() + b"</Types>")

    extra = [("xl/sharedStrings.xml", strings)]
    workbook = rewrite(lake, tmp_path / "strings.xlsx", listed, extra)
    refused(workbook, "xl/sharedStrings.xml", "2,000,000 XML elements", "FLYWHEEL_MAX_SHEET_CELLS")


def test_a_dtd_in_a_sheet_is_refused(lake, tmp_path) -> None:
    part = actions_part(lake)

    def with_entity(name: str, data: bytes) -> bytes:
        if name != part:
            return data
        data = re.sub(rb"^<\?xml[^>]*\?>", b"", data)
        data = b'<!DOCTYPE worksheet [<!ENTITY e "ent">]>' + data
        return data.replace(b"<t>act-plan</t>", b"<t>&e;</t>", 1)

    workbook = rewrite(lake, tmp_path / "dtd.xlsx", with_entity)
    refused(workbook, f"the part {part}", "declares a DTD or entities", "(line 1, column ")


# ------------------------------------------------------------------------------------------------
# Formulas and links to other workbooks: read as text, never evaluated or followed
# ------------------------------------------------------------------------------------------------


@pytest.fixture
def listener() -> Iterator[Listener]:
    server = Listener()
    yield server
    server.close()


def test_formulas_are_read_as_their_text(tmp_path, listener) -> None:
    sheets = lakeside()
    url = f"{listener.url}/hyperlink"
    hyperlink = f'=HYPERLINK("{url}","click")'
    webservice = f'=WEBSERVICE("{listener.url}/webservice")'
    command = "=cmd|' /C calc'!A0"
    case = sheets["case"]
    case[1][case[0].index("title (en)")] = hyperlink
    case[1][case[0].index("province (en)")] = webservice
    case[1][case[0].index("city label (en)")] = command
    workbook = save_xlsx(sheets, tmp_path / "formulas.xlsx")
    edit = load_workbook(workbook)
    case_sheet = edit["case"]
    label = case_sheet.cell(row=2, column=case[0].index("case label (en)") + 1)
    label.value, label.data_type = "=1+1", "s"  # a text cell that starts with =
    zh = case_sheet.cell(row=2, column=case[0].index("province (zh)") + 1)
    zh.value = ArrayFormula(zh.coordinate, "=SUM(1,2)")
    edit.save(workbook)
    with zipfile.ZipFile(workbook) as archive:  # a formula, as written (no cached value)
        assert b"<f>HYPERLINK(" in archive.read("xl/worksheets/sheet1.xml")

    out = tmp_path / "formulas.ttl"
    result = run_flywheel("import", str(workbook), "-o", str(out))
    assert result.returncode in (0, 1), result.stderr
    values = set(read_cases(out)[0].graph.objects())
    for formula, lang in (
        (hyperlink, "en"),
        (webservice, "en"),
        (command, "en"),
        ("=1+1", "en"),
        ("=SUM(1,2)", "zh"),
    ):
        assert Literal(formula, lang=lang) in values, formula
    assert listener.caught_up() == 0


def external_link(url: str) -> list[tuple[str, bytes]]:
    """The parts of a link to another workbook at ``url``."""
    link = (
        f'<externalLink xmlns="{MAIN}" xmlns:r="http://schemas.openxmlformats.org/'
        'officeDocument/2006/relationships"><externalBook r:id="rId1"><sheetNames>'
        '<sheetName val="Sheet1"/></sheetNames></externalBook></externalLink>'
    )
    rels = (
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        f'relationships/externalLinkPath" Target="{url}" TargetMode="External"/></Relationships>'
    )
    return [
        ("xl/externalLinks/externalLink1.xml", link.encode()),
        ("xl/externalLinks/_rels/externalLink1.xml.rels", rels.encode()),
    ]


def test_links_to_other_workbooks_are_never_followed(lake, tmp_path, listener) -> None:
    title = "=[1]Sheet1!A1"  # a cell of the other workbook
    link_type = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/externalLink"

    def linked(name: str, data: bytes) -> bytes:
        if name == "xl/workbook.xml":
            return data.replace(
                b"</sheets>",
                b'</sheets><externalReferences><externalReference r:id="rId99"/>'
                b"</externalReferences>",
            )
        if name == "xl/_rels/workbook.xml.rels":
            return data.replace(
                b"</Relationships>",
                f'<Relationship Id="rId99" Type="{link_type}" '
                'Target="externalLinks/externalLink1.xml"/></Relationships>'.encode(),
            )
        if name == "[Content_Types].xml":
            return data.replace(
                b"</Types>",
                b'<Override PartName="/xl/externalLinks/externalLink1.xml" ContentType='
                b'"application/vnd.openxmlformats-officedocument.spreadsheetml.externalLink+xml"'
                b"/></Types>",
            )
        if name == "xl/worksheets/sheet1.xml":
            return data.replace(
                b'<c r="C2" t="inlineStr"><is><t>Lakeside (made up)</t></is></c>',
                b'<c r="C2" t="str"><f>[1]Sheet1!A1</f><v>cached</v></c>',
            )
        return data

    workbook = rewrite(lake, tmp_path / "linked.xlsx", linked, external_link(listener.url + "/x"))
    with zipfile.ZipFile(workbook) as archive:
        assert b"<f>[1]Sheet1!A1</f>" in archive.read("xl/worksheets/sheet1.xml")
    out = tmp_path / "linked.ttl"
    result = run_flywheel("import", str(workbook), "-o", str(out))
    assert result.returncode in (0, 1), result.stderr
    graph = read_cases(out)[0].graph
    assert Literal(title, lang="en") in set(graph.objects())
    assert Literal("cached", lang="en") not in set(graph.objects())
    assert listener.caught_up() == 0
    assert LAKE in {str(s) for s in graph.subjects()}
