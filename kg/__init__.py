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
    "CaseValidator": "kg.check.validation",
    "CaseReport": "kg.check.validation",
    "Finding": "kg.check.validation",
    "Severity": "kg.check.validation",
    "validate_files": "kg.check.validation",
    "read_cases": "kg.rdf.read",
    "RdfInputError": "kg.rdf.read",
    "reason_files": "kg.check.reasoning",
    "reason_graph": "kg.check.reasoning",
    "lint_project": "kg.check.lint",
    "open_store": "kg.store",
    "CaseStore": "kg.store",
    "load_files": "kg.store.loading",
    "expand_paths": "kg.store.loading",
    "compare": "kg.views.comparison",
    "years_statistics": "kg.views.comparison",
    "run_query": "kg.store.results",
    "get_query": "kg.sparql.named",
    "load_queries": "kg.sparql.named",
    "as_frame": "kg.render.tables",
    "bundled_case_files": "kg.paths",
}
_RENAMED = {"run_query": "run_named"}

__all__ = ["ONTOLOGY_IRI", "ONTOLOGY_VERSION_IRI", "__version__", *_LAZY]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), _RENAMED.get(name, name))
    raise AttributeError(f"module 'kg' has no attribute {name!r}")
