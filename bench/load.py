"""Load test: 64 clients for 60 s against the HTTP API while a writer replaces cases, bounded and
on loopback only.

  data      --cities synthetic cities (kg.synth) plus the bundled cases, in an on-disk store
            (built by bench/api.py's build_store); served by `flywheel serve` bound to
            127.0.0.1 only, with a random write token
  readers   --clients concurrent clients (one asyncio process, httpx, keep-alive), each sending
            a random mix: GET /cases, /cases/{id}/timeline, /cases/{id}/flywheel, /compare,
            POST /sparql (named query 02 for a city), and reads of the replaced cases
            (GET /cases/{id}/graph as N-Triples, a SPARQL count of the case graph with its
            markers and its catalog entry)
  writer    one client replacing --replace cases over and over (PUT /cases/{id}?force=true with
            the token), alternating two versions of each: version A and version B carry a marker
            on every node (rdfs:comment) and in every label of the case's own nodes, and B has
            40 more nodes, so the versions differ in content and in size

Every answer about a replaced case is checked: one version only (the markers of one version;
for the graph and the SPARQL count also that version's triple count, and the catalog's count
agreeing with it). Printed: requests served, p50/p99 latency (all and per kind), errors by
status (target: no 5xx), inconsistent reads (target: none), writes done, and the server's peak
memory (VmHWM of the server process and of each of its query worker processes, from /proc).

    python bench/load.py                      # 64 clients, 60 s, 50 cities
    python bench/load.py --seconds 10 --clients 16 --cities 10   # a quick run
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pyoxigraph as ox

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.api import build_store, wait_until_up
from kg.sparql.check import substitute_terms
from kg.sparql.named import get_query
from tests.servers import api_command, free_port

REPO = Path(__file__).resolve().parent.parent
CATALOG = "https://w3id.org/dataflywheel/catalog"
COMMENT = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#comment")
LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
MARKER = re.compile(r"\[v:(?P<case>[A-Za-z0-9._~-]+):(?P<version>[AB])\]")
EXTRA_NODES = 40


# --- the two versions of a replaced case -------------------------------------------------------


@dataclass
class Replaced:
    """A case the writer replaces: its id, IRI, the two versions and their triple counts."""

    id: str
    iri: str
    bodies: dict[str, bytes]
    sizes: dict[str, int]


def versions(case_id: str, iri: str, ntriples: bytes) -> Replaced:
    """Versions A and B of a case graph: a marker literal on every node and in every label of
    the case's own nodes; B with EXTRA_NODES more nodes."""
    triples = [t for t in ox.parse(ntriples, format=ox.RdfFormat.N_TRIPLES)]
    bodies, sizes = {}, {}
    for version, extra in (("A", 0), ("B", EXTRA_NODES)):
        tag = f"[v:{case_id}:{version}]"
        body = set()
        for t in triples:
            own = isinstance(t.subject, ox.NamedNode) and t.subject.value.startswith(iri)
            if own and t.predicate == LABEL and isinstance(t.object, ox.Literal):
                label = ox.Literal(f"{t.object.value} {tag}", language=t.object.language or None)
                body.add(ox.Triple(t.subject, LABEL, label))
            else:
                body.add(t)
        for number in range(extra):
            node = ox.NamedNode(f"{iri}/load-extra-{number}")
            body.add(ox.Triple(node, LABEL, ox.Literal(f"extra {number} {tag}", language="en")))
        body |= {ox.Triple(t.subject, COMMENT, ox.Literal(tag)) for t in list(body)}
        bodies[version] = ox.serialize(sorted(body, key=str), format=ox.RdfFormat.N_TRIPLES)
        sizes[version] = len(body)
    return Replaced(case_id, iri, bodies, sizes)


def markers(text: str) -> dict[str, set[str]]:
    """The versions each replaced case shows in an answer, by case id."""
    found: dict[str, set[str]] = defaultdict(set)
    for match in MARKER.finditer(text):
        found[match.group("case")].add(match.group("version"))
    return found


def count_query(iri: str) -> str:
    """One SPARQL query (one snapshot): the case graph's size, its markers, its catalog count."""
    return f"""
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX void: <http://rdfs.org/ns/void#>
SELECT ?n ?m ?catalog WHERE {{
  {{ SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{iri}> {{ ?s ?p ?o }} }} }}
  {{ SELECT DISTINCT ?m WHERE {{
       GRAPH <{iri}> {{ ?x rdfs:comment ?m FILTER(STRSTARTS(STR(?m), "[v:")) }} }} }}
  OPTIONAL {{ GRAPH <{CATALOG}> {{ <{iri}> void:triples ?catalog }} }}
}}"""


