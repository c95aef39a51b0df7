"""Issue 15, item 4: every named query that asks about one city can be asked of all cities at
once (``case`` given as ``*``), through the Python API, the CLI (``-p case=*``) and the REST API
(tested in tests/test_api_rest.py). The check needs no hand-made answer: the rows for every case
must be exactly the rows of each case asked alone, put together (a query that let one city's
data reach another's rows, or that took the ontology's graph for a case, would fail it)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from kg import paths
from kg.sparql.named import EVERY_CASE, bind, get_query, load_queries, run
from kg.store import open_store
from tests.conftest import run_flywheel

PER_CASE = sorted(name for name, q in load_queries().items() if "case" in q.param_names)
CASES = [f"https://w3id.org/dataflywheel/case/{p.stem}" for p in paths.bundled_case_files()]


def test_the_queries_about_one_city_are_known() -> None:
    assert [name[:2] for name in PER_CASE] == [
        *(f"{n:02d}" for n in range(1, 16)),
        "24",
        "25",
        "26",
        "27",
    ]


@pytest.mark.parametrize("name", PER_CASE)
def test_every_case_at_once_is_each_case_put_together(name: str, bundled_store: Path) -> None:
    def rows(values: dict[str, str]) -> list[tuple]:
        found = run(store, name, values)
        return sorted(tuple(sorted((k, v or "") for k, v in row.items())) for row in found)

    with open_store(bundled_store) as store:
        together = rows({"case": EVERY_CASE})
        apart = sorted(row for case in CASES for row in rows({"case": case}))
    assert together == apart
    assert {dict(r)["case"] for r in together} <= set(CASES)


def test_every_case_leaves_the_parameter_unbound_and_keeps_the_others() -> None:
    query = get_query("stage-on-date")
    bound = {v.value: t.value for v, t in bind(query, {"case": "*", "date": "2019-01-01"}).items()}
    assert bound == {"date": "2019-01-01"}


def test_the_command_asks_every_case(bundled_store: Path) -> None:
    result = run_flywheel(
        "query", "2", "-p", "case=*", "--format", "csv", "--store", str(bundled_store)
    )
    assert result.returncode == 0, result.stderr
    table = list(csv.DictReader(io.StringIO(result.stdout)))
    # four episodes in each of the three bundled cases
    assert len(table) == 12
    assert sorted({row["case"] for row in table}) == CASES
