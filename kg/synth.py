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
import re
from concurrent.futures import ProcessPoolExecutor
from functools import lru_cache
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, XSD
from rdflib.term import Node

from kg.pools import end_with_parent
from kg.version import ONTOLOGY_VERSION_IRI
from kg.vocab import FW, PREFIXES, SYNTHETIC


class _Terms:
    """The ontology's terms, each made once (rdflib makes a new URIRef on every ``FW.x``: a
    city asks for some 4,000)."""

    def __getattr__(self, name: str) -> URIRef:
        term = FW[name]
        setattr(self, name, term)
        return term


F = _Terms()
_TYPE, _LABEL = RDF.type, RDFS.label  # rdflib makes these anew on each use too
# the literals cities repeat (coders, labels, page numbers, dates), each made once
_literal = lru_cache(maxsize=4096)(Literal)

STAGES = [
    # stage, mechanism, logic, actor kind, loop step
    (F.StartupStage, F.HighLevelPromotion, F.PoliticalLogic, "leader", F.Aggregation),
    (F.RotationStage, F.InstitutionalFineTuning, F.BureaucraticLogic, "functional", F.Fusion),
    (
        F.AccelerationStage,
        F.ScenarioEmpowerment,
        F.TechnicalLogic,
        "technical",
        F.Transformation,
    ),
    (F.InertiaStage, F.PlatformOperation, F.PlatformLogic, "center", F.Circulation),
]
ACTION_TYPES = {
    "leader": [F.IssuePlan, F.SetUpLeadingGroup, F.LaunchDataCampaign, F.LeadershipInspection],
    "functional": [F.CreateUnit, F.MergeUnits, F.IssueRegulation, F.BuildDataFoundation],
    "technical": [F.LaunchScenario, F.BuildDataFoundation, F.OtherAction],
    "center": [F.LaunchPlatform, F.OpenCommandCenter, F.OtherAction],
}
SCENARIO_TYPES = [
    F.TrafficManagement,
    F.HealthCode,
    F.GovernmentServices,
    F.UrbanManagement,
    F.PublicSafety,
    F.Tourism,
    F.Parking,
    F.MedicalCare,
    F.EnterpriseServices,
]
SOURCE_TYPES = [F.Interview, F.PolicyDocument, F.NewsReport, F.Statistics, F.Observation]


def case_iri(number: int) -> str:
    """The graph name of synthetic city number ``number``."""
    return f"{SYNTHETIC}city-{number:04d}"


def _date(value: dt.date) -> Literal:
    return _literal(value.isoformat(), datatype=XSD.date)


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
        self.add(subject, _LABEL, _literal(en, lang="en"))
        self.add(subject, _LABEL, _literal(zh, lang="zh"))

    def dated(self, subject: URIRef, when: dt.date) -> None:
        self.add(subject, F.date, _date(when))
        self.add(subject, F.datePrecision, F.DayPrecision)

    def evidence(self, claim: URIRef, confidence: URIRef = F.Confirmed) -> None:
        ev = self.node("ev")
        self.add(ev, _TYPE, F.Evidence)
        self.add(ev, F.source, self.rng.choice(self.sources))
        self.add(ev, F.page, _literal(f"p. {self.rng.randint(1, 200)}"))
        self.add(ev, F.confidence, confidence)
        if confidence == F.Confirmed:  # confirmed means checked words: made-up ones here
            self.add(ev, F.quote, _literal("synthetic quotation: no source was read", lang="en"))
        self.add(ev, F.coder, _literal("synthetic generator"))
        self.add(claim, F.hasEvidence, ev)


def synthetic_case(number: int, actions: int = 100, seed: int = 0) -> Graph:
    """One synthetic city case (about 40 triples per action, evidence and data flow included;
    48 actions ≈ 2,000 triples, 100 ≈ 4,000)."""
    graph = Graph()
    for prefix, ns in PREFIXES.items():
        graph.bind(prefix, ns)
    graph.addN((s, p, o, graph) for s, p, o in synthetic_triples(number, actions, seed))
    return graph


def synthetic_turtle(number: int, actions: int = 100, seed: int = 0) -> str:
    """:func:`synthetic_case` as a Turtle file, one triple a line, the vocabulary's and the
    city's own IRIs as prefixed names: about fifty times faster to write than rdflib's pretty
    Turtle, and a third of the size of N-Triples, for ten thousand cities."""
    own = case_iri(number) + "/"
    prefixes = {**_TURTLE_PREFIXES, "c": own}
    lines = [
        f"# Synthetic city {number:04d} (flywheel synth, seed {seed}): generated, describes no "
        "real city.\n",
        *(f"@prefix {prefix}: <{iri}> .\n" for prefix, iri in prefixes.items()),
    ]
    n3 = _Written(own).__getitem__  # terms recur on every line: each written once
    lines.extend(
        f"{n3(s)} {n3(p)} {n3(o)} .\n" for s, p, o in synthetic_triples(number, actions, seed)
    )
    return "".join(lines)


