"""Synthetic city cases for scale tests and benchmarks.

Generated cases describe no real city. They live in their own IRI space
(``https://w3id.org/dataflywheel/synthetic/``), are typed ``fw:isSynthetic true`` and labelled
"synthetic" in both languages, and are never part of the bundled demo corpus. They are shaped
like a real coding: four stage episodes in order, dozens of actors, actions and data flows in
every stage, evidence for every claim. A seed makes them reproducible.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import random
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, XSD
from rdflib.term import Node

from kg.version import ONTOLOGY_VERSION_IRI
from kg.vocab import FW, PREFIXES, SYNTHETIC

STAGES = [
    # stage, mechanism, logic, actor kind, loop step
    (FW.StartupStage, FW.HighLevelPromotion, FW.PoliticalLogic, "leader", FW.Aggregation),
    (FW.RotationStage, FW.InstitutionalFineTuning, FW.BureaucraticLogic, "functional", FW.Fusion),
    (
        FW.AccelerationStage,
        FW.ScenarioEmpowerment,
        FW.TechnicalLogic,
        "technical",
        FW.Transformation,
    ),
    (FW.InertiaStage, FW.PlatformOperation, FW.PlatformLogic, "center", FW.Circulation),
]
ACTION_TYPES = {
    "leader": [FW.IssuePlan, FW.SetUpLeadingGroup, FW.LaunchDataCampaign, FW.LeadershipInspection],
    "functional": [FW.CreateUnit, FW.MergeUnits, FW.IssueRegulation, FW.BuildDataFoundation],
    "technical": [FW.LaunchScenario, FW.BuildDataFoundation, FW.OtherAction],
    "center": [FW.LaunchPlatform, FW.OpenCommandCenter, FW.OtherAction],
}
SCENARIO_TYPES = [
    FW.TrafficManagement,
    FW.HealthCode,
    FW.GovernmentServices,
    FW.UrbanManagement,
    FW.PublicSafety,
    FW.Tourism,
    FW.Parking,
    FW.MedicalCare,
    FW.EnterpriseServices,
]
SOURCE_TYPES = [FW.Interview, FW.PolicyDocument, FW.NewsReport, FW.Statistics, FW.Observation]


def case_iri(number: int) -> str:
    """The graph name of synthetic city number ``number``."""
    return f"{SYNTHETIC}city-{number:04d}"


def _date(value: dt.date) -> Literal:
    return Literal(value.isoformat(), datatype=XSD.date)


class _Builder:
    def __init__(self, number: int, seed: int) -> None:
        self.rng = random.Random(f"{seed}-{number}")
        self.base = case_iri(number) + "/"
        self.triples: list[tuple[URIRef, URIRef, Node]] = []
        self.name = f"Synthetic city {number:04d}"
        self.name_zh = f"合成城市 {number:04d}"
        self.sources: list[URIRef] = []
        self.counter = 0

    def node(self, kind: str) -> URIRef:
        self.counter += 1
        return URIRef(f"{self.base}{kind}-{self.counter}")

    def add(self, subject: URIRef, predicate: URIRef, obj: Node) -> None:
        self.triples.append((subject, predicate, obj))

    def label(self, subject: URIRef, en: str, zh: str) -> None:
        self.add(subject, RDFS.label, Literal(en, lang="en"))
        self.add(subject, RDFS.label, Literal(zh, lang="zh"))

    def dated(self, subject: URIRef, when: dt.date) -> None:
        self.add(subject, FW.date, _date(when))
        self.add(subject, FW.datePrecision, FW.DayPrecision)

    def evidence(self, claim: URIRef, confidence: URIRef = FW.Confirmed) -> None:
        ev = self.node("ev")
        self.add(ev, RDF.type, FW.Evidence)
        self.add(ev, FW.source, self.rng.choice(self.sources))
        self.add(ev, FW.page, Literal(f"p. {self.rng.randint(1, 200)}"))
        self.add(ev, FW.confidence, confidence)
        if confidence == FW.Confirmed:  # confirmed means checked words: made-up ones here
            self.add(ev, FW.quote, Literal("synthetic quotation: no source was read", lang="en"))
        self.add(ev, FW.coder, Literal("synthetic generator"))
        self.add(claim, FW.hasEvidence, ev)


def synthetic_case(number: int, actions: int = 100, seed: int = 0) -> Graph:
    """One synthetic city case (about 40 triples per action, evidence and data flow included;
    48 actions ≈ 2,000 triples, 100 ≈ 4,000)."""
    graph = Graph()
    for prefix, ns in PREFIXES.items():
        graph.bind(prefix, ns)
    graph.addN((s, p, o, graph) for s, p, o in synthetic_triples(number, actions, seed))
    return graph


def synthetic_turtle(number: int, actions: int = 100, seed: int = 0) -> str:
    """:func:`synthetic_case` as a Turtle file, written one triple a line (N-Triples, which is
    Turtle): about fifty times faster to write than rdflib's pretty Turtle, for ten thousand
    cities."""
    lines = [
        f"# Synthetic city {number:04d} (flywheel synth, seed {seed}): generated, describes no "
        "real city.\n"
    ]
    written: dict[Node, str] = {}  # the vocabulary's terms recur on every line: write them once

    def n3(term: Node) -> str:
        text = written.get(term)
        if text is None:
            text = written[term] = term.n3()
        return text

    lines.extend(
        f"{n3(s)} {n3(p)} {n3(o)} .\n" for s, p, o in synthetic_triples(number, actions, seed)
    )
    return "".join(lines)


def synthetic_triples(
    number: int, actions: int = 100, seed: int = 0
) -> list[tuple[URIRef, URIRef, Node]]:
    """The triples of :func:`synthetic_case`, in the order they are generated."""
    b = _Builder(number, seed)
    rng = b.rng
    header = URIRef(case_iri(number))
    b.add(header, RDF.type, OWL.Ontology)
    b.add(header, OWL.imports, URIRef(ONTOLOGY_VERSION_IRI))
    b.label(header, f"{b.name} (synthetic, generated)", f"{b.name_zh}(生成的合成数据)")

    city, case = URIRef(b.base + "city"), URIRef(b.base + "case")
    b.add(city, RDF.type, FW.City)
    b.label(city, b.name, b.name_zh)
    start = dt.date(rng.randint(2012, 2019), rng.randint(1, 12), 1)
    for i in range(5):
        source = b.node("src")
        b.sources.append(source)
        b.add(source, RDF.type, FW.Source)
        b.add(source, FW.sourceType, rng.choice(SOURCE_TYPES))
        b.add(source, DCTERMS.title, Literal(f"Generated source {i + 1} of {b.name}", lang="en"))
        b.add(source, DCTERMS.bibliographicCitation, Literal(f"Synthetic source {i + 1}."))
        b.dated(source, start + dt.timedelta(days=rng.randint(0, 2500)))
        b.add(case, FW.codesSource, source)
    b.add(case, RDF.type, FW.CaseStudy)
    b.label(case, f"{b.name} (synthetic case)", f"{b.name_zh}(合成案例)")
    b.add(case, FW.studiesCity, city)
    b.add(case, FW.isSynthetic, Literal(True))
    b.add(case, FW.coder, Literal("synthetic generator"))
    b.add(case, FW.codebookVersion, Literal("0.1.0"))
    b.add(case, FW.province, Literal("Synthetic province", lang="en"))
    b.add(case, FW.administrativeLevel, Literal("prefecture-level city", lang="en"))

    kinds = {
        "leader": (FW.LeadingOfficial, 2, "Leader", "领导"),
        "functional": (FW.FunctionalDepartment, max(8, actions // 8), "Department", "职能部门"),
        "technical": (FW.TechnicalDepartment, 3, "Technical office", "技术部门"),
        "center": (FW.CommandCenter, 1, "Command center", "指挥中心"),
    }
    actors: dict[str, list[URIRef]] = {}
    for kind, (cls, count, en, zh) in kinds.items():
        for i in range(count):
            actor = b.node(kind)
            b.add(actor, RDF.type, cls)
            if kind == "technical" and i == 0:  # the first technical office runs the data
                b.add(actor, RDF.type, FW.DataAdministration)
            b.label(actor, f"{en} {i + 1} of {b.name}", f"{b.name_zh}{zh}{i + 1}")
            if kind == "leader":
                b.add(actor, FW.post, Literal("mayor" if i else "party secretary", lang="en"))
            actors.setdefault(kind, []).append(actor)

    foundation, platform = URIRef(b.base + "foundation"), URIRef(b.base + "platform")
    b.add(foundation, RDF.type, FW.DataFoundation)
    b.label(foundation, f"Data foundation of {b.name}", f"{b.name_zh}数据底座")
    b.add(foundation, FW.operatedBy, actors["technical"][0])
    b.add(platform, RDF.type, FW.Platform)
    b.label(platform, f"City operations platform of {b.name}", f"{b.name_zh}城市运行平台")
    b.add(platform, FW.operatedBy, actors["center"][0])
    for actor in actors["functional"]:
        b.add(actors["center"][0], FW.coordinates, actor)

    bounds = [start]
    for _ in STAGES:
        bounds.append(bounds[-1] + dt.timedelta(days=rng.randint(300, 900)))
    scenarios: list[URIRef] = []
    per_stage = max(1, actions // len(STAGES))
    for index, (stage, mechanism, logic, kind, step) in enumerate(STAGES):
        episode = b.node("episode")
        first, last = bounds[index], bounds[index + 1] - dt.timedelta(days=1)
        b.add(episode, RDF.type, FW.StageEpisode)
        b.label(episode, f"{b.name}: stage {index + 1}", f"{b.name_zh}:第{index + 1}阶段")
        b.add(episode, FW.episodeOf, city)
        b.add(episode, FW.ofStage, stage)
        b.add(episode, FW.sequence, Literal(index + 1))
        b.add(episode, FW.drivenByMechanism, mechanism)
        b.add(episode, FW.startDate, _date(first))
        b.add(episode, FW.startDatePrecision, FW.DayPrecision)
        if index < len(STAGES) - 1:
            b.add(episode, FW.endDate, _date(last))
            b.add(episode, FW.endDatePrecision, FW.DayPrecision)
        else:
            b.add(episode, FW.endDatePrecision, FW.UnknownDate)
        b.evidence(episode, FW.Inferred)
        span = (last - first).days
        for _ in range(per_stage):
            # mostly the theory's actor and logic; sometimes another, as real cities do
            on_theory = rng.random() < 0.8
            actor_kind = kind if on_theory else rng.choice(list(kinds))
            action = b.node("action")
            b.add(action, RDF.type, FW.GovernanceAction)
            b.label(
                action, f"Generated action in stage {index + 1}", f"第{index + 1}阶段的生成行动"
            )
            b.add(action, FW.performedBy, rng.choice(actors[actor_kind]))
            b.add(action, FW.duringEpisode, episode)
            b.add(action, FW.underLogic, logic if on_theory else rng.choice(STAGES)[2])
            b.add(action, FW.instanceOfMechanism, mechanism)
            b.add(action, FW.actionType, rng.choice(ACTION_TYPES[actor_kind]))
            when = first + dt.timedelta(days=rng.randint(0, span))
            b.dated(action, when)
            b.evidence(action)
            if kind == "technical" and rng.random() < 0.5:
                scenario = b.node("scenario")
                b.add(scenario, RDF.type, FW.ApplicationScenario)
                b.label(
                    scenario,
                    f"Generated scenario {len(scenarios) + 1}",
                    f"生成场景{len(scenarios) + 1}",
                )
                b.add(scenario, FW.reuses, foundation)
                b.add(scenario, FW.builtBy, rng.choice(actors["technical"]))
                b.add(scenario, FW.builtBy, rng.choice(actors["functional"]))
                b.add(scenario, FW.scenarioType, rng.choice(SCENARIO_TYPES))
                b.add(action, FW.produced, scenario)
                scenarios.append(scenario)
            # each action moves some data around the loop step of its stage
            source_node = rng.choice(actors["functional"])
            target = foundation
            flow_step = step
            if step == FW.Transformation and scenarios:
                source_node, target = foundation, rng.choice(scenarios)
            elif step == FW.Circulation and scenarios:
                source_node, target = platform, rng.choice(scenarios)
                if rng.random() < 0.4:
                    flow_step, source_node, target = (
                        FW.Reaggregation,
                        rng.choice(scenarios),
                        foundation,
                    )
            resource = b.node("resource")
            b.add(resource, RDF.type, FW.DataResource)
            b.label(resource, "Generated data resource", "生成数据资源")
            if target == foundation:
                b.add(foundation, FW.holds, resource)
            flow = b.node("flow")
            b.add(flow, RDF.type, FW.DataFlow)
            b.label(flow, "Generated data flow", "生成数据流动")
            b.add(flow, FW.fromNode, source_node)
            b.add(flow, FW.toNode, target)
            b.add(flow, FW.carries, resource)
            b.add(flow, FW.inLoopStep, flow_step)
            b.add(flow, FW.duringEpisode, episode)
            b.add(flow, FW.volume, Literal(rng.randint(1, 500)))
            b.add(flow, FW.volumeUnit, Literal("data items", lang="en"))
            b.dated(flow, when)
            b.evidence(flow)
    return list(dict.fromkeys(b.triples))


def _write_range(folder: str, first: int, last: int, actions: int, seed: int) -> None:
    for number in range(first, last):
        text = synthetic_turtle(number, actions, seed)
        (Path(folder) / f"synthetic-{number:04d}.ttl").write_text(text, encoding="utf-8")


def write_synthetic(
    folder: Path, count: int, actions: int = 100, seed: int = 0, jobs: int = 1
) -> None:
    """Write synthetic cities 1 … ``count`` to ``folder`` as ``synthetic-NNNN.ttl``, in
    ``jobs`` processes (each city depends on its number and the seed alone)."""
    if jobs <= 1 or count < 50:
        _write_range(str(folder), 1, count + 1, actions, seed)
        return
    step = max(1, count // (jobs * 8))
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
        futures = [
            pool.submit(
                _write_range, str(folder), first, min(first + step, count + 1), actions, seed
            )
            for first in range(1, count + 1, step)
        ]
        for future in futures:
            future.result()
