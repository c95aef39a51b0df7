"""What keeping the default graph as the union of the case graphs costs (issue 17), at 100 and
1,000 synthetic cities: writes, removals, the endpoint's queries, the store's size.

  write     every city written into a new on-disk store one case at a time, as `flywheel load`
            writes them (CaseStore.put_case_data of the case prepared as N-Quads, the files
            read and prepared beforehand, untimed); then --replace cities written again (a case
            replacing itself: the SPARQL update path) and --remove cities removed
  query     the endpoint's own evaluation (api.sparql.evaluate, as a /sparql request without a
            dataset runs it, in this process): every city's labels (a join), every triple
            counted, the types counted, and the service description's VoID counts
            (api.sparql.store_outline); best of --repeat
  size      the store folder's size on disk, once closed
  rebuild   CaseStore.rebuild_union on the whole store, where the code has it (an older store
            brought up to date; `flywheel reindex`)
  per query the alternative of merging at query time: the case graphs' distinct triples copied
            into a new in-memory store (what one query would pay before it runs)

Run it with this checkout, then with another on PYTHONPATH (e.g. the commit before the union,
`git archive COMMIT | tar -x -C /tmp/base`, then `PYTHONPATH=/tmp/base python bench/union.py`),
to compare before and after on the same machine; the cities are the cache of
bench/load_command.py, and each case prepared as N-Quads is cached next to it.

    python bench/union.py                     # 100 and 1,000 cities
    python bench/union.py --cities 100
"""

from __future__ import annotations

import argparse
import gzip
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox

# this folder's api.py would stand for the api package: read the packages from the path given
HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]

from api.sparql import evaluate, store_outline  # noqa: E402
from kg.rdf.read import read_cases  # noqa: E402
from kg.store import OxigraphStore, open_store  # noqa: E402
from kg.store.loading import _spool  # noqa: E402

sys.path.append(str(HERE))  # after the packages are imported: load_command puts its checkout first
from load_command import city_file, ensure_cities  # noqa: E402

FW = "https://w3id.org/dataflywheel/ontology#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
QUERIES = {
    "city labels (join)": f"SELECT ?c ?l WHERE {{ ?c a <{FW}City> ; <{RDFS}label> ?l }}",
    "count every triple": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
    "count by type": "SELECT ?t (COUNT(*) AS ?n) WHERE { ?s a ?t } GROUP BY ?t",
}


def prepared(cities: int) -> list[tuple[str, str, Path]]:
    """Each city as `flywheel load` sets it aside (N-Quads with its catalog entry, gzip),
    cached beside the cities: (IRI, source, file)."""
    cache = ensure_cities(cities)
    folder = cache.parent / f"{cache.name}-prepared"
    folder.mkdir(exist_ok=True)
    out = []
    for number in range(1, cities + 1):
        source = city_file(cache, number)
        target = folder / f"{number:04d}.nq.gz"
        iri = f"https://w3id.org/dataflywheel/synthetic/city-{number:04d}"
        if not target.exists():
            (case,) = read_cases(source)
            assert case.iri == iri, case.iri
            _spool(case, target)
        out.append((iri, str(source), target))
    return out


def best(repeat: int, work: Callable[[], object]) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times)


def size_mb(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 1e6


def run(cities: int, args: argparse.Namespace, scratch: Path) -> None:
    cases = prepared(cities)
    data = [(iri, source, gzip.decompress(path.read_bytes())) for iri, source, path in cases]
    folder = scratch / f"store-{cities}"
    store = open_store(folder)
    assert isinstance(store, OxigraphStore)
    start = time.perf_counter()
    for iri, source, body in data:
        store.put_case_data(iri, source, body)
    written = time.perf_counter() - start
    again = data[-args.replace :]
    start = time.perf_counter()
    for iri, source, body in again:
        store.put_case_data(iri, source, body)
    replaced = time.perf_counter() - start
    print(
        f"{cities:>5} write     {written:7.1f} s, {written / cities * 1000:6.1f} ms per new case; "
        f"{replaced / len(again) * 1000:6.1f} ms per case replacing itself",
        flush=True,
    )
    for name, query in QUERIES.items():
        seconds = best(
            args.repeat,
            lambda q=query: evaluate(store, q, [], [], False, "application/sparql-results+json"),
        )
        print(f"{cities:>5} query     {name:<22} {seconds * 1000:8.0f} ms", flush=True)
    seconds = best(args.repeat, lambda: store_outline(store))
    print(f"{cities:>5} query     {'VoID counts':<22} {seconds * 1000:8.0f} ms", flush=True)

    def merged_copy() -> None:
        copy = ox.Store()
        copy.extend(
            ox.Quad(row["s"], row["p"], row["o"])
            for row in store.raw.query(
                "SELECT DISTINCT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } "
                f"FILTER(?g NOT IN (<{store_catalog}>, <{store_ontology}>)) }}"
            )
        )

    store_catalog = "https://w3id.org/dataflywheel/catalog"
    store_ontology = "https://w3id.org/dataflywheel/ontology"
    if cities <= args.merge_up_to:
        seconds = best(1, merged_copy)
        print(f"{cities:>5} per query merge into a new store: {seconds:.1f} s", flush=True)
    gone = [iri for iri, _, _ in data[: args.remove]]
    start = time.perf_counter()
    for iri in gone:
        assert store.remove_case(iri)
    removed = time.perf_counter() - start
    print(f"{cities:>5} remove    {removed / len(gone) * 1000:6.1f} ms per case", flush=True)
    if hasattr(store, "rebuild_union"):
        start = time.perf_counter()
        store.rebuild_union()
        print(
            f"{cities:>5} rebuild   {time.perf_counter() - start:6.1f} s (the whole union)",
            flush=True,
        )
    store.close()
    print(f"{cities:>5} size      {size_mb(folder):7.0f} MB on disk", flush=True)
    shutil.rmtree(folder)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cities", type=int, nargs="+", default=[100, 1000])
    parser.add_argument("--replace", type=int, default=20)
    parser.add_argument("--remove", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--merge-up-to", type=int, default=1000)
    args = parser.parse_args()
    import kg

    print(
        f"code: {Path(kg.__file__).parent.parent}; load average {os.getloadavg()[0]:.1f}",
        flush=True,
    )
    with tempfile.TemporaryDirectory(prefix="flywheel-bench-union-") as scratch:
        for cities in sorted(args.cities):
            run(cities, args, Path(scratch))


if __name__ == "__main__":
    main()