class _Written(dict[Node, str]):
    """Terms in Turtle (:func:`_short`), each made once, by term."""

    def __init__(self, own: str) -> None:
        super().__init__()
        self.own = own

    def __missing__(self, term: Node) -> str:
        text = self[term] = _short(term, self.own)
        return text


_TURTLE_PREFIXES = {name: PREFIXES[name] for name in ("fw", "rdf", "rdfs", "owl", "xsd", "dcterms")}
_LOCAL = re.compile(r"[A-Za-z][A-Za-z0-9-]*")  # a local name Turtle takes as it is


def _short(term: Node, own: str) -> str:
    """A term in Turtle: an IRI of the vocabulary or of the city as a prefixed name where its
    local part is a plain name, a literal's datatype of XML Schema as ``xsd:``."""
    if isinstance(term, URIRef):
        for prefix, namespace in (("c", own), *_TURTLE_PREFIXES.items()):
            if term.startswith(namespace) and _LOCAL.fullmatch(term[len(namespace) :]):
                return f"{prefix}:{term[len(namespace) :]}"
    text = term.n3()
    if isinstance(term, Literal) and term.datatype is not None:
        xsd = str(XSD)
        if term.datatype.startswith(xsd) and _LOCAL.fullmatch(term.datatype[len(xsd) :]):
            text = text.removesuffix(f"<{term.datatype}>") + f"xsd:{term.datatype[len(xsd) :]}"
    return text


