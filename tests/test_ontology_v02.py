"""Ontology 0.2: the framework as the abstract states it, with each statement's basis; roles apart
from organisations; the 0.1 alignment errors gone; deprecated terms with their replacements; the
date-bound pattern complete. Every expected value below was worked out by hand from the abstract
(shared/seed/flywheel-paper-abstract.txt) and issue 14, not read back from the ontology."""

from __future__ import annotations

import pytest
from rdflib import Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from kg import ontology
from kg.version import ONTOLOGY_IRI, ONTOLOGY_VERSION_IRI, __version__
from kg.vocab import FW

PROV = "http://www.w3.org/ns/prov#"
DCT_REPLACED = URIRef("http://purl.org/dc/terms/isReplacedBy")
G = ontology.ontology_graph()


def fw(name: str) -> URIRef:
    return FW[name]


def values(subject: URIRef, prop: URIRef) -> set[URIRef]:
    return {o for o in G.objects(subject, prop) if isinstance(o, URIRef)}


def test_version_header_matches_the_package() -> None:
    header = URIRef(ONTOLOGY_IRI)
    assert __version__ == "0.2.0"
    assert G.value(header, OWL.versionIRI) == URIRef(ONTOLOGY_VERSION_IRI)
    assert G.value(header, OWL.versionInfo) == Literal("0.2.0")
    assert G.value(header, OWL.priorVersion) == URIRef(f"{ONTOLOGY_IRI}/0.1.0")


# --- the framework's statements --------------------------------------------------------------

# From the Chinese abstract: "启动阶段的高位推动、转动阶段的体制微调、加速阶段的场景赋能以及惯性阶段的平台运作".
MECHANISM = {
    "StartupStage": "HighLevelPromotion",
    "RotationStage": "InstitutionalFineTuning",
    "AccelerationStage": "ScenarioEmpowerment",
    "InertiaStage": "PlatformOperation",
}
# From the English abstract's stage sentences (politicians; bureaucratic systems → functional
# departments; application scenarios → technical departments; data platforms → the big data center).
ACTOR_KIND = {
    "StartupStage": "LeadersKind",
    "RotationStage": "FunctionalDepartmentKind",
    "AccelerationStage": "TechnicalDepartmentKind",
    "InertiaStage": "CommandCenterKind",
}
# From both abstracts' actor sentences (…所遵循的政治逻辑 / 科层逻辑 / 技术逻辑 / 平台逻辑).
LOGIC = {
    "LeadersKind": "PoliticalLogic",
    "FunctionalDepartmentKind": "BureaucraticLogic",
    "TechnicalDepartmentKind": "TechnicalLogic",
    "CommandCenterKind": "PlatformLogic",
}
# The composition, worked out by hand from the two tables above.
DERIVED_LOGIC = {
    "StartupStage": "PoliticalLogic",
    "RotationStage": "BureaucraticLogic",
    "AccelerationStage": "TechnicalLogic",
    "InertiaStage": "PlatformLogic",
}


@pytest.mark.parametrize("stage", sorted(MECHANISM))
def test_each_stage_states_mechanism_and_kind_of_actor(stage: str) -> None:
    assert values(fw(stage), FW.drivenBy) == {fw(MECHANISM[stage])}
    assert values(fw(MECHANISM[stage]), FW.drives) == {fw(stage)}
    assert values(fw(stage), FW.stageActorKind) == {fw(ACTOR_KIND[stage])}


@pytest.mark.parametrize("kind", sorted(LOGIC))
def test_each_kind_of_actor_follows_one_logic(kind: str) -> None:
    assert values(fw(kind), FW.followsLogic) == {fw(LOGIC[kind])}
    assert (fw(kind), RDF.type, FW.ActorKind) in G


def test_the_stage_logic_is_exactly_the_composition_and_says_so() -> None:
    chain = G.value(FW.characteristicLogic, OWL.propertyChainAxiom)
    assert chain is not None
    from rdflib.collection import Collection

    assert list(Collection(G, chain)) == [FW.stageActorKind, FW.followsLogic]
    for stage, logic in DERIVED_LOGIC.items():
        assert values(fw(stage), FW.characteristicLogic) == {fw(logic)}
    # and the same by composing in SPARQL, so a change to one table without the other fails here
    rows = G.query(
        "SELECT ?stage ?logic WHERE { ?stage fw:stageActorKind/fw:followsLogic ?logic }",
        initNs={"fw": FW},
    )
    composed = {(str(r[0]), str(r[1])) for r in rows}  # type: ignore[index]
    stated = {(str(s), str(o)) for s, o in G.subject_objects(FW.characteristicLogic)}
    assert composed == stated


