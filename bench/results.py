"""Benchmark: cross-city questions answered from the rows each case keeps (kg.store.results)
against the same questions asked of every case graph, and a raw pyoxigraph reference read, all
on the same store in the same run.

  setup     --cities synthetic cities (--actions each) written with bulk_put, which computes each
            case's kept rows; timed next to writing the same quads with raw bulk_extend
  compare   kg.views.comparison.compare(store) from the kept rows, and with stored_rows=False
            (every case graph read); then `flywheel compare --format csv` as a whole command,
            with the peak memory of its process tree
  queries   each kept named query: run_named (kept rows) against run (SPARQL over the graphs);
            then each as a whole `flywheel query` command
  api       GET /compare of a real `flywheel serve` over the store: first, then again; after a
            write through the API (one city put again), at once and a few seconds later
  reference raw pyoxigraph: one triple pattern over every graph (SELECT ?case WHERE { GRAPH
            ?case { ?s a fw:CaseStudy } }), every row read: what the engine itself costs per city

Each figure is the median of --repeat runs (the case graphs: --live-repeat runs).

    python bench/results.py --cities 1000
    python bench/results.py --cities 10000 --live-repeat 1 --keep /tmp/kept   # stores reused
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import httpx
import pyoxigraph as ox

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.load_command import Run, measure  # noqa: E402
from kg.rdf.names import case_id  # noqa: E402
from kg.rdf.read import CaseGraph  # noqa: E402
from kg.sparql.named import run  # noqa: E402
from kg.store import OxigraphStore  # noqa: E402
from kg.store.catalog import catalog_entry  # noqa: E402
from kg.store.results import run_named, stored_queries  # noqa: E402
from kg.synth import case_iri, synthetic_case, synthetic_turtle  # noqa: E402
from kg.views.comparison import compare  # noqa: E402
from tests.servers import api_command, free_port, stop, wait_for  # noqa: E402

REFERENCE = (
    "SELECT ?case WHERE { GRAPH ?case { ?s a <https://w3id.org/dataflywheel/ontology#CaseStudy> } }"
)


def timed(fn: Callable[[], object], repeat: int) -> float:
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs)


def api_compare(location: Path, repeat: int, last: int, actions: int) -> None:
    """GET /compare of a real `flywheel serve` over the store: the first answer, asked as soon
    as the server answers (it opens its port once its workers have started and it has read
    the table, for at most 10 s), then the
    median of ``repeat`` more; then after a write (city ``last`` put again, unchanged, through
    the API), at once and once the server has had time to read the table again; and a second
    server's first answer, asked once it has had time to warm up."""
    with _served(location) as (url, client, token):

        def get() -> None:
            client.get(f"{url}/compare").raise_for_status()

        first = timed(get, 1)
        settle = 2 * first + 2  # the server's own read of the table, with room
        again = timed(get, repeat)
        print(f"  GET /compare (flywheel serve) first {first:.2f} s, then {again:.2f} s")
        body = synthetic_turtle(last, actions, seed=last).encode()
        headers = {"Content-Type": "text/turtle", "Authorization": f"Bearer {token}"}

        def put() -> None:
            where = f"{url}/cases/{case_id(case_iri(last))}"
            client.put(where, content=body, headers=headers).raise_for_status()

        written = timed(put, 1)
        at_once = timed(get, 1)
        put()
        time.sleep(settle)
        later = timed(get, 1)
    print(
        f"  GET /compare after a write (one city put again: {written:.2f} s): at once "
        f"{at_once:.2f} s, {settle:.0f} s later {later:.2f} s"
    )
    with _served(location) as (url, client, _):
        time.sleep(settle)
        start = time.perf_counter()
        client.get(f"{url}/compare").raise_for_status()
        warmed = time.perf_counter() - start
    print(f"  GET /compare first, asked {settle:.0f} s after the server came up: {warmed:.2f} s")


def _whole(command: list[str], repeat: int) -> tuple[float, Run]:
    """A whole command run ``repeat`` times: the median of its wall times, and the run of
    the highest peak memory (:func:`bench.load_command.measure` polls its process tree)."""
    runs = [measure(command) for _ in range(repeat)]
    for ran in runs:
        if ran.returncode:
            raise SystemExit(f"{' '.join(command[2:5])} failed: {ran.stderr[-2000:]}")
    return statistics.median(r.seconds for r in runs), max(runs, key=lambda r: r.peak_tree_mb)