# --- checks of answers -------------------------------------------------------------------------


def check_any(text: str, replaced: dict[str, Replaced]) -> str | None:
    """Any answer: no replaced case shows two versions."""
    for case, seen in markers(text).items():
        if len(seen) > 1:
            return f"case {case} shows versions {sorted(seen)} in one answer"
    return None


def check_graph(data: bytes, case: Replaced) -> str | None:
    triples = list(ox.parse(data, format=ox.RdfFormat.N_TRIPLES))
    seen = markers(" ".join(t.object.value for t in triples if t.predicate == COMMENT))
    versions_seen = seen.get(case.id, set())
    if len(versions_seen) != 1:
        return f"graph of {case.id}: versions {sorted(versions_seen)}"
    version = versions_seen.pop()
    if len(triples) != case.sizes[version]:
        return f"graph of {case.id}: version {version} with {len(triples)} triples"
    return None


def check_count(answer: dict, case: Replaced) -> str | None:
    rows = answer["results"]["bindings"]
    seen = {m for b in rows for m in markers(b["m"]["value"]).get(case.id, set())}
    if len(seen) != 1 or len(rows) != 1:
        return f"count of {case.id}: versions {sorted(seen)} in {len(rows)} rows"
    version = seen.pop()
    graph = int(rows[0]["n"]["value"])
    catalog = int(rows[0]["catalog"]["value"]) if "catalog" in rows[0] else None
    if graph != case.sizes[version] or catalog != graph:
        return f"count of {case.id}: version {version}, graph {graph}, catalog {catalog}"
    return None


def check_catalog(answer: dict, replaced: dict[str, Replaced]) -> str | None:
    for entry in answer["cases"]:
        case = replaced.get(entry["id"])
        if case and entry["triples"] not in case.sizes.values():
            return f"catalog of {case.id}: {entry['triples']} triples, neither version"
    return None


# --- the run -----------------------------------------------------------------------------------


@dataclass
class Tally:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: Counter = field(default_factory=Counter)
    checked: int = 0
    inconsistent: list[str] = field(default_factory=list)
    writes: Counter = field(default_factory=Counter)
    write_latencies: list[float] = field(default_factory=list)


Check = Callable[[httpx.Response], str | None]
Request = tuple[str, str, str, dict[str, str], bytes | None, Check | None]


def request_mix(base: str, iris: dict[str, str], replaced: dict[str, Replaced]):
    """A function giving one random request: (kind, method, url, headers, body, check)."""
    timeline = get_query("02").text
    ids = list(iris)
    names = list(replaced)

    def pick(rng: random.Random) -> str:
        return rng.choice(names) if rng.random() < 0.3 else rng.choice(ids)

    def any_answer(answer: httpx.Response) -> str | None:
        return check_any(answer.text, replaced)

    def make(rng: random.Random) -> Request:
        roll = rng.random()
        if roll < 0.12:
            return (
                "cases",
                "GET",
                f"{base}/cases",
                {},
                None,
                lambda a: check_catalog(a.json(), replaced),
            )
        if roll < 0.32:
            return ("timeline", "GET", f"{base}/cases/{pick(rng)}/timeline", {}, None, any_answer)
        if roll < 0.52:
            return ("flywheel", "GET", f"{base}/cases/{pick(rng)}/flywheel", {}, None, any_answer)
        if roll < 0.62:
            chosen = "&".join(f"case={pick(rng)}" for _ in range(3))
            return ("compare", "GET", f"{base}/compare?{chosen}", {}, None, any_answer)
        if roll < 0.82:
            text = substitute_terms(timeline, {"case": ox.NamedNode(iris[pick(rng)])})
            headers = {
                "Content-Type": "application/sparql-query",
                "Accept": "application/sparql-results+json",
            }
            return ("sparql 02", "POST", f"{base}/sparql", headers, text.encode(), any_answer)
        case = replaced[rng.choice(names)]
        if roll < 0.91:
            return (
                "graph (replaced)",
                "GET",
                f"{base}/cases/{case.id}/graph",
                {"Accept": "application/n-triples"},
                None,
                lambda a: check_graph(a.content, case),
            )
        headers = {
            "Content-Type": "application/sparql-query",
            "Accept": "application/sparql-results+json",
        }
        return (
            "sparql count (replaced)",
            "POST",
            f"{base}/sparql",
            headers,
            count_query(case.iri).encode(),
            lambda a: check_count(a.json(), case),
        )

    return make