def synthetic_triples(
    number: int, actions: int = 100, seed: int = 0
) -> list[tuple[URIRef, URIRef, Node]]:
    """The triples of :func:`synthetic_case`, in the order they are generated."""
    b = _Builder(number, seed)
    rng = b.rng
    header = URIRef(case_iri(number))
    b.add(header, _TYPE, OWL.Ontology)
    b.add(header, OWL.imports, URIRef(ONTOLOGY_VERSION_IRI))
    b.label(header, f"{b.name} (synthetic, generated)", f"{b.name_zh}(生成的合成数据)")

    city, case = URIRef(b.base + "city"), URIRef(b.base + "case")
    b.add(city, _TYPE, F.City)
    b.label(city, b.name, b.name_zh)
    start = dt.date(rng.randint(2012, 2019), rng.randint(1, 12), 1)
    for i in range(5):
        source = b.node("src")
        b.sources.append(source)
        b.add(source, _TYPE, F.Source)
        b.add(source, F.sourceType, rng.choice(SOURCE_TYPES))
        b.add(source, DCTERMS.title, _literal(f"Generated source {i + 1} of {b.name}", lang="en"))
        b.add(source, DCTERMS.bibliographicCitation, _literal(f"Synthetic source {i + 1}."))
        b.dated(source, start + dt.timedelta(days=rng.randint(0, 2500)))
        b.add(case, F.codesSource, source)
    b.add(case, _TYPE, F.CaseStudy)
    b.label(case, f"{b.name} (synthetic case)", f"{b.name_zh}(合成案例)")
    b.add(case, F.studiesCity, city)
    b.add(case, F.isSynthetic, _literal(True))
    b.add(case, F.coder, _literal("synthetic generator"))
    b.add(case, F.codebookVersion, _literal("0.1.0"))
    b.add(case, F.province, _literal("Synthetic province", lang="en"))
    b.add(case, F.administrativeLevel, _literal("prefecture-level city", lang="en"))

    kinds = {
        "leader": (F.LeadingOfficial, 2, "Leader", "领导"),
        "functional": (F.FunctionalDepartment, max(8, actions // 8), "Department", "职能部门"),
        "technical": (F.TechnicalDepartment, 3, "Technical office", "技术部门"),
        "center": (F.CommandCenter, 1, "Command center", "指挥中心"),
    }
    actors: dict[str, list[URIRef]] = {}
    for kind, (cls, count, en, zh) in kinds.items():
        for i in range(count):
            actor = b.node(kind)
            b.add(actor, _TYPE, cls)
            if kind == "technical" and i == 0:  # the first technical office runs the data
                b.add(actor, _TYPE, F.DataAdministration)
            b.label(actor, f"{en} {i + 1} of {b.name}", f"{b.name_zh}{zh}{i + 1}")
            if kind == "leader":
                b.add(actor, F.post, _literal("mayor" if i else "party secretary", lang="en"))
            actors.setdefault(kind, []).append(actor)

    foundation, platform = URIRef(b.base + "foundation"), URIRef(b.base + "platform")
    b.add(foundation, _TYPE, F.DataFoundation)
    b.label(foundation, f"Data foundation of {b.name}", f"{b.name_zh}数据底座")
    b.add(foundation, F.operatedBy, actors["technical"][0])
    b.add(platform, _TYPE, F.Platform)
    b.label(platform, f"City operations platform of {b.name}", f"{b.name_zh}城市运行平台")
    b.add(platform, F.operatedBy, actors["center"][0])
    for actor in actors["functional"]:
        b.add(actors["center"][0], F.coordinates, actor)

    bounds = [start]
    for _ in STAGES:
        bounds.append(bounds[-1] + dt.timedelta(days=rng.randint(300, 900)))
    scenarios: list[URIRef] = []
    per_stage = max(1, actions // len(STAGES))
    for index, (stage, mechanism, logic, kind, step) in enumerate(STAGES):
        episode = b.node("episode")
        first, last = bounds[index], bounds[index + 1] - dt.timedelta(days=1)
        b.add(episode, _TYPE, F.StageEpisode)
        b.label(episode, f"{b.name}: stage {index + 1}", f"{b.name_zh}:第{index + 1}阶段")
        b.add(episode, F.episodeOf, city)
        b.add(episode, F.ofStage, stage)
        b.add(episode, F.sequence, _literal(index + 1))
        b.add(episode, F.drivenByMechanism, mechanism)
        b.add(episode, F.startDate, _date(first))
        b.add(episode, F.startDatePrecision, F.DayPrecision)
        if index < len(STAGES) - 1:
            b.add(episode, F.endDate, _date(last))
            b.add(episode, F.endDatePrecision, F.DayPrecision)
        else:
            b.add(episode, F.endDatePrecision, F.UnknownDate)
        b.evidence(episode, F.Inferred)
        span = (last - first).days
        for _ in range(per_stage):
            # mostly the theory's actor and logic; sometimes another, as real cities do
            on_theory = rng.random() < 0.8
            actor_kind = kind if on_theory else rng.choice(list(kinds))
            action = b.node("action")
            b.add(action, _TYPE, F.GovernanceAction)
            b.label(
                action, f"Generated action in stage {index + 1}", f"第{index + 1}阶段的生成行动"
            )
            b.add(action, F.performedBy, rng.choice(actors[actor_kind]))
            b.add(action, F.duringEpisode, episode)
            b.add(action, F.underLogic, logic if on_theory else rng.choice(STAGES)[2])
            b.add(action, F.instanceOfMechanism, mechanism)
            b.add(action, F.actionType, rng.choice(ACTION_TYPES[actor_kind]))
            when = first + dt.timedelta(days=rng.randint(0, span))
            b.dated(action, when)
            b.evidence(action)
            if kind == "technical" and rng.random() < 0.5:
                scenario = b.node("scenario")
                b.add(scenario, _TYPE, F.ApplicationScenario)
                b.label(
                    scenario,
                    f"Generated scenario {len(scenarios) + 1}",
                    f"生成场景{len(scenarios) + 1}",
                )
                b.add(scenario, F.reuses, foundation)
                b.add(scenario, F.builtBy, rng.choice(actors["technical"]))
                b.add(scenario, F.builtBy, rng.choice(actors["functional"]))
                b.add(scenario, F.scenarioType, rng.choice(SCENARIO_TYPES))
                b.add(action, F.produced, scenario)
                scenarios.append(scenario)
            # each action moves some data around the loop step of its stage
            source_node = rng.choice(actors["functional"])
            target = foundation
            flow_step = step
            if step == F.Transformation and scenarios:
                source_node, target = foundation, rng.choice(scenarios)
            elif step == F.Circulation and scenarios:
                source_node, target = platform, rng.choice(scenarios)
                if rng.random() < 0.4:
                    flow_step, source_node, target = (
                        F.Reaggregation,
                        rng.choice(scenarios),
                        foundation,
                    )
            resource = b.node("resource")
            b.add(resource, _TYPE, F.DataResource)
            b.label(resource, "Generated data resource", "生成数据资源")
            if target == foundation:
                b.add(foundation, F.holds, resource)
            flow = b.node("flow")
            b.add(flow, _TYPE, F.DataFlow)
            b.label(flow, "Generated data flow", "生成数据流动")
            b.add(flow, F.fromNode, source_node)
            b.add(flow, F.toNode, target)
            b.add(flow, F.carries, resource)
            b.add(flow, F.inLoopStep, flow_step)
            b.add(flow, F.duringEpisode, episode)
            b.add(flow, F.volume, _literal(rng.randint(1, 500)))
            b.add(flow, F.volumeUnit, _literal("data items", lang="en"))
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
    with ProcessPoolExecutor(jobs, mp_context=context, initializer=end_with_parent) as pool:
        futures = [
            pool.submit(
                _write_range, str(folder), first, min(first + step, count + 1), actions, seed
            )
            for first in range(1, count + 1, step)
        ]
        for future in futures:
            future.result()
