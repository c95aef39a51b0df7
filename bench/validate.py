"""Benchmark: validating cases with flywheel against pySHACL called plainly, in the same run.

Baselines, each measured here, on the same graphs, with the same shapes:
  naive    pyshacl.validate() with the whole ontology as ont_graph and the shapes file parsed on
           every call (what the pySHACL README suggests). pySHACL copies the ontology into the
           data node by node, which is slow; a run is stopped after --naive-timeout seconds.
  merged   the whole ontology merged into the data graph, shapes parsed on every call.
  plain    only the class hierarchy as ont_graph, shapes parsed on every call, rdflib SPARQL.
flywheel   one CaseValidator (shapes parsed once), class hierarchy only, Oxigraph-backed SPARQL.

The script checks that flywheel finds exactly what each completed baseline finds.

    python bench/validate.py [--repeat 5] [--naive-timeout 60]
"""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
import time
from collections.abc import Callable

import pyshacl
from rdflib import Graph

from kg import ontology, paths
from kg.check.validation import CaseValidator
from kg.rdf.read import read_cases
from kg.synth import synthetic_case

SHACL_OPTIONS = {"inference": "none", "advanced": True, "allow_warnings": True, "allow_infos": True}


def naive(graph: Graph) -> Graph:
    return pyshacl.validate(
        graph,
        shacl_graph=str(paths.CASE_SHAPES),
        ont_graph=ontology.ontology_graph(),
        **SHACL_OPTIONS,
    )[1]


def merged(graph: Graph) -> Graph:
    data = ontology.ontology_graph()
    for triple in graph:
        data.add(triple)
    return pyshacl.validate(data, shacl_graph=str(paths.CASE_SHAPES), **SHACL_OPTIONS)[1]


def plain(graph: Graph) -> Graph:
    return pyshacl.validate(
        graph,
        shacl_graph=str(paths.CASE_SHAPES),
        ont_graph=ontology.class_hierarchy(),
        **SHACL_OPTIONS,
    )[1]


def _child(function: Callable[[Graph], Graph], graph: Graph, queue) -> None:
    start = time.perf_counter()
    report = function(graph)
    queue.put((time.perf_counter() - start, report.serialize(format="nt")))


def timed_in_child(function, graph: Graph, timeout: float) -> tuple[float | None, Graph | None]:
    """Run one baseline call in a child process, stopped after ``timeout`` seconds."""
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    process = context.Process(target=_child, args=(function, graph, queue))
    process.start()
    try:
        seconds, report = queue.get(timeout=timeout)
    except Exception:  # queue.Empty: the call did not finish in time
        process.terminate()
        process.join()
        return None, None
    process.join()
    return seconds, Graph().parse(data=report, format="nt")


def median_time(function: Callable[[], object], repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs per flywheel figure (median)")
    parser.add_argument(
        "--naive-timeout",
        type=float,
        default=60.0,
        help="seconds after which a naive run is stopped",
    )
    args = parser.parse_args()

    cases = [
        (path.stem, case.graph) for path in paths.bundled_case_files() for case in read_cases(path)
    ]
    cases.append(("synthetic (2k triples)", synthetic_case(1, actions=48)))

    start = time.perf_counter()
    validator = CaseValidator()
    print(f"flywheel set-up (shapes parsed once): {(time.perf_counter() - start) * 1000:.0f} ms")
    print("Times are ms per case (flywheel: median of --repeat runs; baselines: one run each).\n")
    columns = f"{'case':<24}{'triples':>8}{'flywheel':>10}{'plain':>16}{'merged':>16}{'naive':>20}"
    print(columns + "  same findings")
    print("-" * (len(columns) + 15))
    for name, graph in cases:
        ours, report = median_time(lambda g=graph: validator.validate(g), args.repeat)
        mine = {
            (f.shape, f.focus, f.severity, f.value)
            for f in report.findings
            if f.shape != "fws:VocabularyShape"
        }  # checked in code, not by SHACL
        cells, verdicts = [], []
        for label, function, timeout in (
            ("plain", plain, None),
            ("merged", merged, None),
            ("naive", naive, args.naive_timeout),
        ):
            seconds, baseline = timed_in_child(function, graph, timeout or 600)
            if seconds is None:
                cells.append(f">{timeout:.0f}s (>{timeout / ours:.0f}x)")
                continue
            cells.append(f"{seconds * 1000:.0f} ({seconds / ours:.1f}x)")
            theirs = {
                (f.shape, f.focus, f.severity, f.value)
                for f in validator.findings_from_report(baseline, graph)
            }
            verdicts.append(label if theirs == mine else f"{label}: {len(theirs ^ mine)} differ")
        print(
            f"{name:<24}{len(graph):>8}{ours * 1000:>10.0f}{cells[0]:>16}{cells[1]:>16}"
            f"{cells[2]:>20}  {', '.join(verdicts)}"
        )
    print("\nIn brackets: how many times longer the baseline took than flywheel.")
    print("Target: a 2,000-triple case in under 300 ms, at least 5x faster than naive.")


if __name__ == "__main__":
    main()
