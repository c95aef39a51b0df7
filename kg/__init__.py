"""flywheel-kg: a knowledge graph and ontology for studying digital government as a data flywheel.

The public API, importable from ``kg``::

    from kg import CaseValidator, read_cases, reason_files

Heavy modules are imported on first use, so ``import kg`` stays quick.
"""

from importlib import import_module

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
}

__all__ = ["ONTOLOGY_IRI", "ONTOLOGY_VERSION_IRI", "__version__", *_LAZY]


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'kg' has no attribute {name!r}")
