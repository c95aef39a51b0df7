"""Issue 15, item 7: citable releases. CITATION.cff (checked against the Citation File Format
1.2.0 schema), .zenodo.json and the release note agree with the package, the ontology and the
bundled cases; `flywheel cite` prints the paper, the ontology's version, the software and each
case used, from the store or from the files, the same either way."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import jsonschema_rs
import pytest
import yaml
from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS

from kg import ontology
from kg.render import citation as render
from kg.version import ONTOLOGY_IRI, __version__
from kg.views import citation
from tests.conftest import REPO, run_flywheel

PAPER = (
    "Wang Ying, Wei Shu, Wu Shaowei. “数据飞轮效应”:数字政府建设实现整体智治的内在机理 "
    "('Flywheel Effect': How Does the Construction of Digital Government Promote the "
    "Realization of Holistic Intelligent Governance?). 中国行政管理 (Chinese Public "
    "Administration), 2023, (6): 61-72."
)


def _cff() -> dict:
    # dates as the file writes them (YYYY-MM-DD), as JSON Schema's "date" format expects
    return json.loads(json.dumps(yaml.safe_load((REPO / "CITATION.cff").read_text()), default=str))


def test_citation_file_follows_the_citation_file_format() -> None:
    schema = json.loads((REPO / "tests" / "data" / "cff" / "schema-1.2.0.json").read_text())
    validator = jsonschema_rs.Draft7Validator(schema, validate_formats=True)
    errors = [e.message for e in validator.iter_errors(_cff())]
    assert errors == []
    # the control: a file without its authors is not a valid CITATION.cff
    assert not validator.is_valid({k: v for k, v in _cff().items() if k != "authors"})


def test_citation_files_agree_with_the_package() -> None:
    cff = _cff()
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    zenodo = json.loads((REPO / ".zenodo.json").read_text())
    assert cff["version"] == zenodo["version"] == __version__
    assert cff["license"] == zenodo["license"] == project["license"] == "MIT"
    assert cff["title"] == zenodo["title"]
    assert [a["name"] for a in cff["authors"]] == [c["name"] for c in zenodo["creators"]]
    assert [a["name"] for a in project["authors"]] == [a["name"] for a in cff["authors"]]
    assert (REPO / "LICENSE").read_text().startswith("MIT License")


def test_the_paper_is_the_same_in_the_citation_file_and_the_ontology() -> None:
    source = str(ontology.ontology_graph().value(URIRef(ONTOLOGY_IRI), DCTERMS.source))
    assert source == PAPER
    assert render.reference(citation.paper()) == PAPER
    assert json.loads((REPO / ".zenodo.json").read_text())["references"] == [PAPER]


def test_cite_prints_the_paper_ontology_software_and_each_bundled_case() -> None:
    result = run_flywheel("cite", "--bundled")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert f"The theory:\n  {PAPER}\n" in out
    assert (
        "The ontology:\n  The flywheel-kg project (2026). The data-flywheel ontology of digital "
        "government, version 0.2.0. https://w3id.org/dataflywheel/ontology/0.2.0 Licence: "
        "CC BY 4.0.\n"
    ) in out
    assert "flywheel-kg: knowledge graph, ontology and tools for studying digital government" in out
    assert "version 0.2.0. Licence: MIT." in out
    cases = re.findall(
        r"^  flywheel-kg project\. (.+?)\. Case graph (\S+), coded on ontology "
        r"0\.2\.0; content SHA-256 ([0-9a-f]{64})\. Licence: CC BY 4\.0\.$",
        out,
        re.M,
    )
    assert [(title, iri) for title, iri, _ in cases] == [
        (
            "City A: the reference case of the data-flywheel theory",
            "https://w3id.org/dataflywheel/case/city-a",
        ),
        (
            "Hangzhou: a documented data-flywheel case",
            "https://w3id.org/dataflywheel/case/hangzhou",
        ),
        (
            "Shanghai: a documented data-flywheel case",
            "https://w3id.org/dataflywheel/case/shanghai",
        ),
    ]
    assert "The cases (3):" in out


@pytest.mark.slow  # several commands in subprocesses: a few seconds
def test_cite_from_the_store_gives_the_hashes_the_files_give(tmp_path: Path) -> None:
    """Two routes to a case's version: the store's catalog (written at load) and the file."""
    store = str(tmp_path / "store")
    assert run_flywheel("load", "--bundled", "--store", store).returncode == 0
    from_files = run_flywheel("cite", "--bundled").stdout
    from_store = run_flywheel("cite", "--store", store).stdout
    assert from_store == from_files
    one = run_flywheel("cite", "hangzhou", "--store", store).stdout
    assert "The cases (1):" in one and "case/hangzhou," in one and "case/shanghai" not in one
    unknown = run_flywheel("cite", "guiyang", "--store", store)
    assert unknown.returncode == 2
    assert "guiyang" in unknown.stderr and "Traceback" not in unknown.stderr
    empty = run_flywheel("cite", "--store", str(tmp_path / "empty"))
    assert empty.returncode == 0
    assert "The cases (0): none in the store; name cases or use --bundled." in empty.stdout


def test_the_release_note_lists_what_cite_prints() -> None:
    note = (REPO / "docs" / "release-notes.md").read_text(encoding="utf-8")
    table = run_flywheel("cite", "--bundled", "--format", "markdown").stdout
    assert table in note
    assert f"## {__version__} " in note


def test_a_case_without_licence_or_coders_says_so() -> None:
    graph = Graph().parse(
        data="""
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<https://example.org/case/lakeside> a owl:Ontology ; rdfs:label "Lakeside (made up)"@en .
""",
        format="turtle",
    )
    work = citation.case(graph, "https://example.org/case/lakeside", "ab" * 32)
    assert render.reference(work) == (
        "coders not stated. Lakeside (made up). Case graph https://example.org/case/lakeside; "
        f"content SHA-256 {'ab' * 32}. Licence: not stated."
    )


def test_bibtex_entries() -> None:
    out = run_flywheel("cite", "--bundled", "--format", "bibtex").stdout
    entries = re.findall(r"^@(\w+)\{([^,\n]+),$", out, re.M)
    assert entries == [
        ("article", "wang2023flywheel"),
        ("misc", "flywheelontology020"),
        ("misc", "flywheelkg020"),
        ("misc", "case-city-a"),
        ("misc", "case-hangzhou"),
        ("misc", "case-shanghai"),
    ]
    assert "  author = {Wang, Ying and Wei, Shu and Wu, Shaowei},\n" in out
    assert "  pages = {61--72}\n" in out
    # a body's name braced, so BibTeX keeps it whole
    assert "  author = {{The flywheel-kg project}},\n" in out
    assert out.count("{") == out.count("}")
    # braces in a title are escaped, not taken as BibTeX's own
    odd = citation.Work(kind="case", key="k", title="a {b} \\c", authors=(), url="u", sha256="0")
    assert "title = {a \\{b\\} \\textbackslash{}c}" in render.bibtex([odd])
