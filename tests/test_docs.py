"""The documentation's example case validates, and the guide covers every term cases use."""

from __future__ import annotations

import re

from rdflib import Graph, URIRef

from kg import paths
from kg.check.validation import CaseValidator, Severity
from kg.vocab import FW
from tests.conftest import REPO

GUIDE = REPO / "docs" / "coding-a-case.md"


def example_case() -> str:
    """The last Turtle block of the guide: its complete example."""
    blocks = re.findall(r"```turtle\n(.*?)```", GUIDE.read_text(encoding="utf-8"), flags=re.S)
    return blocks[-1]


def test_example_conforms(validator: CaseValidator) -> None:
    report = validator.validate(Graph().parse(data=example_case(), format="turtle"))
    assert report.conforms
    assert report.count(Severity.WARNING) == 0  # the guide says: one info, no warnings
    assert [f.shape for f in report.findings] == ["fws:CaseStudyLevelShape"]


def test_guide_mentions_every_fw_term_the_bundled_cases_use() -> None:
    text = GUIDE.read_text(encoding="utf-8")
    used: set[str] = set()
    for path in paths.bundled_case_files():
        graph = Graph().parse(path)
        for triple in graph:
            for term in (
                (triple[1], triple[2])
                if triple[1] != URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
                else (triple[2],)
            ):
                if isinstance(term, URIRef) and str(term).startswith(str(FW)):
                    used.add("fw:" + str(term)[len(str(FW)) :])
    # controlled values (scenario types, action types) are listed by scheme, not one by one
    schemes = {
        "fw:TrafficManagement",
        "fw:HealthCode",
        "fw:GovernmentServices",
        "fw:Parking",
        "fw:UrbanManagement",
        "fw:PublicSafety",
        "fw:Tourism",
        "fw:MedicalCare",
        "fw:EnterpriseServices",
        "fw:LaunchDataCampaign",
        "fw:LaunchPlatform",
        "fw:LeadershipInspection",
        "fw:BuildDataFoundation",
        "fw:IssueRegulation",
        "fw:SetUpLeadingGroup",
        "fw:MergeUnits",
        "fw:OtherAction",
    }
    missing = sorted(t for t in used - schemes if not re.search(re.escape(t) + r"\b", text))
    assert missing == []


def test_readme_python_example_runs(capsys) -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    (code,) = re.findall(r"```python\n(.*?)```", readme, flags=re.S)
    exec(compile(code, "README.md", "exec"), {})
    out = capsys.readouterr().out.splitlines()
    # the triples of each bundled case file as rdflib parses it (len(Graph().parse(path)))
    assert out[0] == "[('City A', 501), ('Hangzhou', 756), ('Shanghai', 580)]"
    assert "('startup stage', '2016-04-01', 'next episode')" in out[1]
    assert out[2] == "{'City A': None, 'Hangzhou': 3.9, 'Shanghai': 2.1}"
    assert out[3].startswith("True ")
