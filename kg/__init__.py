"""flywheel-kg: a knowledge graph and ontology for studying digital government as a data flywheel.

The public API, importable from ``kg``::

    import kg
    store = kg.open_store("memory:")
    kg.load_files(store, kg.bundled_case_files())
    rows = kg.run_query(store, "stage-timeline", {"case": "https://w3id.org/dataflywheel/case/hangzhou"})

Heavy modules are imported on first use, so ``import kg`` stays quick.
"""

from importlib import import_module
from typing import Any

from kg.version import ONTOLOGY_IRI, ONTOLOGY_VERSION_IRI, __version__

_LAZY = {
    "CaseValidator": "kg.validation",
    "CaseReport": "kg.validation",
    "Finding": "kg.validation",
    "Severity": "kg.validation",
    "validate_files": "kg.validation",
    "read_cases": "kg.rdfio",
    "RdfInputError": "kg.rdfio",
    "reason_files": "kg.reasoning",
    "reason_graph": "kg.reasoning",
    "lint_project": "kg.lint",
    "open_store": "kg.store",
    "CaseStore": "kg.store",
    "load_files": "kg.loading",
    "expand_paths": "kg.loading",
    "compare": "kg.comparison",
    "years_statistics": "kg.comparison",
    "run_query": "kg.queries",
    "get_query": "kg.queries",
    "load_queries": "kg.queries",
    "as_frame": "kg.output",
    "bundled_case_files": "kg.paths",
}
_RENAMED = {"run_query": "run"}

__all__ = ["ONTOLOGY_IRI", "ONTOLOGY_VERSION_IRI", "__version__", *_LAZY]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), _RENAMED.get(name, name))
    raise AttributeError(f"module 'kg' has no attribute {name!r}")
