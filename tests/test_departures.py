"""Issue 15, item 4: a city's departures from the theory in one table (`flywheel departures`),
gathered from the shapes that compare a case with the theory (fws:comparesWithTheory).

Expected by hand from the case files' own accounts of their departures (each file's header):
Hangzhou codes no leading official in its startup, no command center acting in its inertia
episode, no platform shown in or after it and no re-aggregation flow, and its inertia stage's only
action is a national leader's inspection under political logic; Shanghai likewise codes no
leading official in its startup, names no command center or platform operator for 一网统管, codes
no re-aggregation flow, and enters inertia by a plan under political logic."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from kg.check.validation import CaseValidator
from kg.store import open_store
from kg.views.departures import departures
from tests.conftest import run_flywheel
from tests.test_shapes import THEORY_SHAPES


def _found(rows: list[dict], city: str) -> set[tuple[str, str]]:
    return {
        (str(r["check"]), str(r["record"]).rsplit("/", 1)[-1])
        for r in rows
        if str(r["case"]).endswith("/" + city)
    }


def test_the_shapes_say_which_compare_with_the_theory() -> None:
    assert CaseValidator().theory_shapes() == sorted(THEORY_SHAPES)


def test_each_citys_departures(bundled_store: Path) -> None:
    with open_store(bundled_store) as store:
        rows = departures(store)
    hangzhou = _found(rows, "hangzhou")
    assert {
        ("fws:StartupLeaderShape", "ep-startup"),
        ("fws:InertiaCommandCenterShape", "ep-inertia"),
        ("fws:InertiaPlatformShape", "ep-inertia"),
        ("fws:InertiaReaggregationShape", "ep-inertia"),
        ("fws:ActionLogicFitShape", "act-2020-03-31-inspection"),
    } <= hangzhou
    shanghai = _found(rows, "shanghai")
    assert {
        ("fws:StartupLeaderShape", "ep-startup"),
        ("fws:InertiaCommandCenterShape", "ep-inertia"),
        ("fws:InertiaReaggregationShape", "ep-inertia"),
        ("fws:ActionLogicFitShape", "act-2020-05-08-ywtg-plan"),
    } <= shanghai
    # City A codes the leaders' promotion in startup and the command center's platform in
    # inertia: neither startup nor inertia departs
    city_a = _found(rows, "city-a")
    assert not {c for c, _ in city_a} & {
        "fws:StartupLeaderShape",
        "fws:InertiaCommandCenterShape",
        "fws:InertiaReaggregationShape",
    }
    # exactly the theory shapes' findings, nothing else
    with open_store(bundled_store) as store:
        validator = CaseValidator()
        expected = set()
        for info in store.cases():
            report = validator.validate(store.case_graph(info.iri), info.iri)
            expected |= {
                (f.shape, f.focus) for f in report.findings if f.shape in set(THEORY_SHAPES)
            }
    assert {(str(r["check"]), str(r["record"])) for r in rows} == expected


@pytest.mark.slow  # three commands in subprocesses
def test_the_command_in_both_languages(bundled_store: Path) -> None:
    result = run_flywheel(
        "departures", "shanghai", "--format", "csv", "--store", str(bundled_store)
    )
    assert result.returncode == 0, result.stderr
    table = list(csv.DictReader(io.StringIO(result.stdout)))
    assert {r["case"] for r in table} == {"https://w3id.org/dataflywheel/case/shanghai"}
    assert any(
        "paper drives this stage" in r["departure"] or "platform" in r["departure"] for r in table
    )
    zh = run_flywheel(
        "departures", "shanghai", "--lang", "zh", "--format", "csv", "--store", str(bundled_store)
    )
    rows = list(csv.DictReader(io.StringIO(zh.stdout)))
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in r["departure"]) for r in rows)
    unknown = run_flywheel("departures", "atlantis", "--store", str(bundled_store))
    assert unknown.returncode == 2 and "Traceback" not in unknown.stderr
