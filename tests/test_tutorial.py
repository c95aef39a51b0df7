"""docs/tutorial.md, executed: the tutorial cannot drift from what the commands do.

The test reads the tutorial's blocks in order and does what a reader does:

- every line of a ```sh block is a ``flywheel`` command, run with the real command line in an
  empty folder (it must exit 0);
- the tables under a ``### Sheet `NAME` `` heading are typed into that sheet of the workbook the
  ``flywheel template`` command wrote (with openpyxl, each value under the header cell of its
  column; a two-column ``column | value`` table is the sheet's one row), before the next command;
- a ```text block after a command block is that block's last command's output: each of its
  lines must appear, in order, among the output's lines (runs of spaces count as one; a line
  ``…`` stands for lines left out).

Besides, the facts the tutorial's text states are checked against the case file by hand: the
stages, dates and logics of the made-up city as the tables give them.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from openpyxl import load_workbook
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF

from kg.vocab import FW
from tests.conftest import REPO, run_flywheel

TUTORIAL = REPO / "docs" / "tutorial.md"
CASE = "https://w3id.org/dataflywheel/synthetic/lakeside"
SKIP = "…"


@dataclass
class Commands:
    lines: list[str]
    expected: list[str] | None = None


@dataclass
class Sheet:
    name: str
    rows: list[dict[str, str]] = field(default_factory=list)


def _table(lines: list[str]) -> list[list[str]]:
    """A Markdown table's rows as cells (the separator row dropped)."""
    rows = []
    for line in lines:
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if all(re.fullmatch(r":?-{3,}:?", c) for c in cells):
            continue
        rows.append(cells)
    return rows


def parse(text: str) -> list[Commands | Sheet]:
    """The tutorial's steps in order: command blocks (with their expected output) and sheets."""
    steps: list[Commands | Sheet] = []
    lines = text.splitlines()
    sheet: Sheet | None = None
    i = 0
    while i < len(lines):
        line = lines[i]
        heading = re.match(r"^#{1,6} Sheet `([^`]+)`\s*$", line)
        fence = re.match(r"^```(\w*)\s*$", line)
        if heading:
            sheet = Sheet(heading.group(1))
            steps.append(sheet)
        elif line.startswith("#"):
            sheet = None
        elif fence:
            end = lines.index("```", i + 1)
            body = lines[i + 1 : end]
            if fence.group(1) == "sh":
                commands = [c for c in body if c.strip() and not c.lstrip().startswith("#")]
                steps.append(Commands(commands))
            elif fence.group(1) == "text":
                assert isinstance(steps[-1], Commands), f"line {i + 1}: output of what command?"
                steps[-1].expected = body
            i = end
        elif line.startswith("|") and sheet is not None:
            start = i
            while i + 1 < len(lines) and lines[i + 1].startswith("|"):
                i += 1
            table = _table(lines[start : i + 1])
            if table[0] == ["column", "value"]:
                sheet.rows.append({name: value for name, value in table[1:]})
            else:
                sheet.rows.extend(dict(zip(table[0], row, strict=True)) for row in table[1:])
        i += 1
    return steps


def fill(workbook_path: Path, sheets: list[Sheet]) -> None:
    """Type the sheets' rows into the workbook, each value under its column's header."""
    workbook = load_workbook(workbook_path)
    for sheet in sheets:
        worksheet = workbook[sheet.name]
        headers = [c.value for c in worksheet[1]]
        for number, row in enumerate(sheet.rows, start=2):
            for header, value in row.items():
                assert header in headers, f"sheet {sheet.name!r} has no column {header!r}"
                if value:
                    worksheet.cell(number, headers.index(header) + 1, value)
    workbook.save(workbook_path)


def _squash(line: str) -> str:
    return re.sub(r"\s+", " ", line).strip()


def assert_output(expected: list[str], output: str, command: str) -> None:
    """Each expected line among the output's lines, in order; ``…`` skips any number."""
    actual = [_squash(line) for line in output.splitlines()]
    position = 0
    anchored = True  # without a leading "…" the first line must be the output's first
    for line in expected:
        if line.strip() == SKIP:
            anchored = False
            continue
        wanted = _squash(line)
        if anchored:
            assert position < len(actual) and actual[position] == wanted, (
                f"{command}: expected {wanted!r} at line {position + 1} of:\n{output}"
            )
        else:
            assert wanted in actual[position:], (
                f"{command}: expected {wanted!r} after line {position} of:\n{output}"
            )
            position = actual.index(wanted, position)
        position += 1
        anchored = True
    if anchored:
        assert position == len(actual), f"{command}: more output than the tutorial shows:\n{output}"


