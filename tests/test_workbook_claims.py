"""The coding workbook's claims, posts and tenures sheets: a value with its own evidence,
confidence and coder; a post and who held it when. A made-up city typed by hand as a folder of
CSV files, imported with the real command line; the triples expected are worked out by hand."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from openpyxl import load_workbook
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDF, RDFS

from kg.rdf.read import read_cases
from kg.vocab import FW, XSD
from kg.workbook import WorkbookError, read_workbook, write_case, write_template
from tests.conftest import run_flywheel

RIVER = "https://example.org/cases/riverside"


def ex(name: str) -> URIRef:
    return URIRef(f"{RIVER}/{name}")


def day(text: str) -> Literal:
    return Literal(text, datatype=XSD.date)


CLAIMS_HEADER = [
    "id",
    "record",
    "property",
    "value",
    "coder",
    "confidence",
    "evidence",
    "comment (en)",
]


def riverside() -> dict[str, list[list[str]]]:
    """The CSV files of a small made-up city: a file name, then its rows (headers first)."""
    return {
        "case": [
            [
                "case IRI",
                "ontology imported",
                "case id",
                "case label (en)",
                "sources coded",
                "city studied (id)",
                "city id",
                "city label (en)",
            ],
            [
                RIVER,
                "https://w3id.org/dataflywheel/ontology/0.2.0",
                "case",
                "Riverside (made up)",
                "src-plan; src-news",
                "city",
                "city",
                "Riverside",
            ],
        ],
        "sources": [
            ["id", "source type", "title (en)", "date"],
            ["src-plan", "policy document", "Riverside digital government plan", "2017-03"],
            ["src-news", "news report", "Riverside Daily on the plan", "2016-10-20"],
        ],
        "evidence": [
            ["id", "source", "page or section", "confidence", "coder"],
            ["ev-plan", "src-plan", "p. 2", "confirmed", "A. Scholar"],
            ["ev-news", "src-news", "", "unverified report", "B. Scholar"],
        ],
        "actors": [
            ["id", "actor kind", "what it is", "label (en)", "post (en)"],
            ["secretary", "leading official", "person", "the party secretary", "party secretary"],
            ["committee", "actor", "party committee", "Riverside party committee", ""],
        ],
        "posts": [
            ["id", "label (en)", "label (zh)", "organisation", "evidence", "coder"],
            [
                "post-secretary",
                "party secretary of Riverside",
                "河畔市委书记",
                "committee",
                "ev-plan",
                "A. Scholar",
            ],
        ],
        # the Chinese headers, as a Chinese template has them
        "tenures": [
            ["编号", "任职者(个人)", "所任职位", "起始日期", "结束日期", "证据", "编码者"],
            ["tenure-1", "secretary", "post-secretary", "2016-05", "2021", "ev-plan", "A. Scholar"],
        ],
        "episodes": [
            ["id", "label (en)", "city", "stage", "sequence", "start date", "end date", "evidence"],
            [
                "ep-startup",
                "startup",
                "city",
                "startup stage",
                "1",
                "2017-03",
                "unknown",
                "ev-plan",
            ],
        ],
        "actions": [
            [
                "id",
                "action kind",
                "label (en)",
                "performed by",
                "during episode",
                "under logic",
                "date",
            ],
            [
                "act-plan",
                "governance action",
                "The plan is issued",
                "secretary",
                "ep-startup",
                "political logic",
                "2017-03",
            ],
        ],
        "claims": [
            CLAIMS_HEADER,
            # row 2: no id; the logic, on the plan itself
            [
                "",
                "act-plan",
                "under logic",
                "political logic",
                "A. Scholar",
                "confirmed",
                "ev-plan",
                "The plan is issued by the party secretary.",
            ],
            # row 3: coder B dates the start to October 2016, on a news report nobody checked
            [
                "claim-start-b",
                "ep-startup",
                "start date",
                "2016-10",
                "B. Scholar",
                "unverified report",
                "ev-news",
                "",
            ],
            # row 4: an actor's kind, in Chinese words, without evidence
            ["", "secretary", "类别", "个人", "B. Scholar", "推断", "", ""],
        ],
    }


def save_csv(sheets: dict[str, list[list[str]]], folder: Path) -> Path:
    """Write the files with the csv module (not with the code under test)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in sheets.items():
        with (folder / f"{name}.csv").open("w", encoding="utf-8", newline="") as out:
            csv.writer(out).writerows(rows)
    return folder


