"""`flywheel sparql` and `flywheel query` stop a query that runs past --timeout, for real: the
worker process running it is ended, and the command says how to allow longer (issue 15)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from tests.conftest import run_flywheel

# Every quad of the store against every other, three times over: on the bundled cases about
# 1,500³ ≈ 3×10⁹ combinations to count, far more than a second's work on any machine.
pytestmark = pytest.mark.slow  # spawns query worker processes and waits for deadlines

ENDLESS = (
    "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?a { ?s ?p ?o } GRAPH ?b { ?s2 ?p2 ?o2 } "
    "GRAPH ?c { ?s3 ?p3 ?o3 } }"
)


def test_a_query_past_its_timeout_is_stopped(bundled_store: Path) -> None:
    result = run_flywheel("sparql", ENDLESS, "--store", str(bundled_store), "--timeout", "1")
    assert result.returncode == 2, result.stdout + result.stderr
    assert "did not finish within 1 s and was stopped" in result.stderr
    assert "--timeout SECONDS allows longer (0: no limit)" in result.stderr
    assert result.stdout == ""


def test_the_store_answers_after_a_stopped_query(bundled_store: Path) -> None:
    # the worker that ran the stopped query held the store; it is gone, so the store opens again
    stopped = run_flywheel("sparql", ENDLESS, "--store", str(bundled_store), "--timeout", "0.5")
    assert stopped.returncode == 2
    count = run_flywheel(
        "sparql",
        "SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?g { ?c a <https://w3id.org/dataflywheel/ontology#CaseStudy> } }",
        "--store",
        str(bundled_store),
        "--format",
        "csv",
    )
    assert count.returncode == 0, count.stderr
    assert count.stdout.splitlines()[1] == "3"  # city-a, hangzhou, shanghai


def test_a_named_query_runs_in_a_worker_and_takes_a_timeout(bundled_store: Path) -> None:
    # question 11 on Hangzhou (kg/cases/hangzhou.ttl codes no re-aggregation flow: not closed)
    result = run_flywheel(
        "query",
        "11",
        "-p",
        "case=https://w3id.org/dataflywheel/case/hangzhou",
        "--store",
        str(bundled_store),
        "--format",
        "csv",
        "--timeout",
        "120",
    )
    assert result.returncode == 0, result.stderr
    (row,) = list(csv.DictReader(io.StringIO(result.stdout)))
    assert row["closed"] == "false"


def test_a_wrong_parameter_is_said_before_any_worker_starts(bundled_store: Path) -> None:
    result = run_flywheel("query", "11", "-p", "case=not an iri", "--store", str(bundled_store))
    assert result.returncode == 2
    assert "case" in result.stderr and "Traceback" not in result.stderr