BASIS = {
    "nextStage": "StatedInAbstract",
    "drivenBy": "StatedInAbstract",
    "drives": "StatedInAbstract",
    "stageActorKind": "StatedInAbstract",
    "followsLogic": "StatedInAbstract",
    "nextLoopStep": "StatedInAbstract",
    "characteristicLogic": "DerivedFromAbstract",
    "characteristicLoopStep": "ProjectReading",
}


@pytest.mark.parametrize("prop", sorted(BASIS))
def test_every_framework_property_says_its_basis(prop: str) -> None:
    assert values(fw(prop), FW.basis) == {fw(BASIS[prop])}


def test_every_property_used_between_framework_individuals_has_a_basis() -> None:
    """Any object property asserted from a stage, mechanism, kind of actor or loop step to another
    such individual is a statement of the framework and must say what it rests on."""
    framework = {FW.FlywheelStage, FW.DrivingMechanism, FW.ActorKind, FW.LoopStep, FW.ActionLogic}
    individuals = {s for cls in framework for s in G.subjects(RDF.type, cls)}
    used = {p for s, p, o in G if s in individuals and o in individuals}
    assert used  # the framework is stated at all
    assert {p for p in used if G.value(p, FW.basis) is None} == set()


@pytest.mark.parametrize("basis", ["StatedInAbstract", "DerivedFromAbstract", "ProjectReading"])
def test_bases_are_bilingual_concepts(basis: str) -> None:
    assert (fw(basis), RDF.type, FW.Basis) in G
    langs = {lit.language for lit in G.objects(fw(basis), SKOS.prefLabel)}  # type: ignore[attr-defined]
    assert {"en", "zh"} <= langs


def test_stated_properties_quote_the_abstract_exactly() -> None:
    from tests.conftest import FIXTURES

    abstract = (FIXTURES / "flywheel-paper-abstract.txt").read_text(encoding="utf-8")
    quoted = 0
    for prop in G.subjects(FW.basis, FW.StatedInAbstract):
        for words in G.objects(prop, FW.abstractWords):
            for part in str(words).split(" … "):
                assert part in abstract, (prop, part)
            quoted += 1
    assert quoted >= 5


# --- no theory in definitions ------------------------------------------------------------------

THEORY_WORDS = {
    "en": [
        "logic",
        "high-level promotion",
        "fine-tuning",
        "scenario empowerment",
        "leading official",
        "command center",
        "functional department",
        "technical department",
        "symbiosis",
        "grow together",
    ],
    "zh": [
        "逻辑",
        "高位推动",
        "体制微调",
        "场景赋能",
        "平台运作",
        "党政主要领导",
        "职能部门",
        "技术部门",
        "指挥中心",
        "良性共生",
    ],
}


@pytest.mark.parametrize(
    "term",
    [
        "StartupStage",
        "RotationStage",
        "AccelerationStage",
        "InertiaStage",
        "Platform",
        "HolisticIntelligentGovernance",
        "PlatformOperation",
    ],
)
def test_definitions_carry_no_theory(term: str) -> None:
    for definition in G.objects(fw(term), SKOS.definition):
        lang = definition.language  # type: ignore[attr-defined]
        for word in THEORY_WORDS[lang]:
            assert word not in str(definition).lower(), (term, word)


def test_mutual_adjustment_is_defined_without_its_consequence() -> None:
    # 0.1 wrote the abstract's finding (互动调适 → 技术与组织的良性共生) into the definition
    for definition in G.objects(FW.Adjustment, SKOS.definition):
        for word in ["symbiosis", "grow together", "良性共生", "技术与组织"]:
            assert word not in str(definition)


@pytest.mark.parametrize("logic", sorted(set(LOGIC.values())))
def test_logic_definitions_do_not_name_who_follows_them(logic: str) -> None:
    for definition in G.objects(fw(logic), SKOS.definition):
        text = str(definition).lower()
        for word in ["leader", "department", "center", "领导", "部门", "中心"]:
            assert word not in text, (logic, word)


