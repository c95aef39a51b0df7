"""Where the package finds its data files: ontology, shapes, queries and bundled cases.

An installed wheel carries them inside the package (``kg/_data``); a source checkout reads them
from the repository's top-level folders. Either way the rest of the code asks this module.
"""

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent
_INSTALLED_DATA = _PACKAGE / "_data"
DATA_ROOT = _INSTALLED_DATA if _INSTALLED_DATA.is_dir() else _PACKAGE.parent

ONTOLOGY_DIR = DATA_ROOT / "ontology"
ONTOLOGY_TTL = ONTOLOGY_DIR / "flywheel.ttl"
ONTOLOGY_RDFXML = ONTOLOGY_DIR / "flywheel.rdf"
ONTOLOGY_JSONLD = ONTOLOGY_DIR / "flywheel.jsonld"
SHAPES_DIR = ONTOLOGY_DIR / "shapes"
CASE_SHAPES = SHAPES_DIR / "case-shapes.ttl"
LINT_DIR = ONTOLOGY_DIR / "lint"
# Copies of the vocabularies the ontology aligns to (PROV-O, ORG, DCAT 3, SKOS, OWL-Time), read
# offline; never imported by the ontology itself (see ontology/aligned/README.md).
ALIGNED_DIR = ONTOLOGY_DIR / "aligned"
QUERIES_DIR = DATA_ROOT / "queries"
CASES_DIR = _PACKAGE / "cases"
# How to cite the software and the paper (read by kg.views.citation)
CITATION_FILE = DATA_ROOT / "CITATION.cff"


def display_path(source: str) -> str:
    """A file's name as a report shows it: a bundled case as ``kg/cases/<name>`` (wherever the
    package is installed), a file under the working folder relative to it, others as given."""
    path = Path(source)
    try:
        if not path.is_file():  # a name that is no file here ("request body", a URL)
            return source
        resolved = path.resolve()
    except (OSError, RuntimeError):
        return source
    for root, shown in ((CASES_DIR, Path("kg/cases")), (Path.cwd(), Path())):
        if resolved.is_relative_to(root):
            return str(shown / resolved.relative_to(root))
    return source


def bundled_case_files() -> list[Path]:
    """The case files shipped with the package, in a stable order."""
    return sorted(CASES_DIR.glob("*.ttl"))


def aligned_vocabulary_files() -> list[Path]:
    """The bundled copies of the aligned vocabularies (Turtle), in a stable order."""
    return sorted(ALIGNED_DIR.glob("*.ttl"))


def query_file_text(name: str) -> str:
    """The SPARQL text of ``queries/<name>.rq``, ``name`` with its subfolder where it has one
    (``api/loop-steps``, ``compare/summary``): the one reader of the package's helper queries."""
    return (QUERIES_DIR / f"{name}.rq").read_text(encoding="utf-8")
