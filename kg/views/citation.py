"""What to cite, and how: the paper whose theory the ontology states, the ontology's version, the
software, and each case used (``flywheel cite``).

The software's and the paper's details are read from ``CITATION.cff`` (the file GitHub and Zenodo
read too), the ontology's from its own header, a case's from its graph: nothing is written twice.
A case's version is the SHA-256 of its triples (the catalog's content hash): the same file cites
the same, and any edit shows.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

import yaml
from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS

from kg import paths
from kg.ontology import ontology_graph
from kg.rdf.read import text_in
from kg.version import ONTOLOGY_IRI
from kg.vocab import FW

# The licences the project's files use, by the name a reader knows them by
LICENCE_NAMES = {
    "https://creativecommons.org/licenses/by/4.0/": "CC BY 4.0",
    "MIT": "MIT",
}


@dataclass(frozen=True)
class Person:
    """An author: a person (family and given names) or a body (name only)."""

    family: str = ""
    given: str = ""
    name: str = ""

    def display(self) -> str:
        """'Wang Ying' (family name first, as Chinese names are written), or the body's name."""
        return self.name or f"{self.family} {self.given}".strip()


@dataclass(frozen=True)
class Work:
    """One thing to cite: its kind, title, authors, year, version, where it is and its licence."""

    kind: str  # "paper" | "ontology" | "software" | "case"
    key: str  # a citation key (BibTeX)
    title: str
    authors: tuple[Person, ...]
    year: str = ""
    version: str = ""
    url: str = ""
    licence: str = ""
    journal: str = ""
    issue: str = ""
    pages: str = ""
    sha256: str = ""  # a case: the content hash of its triples
    ontology: str = ""  # a case: the ontology version it is coded on


@cache
def _cff() -> dict[str, Any]:
    loaded = yaml.safe_load(paths.CITATION_FILE.read_text(encoding="utf-8"))
    if not isinstance(loaded, dict):
        raise ValueError(f"{paths.CITATION_FILE}: not a CITATION.cff mapping")
    return loaded


def _people(entries: list[dict[str, Any]]) -> tuple[Person, ...]:
    return tuple(
        Person(
            family=str(e.get("family-names", "")),
            given=str(e.get("given-names", "")),
            name=str(e.get("name", "")),
        )
        for e in entries
    )


def software() -> Work:
    """The flywheel-kg package, as CITATION.cff describes it."""
    cff = _cff()
    return Work(
        kind="software",
        key=f"flywheelkg{cff['version'].replace('.', '')}",
        title=str(cff["title"]),
        authors=_people(cff["authors"]),
        version=str(cff["version"]),
        url=str(cff.get("url", "")),
        licence=str(cff["license"]),
        year=str(cff.get("date-released", ""))[:4],
    )


def paper() -> Work:
    """Wang, Wei & Wu (2023), the first reference of CITATION.cff."""
    ref = _cff()["references"][0]
    return Work(
        kind="paper",
        key="wang2023flywheel",
        title=str(ref["title"]),
        authors=_people(ref["authors"]),
        year=str(ref["year"]),
        journal=str(ref["journal"]),
        issue=str(ref.get("issue", "")),
        pages=f"{ref['start']}-{ref['end']}" if "start" in ref else "",
    )


def ontology() -> Work:
    """The data-flywheel ontology as its header describes it."""
    graph = ontology_graph()
    iri = URIRef(ONTOLOGY_IRI)
    version = text_in(graph, iri, OWL.versionInfo, "en", any_language=True)
    creators = text_in(graph, iri, DCTERMS.creator, "en", any_language=True)
    licence = graph.value(iri, DCTERMS.license)
    return Work(
        kind="ontology",
        key=f"flywheelontology{version.replace('.', '')}",
        title=text_in(graph, iri, DCTERMS.title, "en", any_language=True),
        authors=(Person(name=creators),),
        year=text_in(graph, iri, DCTERMS.modified, "en", any_language=True)[:4],
        version=version,
        url=str(graph.value(iri, OWL.versionIRI) or iri),
        licence=str(licence or ""),
    )


def case(graph: Graph, iri: str, sha256: str) -> Work:
    """One case, from its graph's header, its case study's coders and its content hash."""
    header = URIRef(iri)
    coders = sorted(
        {
            str(c)
            for study in graph.subjects(RDF.type, FW.CaseStudy)
            for c in graph.objects(study, FW.coder)
        }
    )
    imports = sorted(str(o) for o in graph.objects(header, OWL.imports))
    versions = [i.removeprefix(ONTOLOGY_IRI + "/") for i in imports if i.startswith(ONTOLOGY_IRI)]
    return Work(
        kind="case",
        key="case-" + iri.rstrip("/").rsplit("/", 1)[-1],
        title=text_in(graph, header, RDFS.label, "en", any_language=True) or iri,
        authors=tuple(Person(name=c) for c in coders),
        url=iri,
        licence=str(graph.value(header, DCTERMS.license) or ""),
        sha256=sha256,
        ontology=versions[0] if versions else "",
    )


def licence_name(licence: str) -> str:
    """'CC BY 4.0' for its URL; other licences as given; 'not stated' for none."""
    return LICENCE_NAMES.get(licence, licence) or "not stated"