async def run_load(
    base: str,
    token: str,
    iris: dict[str, str],
    replaced: dict[str, Replaced],
    clients: int,
    seconds: float,
) -> Tally:
    tally = Tally()
    make = request_mix(base, iris, replaced)
    limits = httpx.Limits(max_connections=clients + 1, max_keepalive_connections=clients + 1)
    async with httpx.AsyncClient(limits=limits, timeout=120) as client:
        until = time.monotonic() + seconds

        async def reader(seed: int) -> None:
            rng = random.Random(seed)
            while time.monotonic() < until:
                kind, method, url, headers, body, check = make(rng)
                started = time.monotonic()
                try:
                    answer = await client.request(method, url, headers=headers, content=body)
                    await answer.aread()
                    status = answer.status_code
                except httpx.HTTPError:
                    answer, status = None, -1
                tally.latencies[kind].append(time.monotonic() - started)
                tally.statuses[status] += 1
                if status == 200 and check is not None:
                    tally.checked += 1
                    problem = check(answer)
                    if problem:
                        tally.inconsistent.append(problem)

        async def writer() -> None:
            number = 1  # version A is in place; B next
            headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/n-triples"}
            while time.monotonic() < until:
                for case in replaced.values():
                    version = "AB"[number % 2]
                    started = time.monotonic()
                    answer = await client.put(
                        f"{base}/cases/{case.id}?force=true",
                        content=case.bodies[version],
                        headers=headers,
                    )
                    tally.write_latencies.append(time.monotonic() - started)
                    tally.writes[answer.status_code] += 1
                number += 1

        await asyncio.gather(writer(), *(reader(100 + i) for i in range(clients)))
    return tally


# --- the server's memory -----------------------------------------------------------------------


def _status(pid: int, key: str) -> int | None:
    """A ``/proc/<pid>/status`` field in kB (None when the process is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except (OSError, ValueError):
        return None
    return None


def _tree(pid: int) -> list[int]:
    """The process and all its descendants."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*"):
            with contextlib.suppress(OSError):
                todo += [int(c) for c in (task / "children").read_text().split()]
    return found