def about(graph: Graph, subject: URIRef) -> set[tuple[object, object]]:
    return set(graph.predicate_objects(subject))


# ------------------------------------------------------------------------------------------------
# Import: the triples, worked out by hand
# ------------------------------------------------------------------------------------------------


def test_claims_posts_and_tenures_import_as_their_triples(tmp_path) -> None:
    folder = save_csv(riverside(), tmp_path / "riverside")
    out = tmp_path / "riverside.ttl"
    result = run_flywheel("import", str(folder), "-o", str(out))
    assert result.returncode == 0, result.stderr  # written, and no shape violated
    assert "0 violation(s)" in result.stderr
    graph = read_cases(out)[0].graph

    claims = set(graph.subjects(RDF.type, FW.Claim))
    assert len(claims) == 3
    # row 2 has no id: its IRI is made under the record's, the same each time it is read
    [logic] = [c for c in claims if str(c).startswith(f"{RIVER}/act-plan/claim/")]
    assert about(graph, logic) == {
        (RDF.type, FW.Claim),
        (FW.claimAbout, ex("act-plan")),
        (FW.claimProperty, FW.underLogic),
        (FW.claimValue, FW.PoliticalLogic),
        (FW.codedBy, Literal("A. Scholar")),
        (FW.confidence, FW.Confirmed),
        (FW.hasEvidence, ex("ev-plan")),
        (RDFS.comment, Literal("The plan is issued by the party secretary.", lang="en")),
    }
    # row 3: October 2016 is compared as its first day, and kept as written (a month: its
    # precision is the claim's, not the record's); the record keeps its own start
    assert about(graph, ex("claim-start-b")) == {
        (RDF.type, FW.Claim),
        (FW.claimAbout, ex("ep-startup")),
        (FW.claimProperty, FW.startDate),
        (FW.claimValue, day("2016-10-01")),
        (FW.claimEDTF, Literal("2016-10")),
        (FW.codedBy, Literal("B. Scholar")),
        (FW.confidence, FW.Reported),
        (FW.hasEvidence, ex("ev-news")),
    }
    assert list(graph.objects(ex("ep-startup"), FW.startDate)) == [day("2017-03-01")]
    # row 4: "类别" is rdf:type, "个人" fw:Person, "推断" fw:Inferred; no evidence
    [kind] = [c for c in claims if str(c).startswith(f"{RIVER}/secretary/claim/")]
    assert about(graph, kind) == {
        (RDF.type, FW.Claim),
        (FW.claimAbout, ex("secretary")),
        (FW.claimProperty, RDF.type),
        (FW.claimValue, FW.Person),
        (FW.codedBy, Literal("B. Scholar")),
        (FW.confidence, FW.Inferred),
    }
    assert about(graph, ex("post-secretary")) == {
        (RDF.type, FW.Post),
        (RDFS.label, Literal("party secretary of Riverside", lang="en")),
        (RDFS.label, Literal("河畔市委书记", lang="zh")),
        (FW.postIn, ex("committee")),
        (FW.hasEvidence, ex("ev-plan")),
        (FW.codedBy, Literal("A. Scholar")),
    }
    # May 2016 to some day of 2021, read as the roles sheet reads dates (docs/dates.md)
    assert about(graph, ex("tenure-1")) == {
        (RDF.type, FW.Tenure),
        (FW.holder, ex("secretary")),
        (FW.tenureOf, ex("post-secretary")),
        (FW.startEDTF, Literal("2016-05")),
        (FW.startDate, day("2016-05-01")),
        (FW.startDatePrecision, FW.MonthPrecision),
        (FW.startEarliest, day("2016-05-01")),
        (FW.startLatest, day("2016-05-31")),
        (FW.endEDTF, Literal("2021")),
        (FW.endDate, day("2021-01-01")),
        (FW.endDatePrecision, FW.YearPrecision),
        (FW.endEarliest, day("2021-01-01")),
        (FW.endLatest, day("2021-12-31")),
        (FW.hasEvidence, ex("ev-plan")),
        (FW.codedBy, Literal("A. Scholar")),
    }
    assert (ex("secretary"), RDF.type, FW.Person) in graph  # the holder is a person


