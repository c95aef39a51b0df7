"""Issue 15, item 1: inter-coder reliability. `flywheel agree` aligns coders' values by record
and reports Krippendorff's alpha per variable, and every disagreement with both values and the
evidence. Expected alphas are worked out by hand from tests/fixtures/agreement (coder-a.ttl,
coder-b.ttl; a made-up case), with Krippendorff's coincidence-matrix formulas:
alpha = 1 - D_o / D_e.

Stage (nominal). Units and values: e1 (startup, startup), e2 (startup, rotation), e3 (rotation,
rotation), e4 (rotation, rotation, and Coder C's claim: inertia). Coincidences: e1 gives
o(S,S) = 2; e2 o(S,R) = o(R,S) = 1; e3 o(R,R) = 2; e4 (m = 3, each pair counted 1/(m-1)):
o(R,R) = 1, o(R,I) = o(I,R) = 1. So n_S = 3, n_R = 5, n_I = 1, n = 9;
D_o = 4/9; D_e = 2(3·5 + 3·1 + 5·1) / (9·8) = 46/72; alpha = 1 - (4/9)/(46/72) = 7/23.

Start date (interval, days; a date placed at the middle of its bounds). e1: (0, 0); e2: (10, 10);
e3: Coder A 2016-01-21 = 20, Coder B 2016-01 = middle of 1 and 31 January = 15. D_o =
2·(20-15)²/6 = 50/6; over the six values 0, 0, 10, 10, 15, 20 the squared differences of the
distinct pairs sum to 1925, so D_e = 2·1925/(6·5) = 3850/30; alpha = 1 - 1500/23100 = 72/77.

Action logic (nominal): both coders agree on both actions (political, bureaucratic): D_o = 0,
alpha = 1. Loop step: only Coder A codes the flow, so no unit is pairable: alpha undefined.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rdflib import Graph, URIRef

from kg.rdf.read import read_cases
from kg.views.agreement import Coding, agreement
from tests.conftest import REPO, run_flywheel

FIXTURES = REPO / "tests" / "fixtures" / "agreement"
A, B = FIXTURES / "coder-a.ttl", FIXTURES / "coder-b.ttl"


def _codings(*files: Path) -> list[Coding]:
    return [Coding(f.stem, case.graph) for f in files for case in read_cases(f)]


def test_alpha_per_variable_as_worked_out_by_hand() -> None:
    report = agreement(_codings(A, B))
    assert report.coders == ("Coder A", "Coder B", "Coder C")
    by = {v.variable: v for v in report.variables}
    assert set(by) == {"stage", "start date", "action logic", "loop step"}
    assert by["stage"].alpha == pytest.approx(7 / 23)
    assert (by["stage"].units, by["stage"].coders, by["stage"].values) == (4, 3, 9)
    assert by["start date"].alpha == pytest.approx(72 / 77)
    assert (by["start date"].units, by["start date"].values) == (3, 6)
    assert by["start date"].level == "interval"
    assert by["action logic"].alpha == pytest.approx(1.0)
    assert by["loop step"].alpha is None
    assert by["loop step"].why == "no unit coded by two coders"


def test_every_disagreement_with_each_coders_value_and_evidence() -> None:
    report = agreement(_codings(A, B))
    found = {
        (d.record.rsplit("/", 1)[-1], d.variable): {c: v.shown for c, v in d.values.items()}
        for d in report.disagreements
    }
    assert found == {
        ("e2", "stage"): {"Coder A": "startup stage", "Coder B": "rotation stage"},
        ("e3", "start date"): {"Coder A": "2016-01-21", "Coder B": "2016-01"},
        ("e4", "stage"): {
            "Coder A": "rotation stage",
            "Coder B": "rotation stage",
            "Coder C": "inertia stage",
        },
    }
    (e4,) = [d for d in report.disagreements if d.record.endswith("/e4")]
    assert e4.values["Coder C"].evidence == (
        "https://example.org/case/lakeside/ev-c “The command centre ran the city's data from "
        "then on.”",
    )
    assert e4.record_label == "episode 4"


def test_one_coder_alone_agrees_with_nobody() -> None:
    report = agreement(_codings(A))
    assert report.coders == ("Coder A",)
    assert all(v.alpha is None for v in report.variables)
    assert report.disagreements == ()


def test_the_command_prints_the_table_and_the_disagreements() -> None:
    result = run_flywheel("agree", str(A), str(B), "--format", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    alphas = {row["variable"]: row["alpha"] for row in data["alpha"]}
    assert alphas == {
        "stage": round(7 / 23, 3),
        "action logic": 1.0,
        "loop step": None,
        "start date": round(72 / 77, 3),
    }
    rows = [(r["record"], r["coder"], r["value"]) for r in data["disagreements"]]
    assert len(rows) == 7  # e2: 2 coders, e3: 2, e4: 3
    csv = run_flywheel("agree", str(A), str(B), "--format", "csv", "--disagreements")
    header = next(iter(__import__("csv").reader(csv.stdout.splitlines())))
    assert header == ["record", "label", "variable", "coder", "value", "evidence"]
    table = run_flywheel("agree", str(A), str(B), "--format", "table")
    assert "Coders (3): Coder A, Coder B, Coder C" in table.stdout
    assert "Krippendorff's alpha" in table.stdout and "Disagreements" in table.stdout


@pytest.mark.slow  # several commands in subprocesses: a few seconds
def test_two_workbooks_give_the_same_alphas(tmp_path: Path) -> None:
    from kg.workbook import write_case

    books = []
    for coding in (A, B):
        (case,) = read_cases(coding)
        books.append(write_case(case.graph, tmp_path / coding.stem, case.iri, as_csv=True))
    from_books = run_flywheel("agree", *map(str, books), "--format", "json")
    from_files = run_flywheel("agree", str(A), str(B), "--format", "json")
    assert from_books.returncode == 0, from_books.stderr
    assert json.loads(from_books.stdout)["alpha"] == json.loads(from_files.stdout)["alpha"]


def test_codings_of_different_cases_or_unreadable_files_are_refused(tmp_path: Path) -> None:
    other = tmp_path / "other.ttl"
    other.write_text(
        A.read_text().replace("https://example.org/case/lakeside", "https://example.org/case/hill"),
        encoding="utf-8",
    )
    result = run_flywheel("agree", str(A), str(other))
    assert result.returncode == 2
    assert "different cases" in result.stderr and "Traceback" not in result.stderr
    broken = tmp_path / "broken.ttl"
    broken.write_text("@prefix fw: <x> .\nfw:a fw:b .\n", encoding="utf-8")
    result = run_flywheel("agree", str(A), str(broken))
    assert result.returncode == 2
    assert "broken.ttl" in result.stderr and "line 2" in result.stderr
    missing = run_flywheel("agree", str(A), str(tmp_path / "nowhere.ttl"))
    assert missing.returncode == 2 and "no such file" in missing.stderr


@pytest.mark.slow  # several commands in subprocesses: a few seconds
def test_the_codebook_carries_the_alpha_table(tmp_path: Path) -> None:
    """coder-b.ttl alone holds two coders: Coder B (its case study's coder) and Coder C (one
    claim). Their one shared unit is e4's stage (rotation against inertia): n = 2, D_o = 2/2,
    D_e = 2·1·1/(2·1) = 1, alpha = 0. The bundled cases have one coder each: no alpha."""
    store = str(tmp_path / "store")
    loaded = run_flywheel("load", str(B), "--bundled", "--force", "--store", store)
    assert loaded.returncode in (0, 1), loaded.stderr
    out = tmp_path / "cities.csv"
    assert run_flywheel("compare", "-o", str(out), "--store", store).returncode == 0
    codebook = (tmp_path / "cities.codebook.md").read_text(encoding="utf-8")
    section = codebook.split("## Inter-coder reliability", 1)[1]
    rows = [line for line in section.splitlines() if line.startswith("| <")]
    case = "| <https://example.org/case/lakeside> "
    assert rows == [
        case + "| stage | nominal | 0.000 | 1 | 2 | 1 |  |",
        case + "| action logic | nominal |  | 0 | 1 | 0 | no unit coded by two coders |",
        case + "| start date | interval |  | 0 | 1 | 0 | no unit coded by two coders |",
    ]
    bundled = tmp_path / "bundled"
    assert run_flywheel("load", "--bundled", "--store", str(bundled)).returncode == 0
    run_flywheel("compare", "-o", str(out), "--store", str(bundled))
    codebook = (tmp_path / "cities.codebook.md").read_text(encoding="utf-8")
    assert "No included case has claims by more than one coder." in codebook


FW_NS = "https://w3id.org/dataflywheel/ontology#"
LAKE = "https://example.org/case/lakeside/"


def _merged(tmp_path: Path, *extra: str) -> tuple[object, Graph]:
    out = tmp_path / "merged.ttl"
    result = run_flywheel("merge", str(A), str(B), "-o", str(out), *extra)
    return result, Graph().parse(out)


def _claims(graph: Graph, record: str, prop: str) -> dict[str, str]:
    found = {}
    for claim in graph.subjects(URIRef(FW_NS + "claimAbout"), URIRef(LAKE + record)):
        if graph.value(claim, URIRef(FW_NS + "claimProperty")) == URIRef(FW_NS + prop):
            coder = str(graph.value(claim, URIRef(FW_NS + "codedBy")))
            written = graph.value(claim, URIRef(FW_NS + "claimEDTF"))  # a date less than a day
            found[coder] = str(written or graph.value(claim, URIRef(FW_NS + "claimValue")))
    return found


def test_merge_keeps_every_coders_value_and_records_the_consensus(tmp_path: Path) -> None:
    """Worked out from the two files: 7 units agree (e1 and e3 stage; e1 and e2 start; a1 and
    a2 logic; f1's loop step, coded by Coder A alone); 3 differ (e2 stage, e3 start, e4 stage)
    and, with no arbiter, stay open."""
    result, graph = _merged(tmp_path)
    assert result.returncode == 1, result.stderr
    assert "7 unit(s) agreed, 0 decided by the arbiter, 3 left open." in result.stderr
    of_stage = URIRef(FW_NS + "ofStage")
    assert graph.value(URIRef(LAKE + "e1"), of_stage) == URIRef(FW_NS + "StartupStage")
    assert str(graph.value(URIRef(LAKE + "e1"), URIRef(FW_NS + "codedBy"))) == "consensus"
    # open: no accepted value, each coder's claim kept
    assert graph.value(URIRef(LAKE + "e2"), of_stage) is None
    assert _claims(graph, "e2", "ofStage") == {
        "Coder A": FW_NS + "StartupStage",
        "Coder B": FW_NS + "RotationStage",
    }
    assert _claims(graph, "e4", "ofStage") == {
        "Coder A": FW_NS + "RotationStage",
        "Coder B": FW_NS + "RotationStage",
        "Coder C": FW_NS + "InertiaStage",
    }
    # a date keeps the precision its coder knew it to (Coder B: the month)
    assert _claims(graph, "e3", "startDate") == {"Coder A": "2016-01-21", "Coder B": "2016-01"}
    # its claimed value is the day the direct triple would hold, as claims write dates
    values = {
        str(graph.value(c, URIRef(FW_NS + "claimValue")))
        for c in graph.subjects(URIRef(FW_NS + "claimEDTF"), None)
    }
    assert values == {"2016-01-01"}
    assert graph.value(URIRef(LAKE + "e3"), URIRef(FW_NS + "startDate")) is None
    # Coder C's claim is kept as it was, with its evidence
    claim = URIRef(LAKE + "claim-e4-c")
    assert graph.value(claim, URIRef(FW_NS + "hasEvidence")) == URIRef(LAKE + "ev-c")
    # nothing lost: the coders' alphas read back from the merged file, the consensus left out
    again = run_flywheel(
        "agree", str(tmp_path / "merged.ttl"), "--ignore-coder", "consensus", "--format", "json"
    )
    direct = run_flywheel("agree", str(A), str(B), "--format", "json")
    assert json.loads(again.stdout)["alpha"] == json.loads(direct.stdout)["alpha"]


def test_merge_with_an_arbiter(tmp_path: Path) -> None:
    result, graph = _merged(tmp_path, "--prefer", "Coder B", "--consensus-by", "A and B")
    assert result.returncode == 0, result.stderr
    assert "7 unit(s) agreed, 0 decided by the arbiter, 3 left open." not in result.stderr
    assert "7 unit(s) agreed, 3 decided by the arbiter, 0 left open." in result.stderr
    e3 = URIRef(LAKE + "e3")
    # Coder B's month, with its bounds, is the accepted value
    assert str(graph.value(e3, URIRef(FW_NS + "startEDTF"))) == "2016-01"
    assert str(graph.value(e3, URIRef(FW_NS + "startLatest"))) == "2016-01-31"
    assert str(graph.value(e3, URIRef(FW_NS + "codedBy"))) == "A and B"
    assert graph.value(URIRef(LAKE + "e4"), URIRef(FW_NS + "ofStage")) == URIRef(
        FW_NS + "RotationStage"
    )
    assert _claims(graph, "e3", "startDate")["Coder A"] == "2016-01-21"  # still there
    unknown = run_flywheel("merge", str(A), str(B), "--prefer", "Coder Z")
    assert unknown.returncode == 2
    assert "Coder Z" in unknown.stderr and "Coder A, Coder B, Coder C" in unknown.stderr


def test_a_merged_case_goes_through_the_workbook_unchanged(tmp_path: Path) -> None:
    """The merged file's claims (Coder B's month among them, as written) all land on the
    workbook's claims sheet and read back as the same graph."""
    from rdflib.compare import isomorphic

    from kg.workbook import read_workbook, write_case

    # every unit decided (the workbook needs each episode's stage); Coder A's day for e3 stays
    # a claim while Coder B's month is the accepted value
    _, merged = _merged(tmp_path, "--prefer", "Coder B")
    # and a claimed month that is not the accepted value, with its confidence
    from rdflib import Literal
    from rdflib.namespace import RDF, XSD

    fw = lambda name: URIRef(FW_NS + name)  # noqa: E731
    claim = URIRef(LAKE + "claim-e2-d")
    for p, o in (
        (RDF.type, fw("Claim")),
        (fw("claimAbout"), URIRef(LAKE + "e2")),
        (fw("claimProperty"), fw("startDate")),
        (fw("claimValue"), Literal("2016-02-01", datatype=XSD.date)),
        (fw("claimEDTF"), Literal("2016-02")),
        (fw("codedBy"), Literal("Coder D")),
        (fw("confidence"), fw("Inferred")),
    ):
        merged.add((claim, p, o))
    folder = write_case(merged, tmp_path / "book", "https://example.org/case/lakeside", as_csv=True)
    _, back = read_workbook(folder)
    assert isomorphic(back, merged)
    claims = (folder / "claims.csv").read_text(encoding="utf-8")
    assert '"claim-e2-d","e2","start date","2016-02","Coder D"' in claims
    other = folder / "other.csv"
    assert not other.exists() or "claimEDTF" not in other.read_text(encoding="utf-8")
