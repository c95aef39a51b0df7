"""RDF namespaces used across the package."""

from collections.abc import Mapping

from rdflib import Namespace
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SH, SKOS, XSD

FW = Namespace("https://w3id.org/dataflywheel/ontology#")
FWS = Namespace("https://w3id.org/dataflywheel/shapes#")
CASE = Namespace("https://w3id.org/dataflywheel/case/")
SYNTHETIC = Namespace("https://w3id.org/dataflywheel/synthetic/")

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

__all__ = [
    "CASE",
    "DCTERMS",
    "FW",
    "FWS",
    "OWL",
    "PRECISION_WORDS",
    "PREFIXES",
    "PROV",
    "RDF",
    "RDFS",
    "SH",
    "SKOS",
    "SYNTHETIC",
    "XSD",
]


def curie(iri: str, prefixes: Mapping[str, str] = PREFIXES) -> str:
    """Shorten an IRI with the package's prefixes (``fw:CaseStudy``); other IRIs stay whole."""
    for prefix, ns in prefixes.items():
        if iri.startswith(ns) and iri != ns:
            return f"{prefix}:{iri[len(ns) :]}"
    return iri


# A date's precision (the fw:DatePrecision individuals) by the word tables and figures use.
PRECISION_WORDS: dict[str, str] = {
    str(FW.DayPrecision): "day",
    str(FW.MonthPrecision): "month",
    str(FW.YearPrecision): "year",
    str(FW.UnknownDate): "unknown",
}