def test_reading_twice_names_the_claims_alike(tmp_path) -> None:
    folder = save_csv(riverside(), tmp_path / "riverside")
    assert set(read_workbook(folder)[1]) == set(read_workbook(folder)[1])  # the same IRIs


# ------------------------------------------------------------------------------------------------
# Export and import again
# ------------------------------------------------------------------------------------------------


def rows_of(path: Path, sheet: str, title: str) -> list[dict[str, str]]:
    """The rows of one sheet of a written workbook: its CSV file (by the sheet's key) or its
    worksheet (by its English title)."""
    if path.is_dir():
        with (path / f"{sheet}.csv").open(encoding="utf-8-sig") as handle:
            return list(csv.DictReader(handle))
    workbook = load_workbook(path, read_only=True)
    worksheet = workbook[title]
    grid = [
        ["" if v is None else str(v) for v in row] for row in worksheet.iter_rows(values_only=True)
    ]
    workbook.close()
    return [dict(zip(grid[0], row, strict=False)) for row in grid[1:] if any(row)]


@pytest.mark.parametrize("as_csv", [True, False], ids=["csv", "xlsx"])
def test_claims_posts_and_tenures_round_trip(tmp_path, as_csv: bool) -> None:
    _, graph = read_workbook(save_csv(riverside(), tmp_path / "riverside"))
    target = write_case(graph, tmp_path / ("again" if as_csv else "again.xlsx"), as_csv=as_csv)
    assert isomorphic(read_workbook(target)[1], graph)
    claims = rows_of(target, "claims", "claims")
    assert sorted((r["record"], r["property"], r["value"], r["id"] or "") for r in claims) == [
        ("act-plan", "under logic", "political logic", ""),
        # the claimed month as the coder wrote it, not the record's "2017-03"
        ("ep-startup", "start date", "2016-10", "claim-start-b"),
        ("secretary", "kind", "person", ""),
    ]
    assert [r["holder (person)"] for r in rows_of(target, "tenures", "tenures")] == ["secretary"]
    assert [r["organisation"] for r in rows_of(target, "posts", "posts")] == ["committee"]
    assert rows_of(target, "other", "other statements") == []  # nothing left for the catch-all


def test_a_claim_on_the_records_date_is_written_as_the_record_wrote_it(tmp_path) -> None:
    """A claim supporting the accepted start (2017-03-01) shows the record's EDTF, 2017-03,
    which reads back as the same day."""
    sheets = riverside()
    sheets["claims"][2][3] = "2017-03"  # row 3, claim-start-b
    _, graph = read_workbook(save_csv(sheets, tmp_path / "riverside"))
    assert (ex("claim-start-b"), FW.claimValue, day("2017-03-01")) in graph
    target = write_case(graph, tmp_path / "again", as_csv=True)
    [row] = [r for r in rows_of(target, "claims", "") if r["id"] == "claim-start-b"]
    assert row["value"] == "2017-03"
    assert isomorphic(read_workbook(target)[1], graph)


def test_a_claim_the_sheet_cannot_hold_stays_in_other_statements(tmp_path) -> None:
    """Two confidences, or evidence that is no row of the evidence sheet: the claim is written
    as statements, and reads back the same."""
    _, graph = read_workbook(save_csv(riverside(), tmp_path / "riverside"))
    graph.add((ex("claim-start-b"), FW.confidence, FW.Suspected))
    target = write_case(graph, tmp_path / "again", as_csv=True)
    assert [r["id"] for r in rows_of(target, "claims", "")] == ["", ""]
    other = rows_of(target, "other", "")
    assert {r["subject"] for r in other} == {"claim-start-b"}
    assert isomorphic(read_workbook(target)[1], graph)


