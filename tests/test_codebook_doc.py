"""Issue 15, item 2: docs/codebook.md, the decision rules in English and Chinese, with its
controlled-value tables generated from the ontology (they cannot drift from it)."""

from __future__ import annotations

import re
from pathlib import Path

from rdflib.namespace import SKOS

from kg.ontology import ontology_graph
from kg.render.codebook_doc import BEGIN, END, SCHEMES, generated
from kg.vocab import curie
from tests.conftest import REPO, run_flywheel

CODEBOOK = REPO / "docs" / "codebook.md"


def test_the_tables_are_the_ontologys() -> None:
    text = CODEBOOK.read_text(encoding="utf-8")
    assert generated() in text, "run: flywheel docs --codebook docs/codebook.md"


def test_every_value_of_every_scheme_is_listed_with_both_labels() -> None:
    graph = ontology_graph()
    table = generated()
    for scheme in SCHEMES:
        members = set(graph.subjects(SKOS.inScheme, scheme))
        assert members, scheme
        for member in members:
            row = next(line for line in table.splitlines() if f"| `{curie(str(member))}` |" in line)
            cells = [c.strip() for c in row.strip("|").split(" | ")]
            assert len(cells) == 6 and all(cells[2:]), row  # English, 中文 and both definitions


def test_the_hard_cases_and_unknown_versus_absent_are_in_both_languages() -> None:
    text = CODEBOOK.read_text(encoding="utf-8").split(BEGIN)[0]
    for english, chinese in (
        ("A provincial act in a city's startup", "城市启动阶段中的省级举措"),
        ("A big-data centre that is also the command center", "同时是指挥中心的大数据中心"),
        ("A planned unit", "规划中的机构"),
        ("Unknown is not absent", "“未知”不等于“不存在”"),
    ):
        assert english.lower() in text.lower() and chinese in text, english
    # every section's rule is given in both languages
    assert text.count("**Rule.**") == text.count("**规则。**") >= 6


def test_the_command_rewrites_only_between_the_markers(tmp_path: Path) -> None:
    copy = tmp_path / "codebook.md"
    copy.write_text(f"# mine\n\nkept\n\n{BEGIN}\nold table\n{END}\n\nafter\n", encoding="utf-8")
    result = run_flywheel("docs", "--codebook", str(copy))
    assert result.returncode == 0, result.stderr
    text = copy.read_text(encoding="utf-8")
    assert text.startswith("# mine\n\nkept\n\n") and text.endswith("\n\nafter\n")
    assert "old table" not in text and "`fw:StartupStage`" in text
    again = run_flywheel("docs", "--codebook", str(copy))
    assert again.stdout.startswith("unchanged:")
    bare = tmp_path / "bare.md"
    bare.write_text("no markers\n", encoding="utf-8")
    refused = run_flywheel("docs", "--codebook", str(bare))
    assert refused.returncode == 2 and "markers" in refused.stderr
    assert bare.read_text(encoding="utf-8") == "no markers\n"
    assert re.search(r"Traceback", refused.stderr) is None
