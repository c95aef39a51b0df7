"""`flywheel migrate`: a case coded for ontology 0.1.0 becomes a 0.2.0 case without losing a
statement, and what it cannot decide is asked, never guessed (kg/migrate.py,
ontology/migrations/0.1.0-to-0.2.0/).

Expected answers are worked out by hand from tests/fixtures/migrate/*.ttl and the deprecations
stated in ontology/flywheel.ttl (see the comments at each test).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF

from kg.migrate import MigrationError, migrate_file, migrate_graph
from kg.version import ONTOLOGY_VERSION_IRI
from kg.vocab import FW
from tests.conftest import REPO, run_flywheel

FIXTURES = REPO / "tests" / "fixtures" / "migrate"
TEST_CASE = "https://w3id.org/dataflywheel/synthetic/migrate-test"
SYN = "https://w3id.org/dataflywheel/synthetic/migrate-test/"
V01 = URIRef("https://w3id.org/dataflywheel/ontology/0.1.0")


def _graph(name: str) -> Graph:
    return Graph().parse(FIXTURES / name, format="turtle")


def test_the_fixture_is_coded_for_0_1() -> None:
    assert (URIRef(TEST_CASE), OWL.imports, V01) in _graph("deprecated-0.1.ttl")
    assert ONTOLOGY_VERSION_IRI.endswith("/0.2.0")


def test_renames_term_for_term_where_the_ontology_says_the_meaning_is_kept() -> None:
    # By hand: reachedGovernance ⊑ movesToward (1 statement), InstitutionalLogic ≡ ActionLogic
    # (1), Coding ⊑ Claim (1), codingOf ⊑ claimAbout (1), codedProperty ⊑ claimProperty (1),
    # codedValue ⊑ claimValue (2 statements: two values).
    migration = migrate_graph(_graph("deprecated-0.1.ttl"), TEST_CASE)
    assert dict(migration.renamed) == {
        str(FW.reachedGovernance): 1,
        str(FW.InstitutionalLogic): 1,
        str(FW.Coding): 1,
        str(FW.codingOf): 1,
        str(FW.codedProperty): 1,
        str(FW.codedValue): 2,
    }
    graph = migration.graph
    assert (URIRef(SYN + "city"), FW.movesToward, URIRef(SYN + "hig")) in graph
    assert (URIRef(SYN + "own-logic"), RDF.type, FW.ActionLogic) in graph
    for old in (FW.reachedGovernance, FW.InstitutionalLogic, FW.Coding, FW.codingOf, FW.codedValue):
        assert not any(old in triple for triple in graph), old


def test_what_cannot_be_decided_is_asked_and_kept() -> None:
    # By hand: fw:DataBureau has two replacements (DataAdministration, BigDataCenter): asked,
    # kept; fw:characteristicActorClass is replaced by fw:stageActorKind, which is no
    # superproperty of it: asked, kept; syn:ev-unquoted is confirmed without a quote: asked
    # (syn:ev-quoted quotes: not asked). Three questions.
    migration = migrate_graph(_graph("deprecated-0.1.ttl"), TEST_CASE)
    asked = sorted((q.subject, q.property, q.value) for q in migration.questions)
    assert asked == [
        (SYN + "bureau", str(RDF.type), str(FW.DataBureau)),
        (SYN + "episode", str(FW.characteristicActorClass), str(FW.LeadingOfficial)),
        (SYN + "ev-unquoted", str(FW.confidence), str(FW.Confirmed)),
    ]
    graph = migration.graph
    assert (URIRef(SYN + "bureau"), RDF.type, FW.DataBureau) in graph
    # the rule keeps the part the bureau played in 0.1 (fw:DataBureau ⊑ fw:TechnicalDepartment)
    assert (URIRef(SYN + "bureau"), RDF.type, FW.TechnicalDepartment) in graph
    assert (URIRef(SYN + "episode"), FW.characteristicActorClass, FW.LeadingOfficial) in graph


def test_a_coding_with_two_values_becomes_two_claims() -> None:
    # By hand: the lexical forms compare …#RotationStage < …#StartupStage, so syn:coding keeps
    # RotationStage and StartupStage moves to syn:coding-v<md5> with the coding's other four
    # statements (type, claimAbout, claimProperty, codedBy): 1 removed, 5 added.
    migration = migrate_graph(_graph("deprecated-0.1.ttl"), TEST_CASE)
    copy = URIRef(SYN + "coding-v" + hashlib.md5(str(FW.StartupStage).encode()).hexdigest()[:8])
    graph = migration.graph
    assert set(graph.objects(URIRef(SYN + "coding"), FW.claimValue)) == {FW.RotationStage}
    assert set(graph.predicate_objects(copy)) == {
        (RDF.type, FW.Claim),
        (FW.claimAbout, URIRef(SYN + "episode")),
        (FW.claimProperty, FW.ofStage),
        (FW.codedBy, Literal("second coder")),
        (FW.claimValue, FW.StartupStage),
    }
    changes = {c.rule: (c.removed, c.added) for c in migration.changes}
    assert changes == {
        "01-one-claim-per-value": (1, 5),
        "02-data-bureau-plays-a-technical-part": (0, 1),
    }


def test_no_statement_is_lost() -> None:
    # Every input statement is in the output, as it was or with its deprecated terms renamed;
    # only the header's owl:imports changes version, and the rules' removals are counted.
    before = _graph("deprecated-0.1.ttl")
    migration = migrate_graph(before, TEST_CASE)
    after = migration.graph
    renamed = {
        FW.reachedGovernance: FW.movesToward,
        FW.InstitutionalLogic: FW.ActionLogic,
        FW.Coding: FW.Claim,
        FW.codingOf: FW.claimAbout,
        FW.codedProperty: FW.claimProperty,
        FW.codedValue: FW.claimValue,
    }
    missing = []
    for s, p, o in before:
        new = tuple(renamed.get(t, t) for t in (s, p, o))  # type: ignore[call-overload]
        if new not in after and (s, p, o) != (URIRef(TEST_CASE), OWL.imports, V01):
            missing.append(new)
    # the one statement the claim-per-value rule moved: the StartupStage value, now on the copy
    assert missing == [(URIRef(SYN + "coding"), FW.claimValue, FW.StartupStage)]
    assert (URIRef(TEST_CASE), OWL.imports, URIRef(ONTOLOGY_VERSION_IRI)) in after
    assert (URIRef(TEST_CASE), OWL.imports, V01) not in after
    assert migration.statements_in == len(before)
    assert len(after) == len(before) + 5  # rule 01: -1 +5; rule 02: +1; header: -1 +1


def test_the_input_graph_is_not_changed() -> None:
    graph = _graph("deprecated-0.1.ttl")
    copy = set(graph)
    migrate_graph(graph, TEST_CASE)
    assert set(graph) == copy


def test_hangzhou_as_coded_for_0_1() -> None:
    # tests/fixtures/migrate/hangzhou-0.1.ttl is the bundled Hangzhou case as version 0.1 shipped
    # it. By hand: it uses no renamed term; hz:data-bureau is a fw:DataBureau (asked; typed
    # fw:TechnicalDepartment by the rule); three evidence nodes are confirmed without a quote
    # (ev-yunqi, ev-plan, ev-health-code: "not re-checked, so no quote").
    (migration,) = migrate_file(FIXTURES / "hangzhou-0.1.ttl")
    hz = "https://w3id.org/dataflywheel/case/hangzhou/"
    assert migration.from_version == "0.1.0" and migration.to_version == "0.2.0"
    assert not migration.renamed
    assert sorted(q.subject for q in migration.questions) == [
        hz + "data-bureau",
        hz + "ev-health-code",
        hz + "ev-plan",
        hz + "ev-yunqi",
    ]
    assert len(migration.graph) == migration.statements_in + 1  # the technical part written out


def test_a_case_that_names_no_version_is_refused() -> None:
    graph = _graph("deprecated-0.1.ttl")
    graph.remove((URIRef(TEST_CASE), OWL.imports, None))
    with pytest.raises(MigrationError, match="imports no version"):
        migrate_graph(graph, TEST_CASE)


def test_a_case_for_a_later_version_is_refused() -> None:
    graph = _graph("deprecated-0.1.ttl")
    graph.remove((URIRef(TEST_CASE), OWL.imports, None))
    graph.add(
        (URIRef(TEST_CASE), OWL.imports, URIRef("https://w3id.org/dataflywheel/ontology/9.0.0"))
    )
    with pytest.raises(MigrationError, match="later than this flywheel"):
        migrate_graph(graph, TEST_CASE)


def test_the_command_writes_beside_and_asks(tmp_path: Path) -> None:
    source = tmp_path / "case.ttl"
    source.write_bytes((FIXTURES / "deprecated-0.1.ttl").read_bytes())
    result = run_flywheel("migrate", str(source))
    assert result.returncode == 1, result.stdout + result.stderr  # migrated, questions left
    target = tmp_path / "case.0.2.0.ttl"
    assert f"wrote {target}" in result.stdout
    assert "renamed fw:reachedGovernance → fw:movesToward in 1 statement(s)" in result.stdout
    assert (
        "to decide: synthetic:migrate-test/bureau rdf:type fw:DataBureau: fw:DataBureau is "
        "deprecated, replaced by one of fw:BigDataCenter or fw:DataAdministration"
    ) in result.stdout
    assert "statement(s) removed, 5 added" in result.stdout
    assert source.read_bytes() == (FIXTURES / "deprecated-0.1.ttl").read_bytes()  # untouched
    migrated = Graph().parse(target, format="turtle")
    assert (URIRef(TEST_CASE), OWL.imports, URIRef(ONTOLOGY_VERSION_IRI)) in migrated
    again = run_flywheel("migrate", str(target))  # a 0.2.0 case: its deprecated terms are
    assert again.returncode == 0  # the shapes' warnings from now on, not migrate's questions
    assert "is coded for ontology 0.2.0 already; nothing to do" in again.stdout


def test_an_unreadable_file_writes_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "bad.ttl"
    bad.write_text("@prefix fw: <https://w3id.org/dataflywheel/ontology#> .\nfw:x fw:y .\n")
    result = run_flywheel("migrate", str(bad), "-o", str(tmp_path / "out"))
    assert result.returncode == 2
    assert "line 2" in result.stderr and "nothing was written" in result.stderr
    assert not (tmp_path / "out").exists()


def test_a_workbook_coded_for_0_1(tmp_path: Path) -> None:
    # A coding workbook of the 0.1 Hangzhou case (its case sheet imports 0.1.0): migrated as the
    # Turtle file is, with the same four questions (see test_hangzhou_as_coded_for_0_1).
    from kg.workbook import write_case

    graph = _graph("hangzhou-0.1.ttl")
    book = tmp_path / "hangzhou.xlsx"
    write_case(graph, book, "https://w3id.org/dataflywheel/case/hangzhou", "en")
    result = run_flywheel("migrate", str(book))
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stdout.count("to decide:") == 4
    migrated = Graph().parse(tmp_path / "hangzhou.0.2.0.ttl", format="turtle")
    assert (
        URIRef("https://w3id.org/dataflywheel/case/hangzhou"),
        OWL.imports,
        URIRef(ONTOLOGY_VERSION_IRI),
    ) in migrated
