"""A case's data loop: the loop steps in the ontology's order with the flows coded in each,
whether and since when the loop is closed (named query 11), the city's names and the stages.
Built once here; the API and the figures show it."""

from __future__ import annotations

from kg.sparql.named import bound, run
from kg.store import CaseStore
from kg.views.common import case_literals, case_rows, term
from kg.views.timeline import timeline
from kg.vocab import precision_word


def city_labels(store: CaseStore, case: str) -> dict[str, str | None]:
    """The studied city's English and Chinese labels (an untagged label counts as English)."""
    found: dict[str, str | None] = {"en": None, "zh": None}
    for name in case_literals(store, "city-labels", case, "label"):
        lang = name.language or "en"
        if lang in found and found[lang] is None:
            found[lang] = name.value
    return found


def flywheel(store: CaseStore, case: str, close_at_next: bool = False) -> dict:
    """The loop steps with their flows, the loop's closure and the stages (no actions); an end
    not coded is closed at the next stage's start only with ``close_at_next``."""
    steps = [
        {
            "step": row["step"],
            "label": term(bound(row["step"]))["label"],
            "order": int(bound(row["order"])),
            "evidenced": int(row["flows"] or 0) > 0,
            "flows": int(row["flows"] or 0),
        }
        for row in case_rows(store, "loop-steps", case)
    ]
    loop = run(store, "11", {"case": case})
    closed = bool(loop) and loop[0]["closed"] == "true"
    return {
        "case": case,
        "city": city_labels(store, case),
        "steps": sorted(steps, key=lambda s: s["order"]),
        "loop_closed": closed,
        "closed_since": loop[0]["firstDate"] if closed else None,
        "closed_since_precision": precision_word(loop[0]["firstPrecision"]) if closed else None,
        "stages": timeline(store, case, with_items=False, close_at_next=close_at_next)["episodes"],
    }