class MemoryWatch:
    """Samples the server's process tree: each process's VmHWM (its own peak) and the peak of
    the tree's summed VmRSS."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.hwm: dict[int, int] = {}
        self.names: dict[int, str] = {}
        self.peak_sum = 0

    def sample(self) -> None:
        total = 0
        for pid in _tree(self.pid):
            hwm, rss = _status(pid, "VmHWM"), _status(pid, "VmRSS")
            if hwm is None or rss is None:
                continue
            self.hwm[pid] = max(self.hwm.get(pid, 0), hwm)
            if pid not in self.names:
                try:
                    cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
                    self.names[pid] = cmd.decode(errors="replace")[:60]
                except OSError:
                    self.names[pid] = "?"
            total += rss
        self.peak_sum = max(self.peak_sum, total)

    async def watch(self, until: float) -> None:
        while time.monotonic() < until:
            self.sample()
            await asyncio.sleep(0.25)


# --- main --------------------------------------------------------------------------------------


def _ms(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000


async def _main(args: argparse.Namespace, base: str, token: str, process) -> int:
    async with httpx.AsyncClient(timeout=120) as client:
        cases = (await client.get(f"{base}/cases")).json()["cases"]
        iris = {c["id"]: c["iri"] for c in cases}
        chosen = [c for c in cases if c["id"] in ("hangzhou",)]
        chosen += [c for c in cases if c["synthetic"]][: max(0, args.replace - len(chosen))]
        replaced = {}
        for case in chosen:
            graph = await client.get(
                f"{base}/cases/{case['id']}/graph", headers={"Accept": "application/n-triples"}
            )
            replaced[case["id"]] = versions(case["id"], case["iri"], graph.content)
            put = await client.put(
                f"{base}/cases/{case['id']}?force=true",
                content=replaced[case["id"]].bodies["A"],
                headers={
                    "Authorization": f"Bearer {token}",
                    "Content-Type": "application/n-triples",
                },
            )
            if put.status_code not in (200, 201):
                raise SystemExit(f"could not put {case['id']}: {put.status_code} {put.text[:500]}")
    print(
        "replaced by the writer: "
        + ", ".join(f"{c.id} ({c.sizes['A']}/{c.sizes['B']} triples)" for c in replaced.values())
    )
    watch = MemoryWatch(process.pid)
    started = time.monotonic()
    memory = asyncio.ensure_future(watch.watch(started + args.seconds + 1))
    tally = await run_load(base, token, iris, replaced, args.clients, args.seconds)
    elapsed = time.monotonic() - started
    await memory
    watch.sample()
    return report(tally, watch, elapsed)


def report(tally: Tally, watch: MemoryWatch, elapsed: float) -> int:
    every = [x for values in tally.latencies.values() for x in values]
    served = tally.statuses.get(200, 0)
    errors = {k: v for k, v in tally.statuses.items() if k != 200}
    server_errors = sum(v for k, v in errors.items() if k >= 500 or k < 0)
    print(f"\nrequests served (200): {served:,} in {elapsed:.1f} s ({served / elapsed:.1f}/s)")
    print(f"latency: p50 {_ms(every, 50):.1f} ms, p99 {_ms(every, 99):.1f} ms")
    for kind, values in sorted(tally.latencies.items()):
        print(
            f"  {kind:<26}{len(values):>8,}  p50 {_ms(values, 50):>8.1f} ms"
            f"  p99 {_ms(values, 99):>8.1f} ms"
        )
    shown = ", ".join(f"{k}: {v}" for k, v in sorted(errors.items())) or "none"
    print(f"errors by status: {shown} (5xx or no answer: {server_errors}; target 0)")
    print(
        f"writes: {sum(tally.writes.values())} "
        f"({', '.join(f'{k}: {v}' for k, v in sorted(tally.writes.items()))}), "
        f"p50 {_ms(tally.write_latencies, 50):.0f} ms, p99 {_ms(tally.write_latencies, 99):.0f} ms"
    )
    print(f"inconsistent reads: {len(tally.inconsistent)} of {tally.checked:,} checked (target 0)")
    for problem in tally.inconsistent[:10]:
        print(f"  {problem}")
    main_hwm = watch.hwm.get(watch.pid, 0)
    children = {p: v for p, v in watch.hwm.items() if p != watch.pid}
    print(
        f"server peak memory: server process {main_hwm / 1024:.0f} MiB (VmHWM); "
        f"{len(children)} child processes seen, largest {max(children.values(), default=0) / 1024:.0f}"
        f" MiB, sum of per-process peaks {sum(watch.hwm.values()) / 1024:.0f} MiB; "
        f"peak of the tree's summed RSS {watch.peak_sum / 1024:.0f} MiB"
    )
    ok = server_errors == 0 and not tally.inconsistent and not tally.writes.keys() - {200, 201}
    return 0 if ok else 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cities", type=int, default=50, help="synthetic cities (default 50)")
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--replace", type=int, default=3, help="cases the writer replaces")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--deadline", type=float, default=30.0)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="flywheel-bench-load-"))
    process = None
    try:
        started = time.monotonic()
        iris = build_store(work / "store", args.cities)
        port, token = free_port(), secrets.token_urlsafe(24)
        print(
            f"data: {len(iris)} cases ({args.cities} synthetic + bundled), built in "
            f"{time.monotonic() - started:.1f} s; {args.clients} clients for {args.seconds:g} s; "
            f"{args.workers} query workers; {os.cpu_count()} cores; server on 127.0.0.1:{port}"
        )
        env = {
            **os.environ,
            "FLYWHEEL_STORE": str(work / "store"),
            "FLYWHEEL_API_TOKEN": token,
            "FLYWHEEL_WORKERS": str(args.workers),
            "FLYWHEEL_DEADLINE": str(args.deadline),
            "FLYWHEEL_MAX_WAITING": str(2 * args.clients + 8),  # every client may wait
            "PYTHONPATH": str(REPO),
        }
        log = (work / "server.log").open("wb")
        process = subprocess.Popen(
            api_command(port),  # loopback only
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=REPO,
        )
        base = f"http://127.0.0.1:{port}"
        wait_until_up(process, f"{base}/health")
        code = asyncio.run(_main(args, base, token, process))
        server_log = (work / "server.log").read_text(errors="replace")
        if token in server_log:
            print("the token appears in the server's log!")
            code = 1
        tracebacks = server_log.count("Traceback")
        print(f"server log: {len(server_log.splitlines())} lines, {tracebacks} tracebacks")
    finally:
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        shutil.rmtree(work, ignore_errors=True)
    raise SystemExit(code)


if __name__ == "__main__":
    main()