def test_a_second_coders_row_is_still_read_and_kept_as_such(tmp_path) -> None:
    """An earlier workbook's way: the same id on two rows, another coder on the second. Its
    claims have no confidence, so they stay a second row, not claims-sheet rows."""
    sheets = riverside()
    sheets["episodes"][0].append("coder")
    sheets["episodes"][1].append("A. Scholar")
    sheets["episodes"].append(["ep-startup", "", "", "", "", "2016", "", "", "B. Scholar"])
    _, graph = read_workbook(save_csv(sheets, tmp_path / "riverside"))
    bare = {
        c
        for c in graph.subjects(FW.claimAbout, ex("ep-startup"))
        if (c, FW.codedBy, Literal("B. Scholar")) in graph and not graph.value(c, FW.confidence)
    }
    assert {graph.value(c, FW.claimProperty) for c in bare} >= {FW.startDate, FW.startEDTF}
    target = write_case(graph, tmp_path / "again", as_csv=True)
    episodes = rows_of(target, "episodes", "")
    assert [(r["coder"], r["start date"]) for r in episodes] == [
        ("A. Scholar", "2017-03"),
        ("B. Scholar", "2016"),
    ]
    assert len(rows_of(target, "claims", "")) == 3  # the three of the claims sheet
    assert isomorphic(read_workbook(target)[1], graph)


# ------------------------------------------------------------------------------------------------
# Mistakes: each named where it is, and nothing written
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sheet", "row", "column", "value", "where", "says"),
    [
        (
            "claims",
            2,
            2,
            "colour",
            "row 2, column C (property)",
            "“colour” is not one of the claimed properties",
        ),
        (
            "claims",
            2,
            3,
            "magic logic",
            "row 2, column D (value)",
            "“magic logic” is not a value the under logic takes: one of political logic",
        ),
        ("claims", 3, 3, "2016-13", "row 3, column D (value)", "“2016-13” is not a date"),
        ("claims", 3, 3, "unknown", "row 3, column D (value)", "“unknown” gives no day"),
        ("claims", 2, 4, "", "row 2, column E (coder)", "the coder is required and missing"),
        (
            "claims",
            2,
            5,
            "",
            "row 2, column F (confidence)",
            "the confidence is required and missing",
        ),
        (
            "claims",
            2,
            6,
            "ev-missing",
            "row 2, column G (evidence)",
            "no row on any sheet has the id “ev-missing”",
        ),
        (
            "claims",
            2,
            6,
            "src-plan",
            "row 2, column G (evidence)",
            "“src-plan” is a row of sheet “sources.csv”: this column takes ids on the evidence",
        ),
        ("claims", 2, 1, "", "row 2, column B (record)", "the record is required and missing"),
        ("tenures", 2, 3, "2016-5", "row 2, column D (起始日期)", "“2016-5”"),
        (
            "tenures",
            2,
            2,
            "secretary",
            "row 2, column C (所任职位)",
            "“secretary” is a row of sheet “actors.csv”: this column takes ids on the posts",
        ),
    ],
)
def test_a_bad_cell_is_named_and_nothing_is_written(
    tmp_path, sheet: str, row: int, column: int, value: str, where: str, says: str
) -> None:
    sheets = riverside()
    sheets[sheet][row - 1][column] = value
    folder = save_csv(sheets, tmp_path / "riverside")
    out = tmp_path / "riverside.ttl"
    out.write_text("# an earlier case file\n", encoding="utf-8")
    result = run_flywheel("import", str(folder), "-o", str(out))
    assert result.returncode == 2, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1, result.stderr
    assert f"sheet “{sheet}.csv”, {where}: " in errors[0], errors
    assert says in errors[0], errors
    assert "1 mistake(s)" in result.stderr and "nothing was written" in result.stderr
    assert "Traceback" not in result.stderr
    assert out.read_text(encoding="utf-8") == "# an earlier case file\n"  # untouched


