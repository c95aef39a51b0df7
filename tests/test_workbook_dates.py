"""Dates in the coding workbook: the template's date columns are text, so a spreadsheet keeps
2019-03 as typed; a cell the spreadsheet turned into a date is read as a day, and the import
says so and asks for text."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from openpyxl import load_workbook
from rdflib import Literal

from kg.rdf.read import read_cases
from kg.vocab import FW, XSD
from kg.workbook import write_template
from kg.workbook.schema import ALL_SHEETS, Kind
from kg.workbook.values import MAX_ROWS
from tests.conftest import run_flywheel
from tests.test_workbook import cell, ex, lakeside, save_xlsx


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_templates_date_columns_are_text(tmp_path: Path, lang: str) -> None:
    path = write_template(tmp_path / "template.xlsx", lang=lang)
    workbook = load_workbook(path)
    checked = 0
    for sheet in ALL_SHEETS:
        worksheet = workbook[sheet.name(lang)]
        for index, column in enumerate(sheet.columns, start=1):
            assert worksheet.cell(row=1, column=index).value == (
                column.zh if lang == "zh" else column.en
            )
            formats = {worksheet.cell(row=r, column=index).number_format for r in (2, MAX_ROWS)}
            if column.kind in (Kind.DATE, Kind.VALUE):
                assert formats == {"@"}, (sheet.key, column.key)
                checked += 1
            else:  # (row 2 of some sheets holds a prefilled text)
                assert worksheet.cell(row=MAX_ROWS, column=index).number_format == "General"
    # start, end (episodes, roles, tenures); the dates of actions, flows, interactions, sources;
    # coding date; a claim's value (which may be a date)
    assert checked == 12


def test_a_spreadsheet_date_is_read_as_a_day_and_noted(tmp_path: Path) -> None:
    """The start of Lakeside's startup stage typed as 2017-03 in a General cell: the
    spreadsheet stores the first of March 2017, a date. It is read as a day, and the import
    names the cell and asks for text; the month typed as text elsewhere stays a month."""
    sheets = lakeside()
    cell(sheets, "stage episodes", "ep-startup", "起始日期", dt.datetime(2017, 3, 1))
    workbook = save_xlsx(sheets, tmp_path / "lakeside.xlsx")
    out = tmp_path / "lakeside.ttl"
    done = run_flywheel("import", str(workbook), "-o", str(out))
    assert done.returncode == 0, done.stderr
    notes = [line for line in done.stderr.splitlines() if line.startswith("note:")]
    started = [n for n in notes if "stage episodes" in n]
    assert len(started) == 1
    assert "row 2" in started[0] and "起始日期" in started[0]
    assert "read as 2017-03-01, day precision" in started[0]
    assert "type it as text" in started[0] and "'2019-03" in started[0]
    # the fixture's source date is a spreadsheet date too (2018-05-02): noted the same way
    assert any("sources" in n and "read as 2018-05-02" in n for n in notes)
    assert len(notes) == 2
    graph = read_cases(out)[0].graph
    assert (ex("ep-startup"), FW.startDate, Literal("2017-03-01", datatype=XSD.date)) in graph
    assert (ex("ep-startup"), FW.startDatePrecision, FW.DayPrecision) in graph
    assert (ex("src-plan"), FW.datePrecision, FW.MonthPrecision) in graph  # "2017-03", text
