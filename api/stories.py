"""A case told as the theory reads it: its stage timeline, its stage on a date, its data loop
and its actors. Module-level worker functions for :meth:`api.engine.Engine.read`, built on the
named queries (02 stage timeline, 01 stage on date, 11 loop closed) and on ``queries/api/*.rq``.
"""

from __future__ import annotations

from collections import Counter

import pyoxigraph as ox

from api.reads import api_query, find_case, precision, term
from kg.ontology import superclasses
from kg.sparql.named import bound, run
from kg.store import CaseStore


def _rows(store: CaseStore, name: str, case: str) -> list[dict[str, str | None]]:
    """Rows of a ``queries/api`` query for one case, as plain strings."""
    result = store.query(api_query(name), {"case": ox.NamedNode(case)})
    return [
        {k: (v.value if v is not None else None) for k, v in row.items()} for row in result.rows
    ]


def _node(iri: str, en: str | None, zh: str | None) -> dict:
    return {"iri": iri, "label": en or zh, "labels": {"en": en, "zh": zh}}


def _episodes(store: CaseStore, case: str) -> list[dict]:
    """The case's episodes from named query 02, in sequence order, without their items."""
    episodes = []
    for row in run(store, "02", {"case": case}):
        episodes.append(
            {
                "episode": row["episode"],
                "stage": row["stage"],
                "stage_label": term(bound(row["stage"]))["label"],
                "order": int(row["theoryOrder"]) if row["theoryOrder"] else None,
                "sequence": int(bound(row["sequence"])),
                "follows_theory": row["followsTheory"] == "true",
                "start": row["start"],
                "start_precision": precision(row["startPrecision"]) if row["start"] else "unknown",
                "end": row["end"],
                "end_precision": precision(row["endPrecision"]) if row["end"] else "unknown",
                "end_inferred": row["endBasis"] == "next episode" and row["end"] is not None,
                "mechanism": None,
                "logic": None,
                "actors": [],
            }
        )
    mechanisms: dict[str, str | None] = {}
    for row in _rows(store, "episode-mechanisms", case):
        mechanisms.setdefault(bound(row["episode"]), row["mechanism"])
    for episode in episodes:
        episode["mechanism"] = term(mechanisms.get(episode["episode"]))
    return episodes


def _items(store: CaseStore, case: str) -> dict[str, list[dict]]:
    """The actions and flows of each episode, with their performers, ordered by date."""
    items: dict[str, dict[str, dict]] = {}
    for row in _rows(store, "episode-items", case):
        by_item = items.setdefault(bound(row["episode"]), {})
        item = by_item.get(bound(row["item"]))
        if item is None:
            item = by_item[bound(row["item"])] = {
                "action": row["item"],
                "kind": row["kind"],
                "label": row["label"] or row["labelZh"],
                "labels": {"en": row["label"], "zh": row["labelZh"]},
                "date": row["date"],
                "date_precision": precision(row["datePrecision"]) if row["date"] else "unknown",
                "loop_step": term(row["loopStep"]),
                "logic": term(row["logic"]),
                "_actors": [],
            }
        if row["kind"] == "flow":  # a flow typed also as an action stays a flow
            item["kind"] = "flow"
        if row["actor"] and row["actor"] not in item["_actors"]:
            item["_actors"].append(row["actor"])
    return {
        episode: sorted(
            found.values(), key=lambda i: (i["date"] is None, i["date"] or "", i["action"])
        )
        for episode, found in items.items()
    }


