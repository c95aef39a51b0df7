"""A case's stage timeline, as the theory reads it: its episodes in sequence with their dates,
mechanism, dominant logic and actors, the actions and flows of each, and the stage on a date.
Built once here; the API, the figures and the CLI show it.

Named queries 02 (stage timeline) and 01 (stage on a date), and ``queries/api/*.rq``.
"""

from __future__ import annotations

from collections import Counter

from kg import paths
from kg.sparql.named import bound, run
from kg.store import CaseStore, Term
from kg.views.common import case_rows, node, rows_for_cases, term
from kg.vocab import CONFIDENCE_OF, FW, STAGE_OF, precision_word


def bound_text(value: Term | None) -> str:
    """The text of a term a query binds, '' when unbound."""
    return value.value if value is not None else ""


def date_order(
    earliest: str | None, latest: str | None, label: str | None = None
) -> tuple[bool, str, bool, str, str]:
    """A sort key from a date's bounds (ISO days): dated things first, by their earliest day
    (else their latest), then by their latest day (a missing one, an open end, after), then by
    label. So "2016" (2016-01-01..2016-12-31) comes before "2016-03", "2016-01" before "2016",
    and a thing known only by a bound ("by June 2018") is placed by it."""
    first = earliest or latest
    return (first is None, first or "", latest is None, latest or "", label or "")


def _episode_order(found: list[dict]) -> list[dict]:
    """Episodes by their starts' bounds (:func:`date_order`, the city's sequence breaking ties)
    when every episode's start has a bound; otherwise in the city's own sequence, as query 02
    gives them, since an undated episode can be placed only by its sequence."""
    if not all(e["start_earliest"] or e["start_latest"] for e in found):
        return found
    return sorted(
        found,
        key=lambda e: (
            date_order(e["start_earliest"], e["start_latest"])[:4],
            e["sequence"],
            (e["stage_label"] or {}).get("en") or "",
        ),
    )


def episode_confidence(store: CaseStore, case: str) -> dict[str, str]:
    """Each episode's weakest confidence behind its start (confirmed, suspected, inferred,
    reported), by episode IRI; an episode with nothing graded is absent. The rule is
    ``queries/compare/confidence.rq``'s, which the comparison uses too."""
    rows = rows_for_cases(store, paths.query_file_text("compare/confidence"), [case])
    return {
        bound_text(r["episode"]): CONFIDENCE_OF[bound_text(r["weakest"])]
        for r in rows
        if bound_text(r["weakest"]) in CONFIDENCE_OF
    }


def episodes(store: CaseStore, case: str, close_at_next: bool = False) -> list[dict]:
    """The case's episodes (named query 02) ordered by the bounds of their starts (see
    :func:`_episode_order`), with their mechanism, without their actions. ``stage`` is the
    stage's IRI, ``stage_word`` its word (startup, …), ``confidence`` the weakest confidence
    behind its start (:func:`episode_confidence`). An end not coded is closed at the next
    episode's start only with ``close_at_next`` (``end_basis`` says which)."""
    found = []
    weakest = episode_confidence(store, case)
    asked = {"case": case, "closeAtNext": "true" if close_at_next else "false"}
    for row in run(store, "02", asked):
        found.append(
            {
                "episode": row["episode"],
                "stage": row["stage"],
                "stage_word": STAGE_OF.get(row["stage"] or ""),
                "stage_label": term(bound(row["stage"]))["label"],
                "order": int(row["theoryOrder"]) if row["theoryOrder"] else None,
                "sequence": int(bound(row["sequence"])),
                "follows_theory": row["followsTheory"] == "true",
                "start": row["start"],
                "start_precision": precision_word(row["startPrecision"])
                if row["start"]
                else "unknown",
                "start_earliest": row["startEarliest"],
                "start_latest": row["startLatest"],
                "end": row["end"],
                "end_precision": precision_word(row["endPrecision"])
                if row["end"] or row["endPrecision"] == str(FW.Ongoing)
                else "unknown",
                "end_earliest": row["endEarliest"],
                "end_latest": row["endLatest"],
                "end_basis": row["endBasis"],
                "confidence": weakest.get(bound(row["episode"])),
                "end_inferred": row["endBasis"] == "next episode" and row["end"] is not None,
                "start_edtf": row["startEDTF"],
                "end_edtf": row["endEDTF"],
                "mechanism": None,
                "logic": None,
                "logics": [],
                "actors": [],
            }
        )
    mechanisms: dict[str, str | None] = {}
    for row in case_rows(store, "episode-mechanisms", case):
        mechanisms.setdefault(bound(row["episode"]), row["mechanism"])
    for episode in found:
        episode["mechanism"] = term(mechanisms.get(episode["episode"]))
    return _episode_order(found)


