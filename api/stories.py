"""A case told as the theory reads it (kg.views): its stage timeline, its stage on a date, its
data loop and its actors, for the case the URL names. Module-level worker functions for
:meth:`api.engine.Engine.read`."""

from __future__ import annotations

from api.reads import find_case
from kg.store import CaseStore
from kg.views import actors as actors_view
from kg.views import flywheel as flywheel_view
from kg.views import timeline as timeline_view


def timeline(
    store: CaseStore, name: str, with_items: bool = True, close_at_next: bool = False
) -> dict:
    """``GET /cases/{id}/timeline``."""
    return timeline_view.timeline(store, find_case(store, name).iri, with_items, close_at_next)


def stage_on_date(store: CaseStore, name: str, date: str) -> dict:
    """``GET /cases/{id}/stage``."""
    return timeline_view.stage_on_date(store, find_case(store, name).iri, date)


def flywheel(store: CaseStore, name: str, close_at_next: bool = False) -> dict:
    """``GET /cases/{id}/flywheel``."""
    return flywheel_view.flywheel(store, find_case(store, name).iri, close_at_next)


def actors(store: CaseStore, name: str) -> dict:
    """``GET /cases/{id}/actors``."""
    return actors_view.actors(store, find_case(store, name).iri)
