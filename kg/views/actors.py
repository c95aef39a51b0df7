"""A case's actors: each with its kind and, per stage, the logics its actions followed."""

from __future__ import annotations

from kg.ontology import superclasses
from kg.sparql.named import bound
from kg.store import CaseStore
from kg.views.common import case_rows, node, term


def most_specific(classes: list[str]) -> str | None:
    """The most specific of an actor's classes."""
    for candidate in classes:
        if not any(o != candidate and candidate in superclasses(o) for o in classes):
            return candidate
    return classes[0] if classes else None


def actors(store: CaseStore, case: str) -> dict:
    """Each actor, its kind, and per stage the logics its actions followed with how many."""
    found: dict[str, dict] = {}
    classes: dict[str, list[str]] = {}
    for row in case_rows(store, "actors", case):
        iri = bound(row["actor"])
        found.setdefault(iri, node(iri, row["label"], row["labelZh"]))
        if row["class"] is not None:
            classes.setdefault(iri, []).append(row["class"])
    stages: dict[str, dict[str, dict]] = {}
    for row in case_rows(store, "actor-actions", case):
        if row["actor"] not in found or row["logic"] is None:
            continue
        by_stage = stages.setdefault(bound(row["actor"]), {})
        stage = by_stage.setdefault(
            bound(row["stage"]), {"stage": term(bound(row["stage"])), "logics": []}
        )
        stage["logics"].append(term(row["logic"]) | {"actions": int(bound(row["actions"]))})
    return {
        "case": case,
        "actors": [
            {
                "actor": iri,
                "label": actor["label"],
                "labels": actor["labels"],
                "kind": term(most_specific(classes.get(iri, []))),
                "stages": list(stages.get(iri, {}).values()),
            }
            for iri, actor in found.items()
        ],
    }
