"""Benchmark: flywheel on Virtuoso against the embedded store, at city scale, in one run.

Both stores hold the same synthetic cities (``flywheel synth``'s generator, cached as N-Quads as
bench/store.py caches them) and the bundled cases:

  load      embedded  OxigraphStore(folder).bulk_put(cases), in chunks of --chunk cities
            virtuoso  RemoteStore.put_cases(cases) through the Virtuoso dialect's update endpoint,
                      --batch cities per SPARQL update (one transaction each), as `flywheel load`
                      writes after validating (validation itself is left out on both sides);
                      then a checkpoint (isql-vt: `checkpoint;`), as after any large load
  query     every named query, each asked twice: for one synthetic city (``case`` bound, other
            parameters their defaults or a node of that city, as bench/store.py picks them) and,
            where it takes a case, for every case at once (``case=*``); first run checks that
            both stores give the same rows (by value), then the median of --repeat runs,
            alternating between the stores
  kept      each cross-city named query as `flywheel query` answers it, from the rows each case
            keeps (kg.store.results.run_named), on both stores: the same rows, and the time
  compare   kg.views.comparison.compare(store) over every city: the `flywheel compare` table

The Virtuoso server is started by tests/servers.py (a fresh database in --work-dir, page
buffers of --memory-mb), on 127.0.0.1, and started again on the same database once the cities
are loaded, as a server is after a large load (--no-restart: the queries go to the server that
loaded them, whose plans for some questions were far slower); it is stopped at the end.

    python bench/virtuoso.py                   # 1,000 cities
    python bench/virtuoso.py --cities 50       # a quick run
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import pyoxigraph as ox  # noqa: E402

from bench.store import (  # noqa: E402
    bindings_for,
    city_quads,
    ensure_cities,
    generator_key,
    make_city,
)
from kg import paths  # noqa: E402
from kg.rdf.read import read_cases  # noqa: E402
from kg.sparql.named import EVERY_CASE, bind, get_query, load_queries  # noqa: E402
from kg.store import CaseStore, OxigraphStore, StoreError, open_store  # noqa: E402
from kg.store.results import run_named, stored_queries  # noqa: E402
from kg.synth import case_iri  # noqa: E402
from kg.views.comparison import compare  # noqa: E402
from tests.servers import virtuoso_server, virtuoso_sql  # noqa: E402

NUMBERS = {
    "http://www.w3.org/2001/XMLSchema#" + t
    for t in ("integer", "decimal", "double", "float", "int", "long")
}


def value(term: object) -> tuple | None:
    """A result term by what it means (numbers by value, blank nodes alike), as
    tests/test_virtuoso.py compares them."""
    if term is None:
        return None
    if isinstance(term, ox.Literal):
        if term.datatype.value in NUMBERS:
            return ("number", Decimal(term.value))
        return ("literal", term.value, term.language, term.datatype.value)
    if isinstance(term, ox.BlankNode):
        return ("blank",)
    return ("iri", str(getattr(term, "value", term)))


def rows(store: CaseStore, text: str, bindings: dict) -> tuple[int, Counter]:
    result = store.query(text, bindings)
    found = Counter(tuple(value(r.get(v)) for v in result.variables) for r in result.rows)
    return len(result.rows), found


def timed(call: Callable[[], object]) -> float:
    start = time.perf_counter()
    call()
    return time.perf_counter() - start


def load(args: argparse.Namespace, cache: Path, embedded: OxigraphStore, remote: CaseStore) -> None:
    bundled = [case for path in paths.bundled_case_files() for case in read_cases(path)]
    numbers = list(range(1, args.cities + 1))
    spent = {"embedded": 0.0, "virtuoso": 0.0}
    for start in range(0, len(numbers), args.chunk):
        part = numbers[start : start + args.chunk]
        cities = [make_city(cache, n, args.actions, args.seed, city_quads(cache, n)) for n in part]
        spent["embedded"] += timed(lambda cities=cities: embedded.bulk_put(cities))
        for at in range(0, len(cities), args.batch):
            batch = cities[at : at + args.batch]
            spent["virtuoso"] += timed(lambda batch=batch: remote.put_cases(batch))
        print(f"  loaded {part[-1]:,} cities", end="\r", flush=True)
    spent["embedded"] += timed(lambda: embedded.put_cases(bundled))
    spent["virtuoso"] += timed(lambda: remote.put_cases(bundled))
    triples = sum(c.triples for c in embedded.cases())
    assert triples == sum(c.triples for c in remote.cases()), "the stores hold different cases"
    print(
        f"load: {args.cities:,} synthetic cities and the 3 bundled cases, {triples:,} triples: "
        f"embedded bulk_put {spent['embedded']:.1f} s, Virtuoso put_cases "
        f"({args.batch} cities per update) {spent['virtuoso']:.1f} s "
        f"({spent['virtuoso'] / spent['embedded']:.1f}x)"
    )


def bench_queries(args: argparse.Namespace, embedded: OxigraphStore, remote: CaseStore) -> list:
    city = case_iri(max(1, args.cities // 2))
    runs = []
    for query in load_queries().values():
        one, notes = bindings_for(query, city, embedded)
        label = query.name + (f" ({', '.join(notes)})" if notes else "")
        runs.append((label, query.text, one))
        if "case" in query.param_names:
            every = {v.value: t for v, t in bind(query, {"case": EVERY_CASE}).items()}
            runs.append((f"{query.name} case=*", query.text, every))
    figures = []
    print(f"\n{'query':<58} {'rows':>7} {'embedded':>10} {'Virtuoso':>10} {'ratio':>7}")
    for label, text, bindings in runs:
        if args.only and not re.search(args.only, label):
            continue
        count, expected = rows(embedded, text, bindings)
        try:
            _, got = rows(remote, text, bindings)
        except StoreError as error:
            figures.append((label, count, float("nan"), float("nan"), False, float("inf")))
            print(f"{label[:58]:<58} {count:>7,}  Virtuoso failed: {str(error)[:160]}")
            continue
        figures.append(
            _side_by_side(
                label,
                count,
                got == expected,
                lambda t=text, b=bindings: embedded.query(t, b),
                lambda t=text, b=bindings: remote.query(t, b),
                args.repeat,
            )
        )
    return figures


def _side_by_side(
    label: str,
    count: int,
    same: bool,
    ours: Callable[[], object],
    theirs: Callable[[], object],
    repeat: int,
) -> tuple:
    """One run's figures, printed as a line: the median of ``repeat`` timings of each store,
    the stores taking turns; (label, rows, embedded s, Virtuoso s, same rows, ratio)."""
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(repeat):
        times[0].append(timed(ours))
        times[1].append(timed(theirs))
    a, b = statistics.median(times[0]), statistics.median(times[1])
    mark = "" if same else "  ROWS DIFFER"
    print(
        f"{label[:58]:<58} {count:>7,} {a * 1000:>8.0f}ms {b * 1000:>8.0f}ms {b / a:>6.2f}x{mark}",
        flush=True,
    )
    return label, count, a, b, same, b / a


def bench_kept(args: argparse.Namespace, embedded: OxigraphStore, remote: CaseStore) -> list:
    """The cross-city named queries as `flywheel query` and the API answer them: from the rows
    each case keeps (kg.store.results.run_named), on both stores, checked to be the same rows."""
    figures = []
    print(
        f"\n{'kept rows of every case (run_named)':<58} {'rows':>7} {'embedded':>10} "
        f"{'Virtuoso':>10} {'ratio':>7}"
    )
    for query in stored_queries():
        if not query.key[:2].isdigit() or "." in query.key:
            continue
        values = {"case": EVERY_CASE} if "case" in get_query(query.key).param_names else {}
        expected = run_named(embedded, query.key, values)
        figures.append(
            _side_by_side(
                f"{query.key} (kept)",
                len(expected),
                run_named(remote, query.key, values) == expected,
                lambda k=query.key, v=values: run_named(embedded, k, v),
                lambda k=query.key, v=values: run_named(remote, k, v),
                args.repeat,
            )
        )
    return figures


def bench_compare(args: argparse.Namespace, embedded: OxigraphStore, remote: CaseStore) -> tuple:
    table = compare(embedded)
    same = compare(remote) == table
    ours = [timed(lambda: compare(embedded)) for _ in range(args.repeat)]
    theirs = [timed(lambda: compare(remote)) for _ in range(args.repeat)]
    a, b = statistics.median(ours), statistics.median(theirs)
    print(
        f"\ncompare (every city, {len(table):,} rows): embedded {a:.2f} s, Virtuoso {b:.2f} s "
        f"({b / a:.2f}x){'' if same else '  ROWS DIFFER'}"
    )
    return a, b, same


def _asked(
    args: argparse.Namespace, work: Path, embedded: OxigraphStore, config: Path
) -> tuple[list, list, tuple]:
    """The query, kept-row and compare runs against the Virtuoso of ``config``, after a
    checkpoint (unless --no-checkpoint)."""
    remote = open_store(config)
    try:
        if not args.no_checkpoint:
            # as after any large load: Virtuoso plans the queries from the statistics a
            # checkpoint leaves (without one, question 20 took 47 s instead of 1.3 s)
            spent = timed(lambda: virtuoso_sql(work / "virtuoso", "checkpoint;\n"))
            print(f"Virtuoso checkpoint: {spent:.1f} s")
        return (
            bench_queries(args, embedded, remote),
            bench_kept(args, embedded, remote),
            bench_compare(args, embedded, remote),
        )
    finally:
        remote.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cities", type=int, default=1000)
    parser.add_argument("--actions", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--chunk", type=int, default=100, help="cities per bulk_put")
    parser.add_argument("--batch", type=int, default=10, help="cities per Virtuoso update")
    parser.add_argument("--memory-mb", type=int, default=2000, help="Virtuoso's page buffers")
    parser.add_argument(
        "--cache-dir", type=Path, default=Path(tempfile.gettempdir()) / "flywheel-bench"
    )
    parser.add_argument("--work-dir", type=Path, default=None, help="default: a temporary folder")
    parser.add_argument(
        "--loaded", action="store_true", help="the --work-dir's stores hold the cities already"
    )
    parser.add_argument("--only", default="", help="only the query runs whose label matches")
    parser.add_argument(
        "--no-checkpoint", action="store_true", help="query Virtuoso without a checkpoint first"
    )
    parser.add_argument(
        "--no-restart",
        action="store_true",
        help="query the Virtuoso that loaded the cities (by default it is started again first)",
    )
    parser.add_argument("--timeout", type=float, default=900, help="seconds per Virtuoso query")
    args = parser.parse_args()
    os.environ["FLYWHEEL_REMOTE_TIMEOUT"] = str(args.timeout)
    cache = args.cache_dir / generator_key(args.actions, args.seed)
    print(ensure_cities(cache, args.cities, args.actions, args.seed, workers=2))
    work = args.work_dir or Path(tempfile.mkdtemp(prefix="flywheel-virtuoso-"))
    try:
        embedded = OxigraphStore(work / "embedded")
        try:
            if not args.loaded:
                with virtuoso_server(work / "virtuoso", memory_mb=args.memory_mb) as (url, config):
                    print(f"Virtuoso at {url} ({config}), page buffers {args.memory_mb} MB")
                    remote = open_store(config)
                    try:
                        load(args, cache, embedded, remote)
                    finally:
                        remote.close()
                    if args.no_restart:
                        figures, kept, compared = _asked(args, work, embedded, config)
            if args.loaded or not args.no_restart:
                # a server started on the loaded database: right after loading 1,000 cities
                # through SPARQL updates (a checkpoint made or not), Virtuoso planned question 20
                # across cities into 25.8 s; started again on the same database, 1.8-2.3 s
                with virtuoso_server(work / "virtuoso", memory_mb=args.memory_mb) as (url, config):
                    print(f"Virtuoso started again at {url}, page buffers {args.memory_mb} MB")
                    figures, kept, compared = _asked(args, work, embedded, config)
        finally:
            embedded.close()
    finally:
        if args.work_dir is None:
            shutil.rmtree(work, ignore_errors=True)
    ratios = sorted(f[-1] for f in figures)
    slow = [(f[0], f[-1]) for f in figures if f[-1] > 3]
    differ = [f[0] for f in (*figures, *kept) if not f[4]]
    kept_ratios = sorted(f[-1] for f in kept)
    print(
        f"\n{len(kept)} cross-city questions from the kept rows: Virtuoso/embedded median "
        f"{statistics.median(kept_ratios):.2f}x, range {kept_ratios[0]:.2f}-{kept_ratios[-1]:.2f}x"
    )
    print(
        f"\n{len(figures)} query runs: Virtuoso/embedded median {statistics.median(ratios):.2f}x, "
        f"range {ratios[0]:.2f}-{ratios[-1]:.2f}x; more than 3x: "
        + (", ".join(f"{label} {r:.1f}x" for label, r in slow) or "none")
        + f"; compare {compared[1] / compared[0]:.2f}x; rows differ: "
        + (
            ", ".join(differ) + ("" if compared[2] else ", compare")
            if differ or not compared[2]
            else "none"
        )
    )


if __name__ == "__main__":
    main()
