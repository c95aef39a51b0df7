"""What the command line says of the files it is given: a syntax error in the report's
language, a pattern or folder that matches nothing, and paths as the README shows them."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import REPO, run_flywheel

BROKEN = "@prefix ex: <http://example.org/> .\nex:a ex:b ex:c\nex:d ex:e ex:f .\n"


def test_a_syntax_error_in_chinese(tmp_path: Path) -> None:
    """Line 3, column 1: the statement on line 2 has no final dot."""
    case = tmp_path / "broken.ttl"
    case.write_text(BROKEN, encoding="utf-8")
    zh = run_flywheel("validate", str(case), "--lang", "zh")
    assert zh.returncode == 2
    assert "第 3 行第 1 列" in zh.stderr
    assert "语句末尾缺少句点" in zh.stderr
    assert "有 1 个文件无法读取" in zh.stderr
    en = run_flywheel("validate", str(case))
    assert en.returncode == 2
    assert "line 3, column 1" in en.stderr and "nothing was validated" in en.stderr


def test_a_pattern_or_folder_matching_nothing_is_an_error(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    pattern = str(tmp_path / "nothing" / "*.ttl")
    for args in (
        ("validate", pattern),
        ("validate", str(empty)),
        ("validate", "--bundled", pattern),
    ):
        done = run_flywheel(*args)
        assert done.returncode == 2, args
        assert "matches no case file" in done.stderr
        assert "conforms" not in done.stdout  # nothing was validated
    load = run_flywheel("load", "--store", "memory:", "--bundled", pattern)
    assert load.returncode == 2 and "matches no case file" in load.stderr
    assert "Loaded" not in load.stdout


def test_a_quoted_pattern_is_expanded(tmp_path: Path) -> None:
    done = run_flywheel("validate", str(REPO / "kg" / "cases" / "[hs]*.ttl"))
    assert done.returncode == 0, done.stderr
    heads = [line for line in done.stdout.splitlines() if " — case <" in line]
    assert [h.split(" — ")[0] for h in heads] == ["kg/cases/hangzhou.ttl", "kg/cases/shanghai.ttl"]


def test_bundled_cases_are_shown_as_the_readme_shows_them(tmp_path: Path) -> None:
    done = run_flywheel("validate", "--bundled", cwd=tmp_path)
    heads = [line.split(" — ")[0] for line in done.stdout.splitlines() if " — case <" in line]
    assert heads == ["kg/cases/city-a.ttl", "kg/cases/hangzhou.ttl", "kg/cases/shanghai.ttl"]
