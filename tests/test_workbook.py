"""The coding workbook: template, import (with every mistake reported), export, CSV folders,
and two coders kept side by side."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from rdflib import Graph, Literal, URIRef
from rdflib.compare import graph_diff, isomorphic, to_isomorphic
from rdflib.namespace import RDF

from kg.check.validation import CaseValidator, Severity
from kg.rdf.read import CaseGraph, read_cases
from kg.sparql.named import run
from kg.store import open_store
from kg.vocab import FW, XSD
from kg.workbook import WorkbookError, read_workbook, write_case, write_template
from tests.conftest import REPO, run_flywheel

BUNDLED = sorted((REPO / "kg" / "cases").glob("*.ttl"))
LAKE = "https://example.org/cases/lakeside"


def ex(name: str) -> URIRef:
    return URIRef(f"{LAKE}/{name}")


# ------------------------------------------------------------------------------------------------
# A made-up city, written by hand as a user would fill the workbook
# ------------------------------------------------------------------------------------------------


def lakeside() -> dict[str, list[list[object]]]:
    """Sheets of a small made-up city (modelled on the guide's Riverton): headers, then rows.

    The episodes sheet uses the Chinese headers and Chinese labels, the rest English; some cells
    hold what Excel itself would store (numbers, a date).
    """
    return {
        "case": [
            [
                "case IRI",
                "ontology imported",
                "title (en)",
                "case id",
                "case label (en)",
                "case label (zh)",
                "coder",
                "codebook version",
                "province (en)",
                "province (zh)",
                "period start (year)",
                "period end (year)",
                "sources coded",
                "city studied (id)",
                "city id",
                "city label (en)",
                "city label (zh)",
            ],
            [
                LAKE,
                "https://w3id.org/dataflywheel/ontology/0.2.0",
                "Lakeside (made up)",
                "case",
                "Lakeside (made-up test city)",
                "湖城(虚构测试城市)",
                "A. Scholar",
                "0.2.0",
                "Test Province",
                "测试省",
                2017,
                2019,
                "src-plan; src-news",
                "city",
                "city",
                "Lakeside",
                "湖城",
            ],
        ],
        "sources": [
            ["id", "source type", "label (en)", "label (zh)", "title (en)", "date", "citation"],
            [
                "src-plan",
                "policy document",
                "Lakeside digital government plan",
                "湖城数字政府规划",
                "Lakeside digital government plan",
                "2017-03",
                "Lakeside City Government. Digital Government Plan. 2017.",
            ],
            [
                "src-news",
                "新闻报道",
                "Lakeside Daily on the data bureau",
                "湖城日报关于数据局的报道",
                "Lakeside sets up a data bureau",
                dt.datetime(2018, 5, 2),
                "Lakeside Daily, 2018-05-02.",
            ],
        ],
        "evidence": [
            ["id", "source", "page or section", "quote (en)", "confidence", "coder", "coding date"],
            ["ev-plan", "src-plan", "p. 2", None, "confirmed", "A. Scholar", "2026-11-01"],
            [
                "ev-bureau",
                "src-news",
                None,
                "The city set up a data bureau this week.",
                "confirmed",
                "A. Scholar",
                None,
            ],
            ["ev-staging", "src-plan", "pp. 1-3", None, "inferred", "A. Scholar", None],
        ],
        "actors": [
            ["id", "actor kind", "label (en)", "label (zh)", "post (en)", "post (zh)"],
            ["mayor", "leading official", "Mayor of Lakeside", "湖城市长", "mayor", "市长"],
            ["transport", "functional department", "Lakeside transport bureau", "湖城交通局"],
            ["data-bureau", "data bureau", "Lakeside data bureau", "湖城数据局"],
        ],
        "stage episodes": [
            [
                "编号",
                "名称(英文)",
                "名称(中文)",
                "所属城市",
                "所处阶段",
                "序号",
                "起始日期",
                "结束日期",
                "实际驱动机制",
                "证据",
            ],
            [
                "ep-startup",
                "Lakeside: startup",
                "湖城:启动阶段",
                "city",
                "启动阶段",
                1,
                "2017-03",
                "未知",
                "高位推动",
                "ev-staging",
            ],
            [
                "ep-rotation",
                "Lakeside: rotation",
                "湖城:转动阶段",
                "city",
                "转动阶段",
                2,
                "2018-05",
                "unknown",
                "institutional fine-tuning",
                "ev-staging",
            ],
        ],
        "actions": [
            [
                "id",
                "action kind",
                "label (en)",
                "label (zh)",
                "performed by",
                "during episode",
                "under logic",
                "instance of mechanism",
                "action type",
                "date",
                "created unit",
                "evidence",
            ],
            [
                "act-plan",
                "governance action",
                "The mayor issues the plan",
                "市长印发规划",
                "mayor",
                "ep-startup",
                "political logic",
                "high-level promotion",
                "issue a plan",
                "2017-03",
                None,
                "ev-plan",
            ],
            [
                "act-bureau",
                "institutional change",
                "The data bureau is created",
                "组建数据局",
                "mayor",
                "ep-rotation",
                "bureaucratic logic",
                "institutional fine-tuning",
                "create a unit",
                "2018-05",
                "data-bureau",
                "ev-bureau",
            ],
        ],
        "artefacts": [
            ["id", "kind", "label (en)", "label (zh)", "operated by", "holds"],
            [
                "foundation",
                "data foundation",
                "Lakeside data foundation",
                "湖城数据底座",
                "data-bureau",
                "traffic-data",
            ],
            ["traffic-data", "data resource", "Traffic flow records", "交通流量数据"],
        ],
        "data flows": [
            [
                "id",
                "label (en)",
                "label (zh)",
                "from",
                "to",
                "carries",
                "loop step",
                "during episode",
                "date",
                "volume",
                "volume unit",
                "evidence",
            ],
            [
                "flow-1",
                "Traffic records aggregated",
                "交通数据归集至底座",
                "transport",
                "foundation",
                "traffic-data",
                "aggregation",
                "ep-rotation",
                2018,
                120,
                "data items",
                "ev-bureau",
            ],
        ],
        "logic interactions": [
            [
                "id",
                "label (en)",
                "label (zh)",
                "interaction kind",
                "involves actors",
                "involves logics",
                "during episode",
                "date",
                "outcome (en)",
                "evidence",
            ],
            [
                "interaction-1",
                "Transport bureau at first refuses to share data",
                "交通局起初拒绝共享数据",
                "conflict",
                "mayor; transport",
                "political logic；bureaucratic logic",
                "ep-rotation",
                "unknown",
                "Resolved when the data bureau was created.",
                "ev-bureau",
            ],
        ],
    }


def save_xlsx(sheets: dict[str, list[list[object]]], path: Path) -> Path:
    """Write sheets with openpyxl directly (not with the code under test)."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for name, rows in sheets.items():
        worksheet = workbook.create_sheet(name)
        for row in rows:
            worksheet.append(row)
    workbook.save(path)
    return path


def cell(sheets, sheet: str, row_id: str, header: str, value: object) -> None:
    """Change one cell of the hand-made sheets (the row whose first cell is ``row_id``)."""
    rows = sheets[sheet]
    index = rows[0].index(header)
    row = next(r for r in rows[1:] if r[0] == row_id)
    row.extend([None] * (index + 1 - len(row)))
    row[index] = value


# ------------------------------------------------------------------------------------------------
# The template
# ------------------------------------------------------------------------------------------------


SHEETS_EN = [
    "instructions",
    "case",
    "actors",
    "jurisdictions",
    "roles",
    "posts",
    "tenures",
    "stage episodes",
    "actions",
    "data flows",
    "artefacts",
    "logic interactions",
    "sources",
    "evidence",
    "claims",
    "other statements",
]
SHEETS_ZH = [
    "填写说明",
    "案例",
    "行动主体",
    "行政区",
    "角色",
    "职位",
    "任职",
    "阶段时期",
    "治理行动",
    "数据流动",
    "载体与数据",
    "逻辑互动",
    "资料来源",
    "证据",
    "编码断言",
    "其他陈述",
]


@pytest.mark.parametrize(
    ("lang", "names", "stage_header", "stages", "source_types"),
    [
        (
            "en",
            SHEETS_EN,
            "stage",
            ["startup stage", "rotation stage", "acceleration stage", "inertia stage"],
            [
                "interview",
                "policy document",
                "news report",
                "statistics",
                "observation",
                "secondary literature",
            ],
        ),
        (
            "zh",
            SHEETS_ZH,
            "所处阶段",
            ["启动阶段", "转动阶段", "加速阶段", "惯性阶段"],
            ["访谈", "政策文件", "新闻报道", "统计资料", "观察", "二手文献"],
        ),
    ],
)
def test_template_has_sheets_headers_and_dropdowns(
    tmp_path, lang, names, stage_header, stages, source_types
) -> None:
    path = write_template(tmp_path / "t.xlsx", lang)
    workbook = load_workbook(path)
    visible = [ws.title for ws in workbook.worksheets if ws.sheet_state == "visible"]
    assert visible == names
    hidden = [ws for ws in workbook.worksheets if ws.sheet_state == "hidden"]
    assert len(hidden) == 1
    lists = hidden[0]

    episodes = workbook[names[7]]
    headers = [c.value for c in episodes[1]]
    assert headers[:5] == (
        ["id", "label (en)", "label (zh)", "city", "stage"]
        if lang == "en"
        else ["编号", "名称(英文)", "名称(中文)", "所属城市", "所处阶段"]
    )
    assert headers[4] == stage_header

    def dropdown(worksheet, letter: str) -> list[str]:
        checks = [
            v
            for v in worksheet.data_validations.dataValidation
            if f"{letter}2:{letter}" in str(v.sqref)
        ]
        assert len(checks) == 1, f"one dropdown on column {letter}"
        assert checks[0].type == "list"
        target = checks[0].formula1.split("!")[1].replace("$", "")
        return [c.value for row in lists[target] for c in row]

    assert dropdown(episodes, "E") == stages
    assert dropdown(workbook[names[12]], "B") == source_types  # sources: the source type
    confidence = dropdown(workbook[names[13]], "H")  # evidence: id, labels, source, page, quotes
    assert confidence == (
        ["confirmed", "suspected", "inferred", "unverified report"]
        if lang == "en"
        else ["已核实", "疑似", "推断", "未经核实的报道"]
    )
    actors = dropdown(workbook[names[2]], "B")
    assert ("leading official" if lang == "en" else "党政主要领导") in actors
    assert len(actors) == 7
    # an untouched template names no case: importing it says so, in the case sheet's first cell
    with pytest.raises(WorkbookError) as error:
        read_workbook(path)
    assert [(e.sheet, e.row, e.column) for e in error.value.errors] == [(names[1], 2, "A")]


def test_csv_template_has_one_file_per_sheet(tmp_path) -> None:
    folder = write_template(tmp_path / "coding", "zh", as_csv=True)
    files = sorted(p.name for p in folder.glob("*.csv"))
    assert files == sorted(
        [
            "case.csv",
            "actors.csv",
            "jurisdictions.csv",
            "roles.csv",
            "posts.csv",
            "tenures.csv",
            "episodes.csv",
            "actions.csv",
            "flows.csv",
            "artefacts.csv",
            "interactions.csv",
            "sources.csv",
            "evidence.csv",
            "claims.csv",
            "other.csv",
            "lists.csv",
        ]
    )
    with (folder / "evidence.csv").open(encoding="utf-8-sig") as handle:
        header = next(csv.reader(handle))
    assert header[:5] == ["编号", "名称(英文)", "名称(中文)", "来源", "页码或章节"]
    with (folder / "lists.csv").open(encoding="utf-8-sig") as handle:
        rows = list(csv.reader(handle))
    assert ["数据闭环环节", "re-aggregation", "再归集", "fw:Reaggregation"] in rows


# ------------------------------------------------------------------------------------------------
# Round trip: case → workbook → case gives the same graph
# ------------------------------------------------------------------------------------------------


# what reading a date cell adds to a date coded the 0.1 way (value and precision only)
DATE_ADDITIONS = {
    FW[name]
    for name in [
        "dateEDTF",
        "dateEarliest",
        "dateLatest",
        "startEDTF",
        "startEarliest",
        "startLatest",
        "endEDTF",
        "endEarliest",
        "endLatest",
    ]
}


def assert_only_dates_completed(original: Graph, read_back: Graph) -> None:
    """Nothing of ``original`` is lost, and all ``read_back`` adds is the EDTF and bounds of
    dates coded the 0.1 way (docs/dates.md: a date cell writes them all)."""
    _, lost, added = graph_diff(to_isomorphic(original), to_isomorphic(read_back))
    assert len(lost) == 0, sorted(lost)
    assert {p for _, p, _ in added} <= DATE_ADDITIONS, sorted(added)


def sheet_rows(target: Path, key: str, lang: str) -> list[list[str]]:
    """The data rows of one sheet of a written workbook (its CSV file, or its worksheet in
    ``lang``), as cell texts, empty rows left out."""
    if target.is_dir():
        with (target / f"{key}.csv").open(encoding="utf-8-sig") as handle:
            grid = list(csv.reader(handle))
    else:
        from kg.workbook.schema import ALL_SHEETS

        title = next(s for s in ALL_SHEETS if s.key == key).name(lang)
        workbook = load_workbook(target, read_only=True)
        grid = [
            ["" if v is None else str(v) for v in row]
            for row in workbook[title].iter_rows(values_only=True)
        ]
        workbook.close()
    return [row for row in grid[1:] if any(row)]


@pytest.mark.parametrize("as_csv", [False, True], ids=["xlsx", "csv"])
@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.stem)
def test_round_trip_is_isomorphic(tmp_path, path: Path, as_csv: bool) -> None:
    case = read_cases(path)[0]
    target = tmp_path / ("case" if as_csv else "case.xlsx")
    lang = "zh" if path.stem == "shanghai" else "en"
    write_case(case.graph, target, lang=lang, as_csv=as_csv)
    # every claim of the case (each has its own evidence and confidence) is a claims-sheet row,
    # and none is left to the other statements
    claims = set(case.graph.subjects(RDF.type, FW.Claim))
    assert claims, "every bundled case has claims"
    rows = sheet_rows(target, "claims", lang)
    assert len(rows) == len(claims)
    named = {str(c).rsplit("/", 1)[1] for c in claims}
    assert {r[0] for r in rows} == named  # the id column: the bundled claims have ids
    other = sheet_rows(target, "other", lang)
    assert not [r for r in other if r[0] in named or r[2] in named]
    iri, graph = read_workbook(target)
    assert iri == case.iri
    # the bundled cases code their dates the 0.1 way: the workbook completes them, losing nothing
    assert_only_dates_completed(case.graph, graph)
    # a case whose dates carry their EDTF and bounds comes back exactly
    again = tmp_path / ("again" if as_csv else "again.xlsx")
    write_case(graph, again, lang=lang, as_csv=as_csv)
    assert isomorphic(read_workbook(again)[1], graph)


