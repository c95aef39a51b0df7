"""Checks of the ontology itself, kept apart from the shapes that check case graphs.

The graph checks are SPARQL queries in ``ontology/lint/`` (one file per check, its header says
what it finds); the checks that look beyond one graph (terms used in shapes, queries and cases;
the version in every file; the derived RDF/XML and JSON-LD) are here in code.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import OWL

from kg import ontology, paths
from kg.rdf.jsonld import CONTEXT_FILE, context
from kg.rdf.read import to_oxigraph
from kg.version import ONTOLOGY_IRI, ONTOLOGY_VERSION_IRI, __version__
from kg.vocab import FW, curie

_FW_USE = re.compile(r"(?:\bfw:|https://w3id\.org/dataflywheel/ontology#)([A-Za-z_][\w-]*)")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the ontology or with how the project uses it."""

    check: str
    subject: str
    message: str

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class LintQuery:
    name: str
    message: str
    text: str


def lint_queries(folder: Path | None = None) -> list[LintQuery]:
    """The SPARQL lint checks, read from their files."""
    checks = []
    for path in sorted((folder or paths.LINT_DIR).glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        header = dict(re.findall(r"^# (\w+): (.*)$", text, flags=re.MULTILINE))
        checks.append(LintQuery(header.get("check", path.stem), header.get("message", ""), text))
    return checks


def lint_graph(graph: Graph) -> list[Problem]:
    """Run the SPARQL lint checks over an ontology graph (not changed)."""
    store = ox.Store()
    store.extend(to_oxigraph(graph))
    problems = []
    for check in lint_queries():
        results = store.query(check.text)
        if not isinstance(results, ox.QuerySolutions):  # pragma: no cover - all are SELECTs
            raise ValueError(f"lint check {check.name} is not a SELECT query")
        for row in results:
            term = row["term"].value
            detail = row["detail"].value if "detail" in check.text and row["detail"] else None
            message = f"{check.message} ({detail})" if detail else check.message
            problems.append(Problem(check.name, curie(term), message))
    return problems


def undeclared_uses(texts: Iterable[tuple[str, str]], declared: frozenset[str]) -> list[Problem]:
    """fw: terms mentioned in files (name, text) that the ontology does not declare."""
    problems = []
    for name, text in texts:
        for local in sorted(set(_FW_USE.findall(text))):
            if str(FW[local]) not in declared:
                problems.append(
                    Problem(
                        "declared-use",
                        f"fw:{local}",
                        f"is used in {name} but not declared in the ontology",
                    )
                )
    return problems


def _project_texts() -> list[tuple[str, str]]:
    files = [
        *paths.SHAPES_DIR.glob("*.ttl"),
        *paths.QUERIES_DIR.rglob("*.rq"),  # the named queries and the helpers in subfolders
        *paths.bundled_case_files(),
    ]
    return [
        (f"{path.parent.name}/{path.name}", path.read_text(encoding="utf-8"))
        for path in sorted(files)
    ]


def version_problems(onto: Graph, shapes: Graph) -> list[Problem]:
    """The package, the ontology header and the shapes must agree on the version."""
    problems = []
    header = URIRef(ONTOLOGY_IRI)
    version_iri = onto.value(header, OWL.versionIRI)
    if str(version_iri) != ONTOLOGY_VERSION_IRI:
        problems.append(
            Problem(
                "version",
                ONTOLOGY_IRI,
                f"owl:versionIRI is {version_iri}, "
                f"but the package version gives {ONTOLOGY_VERSION_IRI}",
            )
        )
    if str(onto.value(header, OWL.versionInfo)) != __version__:
        problems.append(
            Problem(
                "version",
                ONTOLOGY_IRI,
                f"owl:versionInfo differs from the package version {__version__}",
            )
        )
    for shapes_header in shapes.subjects(OWL.imports, None):
        imported = {str(o) for o in shapes.objects(shapes_header, OWL.imports)}
        if ONTOLOGY_VERSION_IRI not in imported:
            problems.append(
                Problem(
                    "version",
                    str(shapes_header),
                    f"the shapes import {sorted(imported)}, not {ONTOLOGY_VERSION_IRI}",
                )
            )
    return problems


def derived_problems() -> list[Problem]:
    """The RDF/XML and JSON-LD files must say exactly what the Turtle source says."""
    problems = []
    source = Graph().parse(paths.ONTOLOGY_TTL, format="turtle")
    for path, fmt in ((paths.ONTOLOGY_RDFXML, "xml"), (paths.ONTOLOGY_JSONLD, "json-ld")):
        if not path.is_file():
            problems.append(
                Problem("derived", path.name, "is missing: run 'flywheel ontology --write-derived'")
            )
        elif not isomorphic(source, Graph().parse(path, format=fmt)):
            problems.append(
                Problem(
                    "derived",
                    path.name,
                    "differs from flywheel.ttl: run 'flywheel ontology --write-derived'",
                )
            )
    problems.extend(_context_problems())
    return problems


def _context_problems() -> list[Problem]:
    """The published JSON-LD @context must be the one the ontology generates."""

    fix = "run 'flywheel ontology --write-derived'"
    if not CONTEXT_FILE.is_file():
        return [Problem("derived", CONTEXT_FILE.name, f"is missing: {fix}")]
    try:
        current = json.loads(CONTEXT_FILE.read_text(encoding="utf-8"))
    except ValueError as error:
        return [Problem("derived", CONTEXT_FILE.name, f"is not valid JSON ({error}): {fix}")]
    if current != context():
        return [Problem("derived", CONTEXT_FILE.name, f"differs from flywheel.ttl: {fix}")]
    return []


def lint_project() -> list[Problem]:
    """Every lint check over the shipped ontology, shapes, queries and cases."""
    onto = ontology.ontology_graph()
    shapes = Graph().parse(paths.CASE_SHAPES, format="turtle")
    return [
        *lint_graph(onto),
        *undeclared_uses(_project_texts(), ontology.declared_terms()),
        *version_problems(onto, shapes),
        *derived_problems(),
    ]
