"""How deep pyoxigraph goes before a query exhausts its stack, against flywheel's limits.

    python bench/query_depth.py [--cap 65536] [construct …]

For each construct (nested parentheses, groups, function calls, EXISTS; chains of '+', UNIONs,
MINUS, triple patterns), the depth n is doubled, then halved back, until the first n whose query
crashes a fresh process (a segfault, exit -11) is found within 2 %. Each run is a subprocess
running the query on a thread with a given stack: the usual 8 MiB of a main thread (the
baseline: what a query met before flywheel gave it its own stack), then the stack of a flywheel
query worker (kg.store.workers.stack_bytes, 256 MiB with the default memory limit). Prints both crash
depths, flywheel's limit for that kind (kg.limits.MAX_QUERY_DEPTH for nesting, MAX_QUERY_CHAIN for
chains) and the worker's margin (crash depth / limit). A query too slow to finish in 60 s counts
as not crashing. Takes a quarter of an hour.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from collections.abc import Callable

from kg import limits
from kg.store.workers import stack_bytes

CHILD = r"""
import sys, threading, pyoxigraph as ox
text = sys.stdin.read()
def run():
    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode("urn:a"), ox.NamedNode("urn:p"), ox.Literal("1")))
    try:
        result = store.query(text)
        list(result) if not isinstance(result, ox.QueryBoolean) else bool(result)
    except Exception:
        pass
threading.stack_size(int(sys.argv[1]))
thread = threading.Thread(target=run)
thread.start()
thread.join()
"""

NESTED: dict[str, Callable[[int], str]] = {
    "parentheses": lambda n: "SELECT * WHERE { FILTER(" + "(" * n + "1" + ")" * n + ") }",
    "groups": lambda n: "SELECT * WHERE " + "{" * n + "}" * n,
    "function calls": lambda n: (
        "SELECT * WHERE { FILTER(" + "CONCAT(" * n + "'a'" + ")" * n + ") }"
    ),
    "EXISTS": lambda n: "SELECT * WHERE { " + "FILTER EXISTS { " * n + "}" * n + " }",
}
CHAINED: dict[str, Callable[[int], str]] = {
    "'+'": lambda n: "SELECT * WHERE { FILTER(" + "+".join(["1"] * n) + ") }",
    "UNION": lambda n: "SELECT * WHERE { " + " UNION ".join(["{}"] * n) + " }",
    "MINUS": lambda n: "SELECT * WHERE { " + " ".join(["MINUS {}"] * n) + " }",
    "triple patterns": lambda n: (
        "SELECT * WHERE { " + " ".join(f"?s <urn:p> ?o{i} ." for i in range(n)) + " }"
    ),
}


def crashes(query: str, stack: int) -> bool:
    try:
        done = subprocess.run(
            [sys.executable, "-c", CHILD, str(stack)],
            input=query,
            capture_output=True,
            text=True,
            timeout=60,
        )
    except subprocess.TimeoutExpired:
        return False
    return done.returncode < 0


def crash_depth(build: Callable[[int], str], stack: int, cap: int) -> int | None:
    """The least n (within 2 %) whose query crashes, or None up to ``cap``."""
    low, n = 0, 64
    while n <= cap and not crashes(build(n), stack):
        low, n = n, n * 2
    if n > cap:
        return None
    high = n
    while high - low > max(1, low // 50):
        middle = (low + high) // 2
        low, high = (low, middle) if crashes(build(middle), stack) else (middle, high)
    return high


def shown(depth: int | None, cap: int) -> str:
    return f"{depth:>8,}" if depth is not None else f"> {cap:>6,}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cap", type=int, default=65536)
    parser.add_argument("only", nargs="*")
    options = parser.parse_args()
    usual, worker = 8 * 1024 * 1024, stack_bytes(limits.worker_memory_bytes())
    print(f"crash depth on an 8 MiB stack (baseline) and on a worker's {worker >> 20} MiB stack")
    print(f"{'construct':16} {'8 MiB':>8}  {'worker':>8}  {'limit':>6}  worker margin")
    for kinds, limit in ((NESTED, limits.MAX_QUERY_DEPTH), (CHAINED, limits.MAX_QUERY_CHAIN)):
        for name, build in kinds.items():
            if options.only and name not in options.only:
                continue
            base = crash_depth(build, usual, options.cap)
            deep = crash_depth(build, worker, options.cap)
            margin = (deep or options.cap) / limit
            print(f"{name:16} {shown(base, options.cap)}  {shown(deep, options.cap)}  "
                  f"{limit:>6,}  {'>' if deep is None else ' '}{margin:5.1f}x", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
