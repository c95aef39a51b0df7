"""The flywheel command as a user runs it: exit codes, reports, every command smoke-tested."""

from __future__ import annotations

import json

import pytest
from rdflib import Graph
from rdflib.namespace import SH

from tests.conftest import FIXTURES, REPO, run_flywheel


def test_version_and_help() -> None:
    result = run_flywheel("--version")
    assert result.returncode == 0 and result.stdout.startswith("flywheel-kg ")
    result = run_flywheel("--help")
    assert result.returncode == 0
    for command in ("validate", "reason", "lint", "ontology"):
        assert command in result.stdout


def test_help_states_the_exit_codes() -> None:
    text = " ".join(run_flywheel("--help").stdout.split())
    assert "Exit codes: 0 done; 1 findings" in text
    assert "2 unreadable input or bad use" in text and "3 the store or the query engine" in text


def test_an_unknown_case_is_bad_use_like_an_unknown_query(bundled_store, tmp_path) -> None:
    """Exit 2 for both: the same kind of mistake, the same code (an unknown case was 1)."""
    store = str(bundled_store)
    for args in (("export", "atlantis"), ("query", "99"), ("remove", "atlantis")):
        result = run_flywheel(*args, "--store", store)
        assert result.returncode == 2, (args, result.stderr)
        assert result.stderr.startswith("error: no ")


