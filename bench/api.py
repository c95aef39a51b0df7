"""Benchmark: the HTTP API under 32 concurrent clients, next to Oxigraph server on the same data
in the same run.

  data      --cities synthetic cities (kg.synth, their own IRI space) plus the bundled cases, in
            an on-disk store; a copy of the folder is served by each server
  sparql    two named queries sent as SPARQL text (POST application/sparql-query, JSON results):
            02 stage timeline of a random city (its parameter bound by a VALUES block) and
            16 which cities closed the loop (across all cities)
            flywheel  POST /sparql of `flywheel serve` (uvicorn, --workers query processes)
            oxigraph  POST /query of `oxigraph serve` over a copy of the same store
  rest      GET /cases/{id}/timeline and GET /cases/{id}/flywheel of a random city (flywheel
            only: Oxigraph has no such routes)

Each phase runs --clients concurrent clients (one asyncio process, httpx, keep-alive) for
--seconds after a short warm-up; the SPARQL phases alternate flywheel/oxigraph for --rounds
rounds and are summed. Printed: requests served, throughput, p50/p99 latency, non-200 answers,
and the ratios flywheel/oxigraph. Targets (issue 4): throughput ≥ 0.67x Oxigraph server's, p99
under 3x its p99.

    python bench/api.py                  # 100 cities, about 3 minutes
    python bench/api.py --cities 20 --seconds 5 --rounds 1   # a quick run
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from kg.paths import bundled_case_files  # noqa: E402
from kg.rdf.read import CaseGraph  # noqa: E402
from kg.sparql.check import substitute_terms  # noqa: E402
from kg.sparql.named import get_query  # noqa: E402
from kg.store import OxigraphStore  # noqa: E402
from kg.store.loading import load_files  # noqa: E402
from kg.synth import case_iri, synthetic_case  # noqa: E402
from tests.servers import api_command, free_port, wait_for  # noqa: E402


def wait_until_up(process: subprocess.Popen, probe: str, seconds: float = 120) -> None:
    if not wait_for(process, probe, seconds):
        raise SystemExit(f"the server did not answer {probe} (see the servers' log)")


def build_store(folder: Path, cities: int) -> list[str]:
    """The synthetic cities and the bundled cases in an on-disk store; returns the case IRIs."""
    iris = []
    with OxigraphStore(folder) as store:
        load_files(store, bundled_case_files())
        batch = []
        for number in range(cities):
            batch.append(CaseGraph(case_iri(number), f"synthetic-{number}", synthetic_case(number)))
            iris.append(case_iri(number))
            if len(batch) == 25:
                store.bulk_put(batch)
                batch = []
        if batch:
            store.bulk_put(batch)
        iris += [info.iri for info in store.cases() if info.iri not in iris]
    return iris


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    seconds: float = 0.0

    def add(self, other: Tally) -> None:
        self.latencies += other.latencies
        for status, count in other.statuses.items():
            self.statuses[status] = self.statuses.get(status, 0) + count
        self.seconds += other.seconds

    @property
    def served(self) -> int:
        return self.statuses.get(200, 0)

    @property
    def throughput(self) -> float:
        return self.served / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]

    def errors(self) -> str:
        bad = {k: v for k, v in self.statuses.items() if k != 200}
        return ", ".join(f"{k}: {v}" for k, v in sorted(bad.items())) or "none"


Request = tuple[str, str, dict[str, str], bytes | None]  # method, url, headers, body


async def hammer(make_request, clients: int, seconds: float, warmup: float) -> Tally:
    """``clients`` concurrent loops sending ``make_request(rng)`` for ``seconds``."""
    tally = Tally()
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(limits=limits, timeout=120) as client:

        async def loop(seed: int, until: float, record: bool) -> None:
            rng = random.Random(seed)
            while time.monotonic() < until:
                method, url, headers, body = make_request(rng)
                started = time.monotonic()
                try:
                    answer = await client.request(method, url, headers=headers, content=body)
                    await answer.aread()
                    status = answer.status_code
                except httpx.HTTPError:
                    status = -1
                if record:
                    tally.latencies.append(time.monotonic() - started)
                    tally.statuses[status] = tally.statuses.get(status, 0) + 1

        until = time.monotonic() + warmup
        await asyncio.gather(*(loop(i, until, False) for i in range(clients)))
        started = time.monotonic()
        until = started + seconds
        await asyncio.gather(*(loop(100 + i, until, True) for i in range(clients)))
        tally.seconds = time.monotonic() - started
    return tally


def sparql_requests(iris: list[str], endpoint: str):
    timeline = get_query("02").text
    loop_closed = get_query("16").text
    import pyoxigraph as ox

    def make(rng: random.Random) -> Request:
        if rng.random() < 0.5:
            text = substitute_terms(timeline, {"case": ox.NamedNode(rng.choice(iris))})
        else:
            text = loop_closed
        headers = {
            "Content-Type": "application/sparql-query",
            "Accept": "application/sparql-results+json",
        }
        return "POST", endpoint, headers, text.encode("utf-8")

    return make


def rest_requests(iris: list[str], base: str):
    ids = [iri.rstrip("/").rsplit("/", 1)[-1] for iri in iris]

    def make(rng: random.Random) -> Request:
        kind = rng.choice(("timeline", "flywheel"))
        return "GET", f"{base}/cases/{rng.choice(ids)}/{kind}", {"Accept": "application/json"}, None

    return make


def row(name: str, tally: Tally) -> str:
    return (
        f"  {name:<34}{tally.served:>9,}{tally.throughput:>10.1f}"
        f"{tally.percentile(50) * 1000:>10.1f}{tally.percentile(99) * 1000:>10.1f}   {tally.errors()}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cities", type=int, default=100)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="flywheel-bench-api-"))
    processes: list[subprocess.Popen] = []
    try:
        started = time.monotonic()
        iris = build_store(work / "ours", args.cities)
        shutil.copytree(work / "ours", work / "theirs")
        print(
            f"data: {len(iris)} cases ({args.cities} synthetic + bundled), built in "
            f"{time.monotonic() - started:.1f} s; {args.clients} clients; "
            f"{args.workers} flywheel query workers; {os.cpu_count()} cores"
        )

        ours_port, theirs_port = free_port(), free_port()
        env = {
            **os.environ,
            "FLYWHEEL_STORE": str(work / "ours"),
            "FLYWHEEL_WORKERS": str(args.workers),
            "PYTHONPATH": str(REPO),
        }
        log = (work / "servers.log").open("wb")
        processes.append(
            subprocess.Popen(
                api_command(ours_port),
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=REPO,
            )
        )
        oxigraph = Path(sys.executable).parent / "oxigraph"
        processes.append(
            subprocess.Popen(
                [
                    str(oxigraph if oxigraph.exists() else "oxigraph"),
                    "serve",
                    "--location",
                    str(work / "theirs"),
                    "--bind",
                    f"127.0.0.1:{theirs_port}",
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        )
        ours = f"http://127.0.0.1:{ours_port}"
        theirs = f"http://127.0.0.1:{theirs_port}"
        wait_until_up(processes[0], f"{ours}/openapi.json")
        wait_until_up(processes[1], f"{theirs}/query?query=ASK%7B%7D")

        ours_sparql, theirs_sparql = Tally(), Tally()
        for _ in range(args.rounds):
            ours_sparql.add(
                asyncio.run(
                    hammer(
                        sparql_requests(iris, f"{ours}/sparql"),
                        args.clients,
                        args.seconds,
                        args.warmup,
                    )
                )
            )
            theirs_sparql.add(
                asyncio.run(
                    hammer(
                        sparql_requests(iris, f"{theirs}/query"),
                        args.clients,
                        args.seconds,
                        args.warmup,
                    )
                )
            )
        rest = asyncio.run(
            hammer(rest_requests(iris, ours), args.clients, args.seconds, args.warmup)
        )

        print(f"\n  {'':<34}{'requests':>9}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}   non-200")
        print(row("flywheel /sparql (Q2 + Q16)", ours_sparql))
        print(row("oxigraph serve /query (same)", theirs_sparql))
        print(row("flywheel REST timeline+flywheel", rest))
        throughput = ours_sparql.throughput / theirs_sparql.throughput
        p99 = ours_sparql.percentile(99) / theirs_sparql.percentile(99)
        print(
            f"\n  throughput flywheel/oxigraph {throughput:.2f}x (target ≥ 0.67x: "
            f"{'met' if throughput >= 0.67 else 'NOT met'})"
        )
        print(
            f"  p99 flywheel/oxigraph        {p99:.2f}x (target < 3x: {'met' if p99 < 3 else 'NOT met'})"
        )
    finally:
        for process in processes:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