def test_tutorial_parses_into_the_steps_it_describes() -> None:
    steps = parse(TUTORIAL.read_text(encoding="utf-8"))
    commands = [c for s in steps if isinstance(s, Commands) for c in s.lines]
    assert [shlex.split(c)[1] for c in commands] == [
        "template",
        "import",
        "validate",
        "load",
        "load",
        "compare",
    ]
    sheets = [s.name for s in steps if isinstance(s, Sheet)]
    assert sheets == [
        "case",
        "sources",
        "evidence",
        "actors",
        "stage episodes",
        "actions",
        "artefacts",
        "data flows",
        "claims",
    ]
    assert all(s.rows for s in steps if isinstance(s, Sheet))
    episodes = next(s for s in steps if isinstance(s, Sheet) and s.name == "stage episodes")
    assert [r["stage"] for r in episodes.rows] == [
        "startup stage",
        "rotation stage",
        "acceleration stage",
    ]


@pytest.mark.slow
def test_the_tutorial_runs(tmp_path: Path) -> None:
    steps = parse(TUTORIAL.read_text(encoding="utf-8"))
    workbook: Path | None = None
    pending: list[Sheet] = []
    for step in steps:
        if isinstance(step, Sheet):
            pending.append(step)
            continue
        if pending:
            assert workbook is not None, "rows to type before any template was written"
            fill(workbook, pending)
            pending = []
        output = ""
        for command in step.lines:
            words = shlex.split(command)
            assert words[0] == "flywheel", command
            result = run_flywheel(*words[1:], cwd=tmp_path)
            assert result.returncode == 0, f"{command}\n{result.stdout}\n{result.stderr}"
            assert "Traceback" not in result.stderr
            output = result.stdout + result.stderr  # import reports on stderr
            if words[1] == "template":
                workbook = tmp_path / words[2]
        if step.expected is not None:
            assert_output(step.expected, output, step.lines[-1])
    assert not pending, "rows typed after the last command are never used"
    check_case(tmp_path / "lakeside.ttl")


def check_case(path: Path) -> None:
    """The case file says what the tutorial's description says (read by hand from it)."""
    graph = Graph().parse(path, format="turtle")

    def node(name: str) -> URIRef:
        return URIRef(f"{CASE}/{name}")

    assert (node("case"), FW.isSynthetic, Literal(True)) in graph
    starts = {
        str(graph.value(node(f"ep-{stage}"), FW.ofStage)): str(
            graph.value(node(f"ep-{stage}"), FW.startDate)
        )
        for stage in ("startup", "rotation", "acceleration")
    }
    assert starts == {
        str(FW.StartupStage): "2019-03-01",
        str(FW.RotationStage): "2020-09-15",
        str(FW.AccelerationStage): "2022-06-01",
    }
    assert (node("mayor"), RDF.type, FW.LeadingOfficial) in graph
    assert (node("act-bureau"), FW.underLogic, FW.BureaucraticLogic) in graph
    assert (node("flow-aggregation"), FW.inLoopStep, FW.Aggregation) in graph
    assert (node("act-parking"), FW.produced, node("parking")) in graph
    assert not list(graph.subjects(FW.ofStage, FW.InertiaStage))
    # the claims sheet's row: the parking service's logic, our reading of the news report
    [claim] = graph.subjects(RDF.type, FW.Claim)
    assert (claim, FW.claimAbout, node("act-parking")) in graph
    assert (claim, FW.claimProperty, FW.underLogic) in graph
    assert (claim, FW.claimValue, FW.TechnicalLogic) in graph
    assert (claim, FW.confidence, FW.Inferred) in graph
    assert (claim, FW.hasEvidence, node("ev-parking")) in graph


@pytest.mark.parametrize(
    ("expected", "output", "passes"),
    [
        (["a", "…", "c"], "a\nb\nc\n", True),
        (["a", "c"], "a\nb\nc\n", False),
        (["…", "b  x"], "a\nb x\n", True),
        (["…", "b"], "a\nb\nc\n", False),
        (["…", "z", "…"], "a\nb\n", False),
    ],
)
def test_output_matching(expected: list[str], output: str, passes: bool) -> None:
    if passes:
        assert_output(expected, output, "cmd")
    else:
        with pytest.raises(AssertionError):
            assert_output(expected, output, "cmd")
