"""The ontology's derived files, written from its Turtle source: RDF/XML, JSON-LD, and the
JSON-LD @context for case graphs (``flywheel ontology --write-derived``)."""

from __future__ import annotations

from pathlib import Path

from kg import paths
from kg.ontology import SERIALISATIONS, serialise
from kg.rdf.jsonld import write_context


def write_derived(folder: Path | None = None) -> list[Path]:
    """Write the RDF/XML and JSON-LD forms next to the Turtle source, and the JSON-LD @context
    for case graphs (context.jsonld); returns the files written."""
    folder = folder or paths.ONTOLOGY_DIR
    written = []
    for fmt in ("xml", "json-ld"):
        target = folder / f"flywheel{SERIALISATIONS[fmt][1]}"
        target.write_text(serialise(fmt), encoding="utf-8")
        written.append(target)
    written.append(write_context(folder))
    return written