def items(store: CaseStore, case: str) -> dict[str, list[dict]]:
    """The actions and flows of each episode, with their performers, ordered by the bounds of
    their dates (:func:`date_order`: earliest bound, latest bound, label, then IRI)."""
    by_episode: dict[str, dict[str, dict]] = {}
    for row in case_rows(store, "episode-items", case):
        by_item = by_episode.setdefault(bound(row["episode"]), {})
        item = by_item.get(bound(row["item"]))
        if item is None:
            item = by_item[bound(row["item"])] = {
                "action": row["item"],
                "kind": row["kind"],
                "label": row["label"] or row["labelZh"],
                "labels": {"en": row["label"], "zh": row["labelZh"]},
                "date": row["date"],
                "date_precision": precision_word(row["datePrecision"])
                if row["date"]
                else "unknown",
                "date_earliest": row["dateEarliest"],
                "date_latest": row["dateLatest"],
                "loop_step": term(row["loopStep"]),
                "logic": term(row["logic"]),
                "actors": [],
            }
        if row["kind"] == "flow":  # a flow typed also as an action stays a flow
            item["kind"] = "flow"
        if row["actor"] and row["actor"] not in item["actors"]:
            item["actors"].append(row["actor"])
    return {
        episode: sorted(
            found.values(),
            key=lambda i: (
                date_order(i["date_earliest"], i["date_latest"], i["label"]),
                i["action"],
            ),
        )
        for episode, found in by_episode.items()
    }


def leading_logics(found: list[dict]) -> list[str]:
    """The logics most of these actions follow: one, or those that tie (in IRI order); none
    when no action has a logic."""
    logics = Counter(
        i["logic"]["iri"] for i in found if i["kind"] == "action" and i["logic"] is not None
    )
    top = max(logics.values(), default=0)
    return sorted(str(iri) for iri, n in logics.items() if n == top and top > 0)


def dominant_logic(found: list[dict]) -> str | None:
    """The logic most of these actions follow; None when none is coded or no single one leads."""
    leading = leading_logics(found)
    return leading[0] if len(leading) == 1 else None


def timeline(
    store: CaseStore, case: str, with_items: bool = True, close_at_next: bool = False
) -> dict:
    """The episodes in sequence with their mechanism, dominant logic, actors and
    (``with_items``) actions and flows; ``close_at_next`` as in :func:`episodes`."""
    found_episodes = episodes(store, case, close_at_next)
    found_items = items(store, case)
    labels = {
        row["actor"]: (row["label"], row["labelZh"]) for row in case_rows(store, "actors", case)
    }
    for episode in found_episodes:
        found = found_items.get(episode["episode"], [])
        episode["logic"] = term(dominant_logic(found))
        episode["logics"] = [term(iri) for iri in leading_logics(found)]
        actors: list[str] = []
        for item in found:
            actors.extend(a for a in item["actors"] if a not in actors)
        episode["actors"] = [node(a, *labels.get(a, (None, None))) for a in actors]
        if with_items:
            episode["actions"] = [{k: v for k, v in i.items() if k != "actors"} for i in found]
    return {"case": case, "episodes": found_episodes}


def stage_on_date(store: CaseStore, case: str, date: str) -> dict:
    """Named query 01, with its bounds. ``match`` is "certainly" when the dates place the city
    in one episode for certain (``stage`` and ``episode`` are then given), "possibly" when one
    or more episodes stay possible and none is certain (``stage`` is null), "none" when every
    episode is ruled out. ``candidates`` lists the episodes not ruled out, each with its own
    match ("certainly" or "possibly")."""
    rows = run(store, "01", {"case": case, "date": date})
    candidates = [
        {"episode": r["episode"], "stage": term(r["stage"]), "match": r["match"]}
        for r in rows
        if r["match"] != "not"
    ]
    sure = [c for c in candidates if c["match"] == "certainly"]
    chosen = sure[0] if len(sure) == 1 else None
    return {
        "case": case,
        "date": date,
        "stage": chosen["stage"] if chosen else None,
        "episode": chosen["episode"] if chosen else None,
        "match": "certainly" if chosen else ("possibly" if candidates else "none"),
        "candidates": candidates,
    }