def test_claims_sheet_messages_are_in_english_and_chinese(tmp_path) -> None:
    sheets = riverside()
    sheets["claims"][1][3] = "magic logic"
    sheets["claims"][2][3] = "unknown"
    sheets["claims"][1][6] = "src-plan"
    with pytest.raises(WorkbookError) as raised:
        read_workbook(save_csv(sheets, tmp_path / "riverside"))
    found = sorted((e.row, e.column, e.message_zh) for e in raised.value.errors)
    assert [(r, c) for r, c, _ in found] == [(2, "D"), (2, "G"), (3, "D")]
    assert "“magic logic”不是“所循逻辑”可取的值,可选值:政治逻辑" in found[0][2]
    assert found[1][2] == "“src-plan”是工作表“sources.csv”中的行:本列只接受证据表中的编号"
    assert found[2][2].startswith("“unknown”没有可比较的日期:关于“起始日期”的断言须写明日期")


def test_the_same_claim_twice_without_an_id_is_a_mistake(tmp_path) -> None:
    sheets = riverside()
    sheets["claims"].append(list(sheets["claims"][1]))  # row 5 repeats row 2
    with pytest.raises(WorkbookError) as raised:
        read_workbook(save_csv(sheets, tmp_path / "riverside"))
    [mistake] = raised.value.errors
    assert (mistake.row, mistake.column) == (5, "B")
    assert "this row claims what row 2 claims" in mistake.message


# ------------------------------------------------------------------------------------------------
# The template
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "names", "headers", "properties", "confidence"),
    [
        (
            "en",
            ("claims", "posts", "tenures"),
            (
                CLAIMS_HEADER[:7],
                ["id", "label (en)", "label (zh)", "organisation"],
                ["id", "label (en)", "label (zh)", "holder (person)", "post", "start date"],
            ),
            ["under logic", "start date", "of stage", "kind", "kind of role", "in loop step"],
            "unverified report",
        ),
        (
            "zh",
            ("编码断言", "职位", "任职"),
            (
                ["编号", "所涉记录", "属性", "值", "编码者", "置信度", "证据"],
                ["编号", "名称(英文)", "名称(中文)", "所在机构"],
                ["编号", "名称(英文)", "名称(中文)", "任职者(个人)", "所任职位", "起始日期"],
            ),
            ["所循逻辑", "起始日期", "所处阶段", "类别", "角色类型", "所处回路环节"],
            "未经核实的报道",
        ),
    ],
)
def test_the_template_has_the_claims_posts_and_tenures_sheets(
    tmp_path, lang, names, headers, properties, confidence
) -> None:
    workbook = load_workbook(write_template(tmp_path / "t.xlsx", lang))
    lists = next(ws for ws in workbook.worksheets if ws.sheet_state == "hidden")
    for name, expected in zip(names, headers, strict=True):
        got = [c.value for c in workbook[name][1]]
        assert got[: len(expected)] == expected

    def dropdown(letter: str) -> list[str]:
        [check] = [
            v
            for v in workbook[names[0]].data_validations.dataValidation
            if f"{letter}2:{letter}" in str(v.sqref)
        ]
        target = check.formula1.split("!")[1].replace("$", "")
        return [c.value for row in lists[target] for c in row]

    offered = dropdown("C")  # the property
    assert set(properties) <= set(offered)
    assert len(offered) == len(set(offered))  # each label names one property
    assert confidence in dropdown("F")
    guide = "\n".join(str(c.value) for c in workbook.worksheets[0]["A"] if c.value)
    assert ("编码断言" if lang == "zh" else "claims") in guide
    assert ("ep-startup" in guide) and ("tenure-1" in guide)  # the worked examples


def test_the_csv_template_has_the_new_files_with_their_headers(tmp_path) -> None:
    folder = write_template(tmp_path / "coding", "en", as_csv=True)
    with (folder / "claims.csv").open(encoding="utf-8-sig") as handle:
        assert next(csv.reader(handle)) == [*CLAIMS_HEADER, "comment (zh)"]
    with (folder / "lists.csv").open(encoding="utf-8-sig") as handle:
        rows = list(csv.reader(handle))
    assert ["claimed properties", "under logic", "所循逻辑", "fw:underLogic"] in rows
    assert ["claimed properties", "kind", "类别", "rdf:type"] in rows
