"""What the case views share: running a query for one case or for chosen cases, and naming an
ontology term with its labels."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache
from typing import overload

import pyoxigraph as ox

from kg import paths
from kg.ontology import label
from kg.store import CaseStore, Row


def rows_for_cases(
    store: CaseStore,
    text: str,
    cases: Sequence[str] | None,
    bindings: Mapping[str, ox.NamedNode | ox.Literal] | None = None,
) -> list[Row]:
    """A cross-city query's rows for every case, or for ``cases`` (IRIs) each asked with
    ``?case`` bound, which Oxigraph evaluates for that graph alone: a city then costs the same
    however many others the store holds. ``bindings`` bind other variables (a query's
    parameters) in every call."""
    fixed = dict(bindings or {})
    if cases is None:
        return list(store.query(text, fixed or None).rows)
    return [r for c in cases for r in store.query(text, fixed | {"case": ox.NamedNode(c)}).rows]


@cache
def view_query(name: str) -> str:
    """The SPARQL text of ``queries/api/<name>.rq`` (data apart from code)."""
    return paths.query_file_text(f"api/{name}")


def case_rows(store: CaseStore, name: str, case: str) -> list[dict[str, str | None]]:
    """Rows of a ``queries/api`` query for one case (its graph IRI), as plain strings."""
    result = store.query(view_query(name), {"case": ox.NamedNode(case)})
    return [
        {k: (v.value if v is not None else None) for k, v in row.items()} for row in result.rows
    ]


def case_literals(store: CaseStore, name: str, case: str, column: str) -> list[ox.Literal]:
    """The literals a ``queries/api`` query binds to ``column`` for one case, language tags kept."""
    result = store.query(view_query(name), {"case": ox.NamedNode(case)})
    found = (row[column] for row in result.rows)
    return [value for value in found if isinstance(value, ox.Literal)]


@overload
def term(iri: str) -> dict: ...
@overload
def term(iri: None) -> None: ...
@overload
def term(iri: str | None) -> dict | None: ...
def term(iri: str | None) -> dict | None:
    """An ontology term with its English and Chinese labels (None stays None)."""
    if iri is None:
        return None
    return {"iri": iri, "label": {"en": label(iri, "en"), "zh": label(iri, "zh")}}


def node(iri: str, en: str | None, zh: str | None) -> dict:
    """A node of a case (an actor) with its labels: the English one first."""
    return {"iri": iri, "label": en or zh, "labels": {"en": en, "zh": zh}}