# --- labels ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("term", "zh"),
    [
        ("ActionLogic", "行动逻辑"),
        ("Suspected", "疑似"),
        ("Reported", "未经核实的报道"),
        ("movesToward", "迈向"),
        ("characteristicLogic", "阶段主导逻辑(推导)"),
        ("LoopStep", "数据闭环环节"),
        ("DataAdministration", "数据管理局"),
        ("BigDataCenter", "大数据中心"),
        ("PublicServiceUnit", "事业单位"),
    ],
)
def test_chinese_labels_use_the_fields_words(term: str, zh: str) -> None:
    assert Literal(zh, lang="zh") in set(G.objects(fw(term), RDFS.label))


def test_no_two_current_properties_or_classes_share_a_chinese_label() -> None:
    seen: dict[str, URIRef] = {}
    clashes = []
    for kind in (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty):
        for term in G.subjects(RDF.type, kind):
            if not isinstance(term, URIRef) or not str(term).startswith(str(FW)):
                continue
            if (term, OWL.deprecated, Literal(True)) in G:
                continue
            for label in G.objects(term, RDFS.label):
                if getattr(label, "language", None) != "zh":
                    continue
                other = seen.setdefault(str(label), term)
                if other != term:
                    clashes.append((str(label), other, term))
    # fw:ScenarioType and fw:scenarioType (likewise action type, interaction kind, source type,
    # date precision, implementation status) name a class and the property whose values it
    # holds: the same words are right for both.
    allowed = {"场景类型", "行动类型", "互动类型", "实施状态", "来源类型", "日期精度"}
    assert [c for c in clashes if c[0] not in allowed] == []


# --- roles, actors, alignment ------------------------------------------------------------------

ROLE_PLAYERS = ["LeadingOfficial", "FunctionalDepartment", "TechnicalDepartment", "CommandCenter"]


def _disjoint_pairs() -> set[frozenset[URIRef]]:
    from rdflib.collection import Collection

    pairs: set[frozenset[URIRef]] = set()
    for node in G.subjects(RDF.type, OWL.AllDisjointClasses):
        members = list(Collection(G, G.value(node, OWL.members)))
        pairs |= {frozenset((a, b)) for a in members for b in members if a != b}  # type: ignore[misc]
    pairs |= {frozenset((a, b)) for a, b in G.subject_objects(OWL.disjointWith)}  # type: ignore[misc]
    return pairs


def test_role_players_are_not_declared_disjoint_from_each_other() -> None:
    pairs = _disjoint_pairs()
    names = [*ROLE_PLAYERS, "DataBureau", "LeadingGroup"]
    for a in names:
        for b in names:
            assert frozenset((fw(a), fw(b))) not in pairs, (a, b)


def test_each_kind_of_actor_names_its_role_players() -> None:
    assert values(FW.LeadersKind, FW.playerClass) == {FW.LeadingOfficial}
    assert values(FW.CommandCenterKind, FW.playerClass) == {FW.CommandCenter}
    # 技术部门与职能部门: the Chinese abstract names both for the technical logic
    assert values(FW.TechnicalDepartmentKind, FW.playerClass) == {
        FW.TechnicalDepartment,
        FW.FunctionalDepartment,
    }


def test_the_platform_actor_carries_both_abstracts_names() -> None:
    zh = {str(x) for x in G.objects(FW.CommandCenterKind, RDFS.label)}
    en_alt = " ".join(str(x) for x in G.objects(FW.CommandCenterKind, SKOS.altLabel))
    assert "指挥中心" in zh and "big data center" in en_alt


def test_the_0_1_alignment_errors_are_gone() -> None:
    assert URIRef(PROV + "used") not in values(FW.reuses, RDFS.subPropertyOf)
    assert values(FW.source, RDFS.subPropertyOf) == {URIRef(PROV + "wasQuotedFrom")}
    assert URIRef(PROV + "Person") not in values(FW.LeadingOfficial, RDFS.subClassOf)
    assert values(FW.createdUnit, RDFS.range) == {FW.Organisation}
    assert values(FW.mergedUnit, RDFS.range) == {FW.Organisation}
    # a person is never an organisation, and the leaders' part is never played by an organisation
    pairs = _disjoint_pairs()
    assert frozenset((FW.Person, FW.Organisation)) in pairs
    assert frozenset((FW.LeadingOfficial, FW.Organisation)) in pairs


# --- deprecated terms --------------------------------------------------------------------------