def test_a_date_cell_writes_edtf_value_bounds_and_precision(tmp_path) -> None:
    # hangzhou.ttl: ep-startup starts 2016-04-01, month precision; its end is unknown
    write_case(read_cases(REPO / "kg/cases/hangzhou.ttl")[0].graph, tmp_path / "hz.xlsx")
    _, graph = read_workbook(tmp_path / "hz.xlsx")
    episode = URIRef("https://w3id.org/dataflywheel/case/hangzhou/ep-startup")
    assert {(p, o) for p, o in graph.predicate_objects(episode) if "start" in str(p)} == {
        (FW.startEDTF, Literal("2016-04")),
        (FW.startDate, Literal("2016-04-01", datatype=XSD.date)),
        (FW.startDatePrecision, FW.MonthPrecision),
        (FW.startEarliest, Literal("2016-04-01", datatype=XSD.date)),
        (FW.startLatest, Literal("2016-04-30", datatype=XSD.date)),  # April has 30 days
    }
    assert set(graph.objects(episode, FW.endDatePrecision)) == {FW.UnknownDate}
    assert not set(graph.objects(episode, FW.endEDTF))


def test_round_trip_uses_proper_columns(tmp_path) -> None:
    """Nothing of Hangzhou that the workbook has a column for lands in the catch-all sheet; its
    dates keep their precision. The catch-all holds only what ontology 0.2 added and the workbook
    has no column for yet (hangzhou.ttl, re-coded on 0.2): actor roles, jurisdictions,
    the regulation, the dates' EDTF forms and bounds, first attestations, organisations' founding
    dates, an actor's jurisdiction and who-acts class beside the part it plays."""
    graph = read_cases(REPO / "kg/cases/hangzhou.ttl")[0].graph
    write_case(graph, tmp_path / "hz", as_csv=True)
    # node kinds new in 0.2, and actors typed only with 0.2's who-acts classes (the government
    # as a whole, a person), which the actors sheet has no kind for
    new_in_02 = {FW.ActorRole, FW.Jurisdiction, FW.Regulation}  # claims: on the claims sheet
    only_02_actor = {FW.PeoplesGovernment, FW.Person}
    new_subjects = {
        str(s).rsplit("/", 1)[1]
        for s in set(graph.subjects(RDF.type, None))
        if set(graph.objects(s, RDF.type)) & new_in_02
        or set(graph.objects(s, RDF.type)) <= only_02_actor
    }
    new_predicates = {
        f"fw:{name}"
        for name in (
            "dateEDTF",
            "dateEarliest",
            "dateLatest",
            "startEDTF",
            "startEarliest",
            "startLatest",
            "firstAttested",
            "firstAttestedIn",
            "ofJurisdiction",
            "jurisdictionLevel",
            "withinJurisdiction",
        )
    }
    who_acts = {
        f"fw:{name}"
        for name in (
            "PeoplesGovernment",
            "Person",
            "GovernmentDepartment",
            "DataAdministration",
            "OperationsCenter",
        )
    }
    organisations = {
        str(s).rsplit("/", 1)[1] for s in graph.subjects(FW.startDatePrecision, None)
    } - {str(s).rsplit("/", 1)[1] for s in graph.subjects(RDF.type, FW.StageEpisode)}
    with (tmp_path / "hz" / "other.csv").open(encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    assert rows  # 0.2's additions are there, not dropped
    unexpected = [
        r
        for r in rows
        if r["subject"] not in new_subjects
        and r["predicate"] not in new_predicates
        and not (r["predicate"] == "rdf:type" and r["object"] in who_acts)
        and not (
            r["predicate"] in ("fw:startDate", "fw:startDatePrecision")
            and r["subject"] in organisations
        )
    ]
    assert unexpected == []
    with (tmp_path / "hz" / "episodes.csv").open(encoding="utf-8-sig") as handle:
        rows = {r["id"]: r for r in csv.DictReader(handle)}
    assert rows["ep-startup"]["start date"] == "2016-04"  # month precision (hangzhou.ttl)
    assert rows["ep-acceleration"]["start date"] == "2018-04-13"
    assert rows["ep-startup"]["end date"] == "unknown"
    assert rows["ep-startup"]["stage"] == "startup stage"


@pytest.mark.slow
def test_export_command_writes_a_workbook_from_the_store(tmp_path) -> None:
    store = str(tmp_path / "store")
    source = REPO / "kg/cases/shanghai.ttl"
    assert run_flywheel("load", str(source), "--store", store).returncode == 0
    out = tmp_path / "sh.xlsx"
    result = run_flywheel("export", "shanghai", "--xlsx", "-o", str(out), "--store", store)
    assert result.returncode == 0, result.stderr
    _, graph = read_workbook(out)
    assert_only_dates_completed(read_cases(source)[0].graph, graph)
    folder = tmp_path / "sh-csv"
    result = run_flywheel("export", "shanghai", "--csv", "-o", str(folder), "--store", store)
    assert result.returncode == 0, result.stderr
    assert isomorphic(read_workbook(folder)[1], graph)


# ------------------------------------------------------------------------------------------------
# Import: a made-up city, and a workbook full of mistakes
# ------------------------------------------------------------------------------------------------


def test_made_up_city_imports_and_validates(tmp_path) -> None:
    workbook = save_xlsx(lakeside(), tmp_path / "lakeside.xlsx")
    out = tmp_path / "lakeside.ttl"
    result = run_flywheel("import", str(workbook), "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert "0 violation(s)" in result.stderr
    case = read_cases(out)[0]
    assert case.iri == LAKE
    report = CaseValidator().validate(case.graph, case.iri)
    assert report.count(Severity.VIOLATION) == 0
    g = case.graph
    # values worked out by hand from the rows above
    assert (ex("ep-startup"), FW.ofStage, FW.StartupStage) in g
    assert (ex("ep-startup"), FW.startDate, Literal("2017-03-01", datatype=XSD.date)) in g
    assert (ex("ep-startup"), FW.startDatePrecision, FW.MonthPrecision) in g
    assert (ex("ep-startup"), FW.endDatePrecision, FW.UnknownDate) in g
    assert not list(g.objects(ex("ep-startup"), FW.endDate))
    assert (ex("src-news"), FW.date, Literal("2018-05-02", datatype=XSD.date)) in g
    assert (ex("src-news"), FW.datePrecision, FW.DayPrecision) in g
    assert (ex("src-news"), FW.sourceType, FW.NewsReport) in g
    assert (ex("flow-1"), FW.date, Literal("2018-01-01", datatype=XSD.date)) in g
    assert (ex("flow-1"), FW.datePrecision, FW.YearPrecision) in g
    assert (ex("flow-1"), FW.volume, Literal("120", datatype=XSD.integer)) in g
    assert (ex("case"), FW.periodStart, Literal("2017", datatype=XSD.gYear)) in g
    assert set(g.objects(ex("interaction-1"), FW.involvesLogic)) == {
        FW.PoliticalLogic,
        FW.BureaucraticLogic,
    }
    assert set(g.objects(ex("case"), FW.codesSource)) == {ex("src-plan"), ex("src-news")}
    assert (ex("act-bureau"), RDF.type, FW.InstitutionalChange) in g
    assert (ex("data-bureau"), RDF.type, FW.DataBureau) in g
    assert (ex("ev-plan"), FW.codingDate, Literal("2026-11-01", datatype=XSD.date)) in g
    assert (URIRef(LAKE), RDF.type, URIRef("http://www.w3.org/2002/07/owl#Ontology")) in g


def test_made_up_city_from_csv_folder(tmp_path) -> None:
    folder = tmp_path / "lake"
    folder.mkdir()
    names = {
        "case": "case",
        "sources": "sources",
        "evidence": "evidence",
        "actors": "actors",
        "stage episodes": "episodes",
        "actions": "actions",
        "artefacts": "artefacts",
        "data flows": "flows",
        "logic interactions": "interactions",
    }
    for sheet, rows in lakeside().items():
        with (folder / f"{names[sheet]}.csv").open("w", encoding="utf-8", newline="") as out:
            csv.writer(out).writerows(
                [
                    [
                        ""
                        if v is None
                        else (v.date().isoformat() if isinstance(v, dt.datetime) else v)
                        for v in row
                    ]
                    for row in rows
                ]
            )
    _, from_csv = read_workbook(folder)
    _, from_xlsx = read_workbook(save_xlsx(lakeside(), tmp_path / "l.xlsx"))
    assert isomorphic(from_csv, from_xlsx)


def test_every_mistake_is_reported_at_once_and_nothing_is_written(tmp_path) -> None:
    sheets = lakeside()
    cell(sheets, "actions", "act-plan", "date", "2017-13")  # a bad date: row 2, column J
    cell(sheets, "stage episodes", "ep-rotation", "所处阶段", "takeoff stage")  # row 3, col E
    cell(sheets, "data flows", "flow-1", "evidence", "ev-missing")  # dangling: row 2, col L
    cell(sheets, "evidence", "ev-staging", "source", None)  # required: row 4, column B
    workbook = save_xlsx(sheets, tmp_path / "mistakes.xlsx")
    out = tmp_path / "mistakes.ttl"
    result = run_flywheel("import", str(workbook), "-o", str(out))
    assert result.returncode == 2
    assert not out.exists()
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 4, result.stderr
    expected = [
        ("sheet “actions”, row 2, column J (date)", "“2017-13” is not a date"),
        (
            "sheet “stage episodes”, row 3, column E (所处阶段)",
            "“takeoff stage” is not one of the flywheel stages",
        ),
        (
            "sheet “data flows”, row 2, column L (evidence)",
            "no row on any sheet has the id “ev-missing”",
        ),
        ("sheet “evidence”, row 4, column B (source)", "the source is required and missing"),
    ]
    for where, what in expected:
        assert any(where in line and what in line for line in errors), (where, result.stderr)
    assert "4 mistake(s)" in result.stderr and "nothing was written" in result.stderr
    assert "Traceback" not in result.stderr


def test_date_cells_take_edtf(tmp_path) -> None:
    sheets = lakeside()
    cell(sheets, "stage episodes", "ep-startup", "起始日期", "2016/2017")  # some day in between
    cell(sheets, "stage episodes", "ep-rotation", "起始日期", "../2018-06")  # first attested
    cell(sheets, "stage episodes", "ep-rotation", "结束日期", "..")  # not yet ended
    cell(sheets, "actions", "act-plan", "date", "2016-04?")  # April 2016, probably
    _, graph = read_workbook(save_xlsx(sheets, tmp_path / "edtf.xlsx"))
    date = lambda text: Literal(text, datatype=XSD.date)  # noqa: E731

    def parts(subject: URIRef, word: str) -> set[tuple[URIRef, object]]:
        return {(p, o) for p, o in graph.predicate_objects(subject) if word in str(p)}

    # docs/dates.md: 2016/2017 is a range from 2016-01-01 to 2017-12-31, compared as its first day
    assert parts(ex("ep-startup"), "#start") == {
        (FW.startEDTF, Literal("2016/2017")),
        (FW.startDate, date("2016-01-01")),
        (FW.startDatePrecision, FW.RangePrecision),
        (FW.startEarliest, date("2016-01-01")),
        (FW.startLatest, date("2017-12-31")),
    }
    # on or before the end of June 2018: no earliest bound, compared as its latest
    assert parts(ex("ep-rotation"), "#start") == {
        (FW.startEDTF, Literal("../2018-06")),
        (FW.startDate, date("2018-06-30")),
        (FW.startDatePrecision, FW.OnOrBefore),
        (FW.startLatest, date("2018-06-30")),
    }
    assert parts(ex("ep-rotation"), "#end") == {
        (FW.endEDTF, Literal("..")),
        (FW.endDatePrecision, FW.Ongoing),
    }
    # "probably" stays in the EDTF as written; the value and bounds are April's
    assert parts(ex("act-plan"), "#date") == {
        (FW.dateEDTF, Literal("2016-04?")),
        (FW.date, date("2016-04-01")),
        (FW.datePrecision, FW.MonthPrecision),
        (FW.dateEarliest, date("2016-04-01")),
        (FW.dateLatest, date("2016-04-30")),
    }
    # and the workbook writes them back as they were written
    target = write_case(graph, tmp_path / "again", as_csv=True)
    with (target / "episodes.csv").open(encoding="utf-8-sig") as handle:
        rows = {r["id"]: r for r in csv.DictReader(handle)}
    assert (rows["ep-startup"]["start date"], rows["ep-rotation"]["start date"]) == (
        "2016/2017",
        "../2018-06",
    )
    assert rows["ep-rotation"]["end date"] == ".."
    assert isomorphic(read_workbook(target)[1], graph)


@pytest.mark.parametrize(
    ("sheet", "row_id", "header", "value", "en", "zh"),
    [
        (
            "stage episodes",
            "ep-startup",
            "起始日期",
            "2017/2016",
            "starts after it ends",
            "起点晚于终点",
        ),
        (
            "stage episodes",
            "ep-startup",
            "起始日期",
            "..",
            "is not a date in EDTF",
            "不是 EDTF 日期",
        ),
        ("actions", "act-plan", "date", "2015-02-29", "not a day of the calendar", "不是日历上"),
        ("actions", "act-plan", "date", "[2016..2017]", "beyond level 1", "超出了 EDTF 第 1 级"),
    ],
)
def test_a_bad_date_says_where_and_what_in_english_and_chinese(
    tmp_path, sheet, row_id, header, value, en, zh
) -> None:
    sheets = lakeside()
    cell(sheets, sheet, row_id, header, value)
    with pytest.raises(WorkbookError) as raised:
        read_workbook(save_xlsx(sheets, tmp_path / "bad.xlsx"))
    [mistake] = raised.value.errors
    number = 1 + next(i for i, r in enumerate(sheets[sheet]) if r[0] == row_id)
    letter = "ABCDEFGHIJKLMNOP"[sheets[sheet][0].index(header)]
    english, chinese = str(mistake).splitlines()
    assert english.startswith(f"sheet “{sheet}”, row {number}, column {letter} ({header}):")
    assert en in english and value in english
    assert chinese.startswith(f"工作表“{sheet}”第 {number} 行第 {letter} 列({header}):")
    assert zh in chinese and value in chinese


@pytest.mark.parametrize(
    "iri,says",
    [
        ("https://example.org/cases/lake\u202eside", "U+202E RIGHT-TO-LEFT OVERRIDE"),
        ("https://example.org/cases/lake\u200bside", "U+200B ZERO WIDTH SPACE"),
        ("https://w3id.org/dataflywheel/ontology/0.1.0", "reserved"),
    ],
)
def test_a_case_iri_that_cannot_name_a_case_is_a_mistake(tmp_path, iri: str, says: str) -> None:
    """The store would refuse the case for its IRI, so the import says so where it is written
    (sheet, row, column), before anything is written."""
    sheets = lakeside()
    sheets["case"][1][0] = iri
    with pytest.raises(WorkbookError) as refused:
        read_workbook(save_xlsx(sheets, tmp_path / "named.xlsx"))
    found = [str(e) for e in refused.value.errors if says in str(e)]
    assert found and "sheet “case”, row 2, column A" in found[0], refused.value.errors


def test_unknown_column_and_reused_id_are_reported(tmp_path) -> None:
    sheets = lakeside()
    sheets["actors"][0].append("favourite colour")
    sheets["actors"][1].append("blue")
    sheets["artefacts"].append(["mayor", "platform", "A platform named like the mayor"])
    with pytest.raises(WorkbookError) as error:
        read_workbook(save_xlsx(sheets, tmp_path / "w.xlsx"))
    found = {(e.sheet, e.row, e.column) for e in error.value.errors}
    assert ("actors", 1, "G") in found
    assert ("artefacts", 4, "A") in found


# ------------------------------------------------------------------------------------------------
# Two coders: kept side by side, listed by query 23
# ------------------------------------------------------------------------------------------------


def two_coders() -> dict[str, list[list[object]]]:
    sheets = lakeside()
    episodes = sheets["stage episodes"]
    episodes[0].append("编码者")
    episodes[1].append("A. Scholar")
    episodes[2].append("A. Scholar")
    # coder B agrees on the stage and the mechanism, but dates the startup to 2016-10
    episodes.append(
        [
            "ep-startup",
            None,
            None,
            None,
            "startup stage",
            None,
            "2016-10",
            None,
            "high-level promotion",
            None,
            "B. Scholar",
        ]
    )
    # coder B reads the news report as leaving the bureau in doubt
    sheets["evidence"].append(["ev-bureau", "src-news", None, None, "suspected", "B. Scholar"])
    return sheets


def test_disagreeing_coders_are_kept_side_by_side(tmp_path) -> None:
    iri, graph = read_workbook(save_xlsx(two_coders(), tmp_path / "two.xlsx"))
    # coder A's values stay on the record; B's sit beside it, nothing overwritten
    start = ex("ep-startup")
    assert list(graph.objects(start, FW.startDate)) == [Literal("2017-03-01", datatype=XSD.date)]
    assert (start, FW.codedBy, Literal("A. Scholar")) in graph
    codings: dict = {}
    for c in graph.subjects(FW.claimAbout, start):  # one claim per value, typed fw:Claim
        assert (c, RDF.type, FW.Claim) in graph
        codings.setdefault(graph.value(c, FW.claimProperty), set()).add(
            graph.value(c, FW.claimValue)
        )
    # B's "2016-10" with its EDTF and bounds (October: 1 to 31)
    assert codings == {
        FW.ofStage: {FW.StartupStage},
        FW.startEDTF: {Literal("2016-10")},
        FW.startDate: {Literal("2016-10-01", datatype=XSD.date)},
        FW.startDatePrecision: {FW.MonthPrecision},
        FW.startEarliest: {Literal("2016-10-01", datatype=XSD.date)},
        FW.startLatest: {Literal("2016-10-31", datatype=XSD.date)},
        FW.drivenByMechanism: {FW.HighLevelPromotion},
    }
    assert list(graph.objects(ex("ev-bureau"), FW.confidence)) == [FW.Confirmed]
    report = CaseValidator().validate(graph, iri)
    assert report.count(Severity.VIOLATION) == 0

    with open_store("memory:") as store:
        store.put_cases([CaseGraph(iri, "two.xlsx", graph)])
        rows = run(store, 23)
    got = sorted(
        (r["record"], r["property"], r["coderA"], r["valuesA"], r["coderB"], r["valuesB"])
        for r in rows
    )
    # the start dates differ as written (2017-03, 2016-10), and so do their comparable values and
    # bounds (March: 1 to 31; October: 1 to 31); the precision (month) is the same. One date read
    # differently is one row, on fw:startDate, showing each coder's date as written (EDTF)
    assert got == [
        (
            str(ex("ep-startup")),
            str(FW.startDate),
            "A. Scholar",
            "2017-03",
            "B. Scholar",
            "2016-10",
        ),
        (
            str(ex("ev-bureau")),
            str(FW.confidence),
            "A. Scholar",
            str(FW.Confirmed),
            "B. Scholar",
            str(FW.Suspected),
        ),
    ]
    assert {r["case"] for r in rows} == {LAKE}
    assert rows[0]["recordLabel"] == "Lakeside: startup"


def test_codings_round_trip_through_the_workbook(tmp_path) -> None:
    _, graph = read_workbook(save_xlsx(two_coders(), tmp_path / "two.xlsx"))
    for as_csv in (False, True):
        target = write_case(graph, tmp_path / ("again" if as_csv else "again.xlsx"), as_csv=as_csv)
        assert isomorphic(read_workbook(target)[1], graph)
    with (tmp_path / "again" / "episodes.csv").open(encoding="utf-8-sig") as handle:
        rows = [r for r in csv.DictReader(handle) if r["id"] == "ep-startup"]
    assert [(r["coder"], r["start date"]) for r in rows] == [
        ("A. Scholar", "2017-03"),
        ("B. Scholar", "2016-10"),
    ]


def test_second_row_without_a_coder_is_a_mistake(tmp_path) -> None:
    sheets = lakeside()
    sheets["actors"].append(["mayor", "leading official", "Mayor again"])
    with pytest.raises(WorkbookError) as error:
        read_workbook(save_xlsx(sheets, tmp_path / "w.xlsx"))
    assert len(error.value.errors) == 1
    assert error.value.errors[0].row == 5
    assert "each row needs its coder" in error.value.errors[0].message


def test_bundled_cases_have_no_disagreements() -> None:
    with open_store("memory:") as store:
        store.put_cases([read_cases(p)[0] for p in BUNDLED])
        assert run(store, 23) == []


def test_other_statements_sheet_is_read(tmp_path) -> None:
    sheets = lakeside()
    sheets["other statements"] = [
        ["subject", "predicate", "object", "datatype or language"],
        ["city", "rdfs:comment", "A lake city.", "@en"],
        ["city", "fw:reachedGovernance", "hig", "IRI"],
        ["hig", "rdf:type", "fw:HolisticIntelligentGovernance", "IRI"],
        ["case", "<https://example.org/p>", "3", "xsd:integer"],
    ]
    _, graph = read_workbook(save_xlsx(sheets, tmp_path / "w.xlsx"))
    assert (
        ex("city"),
        URIRef("http://www.w3.org/2000/01/rdf-schema#comment"),
        Literal("A lake city.", lang="en"),
    ) in graph
    assert (ex("city"), FW.reachedGovernance, ex("hig")) in graph
    assert (
        ex("case"),
        URIRef("https://example.org/p"),
        Literal("3", datatype=XSD.integer),
    ) in graph


def test_a_file_that_is_no_workbook_is_refused_in_words(tmp_path) -> None:
    (tmp_path / "bad.xlsx").write_text("not a spreadsheet")
    for path in (REPO / "kg/cases/hangzhou.ttl", tmp_path / "bad.xlsx"):
        result = run_flywheel("import", str(path), "-o", str(tmp_path / "out.ttl"))
        assert result.returncode == 2
        assert "Traceback" not in result.stderr
        assert f"error: {path.name} " in result.stderr
        assert not (tmp_path / "out.ttl").exists()
