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
    assert report.count(Severity.WARNING) == 0  # the guide says: two infos, no warnings
    assert sorted(f.shape for f in report.findings) == [
        "fws:CaseStudyLevelShape",
        "fws:LoopStepStageShape",
    ]


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
    # hangzhou.ttl codes no end: unknown, then closed at the next start as asked
    assert "('startup stage', '2016-04-01', 'unknown')" in out[1]
    assert "('startup stage', '2017-01-01', 'next episode')" in out[2]
    assert out[3] == "{'City A': None, 'Hangzhou': 3.9, 'Shanghai': 2.1}"
    assert out[4].startswith("True ")


def test_two_coders_in_turtle_are_a_disagreement_of_question_23() -> None:
    # The guide's "Two coders in Turtle" block, in a case graph of its own. By hand: coder A's
    # claim gives 2017-03-01 for ex:ep-startup's fw:startDate, coder B's 2016-01-01: one row.
    import pyoxigraph as ox

    from kg.sparql.named import run

    blocks = re.findall(r"```turtle\n(.*?)```", GUIDE.read_text(encoding="utf-8"), flags=re.S)
    (two_coders,) = [b for b in blocks if "claim-start-b" in b]
    case = "https://example.org/cases/riverton"
    text = (
        "@prefix fw: <https://w3id.org/dataflywheel/ontology#> .\n"
        "@prefix owl: <http://www.w3.org/2002/07/owl#> .\n"
        "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n"
        f"@prefix ex: <{case}/> .\n<{case}> a owl:Ontology .\n" + two_coders
    )
    store = ox.Store()
    store.load(text.encode(), ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(case))
    rows = run(store, 23)
    assert [
        (r["record"], r["property"], r["coderA"], r["valuesA"], r["coderB"], r["valuesB"])
        for r in rows
    ] == [
        (
            f"{case}/ep-startup",
            str(FW.startDate),
            "A. Scholar",
            "2017-03-01",
            "B. Scholar",
            "2016-01-01",
        )
    ]
