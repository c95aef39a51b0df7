"""The case views' own rules, on hand-made items (kg/views/timeline.py): which logic leads a
stage, and a tie stated as a tie (the bundled cases have none since their re-coding on 0.2)."""

from __future__ import annotations

from kg.views.timeline import dominant_logic, leading_logics
from kg.vocab import FW

POLITICAL, TECHNICAL = str(FW.PoliticalLogic), str(FW.TechnicalLogic)


def _action(logic: str | None, kind: str = "action") -> dict:
    return {"kind": kind, "logic": {"iri": logic} if logic else None}


def test_one_logic_leads() -> None:
    found = [_action(POLITICAL), _action(POLITICAL), _action(TECHNICAL), _action(None)]
    assert leading_logics(found) == [POLITICAL]
    assert dominant_logic(found) == POLITICAL


def test_a_tie_is_stated_and_has_no_single_dominant_logic() -> None:
    found = [_action(TECHNICAL), _action(POLITICAL)]
    assert leading_logics(found) == [POLITICAL, TECHNICAL]  # in IRI order
    assert dominant_logic(found) is None


def test_flows_and_actions_without_a_logic_do_not_count() -> None:
    assert leading_logics([_action(None), _action(TECHNICAL, kind="flow")]) == []
    assert dominant_logic([]) is None
