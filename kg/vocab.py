"""The one place for the vocabulary the code names: namespaces and prefixes, turning IRIs into
CURIEs, the words tables and figures use for the ontology's individuals (stages, logics, date
precisions), and flywheel's own graph names.

What the terms *mean* is in ``ontology/flywheel.ttl``; this module only names them.
"""

import enum
from collections.abc import Mapping

from rdflib import Namespace
from rdflib.namespace import DCAT, DCTERMS, ORG, OWL, PROV, RDF, RDFS, SH, SKOS, TIME, VOID, XSD

from kg.version import ONTOLOGY_IRI, ONTOLOGY_VERSION_IRI

FW = Namespace(f"{ONTOLOGY_IRI}#")
FWS = Namespace("https://w3id.org/dataflywheel/shapes#")
CASE = Namespace("https://w3id.org/dataflywheel/case/")
SYNTHETIC = Namespace("https://w3id.org/dataflywheel/synthetic/")
SPDX = Namespace("http://spdx.org/rdf/terms#")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
FORMATS = Namespace("http://www.w3.org/ns/formats/")
VANN = Namespace("http://purl.org/vocab/vann/")

# The prefixes flywheel writes files with (Turtle, TriG, JSON-LD contexts, query headers).
PREFIXES: dict[str, str] = {
    "fw": str(FW),
    "fws": str(FWS),
    "owl": str(OWL),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "xsd": str(XSD),
    "skos": str(SKOS),
    "sh": str(SH),
    "dcterms": str(DCTERMS),
    "prov": str(PROV),
    "case": str(CASE),
    "synthetic": str(SYNTHETIC),
}

# Those and the other vocabularies the ontology aligns to: what CURIEs are read and shown with
# (workbook cells, the ontology's reference pages).
KNOWN_PREFIXES: dict[str, str] = {
    **PREFIXES,
    "org": str(ORG),
    "dcat": str(DCAT),
    "time": str(TIME),
    "vann": str(VANN),
}


def curie(iri: str, prefixes: Mapping[str, str] = PREFIXES) -> str:
    """Shorten an IRI with the package's prefixes (``fw:CaseStudy``); other IRIs stay whole."""
    for prefix, ns in prefixes.items():
        if iri.startswith(ns) and iri != ns:
            return f"{prefix}:{iri[len(ns) :]}"
    return iri


# --- words for the ontology's individuals ------------------------------------------------------

# The four stages in the theory's order, by the word used in column names (startup_start, …).
STAGES: tuple[str, ...] = ("startup", "rotation", "acceleration", "inertia")
STAGE_IRIS: dict[str, str] = {stage: str(FW[f"{stage.capitalize()}Stage"]) for stage in STAGES}
STAGE_OF: dict[str, str] = {iri: stage for stage, iri in STAGE_IRIS.items()}

# The four action logics, likewise.
LOGICS: tuple[str, ...] = ("political", "bureaucratic", "technical", "platform")
LOGIC_IRIS: dict[str, str] = {logic: str(FW[f"{logic.capitalize()}Logic"]) for logic in LOGICS}
LOGIC_OF: dict[str, str] = {iri: logic for logic, iri in LOGIC_IRIS.items()}


# The confidence levels (fw:ConfidenceLevel) by their notation, from the strongest to the weakest
# (the ontology's fw:order: docs/claims-and-evidence.md).
class Confidence(enum.StrEnum):
    """A confidence level by its notation (what --min-confidence and ?min_confidence= take)."""

    confirmed = "confirmed"
    suspected = "suspected"
    inferred = "inferred"
    reported = "reported"


CONFIDENCES: tuple[str, ...] = tuple(level.value for level in Confidence)
CONFIDENCE_IRIS: dict[str, str] = {word: str(FW[word.capitalize()]) for word in CONFIDENCES}
CONFIDENCE_OF: dict[str, str] = {iri: word for word, iri in CONFIDENCE_IRIS.items()}

# A date's precision (the fw:DatePrecision individuals) by the word tables and figures use,
# from the finest to the coarsest.
PRECISIONS: tuple[str, ...] = (
    "day",
    "month",
    "year",
    "range",
    "on or before",
    "on or after",
    "ongoing",
    "unknown",
)  # finest first; ontology 0.2 added range … ongoing (docs/dates.md)
PRECISION_IRIS: dict[str, str] = {
    "day": str(FW.DayPrecision),
    "month": str(FW.MonthPrecision),
    "year": str(FW.YearPrecision),
    "range": str(FW.RangePrecision),
    "on or before": str(FW.OnOrBefore),
    "on or after": str(FW.OnOrAfter),
    "ongoing": str(FW.Ongoing),
    "unknown": str(FW.UnknownDate),
}
PRECISION_WORDS: dict[str, str] = {iri: word for word, iri in PRECISION_IRIS.items()}


def precision_word(iri: str | None) -> str:
    """A date precision individual as a word: day, month, year, range, on or before, on or
    after, ongoing or unknown."""
    return PRECISION_WORDS.get(iri or "", "unknown")


# --- flywheel's own graph names ------------------------------------------------------------------

CATALOG = "https://w3id.org/dataflywheel/catalog"
SHAPES_IRI = str(FWS).rstrip("#")  # the shapes graph's owl:Ontology header

# Graph names flywheel keeps for itself, with what each is (a case IRI equal to one or under it
# is refused: kg.rdf.names).
RESERVED: dict[str, str] = {
    CATALOG: "flywheel's catalog graph",
    ONTOLOGY_VERSION_IRI: "the ontology's version IRI",
    ONTOLOGY_IRI: "the ontology's IRI",
    SHAPES_IRI: "the SHACL shapes' IRI",
}

__all__ = [
    "CASE",
    "CATALOG",
    "CONFIDENCES",
    "CONFIDENCE_IRIS",
    "CONFIDENCE_OF",
    "DCAT",
    "DCTERMS",
    "FORMATS",
    "FW",
    "FWS",
    "KNOWN_PREFIXES",
    "LOGICS",
    "LOGIC_IRIS",
    "LOGIC_OF",
    "ORG",
    "OWL",
    "PRECISIONS",
    "PRECISION_IRIS",
    "PRECISION_WORDS",
    "PREFIXES",
    "PROV",
    "RDF",
    "RDFS",
    "RESERVED",
    "SD",
    "SH",
    "SHAPES_IRI",
    "SKOS",
    "SPDX",
    "STAGES",
    "STAGE_IRIS",
    "STAGE_OF",
    "SYNTHETIC",
    "TIME",
    "VANN",
    "VOID",
    "XSD",
    "Confidence",
    "curie",
    "precision_word",
]
