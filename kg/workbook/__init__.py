"""Coding a case in a spreadsheet: the empty workbook, reading a filled one, writing a case back.

A workbook (an .xlsx file, or a folder with one CSV file a sheet) has one sheet per kind of record
(see :mod:`kg.workbook.schema`). :func:`write_template` writes an empty one, :func:`read_workbook`
turns a filled one into a case graph (collecting every mistake, with its sheet, row and column,
before giving up), and :func:`write_case` writes a case graph back into a workbook so that reading
it again gives the same graph. Whatever fits no column goes to the "other statements" sheet.

A value with its own evidence, confidence and coder is a row of the claims sheet: one
``fw:Claim`` node (``fw:claimAbout`` the record, ``fw:claimProperty``, ``fw:claimValue``,
``fw:codedBy``, ``fw:confidence``, ``fw:hasEvidence``), named by its id or, without one, by
:func:`kg.workbook.values.claim_iri`. Earlier workbooks code a second coder as a second row with
the same id and another coder: the first row's values are the record's, every later row becomes
claims beside it (one per value, without evidence or confidence), so no coding overwrites
another. Both are read; export writes each claim where it came from. Query 23 lists them.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable
from pathlib import Path
from typing import cast

from rdflib import Graph

from kg.limits import InputRefused
from kg.text import delimited_rows, restore, visible
from kg.version import ONTOLOGY_VERSION_IRI
from kg.workbook.guard import checked_workbook
from kg.workbook.read import Table, WorkbookReader, cell_text
from kg.workbook.schema import ALL_SHEETS, INSTRUCTIONS, LISTS, LISTS_SHEET, Kind, Sheet
from kg.workbook.values import (
    MAX_ROWS,
    CellError,
    WorkbookError,
    choices,
    column_letter,
    listed,
    norm,
    short,
)
from kg.workbook.write import case_tables

__all__ = [
    "CellError",
    "WorkbookError",
    "case_tables",
    "read_workbook",
    "read_workbook_noting",
    "write_case",
    "write_template",
]


def _sheet_for(name: str) -> Sheet | None:
    key = norm(Path(name).stem if name.lower().endswith(".csv") else name)
    for sheet in ALL_SHEETS:
        if key in {norm(sheet.key), norm(sheet.en), norm(sheet.zh)}:
            return sheet
    return None


def _read_tables(path: Path) -> dict[str, Table]:
    tables: dict[str, Table] = {}
    if path.is_dir():
        for file in sorted(path.glob("*.csv")):
            sheet = _sheet_for(file.name)
            if sheet is None:
                continue
            with file.open(encoding="utf-8-sig", newline="") as handle:
                rows = [[restore(c) for c in r] for r in csv.reader(handle)]
            tables[sheet.key] = Table(file.name, rows[0] if rows else [], rows[1:])
        return tables
    from openpyxl import load_workbook

    # formulas are read as their text (data_only=False), never evaluated; links to other
    # workbooks are dropped unread (keep_links=False)
    workbook = load_workbook(checked_workbook(path), read_only=True, keep_links=False)
    try:
        for worksheet in workbook.worksheets:
            sheet = _sheet_for(worksheet.title)
            if sheet is None:
                continue
            worksheet.reset_dimensions()  # rows as wide as their cells, not the declared size
            values = list(worksheet.iter_rows(values_only=True))
            rows = [[cell_text(v) for v in row] for row in values]
            dates = frozenset(
                (i - 1, j)
                for i, row in enumerate(values)
                for j, v in enumerate(row)
                if i > 0 and isinstance(v, dt.date)  # a datetime is a date too
            )
            tables[sheet.key] = Table(worksheet.title, rows[0] if rows else [], rows[1:], dates)
    finally:
        workbook.close()
    return tables


def read_workbook(path: Path | str) -> tuple[str, Graph]:
    """Read a filled workbook (.xlsx, or a folder of CSV files): the case IRI and its graph.

    Raises WorkbookError listing every mistake (sheet, row, column, what is wrong).
    """
    case_iri, graph, _notes = read_workbook_noting(path)
    return case_iri, graph


def read_workbook_noting(path: Path | str) -> tuple[str, Graph, list[CellError]]:
    """:func:`read_workbook`, with notes on what was read but may not be what was meant (a
    date the spreadsheet held as a date, read as a day)."""
    path = Path(path)
    if not path.is_dir() and path.suffix.lower() not in (".xlsx", ".xlsm"):
        raise WorkbookError(
            str(path),
            [
                CellError(
                    "",
                    0,
                    "",
                    "",
                    f"{path.name} is neither an .xlsx workbook nor a folder of CSV files",
                )
            ],
        )
    try:
        tables = _read_tables(path)
    except InputRefused as refused:
        where = f" (line {refused.line}, column {refused.column})" if refused.line else ""
        message = f"{path.name} was not read: {refused.message}{where}"
        raise WorkbookError(str(path), [CellError("", 0, "", "", message)]) from None
    except Exception as problem:  # openpyxl and zipfile raise their own kinds
        raise WorkbookError(
            str(path),
            [CellError("", 0, "", "", f"{path.name} cannot be read as a workbook: {problem}")],
        ) from None
    reader = WorkbookReader(tables)
    graph = reader.read()
    if reader.errors:
        raise WorkbookError(str(path), reader.errors)
    return reader.ns[:-1], graph, reader.notes


# ------------------------------------------------------------------------------------------------
# Files: .xlsx or a folder of CSV
# ------------------------------------------------------------------------------------------------


def _grid(sheet: Sheet, rows: Iterable[dict[str, str]], lang: str) -> list[list[str]]:
    return [
        [c.header(lang) for c in sheet.columns],
        *([row.get(c.key, "") for c in sheet.columns] for row in rows),
    ]


def _instructions(lang: str) -> list[str]:
    zh = lang == "zh"
    lines = [
        "flywheel-kg 编码工作簿" if zh else "flywheel-kg coding workbook",
        "",
        (
            "每个工作表记录一类内容,每行一条记录。每条记录有一个编号(id:字母、数字及 - _ .),其他工作表"
            "中的引用列写这些编号,多个编号以 ; 分隔。"
        )
        if zh
        else (
            "Each sheet holds one kind of record, one record a row. Every record has an id (letters, "
            "digits, - _ .); columns that refer to other records hold their ids, separated by ;."
        ),
        ("带下拉列表的列只接受本体中的受控值(中文或英文名称均可)。")
        if zh
        else (
            "Columns with a dropdown take the ontology's controlled values (English or Chinese "
            "names both work)."
        ),
        (
            "日期按 EDTF(扩展日期/时间格式)第 0、1 级书写,照来源所说的精确程度写:2016-04-13(精确到日)、"
            "2016-04(月)、2016(年)、2016/2017(两年之间某日)、2016-21(2016 年春季)、"
            "../2018-06(不晚于 2018 年 6 月:最早见证于该月的来源)、2020/..(2020 年或以后);"
            "结束日期写“..”表示至今尚未结束;完全不知写“未知”。来源只说“大概”时可加问号(2016-04?),"
            "并在证据中把置信度记为“疑似”。导入时同时记下所写原文、可比较的日期、最早与最晚界限及精度,"
            "查询据此回答“确定/可能/否”,并给出历时的最短与最长值。"
        )
        if zh
        else (
            "Dates are written in EDTF (Extended Date/Time Format) levels 0 and 1, as precisely as "
            "the source says: 2016-04-13 (to the day), 2016-04 (month), 2016 (year), 2016/2017 "
            "(some day in those years), 2016-21 (spring 2016), ../2018-06 (on or before June "
            "2018: first attested in a source of that month), 2020/.. (2020 or later); an end "
            "date of .. means not yet ended; unknown when nothing is known. A source's "
            "'probably' may be kept with a question mark (2016-04?); then grade the evidence "
            "'suspected'. Importing keeps the date as written, a comparable day, its earliest "
            "and latest bounds and its precision: the queries answer 'certainly / possibly / "
            "not' with them and give durations as a fewest and a most."
        ),
        ("置信度与所编码的值分开记录在“证据”表中:每条记录在其“证据”列引用证据编号。")
        if zh
        else (
            "Confidence is kept apart from the coded value, on the evidence sheet: each record "
            "names its evidence ids in its evidence column."
        ),
        (
            "某一个值(阶段时期的起止日期或阶段、行动的逻辑、机制或发生时期、主体的类别、角色的主体类型、"
            "数据流动的回路环节等)可能有争议时,在“编码断言”表中为其单独写一行:所涉记录的编号、属性、值"
            "(按该属性所在列的写法)、编码者、置信度、证据编号。记录本身单元格中的值仍为采纳值;"
            "值不同的断言作为另一种编码并列保存。例:记录 ep-startup,属性“起始日期”,值 2016-10,"
            "编码者 B,置信度“未经核实的报道”,证据 ev-news。编号可留空。"
        )
        if zh
        else (
            "When one value may be disputed (an episode's dates or stage, an action's logic, "
            "mechanism or episode, an actor's kind, a role's kind of actor, a flow's loop step, "
            "…), give it its own row on the claims sheet: the record's id, the property, the "
            "value (as that property's own column takes it), the coder, the confidence and the "
            "evidence ids. The record's own cell stays the accepted value; a claim with another "
            "value is a competing coding kept beside it. Example: record ep-startup, property "
            "start date, value 2016-10, coder B. Scholar, confidence unverified report, evidence "
            "ev-news. The id may be left empty."
        ),
        (
            "旧版工作簿中,第二位编码者以同一编号另写一行(“编码者”列填写其姓名)的做法仍可读取,"
            "但由此得到的断言没有自己的证据与置信度;新的编码请使用“编码断言”表。查询 23 列出分歧。"
        )
        if zh
        else (
            "A second coder's row on a record's own sheet (the same id, the coder's name in the "
            "coder column), as earlier workbooks have it, is still read, but the claims it gives "
            "have no evidence or confidence of their own: use the claims sheet for new codings. "
            "Query 23 lists the disagreements."
        ),
        (
            "职位与任职:职位表记录职位及其所属组织;任职表记录何人(行动主体表中的个人)何时担任何职,"
            "起止日期写法同角色表。例:职位 post-secretary(河畔市委书记,所在机构 committee);"
            "任职 tenure-1,任职者 secretary,职位 post-secretary,起始日期 2016-05,结束日期 2021。"
        )
        if zh
        else (
            "Posts and tenures: the posts sheet holds positions and the organisation each belongs "
            "to; the tenures sheet says who (a person on the actors sheet) held which post, from "
            "when to when, dated as on the roles sheet. Example: post post-secretary (party "
            "secretary of Riverside, organisation committee); tenure tenure-1, holder secretary, "
            "post post-secretary, start date 2016-05, end date 2021."
        ),
        ("然后运行:flywheel import 本文件 -o case.ttl(导入并校验)。")
        if zh
        else ("Then run: flywheel import THIS-FILE -o case.ttl (reads and validates the case)."),
        "",
    ]
    for sheet in ALL_SHEETS:
        about = sheet.about_zh if zh else sheet.about_en
        lines.append(f"{sheet.name(lang)}: {about}")
        for column in sheet.columns:
            note = column.note_zh if zh else column.note_en
            if column.choices:
                note = ("可选值:" if zh else "one of: ") + listed(column.choices, lang)
            if note:
                lines.append(f"    {column.header(lang)}: {note}")
    return lines


def write_template(path: Path | str, lang: str = "en", as_csv: bool | None = None) -> Path:
    """Write an empty coding workbook (.xlsx, or a folder of CSV files when ``as_csv``)."""
    path = Path(path)
    empty: dict[str, list[dict[str, str]]] = {sheet.key: [] for sheet in ALL_SHEETS}
    empty["case"] = [{"imports": ONTOLOGY_VERSION_IRI}]  # what a case imports
    return _write(path, empty, lang, as_csv)


def write_case(
    graph: Graph,
    path: Path | str,
    case_iri: str | None = None,
    lang: str = "en",
    as_csv: bool | None = None,
) -> Path:
    """Write a case graph into a workbook that reads back as the same graph."""
    return _write(Path(path), case_tables(graph, case_iri, lang), lang, as_csv)


def _write(
    path: Path, tables: dict[str, list[dict[str, str]]], lang: str, as_csv: bool | None
) -> Path:
    if as_csv is None:
        as_csv = path.suffix.lower() != ".xlsx"
    if as_csv:
        path.mkdir(parents=True, exist_ok=True)
        for sheet in ALL_SHEETS:
            _write_csv(path / f"{sheet.key}.csv", _grid(sheet, tables.get(sheet.key, []), lang))
        (path / "instructions.txt").write_text(
            "\n".join(_instructions(lang)) + "\n", encoding="utf-8"
        )
        listed_choices = [
            [
                LISTS[name].zh if lang == "zh" else LISTS[name].en,
                choice.en,
                choice.zh,
                short(str(choice.iri)),
            ]
            for name in LISTS
            for choice in choices(name)
        ]
        _write_csv(path / "lists.csv", [["list", "English", "中文", "IRI"], *listed_choices])
        return path
    _write_xlsx(path, tables, lang)
    return path


def _write_csv(file: Path, rows: list[list[str]]) -> None:
    """One sheet as CSV, safe to open in a spreadsheet (kg.render.tables.delimited_rows: a text that
    would run as a formula gets a leading ', undone on import); the text is kept exactly."""
    text = delimited_rows(rows, newline="\r\n", controls_visible=False)
    file.write_text(text, encoding="utf-8-sig", newline="")


def _write_xlsx(path: Path, tables: dict[str, list[dict[str, str]]], lang: str) -> None:
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font
    from openpyxl.worksheet.datavalidation import DataValidation
    from openpyxl.worksheet.worksheet import Worksheet

    workbook = Workbook()
    # a new workbook's active sheet is its one worksheet (the stub allows a chartsheet or None)
    guide = cast(Worksheet, workbook.active)
    guide.title = INSTRUCTIONS[2] if lang == "zh" else INSTRUCTIONS[1]
    for line in _instructions(lang):
        guide.append([line])
    guide.column_dimensions["A"].width = 120
    guide["A1"].font = Font(bold=True, size=14)

    lists = workbook.create_sheet(LISTS_SHEET[2] if lang == "zh" else LISTS_SHEET[1])
    ranges: dict[str, str] = {}
    for position, name in enumerate(LISTS):
        letter = column_letter(position)
        values = choices(name)
        lists.cell(
            row=1, column=position + 1, value=LISTS[name].zh if lang == "zh" else LISTS[name].en
        )
        for offset, choice in enumerate(values, start=2):
            lists.cell(row=offset, column=position + 1, value=choice.label(lang))
        ranges[name] = f"'{lists.title}'!${letter}$2:${letter}${len(values) + 1}"
    lists.sheet_state = "hidden"

    for sheet in ALL_SHEETS:
        worksheet = workbook.create_sheet(sheet.name(lang))
        rows = tables.get(sheet.key, [])
        for row_number, texts in enumerate(_grid(sheet, rows, lang), start=1):
            for column_number, value in enumerate(texts, start=1):
                if value == "":
                    continue
                # a worksheet cannot hold control characters: they are written out as \x1b
                cell = worksheet.cell(row=row_number, column=column_number, value=visible(value))
                cell.data_type = "s"  # text, never a formula or a number
                cell.number_format = "@"
                if "\n" in value:
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
        for index, column in enumerate(sheet.columns):
            letter = column_letter(index)
            head = worksheet[f"{letter}1"]
            head.font = Font(bold=True)
            note = column.note_zh if lang == "zh" else column.note_en
            if note:
                head.comment = Comment(note, "flywheel-kg")
            worksheet.column_dimensions[letter].width = max(12, min(40, len(head.value or "") + 4))
            last = max(MAX_ROWS, len(rows) + 100)
            if column.kind in (Kind.DATE, Kind.VALUE):  # a claim's value may be a date
                # text, so that a spreadsheet keeps 2019-03 as typed instead of making it a
                # day: the column's own format, and each empty cell's as far as the lists reach
                worksheet.column_dimensions[letter].number_format = "@"
                for row_number in range(2, last + 1):
                    cell = worksheet.cell(row=row_number, column=index + 1)
                    if cell.value is None:
                        cell.number_format = "@"
            if column.choices:
                check = DataValidation(
                    type="list",
                    formula1=f"={ranges[column.choices]}",
                    allow_blank=True,
                    showErrorMessage=not column.multi,
                )
                check.error = "请从列表中选择" if lang == "zh" else "Choose a value from the list"
                check.add(f"{letter}2:{letter}{last}")
                worksheet.add_data_validation(check)
        worksheet.freeze_panes = "B2"
    workbook.save(path)
