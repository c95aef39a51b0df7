"""Content negotiation (RFC 9110 §12.5.1: q-values, ``q=0`` excludes, wildcards) and the RDF
and SPARQL-results media types the API speaks."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import pyoxigraph as ox

from kg.errors import EXIT_UNREADABLE, FlywheelError


class NotAcceptable(FlywheelError):
    """The client's Accept header admits none of the media types this result can be sent as."""

    status, problem, exit_code = 406, "not-acceptable", EXIT_UNREADABLE


# Graph syntaxes (CONSTRUCT/DESCRIBE results, case graphs, the ontology), first = default.
GRAPH_TYPES: dict[str, ox.RdfFormat] = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
}
# Dataset syntaxes (several named graphs).
DATASET_TYPES: dict[str, ox.RdfFormat] = {
    "application/n-quads": ox.RdfFormat.N_QUADS,
    "application/trig": ox.RdfFormat.TRIG,
}
# SELECT/ASK results, first = default. CSV and TSV are for SELECT only.
RESULT_TYPES: dict[str, ox.QueryResultsFormat] = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "text/csv": ox.QueryResultsFormat.CSV,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
    # Plain JSON, for clients that ask for it (the body is SPARQL JSON results all the same).
    "application/json": ox.QueryResultsFormat.JSON,
}
# The Content-Type each answer is sent with (charset where the type has one).
CONTENT_TYPE: dict[str, str] = {
    "text/turtle": "text/turtle; charset=utf-8",
    "text/csv": "text/csv; charset=utf-8",
    "text/tab-separated-values": "text/tab-separated-values; charset=utf-8",
    "text/html": "text/html; charset=utf-8",
}


def _parse(accept: str) -> list[tuple[str, float, int]]:
    """(media range, q, position) for each entry of an Accept header; malformed entries skipped."""
    ranges = []
    for position, part in enumerate(accept.split(",")):
        fields = [f.strip() for f in part.split(";")]
        media = fields[0].lower()
        if "/" not in media:
            continue
        q = 1.0
        for param in fields[1:]:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = max(0.0, min(1.0, float(value)))
                except ValueError:
                    q = 0.0
        ranges.append((media, q, position))
    return ranges


def _specificity(media_range: str, offered: str) -> int:
    """How exactly a media range matches an offered type: 3 exact, 2 type/*, 1 */*, 0 not."""
    if media_range == offered:
        return 3
    kind, _, sub = media_range.partition("/")
    if sub == "*" and kind == offered.partition("/")[0]:
        return 2
    if media_range == "*/*":
        return 1
    return 0


def choose(accept: str | None, offered: Sequence[str]) -> str | None:
    """The offered media type the client prefers most, or None when it accepts none of them
    (answer 406). No or an empty Accept header means the first offered type. Each offered type
    takes the q of the most specific range matching it; ties go to the server's order."""
    if not accept or not accept.strip():
        return offered[0] if offered else None
    ranges = _parse(accept)
    if not ranges:
        return offered[0] if offered else None
    best: tuple[float, int] | None = None
    chosen = None
    for rank, media in enumerate(offered):
        matches = [(_specificity(r, media), q) for r, q, _ in ranges if _specificity(r, media)]
        if not matches:
            continue
        q = max(matches)[1]
        if q <= 0:
            continue
        key = (q, -rank)
        if best is None or key > best:
            best, chosen = key, media
    return chosen


def content_type(media: str) -> str:
    """The Content-Type header for a chosen media type."""
    return CONTENT_TYPE.get(media, media)


def serialize_graph(
    triples: Iterable[ox.Triple], media: str, prefixes: dict[str, str] | None = None
) -> bytes:
    """Triples in one of :data:`GRAPH_TYPES` (Turtle with the given prefixes)."""
    fmt = GRAPH_TYPES[media]
    turtle_prefixes = prefixes if prefixes and fmt is ox.RdfFormat.TURTLE else None
    return ox.serialize(list(triples), format=fmt, prefixes=turtle_prefixes) or b""