def timeline(store: CaseStore, name: str, with_items: bool = True) -> dict:
    """``GET /cases/{id}/timeline``: the episodes in sequence with their mechanism, dominant
    logic, actors and (``with_items``) actions and flows."""
    info = find_case(store, name)
    episodes = _episodes(store, info.iri)
    items = _items(store, info.iri)
    labels = {
        row["actor"]: (row["label"], row["labelZh"]) for row in _rows(store, "actors", info.iri)
    }
    for episode in episodes:
        found = items.get(episode["episode"], [])
        logics = Counter(
            i["logic"]["iri"] for i in found if i["kind"] == "action" and i["logic"] is not None
        )
        ranked = logics.most_common()
        if ranked and (len(ranked) == 1 or ranked[0][1] > ranked[1][1]):
            episode["logic"] = term(ranked[0][0])  # null when no single logic dominates
        actors: list[str] = []
        for item in found:
            actors.extend(a for a in item.pop("_actors") if a not in actors)
        episode["actors"] = [_node(a, *labels.get(a, (None, None))) for a in actors]
        if with_items:
            episode["actions"] = found
    return {"case": info.iri, "episodes": episodes}


def stage_on_date(store: CaseStore, name: str, date: str) -> dict:
    """``GET /cases/{id}/stage``: named query 01. The stage is given when the coded dates place
    the city in exactly one episode; episodes the dates cannot rule out are candidates."""
    info = find_case(store, name)
    rows = run(store, "01", {"case": info.iri, "date": date})
    candidates = [
        {"episode": r["episode"], "stage": term(r["stage"]), "match": r["match"]} for r in rows
    ]
    sure = [c for c in candidates if c["match"] == "yes"]
    chosen = sure[0] if len(sure) == 1 and len(candidates) == 1 else None
    return {
        "case": info.iri,
        "date": date,
        "stage": chosen["stage"] if chosen else None,
        "episode": chosen["episode"] if chosen else None,
        "match": "yes" if chosen else ("unknown" if candidates else "none"),
        "candidates": candidates,
    }


def flywheel(store: CaseStore, name: str) -> dict:
    """``GET /cases/{id}/flywheel``: the loop steps in the ontology's order with the flows coded
    in each, whether the loop is closed (named query 11) and the stages."""
    info = find_case(store, name)
    steps = [
        {
            "step": row["step"],
            "label": term(bound(row["step"]))["label"],
            "order": int(bound(row["order"])),
            "evidenced": int(row["flows"] or 0) > 0,
            "flows": int(row["flows"] or 0),
        }
        for row in _rows(store, "loop-steps", info.iri)
    ]
    loop = run(store, "11", {"case": info.iri})
    closed = bool(loop) and loop[0]["closed"] == "true"
    since = loop[0]["firstDate"] if closed else None
    return {
        "case": info.iri,
        "steps": steps,
        "loop_closed": closed,
        "closed_since": since,
        "closed_since_precision": precision(loop[0]["firstPrecision"]) if closed else None,
        "stages": timeline(store, name, with_items=False)["episodes"],
    }


def _kind(classes: list[str]) -> str | None:
    """The most specific of an actor's classes."""
    for candidate in classes:
        if not any(o != candidate and candidate in superclasses(o) for o in classes):
            return candidate
    return classes[0] if classes else None


def actors(store: CaseStore, name: str) -> dict:
    """``GET /cases/{id}/actors``: each actor, its kind, and per stage the logics its actions
    followed with how many actions."""
    info = find_case(store, name)
    found: dict[str, dict] = {}
    for row in _rows(store, "actors", info.iri):
        iri = bound(row["actor"])
        actor = found.setdefault(iri, _node(iri, row["label"], row["labelZh"]) | {"_classes": []})
        actor["_classes"].append(row["class"])
    stages: dict[str, dict[str, dict]] = {}
    for row in _rows(store, "actor-actions", info.iri):
        if row["actor"] not in found or row["logic"] is None:
            continue
        by_stage = stages.setdefault(bound(row["actor"]), {})
        stage = by_stage.setdefault(
            bound(row["stage"]), {"stage": term(bound(row["stage"])), "logics": []}
        )
        stage["logics"].append(term(row["logic"]) | {"actions": int(bound(row["actions"]))})
    result = []
    for iri, actor in found.items():
        result.append(
            {
                "actor": iri,
                "label": actor["label"],
                "labels": actor["labels"],
                "kind": term(_kind(actor.pop("_classes"))),
                "stages": list(stages.get(iri, {}).values()),
            }
        )
    return {"case": info.iri, "actors": result}
