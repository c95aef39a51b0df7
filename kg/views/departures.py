"""A city's departures from the theory in one table (``flywheel departures``): what the shapes
that compare a case with the theory's expectations (``fws:comparesWithTheory``: the stage order,
a skipped stage, a stage's mechanism, the startup's leaders, the inertia stage's command center,
platform and re-aggregation, a flow's loop step, an action's logic against its stage and its
actor's kind, an actor outside the four kinds) find in each case, one row per finding. The
shapes say what each departure is; this view only gathers their findings, so the theory's
expectations are read from the ontology in one place."""

from __future__ import annotations

from collections.abc import Sequence

from kg.check.validation import CaseValidator
from kg.store import CaseStore

COLUMNS = ("case", "city", "check", "severity", "record", "record_label", "departure")


def departures(
    store: CaseStore,
    cases: Sequence[str] | None = None,
    lang: str = "en",
    validator: CaseValidator | None = None,
) -> list[dict[str, object]]:
    """One row per departure from the theory found in each case (all cases, or ``cases``)."""
    validator = validator or CaseValidator()
    theory = set(validator.theory_shapes())
    rows: list[dict[str, object]] = []
    for info in store.cases(only=cases):
        report = validator.validate(store.case_graph(info.iri), info.iri)
        for finding in sorted(report.findings, key=lambda f: (f.shape, f.focus)):
            if finding.shape not in theory:
                continue
            rows.append(
                {
                    "case": info.iri,
                    "city": info.city_label,
                    "check": finding.shape,
                    "severity": finding.severity.name.lower(),
                    "record": finding.focus,
                    "record_label": finding.focus_labels.get(lang)
                    or finding.focus_labels.get("en"),
                    "departure": finding.message(lang),
                }
            )
    return rows