# The list `flywheel migrate` will follow (docs/ontology-changelog.md has the same table).
REPLACED = {
    "InstitutionalLogic": {"ActionLogic"},
    "reachedGovernance": {"movesToward"},
    "characteristicActorClass": {"stageActorKind"},
    "DataBureau": {"DataAdministration", "BigDataCenter"},
    "Coding": {"Claim"},
    "codingOf": {"claimAbout"},
    "codedProperty": {"claimProperty"},
    "codedValue": {"claimValue"},
}


def test_deprecated_terms_are_exactly_the_listed_ones_with_their_replacements() -> None:
    deprecated = {
        str(s).removeprefix(str(FW))
        for s in G.subjects(OWL.deprecated, Literal(True))
        if str(s).startswith(str(FW))
    }
    assert deprecated == set(REPLACED)
    for old, new in REPLACED.items():
        assert {str(x).removeprefix(str(FW)) for x in values(fw(old), DCT_REPLACED)} == new
        for replacement in new:
            assert (fw(replacement), OWL.deprecated, Literal(True)) not in G
            assert (fw(replacement), RDF.type, None) in G


def test_the_changelog_lists_every_deprecated_term() -> None:
    from tests.conftest import REPO

    changelog = (REPO / "docs" / "ontology-changelog.md").read_text(encoding="utf-8")
    for old, new in REPLACED.items():
        row = next(line for line in changelog.splitlines() if line.startswith(f"| `fw:{old}` |"))
        for replacement in new:
            assert f"`fw:{replacement}`" in row, (old, replacement)


# --- new things real cases contain --------------------------------------------------------------


@pytest.mark.parametrize(
    "cls",
    [
        "Jurisdiction",
        "PeoplesGovernment",
        "PeoplesCongress",
        "PartyCommittee",
        "Firm",
        "Post",
        "Tenure",
        "ActorRole",
        "Regulation",
        "RegulatoryChange",
        "OrganisationalChange",
        "Claim",
        "LeadershipCollective",
        "Person",
        "Organisation",
    ],
)
def test_new_classes_are_declared(cls: str) -> None:
    assert (fw(cls), RDF.type, OWL.Class) in G


def test_levels_statuses_and_passages_are_closed_lists() -> None:
    expected = {
        FW.AdministrativeLevel: {
            "NationalLevel",
            "ProvincialLevel",
            "PrefectureLevel",
            "CountyLevel",
        },
        FW.ImplementationStatus: {"Planned", "Realised", "Abandoned"},
        FW.StagePassage: {"PassedThrough", "Skipped", "MergedStage"},
        FW.ConfidenceLevel: {"Confirmed", "Suspected", "Inferred", "Reported"},
    }
    for cls, names in expected.items():
        members = {str(s).removeprefix(str(FW)) for s in G.subjects(RDF.type, cls)}
        assert members == names, cls


DATE_PATTERN = {
    "date": ("dateEarliest", "dateLatest", "dateEDTF", "datePrecision"),
    "startDate": ("startEarliest", "startLatest", "startEDTF", "startDatePrecision"),
    "endDate": ("endEarliest", "endLatest", "endEDTF", "endDatePrecision"),
}


@pytest.mark.parametrize("prop", sorted(DATE_PATTERN))
def test_each_date_has_bounds_edtf_and_precision_over_the_same_classes(prop: str) -> None:
    def domain(name: str) -> set[str]:
        from rdflib.collection import Collection

        node = G.value(fw(name), RDFS.domain)
        union = G.value(node, OWL.unionOf)
        members = list(Collection(G, union)) if union is not None else [node]
        return {str(m) for m in members}

    for companion in DATE_PATTERN[prop]:
        assert domain(companion) == domain(prop), companion
        assert (fw(companion), RDF.type, OWL.FunctionalProperty) in G


def test_claim_vocabulary_is_complete() -> None:
    for prop in ("claimAbout", "claimProperty", "claimValue", "codedBy"):
        assert (fw(prop), RDF.type, OWL.AnnotationProperty) in G
    assert FW.Claim in {
        m
        for node in G.objects(FW.hasEvidence, RDFS.domain)
        for m in G.items(G.value(node, OWL.unionOf))
    }
    assert FW.Claim in {
        m
        for node in G.objects(FW.confidence, RDFS.domain)
        for m in G.items(G.value(node, OWL.unionOf))
    }