@contextmanager
def _served(location: Path) -> Iterator[tuple[str, httpx.Client, str]]:
    """A `flywheel serve` over the store with a fresh write token, once it answers: its base
    URL, a client and the token."""
    port = free_port()
    token = "bench-" + os.urandom(8).hex()
    environment = {**os.environ, "FLYWHEEL_STORE": str(location), "FLYWHEEL_API_TOKEN": token}
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            api_command(port), stdout=log, stderr=subprocess.STDOUT, env=environment
        )
        try:
            url = f"http://127.0.0.1:{port}"
            started = time.perf_counter()
            if not wait_for(process, f"{url}/openapi.json", 300):
                log.seek(0)
                raise SystemExit(f"flywheel serve did not come up: {log.read()[-2000:]!r}")
            print(
                f"  flywheel serve answered {time.perf_counter() - started:.2f} s after its start"
            )
            with httpx.Client(timeout=600) as client:
                yield url, client, token
        finally:
            stop(process)


def _prepared(first: int, last: int, actions: int) -> bytes:
    """Synthetic cities first … last-1 as N-Quads, as OxigraphStore.bulk_put writes them: each
    case graph, its triples again in the default graph (the union), its catalog entry with
    its kept rows."""
    quads: list[ox.Quad] = []
    for n in range(first, last):
        case = CaseGraph(case_iri(n), f"synthetic {n}", synthetic_case(n, actions, seed=n))
        case_quads = case.quads()
        quads.extend(case_quads)
        quads.extend(ox.Quad(q.subject, q.predicate, q.object) for q in case_quads)
        quads.extend(catalog_entry(case, case_quads))
    return ox.serialize(quads, format=ox.RdfFormat.N_QUADS) or b""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cities", type=int, default=1000)
    parser.add_argument("--actions", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--chunk", type=int, default=100)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument(
        "--keep",
        type=Path,
        help="build the stores in this folder and keep them; a later run "
        "with the same --keep, --cities and --actions reuses them (their write times then unknown) "
        "or, if this one was stopped, resumes its build",
    )
    parser.add_argument(
        "--live-repeat",
        type=int,
        help="runs of each question asked of the case graphs "
        "(default --repeat; 0: not asked, at 10,000 cities, where each takes minutes)",
    )
    args = parser.parse_args()
    live_repeat = args.repeat if args.live_repeat is None else args.live_repeat

    with tempfile.TemporaryDirectory(prefix="flywheel-results-") as scratch:
        folder = args.keep / f"{args.cities}-{args.actions}" if args.keep else Path(scratch)
        done = folder / "complete"
        written_file = folder / "written"  # cities written so far, when a build was stopped
        reuse = done.exists()
        written = int(written_file.read_text()) if written_file.exists() and not reuse else 0
        resumed = written
        location = folder / "store"
        store = OxigraphStore(location)
        if not reuse and not written:
            # the first chunk through the store's own bulk path (kept rows computed as each
            # case is written), next to raw bulk_extend of the same quads into another store
            cases = [
                CaseGraph(case_iri(n), f"synthetic {n}", synthetic_case(n, args.actions, seed=n))
                for n in range(min(args.chunk, args.cities))
            ]
            start = time.perf_counter()
            store.bulk_put(cases)
            kept_s = time.perf_counter() - start
            raw = ox.Store(str(Path(scratch) / "raw"))
            quads = [q for c in cases for q in c.quads()]
            start = time.perf_counter()
            raw.bulk_extend(quads)
            raw_s = time.perf_counter() - start
            del raw
            written = len(cases)
            store._store.flush()
            written_file.write_text(str(written))
        if not reuse:
            # the rest prepared as bulk_put prepares them (case graph, its copy in the union
            # default graph, catalog entry with kept rows) in --jobs processes, bulk-loaded; the
            # count written is noted after each chunk, so that a stopped build resumes
            start = time.perf_counter()
            ranges = [
                (first, min(first + args.chunk, args.cities), args.actions)
                for first in range(written, args.cities, args.chunk)
            ]
            context = multiprocessing.get_context("spawn")
            with ProcessPoolExecutor(args.jobs, mp_context=context) as pool:
                prepared = pool.map(_prepared, *zip(*ranges, strict=True)) if ranges else []
                for (_, last, _), data in zip(ranges, prepared, strict=True):
                    store._store.bulk_load(data, format=ox.RdfFormat.N_QUADS)
                    store._store.flush()
                    written_file.write_text(str(last))
                    print(f"  … {last:,} of {args.cities:,} cities written", flush=True)
            rest_s = time.perf_counter() - start
            # compacted before anything is timed (Store.optimize(), Oxigraph's advice after a
            # batch upload): uncompacted, the 10,000-city store read eleven times slower
            start = time.perf_counter()
            store._store.optimize()
            print(f"  compacted (Store.optimize()) in {time.perf_counter() - start:.1f} s")
            done.touch()
        print(f"{args.cities:,} synthetic cities ({args.actions} actions each)")
        if reuse:
            print(f"  store reused from {folder}")
        elif resumed:
            print(
                f"  build resumed at city {resumed:,}: the other {args.cities - resumed:,} "
                f"prepared in {args.jobs} processes and bulk-loaded: {rest_s:.1f} s"
            )
        else:
            print(
                f"  first {len(cases)}: write with kept rows (bulk_put) {kept_s:6.1f} s   raw "
                f"bulk_extend {raw_s:6.1f} s   ratio {kept_s / raw_s:5.1f}x\n"
                f"  the other {args.cities - len(cases):,} prepared in {args.jobs} processes and "
                f"bulk-loaded: {rest_s:.1f} s"
            )
        # the same files, asked through pyoxigraph alone
        reference = timed(lambda: list(store._store.query(REFERENCE)), args.repeat)
        print(f"  reference: one pattern over every graph (raw pyoxigraph) {reference:.3f} s")
        print(
            f"  {'question':32} {'kept rows':>10} {'case graphs':>12} {'speed-up':>9} "
            f"{'kept / reference':>17}"
        )

        def line(name: str, kept: float, graphs: Callable[[], object]) -> None:
            if not live_repeat:  # the case graphs not asked
                print(f"  {name:32} {kept:9.3f}s {'—':>12} {'—':>9} {kept / reference:16.1f}x")
                return
            asked = timed(graphs, live_repeat)
            print(
                f"  {name:32} {kept:9.3f}s {asked:11.3f}s {asked / kept:8.1f}x "
                f"{kept / reference:16.1f}x"
            )

        line(
            "compare",
            timed(lambda: compare(store), args.repeat),
            lambda: compare(store, stored_rows=False),
        )
        for query in stored_queries():
            if not query.key[:2].isdigit() or "." in query.key:
                continue
            values = {"case": "*"} if query.key.startswith("02-") else {}
            line(
                query.key,
                timed(lambda q=query.key, v=values: run_named(store, q, v), args.repeat),
                lambda q=query.key, v=values: run(store, q, v),
            )
        store.close()
        command = [
            sys.executable,
            "-m",
            "kg.cli",
            "compare",
            "--format",
            "csv",
            "--store",
            str(location),
        ]
        seconds, measured = _whole(command, args.repeat)
        print(
            f"  flywheel compare (whole command, kept rows) {seconds:.2f} s, peak "
            f"memory {measured.peak_tree_mb:,.0f} MB (each process's own peak, summed: "
            f"{measured.sum_of_peaks_mb:,.0f} MB)"
        )
        # every cross-city question as a user asks it (all of them kept)
        named = [q.key[:2] for q in stored_queries() if q.key[:2].isdigit() and "." not in q.key]
        for key in named:
            extra = ["-p", "case=*"] if key == "02" else []
            asked = [sys.executable, "-m", "kg.cli", "query", key, *extra, "--format", "csv"]
            seconds, ran = _whole([*asked, "--store", str(location)], args.repeat)
            print(
                f"  flywheel query {key} (whole command) {seconds:.2f} s, peak memory "
                f"{ran.peak_tree_mb:,.0f} MB, {ran.stdout.count(chr(10)) - 1:,} rows"
            )
        api_compare(location, args.repeat, args.cities - 1, args.actions)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  peak memory of this process {peak:,.0f} MB")


if __name__ == "__main__":
    main()