def test_bundled_cases_conform_from_any_directory(tmp_path) -> None:
    result = run_flywheel("validate", "--bundled", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    for case in ("city-a", "hangzhou", "shanghai"):
        assert f"https://w3id.org/dataflywheel/case/{case}>: conforms" in result.stdout


def test_violation_exits_1_and_names_the_shape() -> None:
    result = run_flywheel("validate", str(FIXTURES / "shapes" / "EpisodeStageShape.ttl"))
    assert result.returncode == 1
    assert "[fws:EpisodeStageShape]" in result.stdout
    assert "Violation" in result.stdout and "does not conform" in result.stdout


def test_warning_only_case_exits_0() -> None:
    result = run_flywheel("validate", str(FIXTURES / "shapes" / "StartupLeaderShape.ttl"))
    assert result.returncode == 0
    assert "Warning" in result.stdout and "[fws:StartupLeaderShape]" in result.stdout


def test_syntax_error_exits_2_with_line_and_validates_nothing() -> None:
    good = FIXTURES / "shapes" / "EpisodeStageShape.ttl"
    bad = FIXTURES / "syntax" / "unterminated-literal.ttl"
    result = run_flywheel("validate", str(good), str(bad))
    assert result.returncode == 2
    assert "unterminated-literal.ttl, line 5, column" in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""  # nothing else was done


def test_missing_file_is_a_clear_error() -> None:
    result = run_flywheel("validate", "no-such-case.ttl")
    assert result.returncode == 2
    assert "no-such-case.ttl: no such file" in result.stderr
    assert "Traceback" not in result.stderr


def test_chinese_report() -> None:
    result = run_flywheel(
        "validate", "--lang", "zh", str(FIXTURES / "shapes" / "EpisodeStageShape.ttl")
    )
    assert result.returncode == 1
    assert "违规" in result.stdout and "阶段历程必须通过 fw:ofStage" in result.stdout


def test_json_report_groups_by_case() -> None:
    result = run_flywheel(
        "validate", "--format", "json", str(FIXTURES / "shapes" / "EpisodeStageShape.ttl")
    )
    report = json.loads(result.stdout)
    assert report["conforms"] is False
    (case,) = report["cases"]
    assert case["case"] == "https://example.org/fixture/EpisodeStageShape"
    shapes = {f["shape"] for f in case["findings"] if f["severity"] == "violation"}
    assert shapes == {"fws:EpisodeStageShape"}
    finding = next(f for f in case["findings"] if f["shape"] == "fws:EpisodeStageShape")
    assert set(finding["messages"]) == {"en", "zh"}


def test_turtle_report_is_a_shacl_report() -> None:
    result = run_flywheel(
        "validate", "--format", "turtle", str(FIXTURES / "shapes" / "EpisodeStageShape.ttl")
    )
    graph = Graph().parse(data=result.stdout, format="turtle")
    assert len(list(graph.subjects(None, SH.ValidationReport))) == 1
    assert any(str(s).endswith("#EpisodeStageShape") for s in graph.objects(None, SH.sourceShape))


def test_folder_argument_validates_every_rdf_file(tmp_path) -> None:
    for name in ("EpisodeStageShape.ttl", "StartupLeaderShape.ttl"):
        (tmp_path / name).write_bytes((FIXTURES / "shapes" / name).read_bytes())
    result = run_flywheel("validate", "--format", "json", str(tmp_path))
    assert len(json.loads(result.stdout)["cases"]) == 2


def test_documentation_example_validates(tmp_path) -> None:
    from tests.test_docs import example_case

    path = tmp_path / "riverton.ttl"
    path.write_text(example_case(), encoding="utf-8")
    result = run_flywheel("validate", str(path))
    assert result.returncode == 0, result.stdout


@pytest.mark.parametrize("fmt", ["turtle", "xml", "json-ld", "nt"])
def test_ontology_command_prints_each_syntax(fmt: str) -> None:
    result = run_flywheel("ontology", "--format", fmt)
    assert result.returncode == 0
    rdflib_format = {"turtle": "turtle", "xml": "xml", "json-ld": "json-ld", "nt": "nt"}[fmt]
    source = Graph().parse(REPO / "ontology" / "flywheel.ttl")
    assert len(Graph().parse(data=result.stdout, format=rdflib_format)) == len(source)


@pytest.mark.slow  # more than a few seconds
def test_lint_command_passes() -> None:
    result = run_flywheel("lint")
    assert result.returncode == 0, result.stdout
    assert "clean" in result.stdout


@pytest.mark.reasoner
def test_reason_inconsistent_case_names_the_individual() -> None:
    result = run_flywheel("reason", str(FIXTURES / "reasoning" / "actor-two-kinds.ttl"))
    assert result.returncode == 1
    assert "Inconsistent" in result.stdout
    assert "https://example.org/fixture/reasoning/mayor" in result.stdout
    assert "fw:LeadingOfficial" in result.stdout and "fw:FunctionalDepartment" in result.stdout


@pytest.mark.reasoner
def test_reason_bundled_cases_are_consistent() -> None:
    result = run_flywheel("reason", "--bundled", "--json")
    assert result.returncode == 0, result.stdout + result.stderr
    assert json.loads(result.stdout)["consistent"] is True


def test_unreachable_store_is_one_clear_line() -> None:
    result = run_flywheel("cases", "--store", "http://127.0.0.1:9")
    assert result.returncode == 3
    assert "cannot reach the SPARQL server at http://127.0.0.1:9/query" in result.stderr
    assert "Traceback" not in result.stderr


def test_compare_in_a_pipe_is_csv_and_a_table_fits_the_terminal(bundled_store) -> None:
    """stdout not a terminal: CSV, as the README says (a box table was printed); a table asked
    for is as wide as COLUMNS says, its cells folded."""
    import csv
    import os
    import subprocess

    from tests.servers import flywheel_command

    result = run_flywheel("compare", "--store", str(bundled_store))
    assert result.returncode == 0
    header, *rows = list(csv.reader(result.stdout.splitlines()))
    assert header[:2] == ["case", "city"] and len(rows) == 3
    table = subprocess.run(
        [*flywheel_command(), "compare", "--store", str(bundled_store), "--format", "table"],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "100"},
        check=False,
    )
    assert table.returncode == 0
    lines = [line for line in table.stdout.splitlines() if line[:1] in "┏┃┡│└"]
    assert max(len(line) for line in lines) == 100
    assert "Hangzhou" in table.stdout


@pytest.mark.slow  # several commands in subprocesses: a few seconds
def test_help_shows_no_type_noise() -> None:
    """Help names values (CASE, PATH..., --jobs N, --lang [en|zh]), never Python types."""
    from typer.main import get_command

    from kg.cli import app

    commands = sorted(get_command(app).commands)  # type: ignore[attr-defined]
    assert {"load", "export", "compare", "serve", "synth"} <= set(commands)
    for command in commands:
        text = run_flywheel(command, "--help").stdout
        usage = text.splitlines()[0]
        assert usage.startswith(f"Usage: flywheel {command} ") and "{" not in usage, command
        for noise in ("<bool>", "<str>", "<list", "<int", "<float", "<path>"):
            assert noise not in text, (command, noise)
    load = run_flywheel("load", "--help").stdout
    assert "Usage: flywheel load [OPTIONS] [PATH...]" in load
    assert "-j, --jobs N" in load
    export = run_flywheel("export", "--help").stdout
    assert "Usage: flywheel export [OPTIONS] CASE" in export
    assert "--lang [en|zh]" in export and "-o, --output PATH" in export
