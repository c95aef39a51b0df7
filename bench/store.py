"""Benchmark: the case store at city scale (load, validate, query, memory) against raw
pyoxigraph and plain pySHACL, each baseline measured in the same run on the same data.

  load      flywheel  OxigraphStore(path).bulk_put(cases), --chunk cities per call; the cases as
                      read_cases() gives them for a file (rdflib graph + the parser's quads), and
                      for the first --scale-at cities also as rdflib graphs alone (converted)
            raw       pyoxigraph Store(path).bulk_extend(quads) of the same quads (cities, catalog,
                      ontology), parsed beforehand, in the same chunks, into another fresh store
            and, in a separate process, --transactional cities through put_cases() in batches of
            --batch (one SPARQL update each) against raw Store.extend() (one transaction each)
  validate  flywheel  one CaseValidator (shapes parsed once, Oxigraph-backed SPARQL); also on
                      --workers processes
            plain     pyshacl.validate(graph, shacl_graph=<shapes file>, ont_graph=<class
                      hierarchy>, advanced=True, allow_warnings=True, allow_infos=True) per case,
                      on the same --validate-sample cities, timed next to flywheel in each worker
  query     flywheel  store.query(text, bindings) (rows become dicts of Oxigraph terms)
            raw       store.raw.query(text, substitutions=...) on the same pyoxigraph store,
                      every row read; median of --repeat runs, alternating; every named query in
                      queries/ with its default parameters, "case" set to one synthetic city
  scaling   flywheel query cost on a store of the first --scale-at cities and on the full store,
            both compacted, in interleaved rounds (best of --repeat), next to two reference
            queries (one triple pattern, two joined) that show what the engine itself costs
            more per city as the store grows; then the same on in-memory copies of both
            (--no-memory: skip)
  memory    this process's peak resident set size (ru_maxrss); the validation, generation and
            transactional-load processes are reported apart

Synthetic cities are written once as N-Quads files (one per city) in a cache folder keyed by
--actions, --seed and the generator's source (--cache-dir; --no-cache: a temporary folder).

    python bench/store.py                  # 1,000 cities, about 12 minutes on 2 cores
    python bench/store.py --cities 50      # a quick run
    python bench/store.py --cities 3000 --scale-at 1000 --no-memory   # further out: 28 minutes
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import multiprocessing
import os
import re
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
import pyshacl

from kg import ontology, paths
from kg.check.validation import CaseValidator
from kg.rdf.read import CaseGraph, to_oxigraph
from kg.store import CATALOG, OxigraphStore
from kg.synth import case_iri, synthetic_case
from kg.version import ONTOLOGY_IRI

NQ = ox.RdfFormat.N_QUADS
MB = 1024 * 1024
TARGETS: list[tuple[str, str, bool | None]] = []  # (what, figure, met)


# --- small helpers --------------------------------------------------------------------------


def peak_rss_mb() -> float:
    """This process's peak resident set size in MB (ru_maxrss is in kB on Linux)."""
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _status_mb(field: str) -> float:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def current_rss_mb() -> float:
    return _status_mb("VmRSS")


def own_peak_rss_mb() -> float:
    """Peak RSS of this process's own memory (VmHWM). In a child, ru_maxrss starts from the
    parent's resident size at the fork and survives exec, so it says nothing of the child."""
    return _status_mb("VmHWM")


def folder_mb(folder: Path) -> float:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) / MB


def target(what: str, figure: str, met: bool | None) -> None:
    TARGETS.append((what, figure, met))


def ratio(a: float, b: float) -> float:
    return a / b if b > 0 else float("inf")


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}" if seconds < 10 else f"{seconds * 1000:.0f}"


# --- synthetic cities, cached as N-Quads ----------------------------------------------------


def generator_key(actions: int, seed: int) -> str:
    """Cache key: the generator's parameters and the source of the modules that shape its output."""
    digest = hashlib.sha256()
    for module in ("synth.py", "version.py", "vocab.py"):
        digest.update((Path(paths.__file__).parent / module).read_bytes())
    return f"a{actions}-s{seed}-{digest.hexdigest()[:10]}"


def city_file(folder: Path, number: int) -> Path:
    return folder / f"city-{number:04d}.nq"


def _generate(job: tuple[int, int, int, str]) -> tuple[float, int]:
    number, actions, seed, folder = job
    start = time.perf_counter()
    graph = synthetic_case(number, actions=actions, seed=seed)
    seconds = time.perf_counter() - start
    quads = to_oxigraph(graph, case_iri(number))
    target_file = city_file(Path(folder), number)
    partial = target_file.with_suffix(f".{os.getpid()}.part")
    ox.serialize(quads, output=str(partial), format=NQ)
    partial.replace(target_file)
    return seconds, len(quads)


def ensure_cities(folder: Path, cities: int, actions: int, seed: int, workers: int) -> str:
    """Write every missing city file; returns a line saying what it cost."""
    folder.mkdir(parents=True, exist_ok=True)
    missing = [n for n in range(1, cities + 1) if not city_file(folder, n).exists()]
    # the generator's own speed, measured on three cities whatever the cache holds
    start = time.perf_counter()
    for n in range(1, 4):
        synthetic_case(n, actions=actions, seed=seed)
    per_city = (time.perf_counter() - start) / 3
    estimate = f"synthetic_case() {per_city * 1000:.0f} ms/city on one core"
    if not missing:
        return f"generation: all {cities} cities cached in {folder} ({estimate})"
    start = time.perf_counter()
    jobs = [(n, actions, seed, str(folder)) for n in missing]
    if workers > 1 and len(missing) > 4:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            results = pool.map(_generate, jobs, chunksize=8)
    else:
        results = [_generate(job) for job in jobs]
    wall = time.perf_counter() - start
    cpu = sum(r[0] for r in results)
    return (
        f"generation: {len(missing)} cities in {wall:.1f} s wall with {workers} worker(s), "
        f"written as N-Quads to {folder} (synthetic_case alone: {cpu:.1f} s CPU; {estimate})"
    )


KEEPS_TRIPLES = "triples" in getattr(CaseGraph, "__dataclass_fields__", {})


def make_city(
    folder: Path, number: int, actions: int, seed: int, quads: Sequence[ox.Quad] | None = None
) -> CaseGraph:
    """A city as flywheel's input. With ``quads`` (the city file, parsed): what read_cases()
    gives for the file, the rdflib graph plus the parser's own triples, which the store writes
    as they are; without: the rdflib graph alone, which the store converts. The graph is
    generated again rather than read back (the generator is deterministic, and faster than
    rdflib at reading); the quad counts after loading confirm that it matches the file."""
    graph = synthetic_case(number, actions=actions, seed=seed)
    source = str(city_file(folder, number))
    if quads is None or not KEEPS_TRIPLES:
        return CaseGraph(case_iri(number), source, graph)
    return CaseGraph(case_iri(number), source, graph, tuple(q.triple for q in quads))


def city_quads(folder: Path, number: int) -> list[ox.Quad]:
    return list(ox.parse(path=str(city_file(folder, number)), format=NQ))


def chunks(total: int, size: int, breaks: Iterable[int]) -> list[range]:
    """1..total in runs of at most ``size``, also cut after each number in ``breaks``."""
    cuts = sorted({b for b in breaks if 0 < b < total} | set(range(size, total, size)) | {total})
    out, start = [], 1
    for cut in cuts:
        out.append(range(start, cut + 1))
        start = cut + 1
    return out


# --- validation -----------------------------------------------------------------------------

_VALIDATOR: CaseValidator | None = None


def _init_validator() -> None:
    global _VALIDATOR
    _VALIDATOR = CaseValidator()


def _findings_key(validator: CaseValidator, findings) -> set:
    return {
        (f.shape, f.focus, f.severity, f.value)
        for f in findings
        if f.shape != "fws:VocabularyShape"  # checked in code, not by SHACL
    }


def plain_shacl(graph):
    return pyshacl.validate(
        graph,
        shacl_graph=str(paths.CASE_SHAPES),
        ont_graph=ontology.class_hierarchy(),
        advanced=True,
        allow_warnings=True,
        allow_infos=True,
    )


def _validate_both(job: tuple[int, int, int]) -> tuple[int, float, float, bool]:
    """One sample city, flywheel then plain pySHACL, timed in the same worker."""
    number, actions, seed = job
    graph = synthetic_case(number, actions=actions, seed=seed)
    assert _VALIDATOR is not None
    start = time.perf_counter()
    report = _VALIDATOR.validate(graph)
    ours = time.perf_counter() - start
    start = time.perf_counter()
    _, plain_report, _ = plain_shacl(graph)
    theirs = time.perf_counter() - start
    same = _findings_key(_VALIDATOR, report.findings) == _findings_key(
        _VALIDATOR, _VALIDATOR.findings_from_report(plain_report, graph)
    )
    return len(graph), ours, theirs, same


def _validate_slice(job: tuple[list[int], int, int]) -> tuple[float, float]:
    """Validate a worker's share of the sample, its graphs made first; returns when the
    validating began and ended (wall clock, comparable across processes)."""
    numbers, actions, seed = job
    graphs = [synthetic_case(n, actions=actions, seed=seed) for n in numbers]
    assert _VALIDATOR is not None
    began = time.time()
    for graph in graphs:
        _VALIDATOR.validate(graph)
    return began, time.time()


def bench_validation(cities: int, actions: int, seed: int, sample: int, workers: int) -> None:
    """The sample's graphs are generated again (the same triples as their files; rdflib builds
    them faster than it reads them back)."""
    sample = min(sample, cities)
    if sample <= 0:
        return
    step = cities / sample
    numbers = sorted({1 + int(i * step) for i in range(sample)})
    jobs = [(n, actions, seed) for n in numbers]
    context = multiprocessing.get_context("fork")
    print(f"\nValidation of {len(numbers)} sample cities (of {cities})")
    # 1. per-case figures, flywheel and plain pySHACL timed one after the other in each worker
    with context.Pool(workers, initializer=_init_validator) as pool:
        both = pool.map(_validate_both, jobs, chunksize=1)
    triples = statistics.mean(b[0] for b in both)
    ours = statistics.mean(b[1] for b in both)
    plain = statistics.mean(b[2] for b in both)
    same = sum(1 for b in both if b[3])
    # 2. one CaseValidator in this process, the whole sample in a row
    start = time.perf_counter()
    validator = CaseValidator()
    setup = time.perf_counter() - start
    serial = 0.0
    for number in numbers:
        graph = synthetic_case(number, actions=actions, seed=seed)
        start = time.perf_counter()
        validator.validate(graph)
        serial += time.perf_counter() - start
    # 3. the same sample shared among worker processes, each with its own CaseValidator:
    #    from the first worker starting to validate to the last one finishing
    with context.Pool(workers, initializer=_init_validator) as pool:
        spans = pool.map(
            _validate_slice, [(numbers[i::workers], actions, seed) for i in range(workers)]
        )
    parallel = max(end for _, end in spans) - min(began for began, _ in spans)
    speedup = ratio(plain, ours)
    print(f"  {'':<44}{'flywheel':>10}{'plain pySHACL':>16}  plain/flywheel")
    print(
        f"  {'ms per case (mean, ' + f'{triples:,.0f} triples)':<44}{ours * 1000:>10.0f}"
        f"{plain * 1000:>16.0f}  {speedup:.1f}x"
    )
    print(f"  same SHACL findings in {same} of {len(both)} cases")
    print(
        f"  one CaseValidator in one process: set-up {setup * 1000:.0f} ms, then {serial:.1f} s "
        f"for the sample ({serial / len(numbers) * 1000:.0f} ms per case alone); {workers} "
        f"worker processes: {parallel:.1f} s"
    )
    per_case, per_case_par = serial / len(numbers), parallel / len(numbers)
    print(
        f"  EXTRAPOLATED to all {cities} cities from the {len(numbers)}-city sample: "
        f"{per_case * cities:.0f} s on one core, {per_case_par * cities:.0f} s with {workers} "
        f"worker processes ({ratio(serial, parallel):.1f}x); plain pySHACL "
        f"≈ {plain * cities:.0f} s on one core"
    )
    target("validation ≥ 3x faster than plain pySHACL", f"{speedup:.1f}x", speedup >= 3)
    target("validation finds what plain pySHACL finds", f"{same}/{len(both)}", same == len(both))


# --- loading --------------------------------------------------------------------------------


class _TimedBulk:
    """Stands in for the pyoxigraph Store inside OxigraphStore to time its bulk loader calls."""

    def __init__(self, inner: ox.Store) -> None:
        self.inner = inner
        self.seconds = 0.0

    def bulk_extend(self, quads) -> None:
        start = time.perf_counter()
        self.inner.bulk_extend(quads)
        self.seconds += time.perf_counter() - start

    def __getattr__(self, name: str):
        return getattr(self.inner, name)


@dataclass
class Stores:
    flywheel: OxigraphStore
    quads: int


def _new_graph_quads(store: ox.Store, graph: str, seen: set) -> list[ox.Quad]:
    """Quads of one graph of ``store`` not in ``seen`` (added to it)."""
    fresh = [
        q for q in store.quads_for_pattern(None, None, None, ox.NamedNode(graph)) if q not in seen
    ]
    seen.update(fresh)
    return fresh


def bench_load(
    folder: Path,
    work: Path,
    cities: int,
    actions: int,
    seed: int,
    chunk: int,
    small: int,
) -> Stores:
    print(
        f"\nLoading {cities} cities into fresh on-disk stores, chunk by chunk "
        f"({chunk} cities per call; flywheel and raw take turns going first)"
    )
    store = OxigraphStore(work / "flywheel")
    timed = _TimedBulk(store.raw)
    store._store = timed  # time the bulk loader inside bulk_put
    plain = OxigraphStore(work / "flywheel-rdflib")  # the first cities again, rdflib graphs only
    raw = ox.Store(str(work / "raw"))
    spent = dict.fromkeys(("parse", "generate", "ours", "raw", "plain", "raw_small"), 0.0)
    total = 0
    seen: set = set()
    current: dict = {}

    def load_raw(numbers: Sequence[int]) -> None:
        # the same quads: the city files, and the catalog (and ontology) entries flywheel has
        # made so far (those of a chunk loaded raw-first follow with the next chunk)
        nonlocal total
        quads = [q for n in numbers for q in current["parsed"][n]]
        quads += _new_graph_quads(timed.inner, CATALOG, seen)
        quads += _new_graph_quads(timed.inner, ONTOLOGY_IRI, seen)
        total += len(quads)
        start = time.perf_counter()
        if quads:
            raw.bulk_extend(quads)
        seconds = time.perf_counter() - start
        spent["raw"] += seconds
        if numbers and numbers[-1] <= small:
            spent["raw_small"] += seconds

    def load_ours(numbers: Sequence[int]) -> None:
        start = time.perf_counter()
        store.bulk_put(current["cases"])
        spent["ours"] += time.perf_counter() - start

    for index, numbers in enumerate(chunks(cities, chunk, [small])):
        start = time.perf_counter()
        current["parsed"] = {n: city_quads(folder, n) for n in numbers}
        spent["parse"] += time.perf_counter() - start
        start = time.perf_counter()
        current["cases"] = [
            make_city(folder, n, actions, seed, current["parsed"][n]) for n in numbers
        ]
        spent["generate"] += time.perf_counter() - start
        # alternate which store loads first, so neither always meets a warmer machine
        order = (load_ours, load_raw) if index % 2 == 0 else (load_raw, load_ours)
        for step in order:
            step(numbers)
        if numbers[-1] <= small:
            rdflib_only = [CaseGraph(c.iri, c.source, c.graph) for c in current["cases"]]
            start = time.perf_counter()
            plain.bulk_put(rdflib_only)
            spent["plain"] += time.perf_counter() - start
            del rdflib_only
        current.clear()
        gc.collect()
    current["parsed"] = {}
    load_raw([])  # the catalog entries of the last chunk, if it was loaded raw-first
    store._store = timed.inner
    start = time.perf_counter()
    in_ours, in_raw, in_plain = len(store.raw), len(raw), len(plain.raw)
    counted = time.perf_counter() - start
    same = (
        "the same quads in both stores"
        if in_ours == in_raw == total
        else f"DIFFERENT: flywheel {in_ours:,}, raw {in_raw:,}, given {total:,}"
    )
    load, raw_load = spent["ours"], spent["raw"]
    load_ratio = ratio(load, raw_load)
    print(f"  {total:,} quads ({total / cities:,.0f} per city incl. catalog); {same}")
    print(f"  {'':<50}{'seconds':>9}{'quads/s':>11}{'vs raw':>9}")
    print(f"  {'raw pyoxigraph bulk_extend':<50}{raw_load:>9.1f}{total / raw_load:>11,.0f}")
    what = "bulk_put, cases as read_cases() gives them" if KEEPS_TRIPLES else "bulk_put"
    print(f"  {'flywheel ' + what:<50}{load:>9.1f}{total / load:>11,.0f}{load_ratio:>8.2f}x")
    print(
        f"  {'  of which the bulk loader':<50}{timed.seconds:>9.1f}"
        f"{'':>11}{ratio(timed.seconds, raw_load):>8.2f}x"
    )
    print(
        f"  {'  of which quads, catalog entries, content hash':<50}{load - timed.seconds:>9.1f}"
        f"{'':>11}{ratio(load - timed.seconds, raw_load):>8.2f}x"
    )
    if KEEPS_TRIPLES:
        label = f"flywheel bulk_put, rdflib graphs only (cities 1-{small})"
        print(
            f"  {label:<50}{spent['plain']:>9.1f}{in_plain / spent['plain']:>11,.0f}"
            f"{ratio(spent['plain'], spent['raw_small']):>8.2f}x  (raw on the same cities: "
            f"{spent['raw_small']:.1f} s)"
        )
    print(
        f"  not timed: parsing the N-Quads files {spent['parse']:.1f} s, making the rdflib "
        f"graphs (synthetic_case) {spent['generate']:.1f} s, counting the stores {counted:.1f} s"
    )
    print(
        f"  on disk: flywheel {folder_mb(work / 'flywheel'):,.0f} MB, "
        f"raw {folder_mb(work / 'raw'):,.0f} MB"
    )
    target("bulk load ≤ 1.5x raw pyoxigraph", f"{load_ratio:.2f}x", load_ratio <= 1.5)
    plain.close()
    gc.collect()
    return Stores(store, total)


def bench_transactional(
    folder: Path, work: Path, cities: int, actions: int, seed: int, batch: int
) -> None:
    """Run in a process of its own (spawned): one SPARQL update holding a batch of cities is
    big, and this process's peak memory should be the bulk-loaded store's."""
    if cities <= 0:
        return
    print(f"\nTransactional loading of the first {cities} cities (batches of {batch})")
    context = multiprocessing.get_context("spawn")
    with context.Pool(1) as pool:
        lines = pool.apply(_transactional, (folder, work, cities, actions, seed, batch))
    print("\n".join(lines))


def _transactional(
    folder: Path, work: Path, cities: int, actions: int, seed: int, batch: int
) -> list[str]:
    store = OxigraphStore(work / "flywheel-tx")
    raw = ox.Store(str(work / "raw-tx"))
    ours = theirs = 0.0
    seen: set = set()
    for numbers in chunks(cities, batch, []):
        parsed = {n: city_quads(folder, n) for n in numbers}
        cases = [make_city(folder, n, actions, seed, parsed[n]) for n in numbers]
        start = time.perf_counter()
        store.put_cases(cases)
        ours += time.perf_counter() - start
        del cases
        quads = [q for n in numbers for q in parsed[n]]
        quads += _new_graph_quads(store.raw, CATALOG, seen)
        quads += _new_graph_quads(store.raw, ONTOLOGY_IRI, seen)
        start = time.perf_counter()
        raw.extend(quads)
        theirs += time.perf_counter() - start
        del quads
    same = "same quads" if len(store.raw) == len(raw) else "DIFFERENT quads"
    store.close()
    return [
        f"  {'':<42}{'seconds':>9}{'vs raw':>9}  ({same}; run in a separate process, "
        f"peak RSS {own_peak_rss_mb():,.0f} MB)",
        f"  {'raw pyoxigraph extend (1 transaction/batch)':<42}{theirs:>9.1f}",
        f"  {'flywheel put_cases (1 SPARQL update/batch)':<42}{ours:>9.1f}"
        f"{ratio(ours, theirs):>8.2f}x",
    ]


# --- queries --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Param:
    name: str
    type: str
    default: str | None


@dataclass(frozen=True)
class _Query:
    name: str
    text: str
    params: tuple[_Param, ...]


_PARAM_LINE = re.compile(r"^#\s*param\s*:\s*(.*)$")
_XSD = "http://www.w3.org/2001/XMLSchema#"


def named_queries() -> tuple[list, str]:
    """The named queries, from kg.sparql.named when it is there, else read off queries/*.rq here."""
    try:
        from kg.sparql.named import load_queries
    except ImportError:
        pass
    else:
        return list(load_queries().values()), "kg.sparql.named.load_queries()"
    found = []
    for path in sorted(paths.QUERIES_DIR.glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        params = []
        for line in text.splitlines():
            match = _PARAM_LINE.match(line)
            if match:
                name, type_, default, *_ = [p.strip() for p in match.group(1).split("|")] + [""]
                params.append(_Param(name, type_, None if default in ("", "-") else default))
        found.append(_Query(path.stem, text, tuple(params)))
    return found, f"{paths.QUERIES_DIR}/*.rq (kg.sparql.named not importable: header read here)"


def _term(type_: str, value: str) -> ox.NamedNode | ox.Literal:
    kind = str(getattr(type_, "value", type_)).lower()
    if kind == "iri":
        return ox.NamedNode(value)
    if kind in ("date", "integer", "decimal", "boolean", "datetime"):
        name = {"datetime": "dateTime"}.get(kind, kind)
        return ox.Literal(value, datatype=ox.NamedNode(_XSD + name))
    return ox.Literal(value)


def bindings_for(query, case: str, store: OxigraphStore) -> tuple[dict, list[str]]:
    """Defaults for every parameter, ``case`` set to a synthetic city; an IRI default that lies
    inside the default case (a scenario of Shanghai, say) becomes a node of the synthetic city
    whose class name ends with the parameter's name. Returns the bindings and notes."""
    values: dict[str, str] = {}
    notes = []
    names = [p.name for p in query.params]
    case_default = next((p.default for p in query.params if p.name == "case"), None)
    for param in query.params:
        if param.name == "case":
            values["case"] = case
        elif (
            str(getattr(param.type, "value", param.type)) == "iri"
            and case_default
            and (param.default is None or param.default.startswith(case_default.rstrip("/") + "/"))
        ):
            found = store.query(
                f"SELECT ?x WHERE {{ GRAPH {ox.NamedNode(case)} {{ ?x a ?class }} "
                f'FILTER(STRENDS(LCASE(STR(?class)), "{param.name.lower()}")) }} '
                "ORDER BY ?x LIMIT 1"
            )
            if found.rows:
                values[param.name] = found.rows[0]["x"].value
                notes.append(f"{param.name}=<…{values[param.name].rsplit('/', 1)[-1]}>")
    try:
        from kg.sparql.named import bind
    except ImportError:
        bound = {
            p.name: _term(p.type, values.get(p.name) or p.default)
            for p in query.params
            if values.get(p.name) or p.default
        }
    else:
        bound = {v.value: t for v, t in bind(query, values).items()}
    assert set(bound) <= set(names)
    return bound, notes


def _consume(result) -> int:
    if isinstance(result, bool | ox.QueryBoolean):
        return int(bool(result))
    return len([tuple(row) for row in result])


def _rows(result) -> int:
    return len(result.rows) if result.boolean is None else int(result.boolean)


@dataclass
class Prepared:
    query: object
    per_case: bool
    bindings: dict
    notes: list[str]


# References for the scaling check, so that what the engine itself costs more per city as the
# store grows (caches, index depth) shows next to the queries: one triple pattern read and
# counted per case graph, and two joined on their subject.
def _reference(name: str, pattern: str) -> Prepared:
    text = (
        "PREFIX fw: <https://w3id.org/dataflywheel/ontology#> "
        f"SELECT ?case (COUNT(*) AS ?n) WHERE {{ GRAPH ?case {{ {pattern} }} }} GROUP BY ?case"
    )
    return Prepared(_Query(name, text, ()), False, {}, [])


SCAN = _reference("(reference) one pattern per case", "?flow fw:fromNode ?from")
REFERENCE = _reference("(reference) two patterns joined", "?flow a fw:DataFlow ; fw:fromNode ?from")
REFERENCES = (SCAN, REFERENCE)


def prepare(queries: Sequence, case: str, store: OxigraphStore) -> list[Prepared]:
    out = []
    for query in queries:
        per_case = any(p.name == "case" for p in query.params)
        bindings, notes = bindings_for(query, case, store)
        out.append(Prepared(query, per_case, bindings, notes))
    return out


SLOW = 2.0  # seconds: a query slower than this once is timed over 3 runs (its first included)
ROUND = 0.05  # seconds: a run of a faster query repeats it to last about this long
VERY_SLOW = 10.0  # seconds: a query slower than this is timed once (its first run)


def measure(
    store: OxigraphStore, p: Prepared, repeat: int, with_raw: bool
) -> tuple[float, float | None, int, int | None]:
    """Median seconds per call of flywheel's store.query() and (optionally) of the same text
    and substitutions on the underlying pyoxigraph store, after one warm-up call each; and the
    row counts each returned.

    A run is one call, or for queries under ROUND seconds as many calls as fill ROUND (so that
    sub-millisecond queries are not timed at the clock's and the scheduler's grain). Runs of the
    two alternate, in alternating order."""
    text, bindings = p.query.text, p.bindings
    subs = {ox.Variable(k): v for k, v in bindings.items()}
    raw_store = store.raw

    def ours() -> int:
        return _rows(store.query(text, bindings))

    def theirs() -> int:
        return _consume(raw_store.query(text, substitutions=subs))

    start = time.perf_counter()
    rows = ours()
    first = time.perf_counter() - start
    start = time.perf_counter()
    raw_rows = theirs() if with_raw else None
    first_raw = time.perf_counter() - start
    if first > VERY_SLOW:  # too slow to repeat: the first calls are the figures
        return first, (first_raw if with_raw else None), rows, raw_rows
    times: dict[str, list[float]] = {"ours": [], "theirs": []}
    runs = repeat
    if first > SLOW:  # a slow query's first call is one of its 3 runs
        times = {"ours": [first], "theirs": [first_raw] if with_raw else []}
        runs = 2
    calls = max(1, min(50, int(ROUND / max(first, 1e-6))))
    for i in range(runs):
        order = [("ours", ours), ("theirs", theirs)] if with_raw else [("ours", ours)]
        for name, function in order if i % 2 == 0 else reversed(order):
            start = time.perf_counter()
            for _ in range(calls):
                function()
            times[name].append((time.perf_counter() - start) / calls)
    raw_median = statistics.median(times["theirs"]) if with_raw else None
    return statistics.median(times["ours"]), raw_median, rows, raw_rows


def bench_queries(store: OxigraphStore, prepared: Sequence[Prepared], repeat: int) -> None:
    """Every query through flywheel and on its raw pyoxigraph store, side by side."""
    print(
        f"\nNamed queries ({len(prepared)}): flywheel store.query() against the same text and "
        f"substitutions on the raw pyoxigraph store (.raw, every row read), median of {repeat} "
        f"runs after a warm-up call (a run of a query under {ROUND * 1000:.0f} ms repeats it to "
        f"last about that long; 3 runs, the first call included, when it takes over "
        f"{SLOW:.0f} s; only the first call when over {VERY_SLOW:.0f} s), milliseconds per call"
    )
    header = f"  {'query':<36}{'scope':>6}{'rows':>8}{'flywheel':>10}{'raw':>10}{'ratio':>8}"
    header += f"{'peak MB':>9}"
    print(header)
    print("  " + "-" * (len(header) - 2))
    ours_all, ratios = {}, []
    last_peak = peak_rss_mb()
    print(
        f"  (peak MB: this process's peak RSS when a query raised it; {last_peak:,.0f} MB before)"
    )
    for p in prepared:
        a, b, rows, raw_rows = measure(store, p, repeat, with_raw=True)
        assert b is not None
        same = "" if rows == raw_rows else f"  (raw: {raw_rows} rows!)"
        ours_all[p.query.name] = (a, rows)
        ratios.append((ratio(a, b), p.query.name))
        note = f"  {', '.join(p.notes)}" if p.notes else ""
        peak = peak_rss_mb()
        grew = f"{peak:>9,.0f}" if peak > last_peak + 1 else f"{'':>9}"
        last_peak = max(last_peak, peak)
        print(
            f"  {p.query.name[:36]:<36}{'case' if p.per_case else 'all':>6}{rows:>8}"
            f"{ms(a):>10}{ms(b):>10}{ratio(a, b):>7.2f}x{grew}{same}{note}"
        )
    worst = max(ratios)
    over = [name for r, name in ratios if r > 1.3]
    total_ours = sum(t for t, _ in ours_all.values())
    print(
        f"  ratio: median {statistics.median(r for r, _ in ratios):.2f}x, "
        f"worst {worst[0]:.2f}x ({worst[1]}); over 1.3x: {', '.join(over) or 'none'}; "
        f"all {len(prepared)} queries once: {total_ours:.1f} s"
    )
    target(
        "every query ≤ 1.3x raw pyoxigraph",
        f"worst {worst[0]:.2f}x, {len(over)} over",
        not over,
    )


TOLERANCE = 1.1  # timing noise allowed on top of the growth in cities


def _calls_for(seconds: float) -> int:
    return max(1, min(50, int(ROUND / max(seconds, 1e-6))))


def _timed(store: OxigraphStore, p: Prepared, calls: int) -> tuple[float, int]:
    start = time.perf_counter()
    for _ in range(calls):
        rows = _rows(store.query(p.query.text, p.bindings))
    return (time.perf_counter() - start) / calls, rows


def _interleaved(
    stores: Sequence[tuple[str, OxigraphStore]], items: Sequence[Prepared], rounds: int
) -> tuple[dict[tuple[str, str], list[float]], dict[tuple[str, str], int]]:
    """Each query on each store in turn, ``rounds`` times (order alternating); seconds per call
    of every run and the rows each store returned."""
    times: dict[tuple[str, str], list[float]] = {}
    rows: dict[tuple[str, str], int] = {}
    for p in items:
        calls, runs = {}, rounds
        for name, s in stores:  # warm-up call, also sizes the runs
            seconds, rows[(name, p.query.name)] = _timed(s, p, 1)
            calls[name] = _calls_for(seconds)
            if seconds > VERY_SLOW:
                runs = 2
        for i in range(runs):
            for name, s in stores if i % 2 == 0 else reversed(stores):
                seconds, _ = _timed(s, p, calls[name])
                times.setdefault((name, p.query.name), []).append(seconds)
    return times, rows


def _growth_table(
    items: Sequence[Prepared],
    times: dict[tuple[str, str], list[float]],
    rows: dict[tuple[str, str], int],
    small: int,
    cities: int,
) -> tuple[list[tuple[float, str]], list[float], dict[str, float]]:
    """Print one row per query; returns the cross-city costs, the one-city costs and the
    references' costs by name."""
    growth = cities / small
    header = f"  {'query':<36}{'scope':>6}{'rows@' + str(small):>10}{'rows@' + str(cities):>11}"
    header += f"{'ms@' + str(small):>10}{'ms@' + str(cities):>11}{'cost':>8}{'medians':>9}"
    print(header)
    print("  " + "-" * (len(header) - 2))
    cross, per_case = [], []
    references: dict[str, float] = {}
    for p in items:
        name = p.query.name
        a, b = times[("small", name)], times[("full", name)]
        cost = ratio(min(b), min(a))
        mark = ""
        if p in REFERENCES:
            references[name] = cost
        elif p.per_case:
            per_case.append(cost)
        else:
            cross.append((cost, name))
            if cost > growth * TOLERANCE:
                mark = "  grows faster than the cities"
        print(
            f"  {name[:36]:<36}{'case' if p.per_case else 'all':>6}"
            f"{rows[('small', name)]:>10}{rows[('full', name)]:>11}{ms(min(a)):>10}"
            f"{ms(min(b)):>11}{cost:>7.1f}x"
            f"{ratio(statistics.median(b), statistics.median(a)):>8.1f}x{mark}"
        )
    if cross:
        low, high = min(cross), max(cross)
        print(
            f"  cross-city queries: cost grew {low[0]:.1f}x to {high[0]:.1f}x ({high[1]}) for "
            f"{growth:.0f}x the cities"
        )
    if references:
        print(
            "  references: "
            + ", ".join(f"{name.split(') ')[1]} {cost:.1f}x" for name, cost in references.items())
            + ": what the engine itself costs more per city as the store grows"
        )
    if per_case:
        print(
            f"  one-city queries: cost changed {min(per_case):.2f}x to {max(per_case):.2f}x "
            f"(flat is ideal)"
        )
    return cross, per_case, references


def _in_memory(store: OxigraphStore) -> OxigraphStore:
    """The same quads (cases, catalog, ontology) in an in-memory store."""
    copy = OxigraphStore(None)
    copy.raw.bulk_extend(store.raw.quads_for_pattern(None, None, None, None))
    return copy


def bench_scaling(
    folder: Path,
    work: Path,
    small: int,
    big: OxigraphStore,
    cities: int,
    actions: int,
    seed: int,
    chunk: int,
    prepared: Sequence[Prepared],
    rounds: int,
    memory: bool,
) -> None:
    """Every query on a store of the first ``small`` cities and on the full store, timed in
    interleaved rounds; the cost of a query is its best time at ``cities`` over its best time
    at ``small``. Then (``memory``) the same on in-memory copies of both stores."""
    growth = cities / small
    store = OxigraphStore(work / "small")
    for numbers in chunks(small, chunk, []):
        store.bulk_put(
            [make_city(folder, n, actions, seed, city_quads(folder, n)) for n in numbers]
        )
    settle = {}
    for name, s in (("small", store), ("full", big)):
        start = time.perf_counter()
        s.raw.optimize()
        settle[name] = time.perf_counter() - start
    print(
        f"\nScaling: flywheel query cost at {small} and at {cities} cities ({growth:.0f}x the "
        f"cities). A second store of the first {small} cities is loaded the same way; both are "
        f"compacted first (Store.optimize(), Oxigraph's advice after a batch upload: "
        f"{settle['small']:.1f} s and {settle['full']:.1f} s), so neither is timed while "
        f"RocksDB compacts in the background. Each query runs on both stores in turn, in "
        f"{rounds} interleaved rounds (order alternating; a query under "
        f"{ROUND * 1000:.0f} ms repeats to last about that long; 2 rounds when one call takes "
        f"over {VERY_SLOW:.0f} s). Cost = best time at {cities} / best time at {small} (on "
        f"a shared machine noise only adds time, so the best run is the truest); the medians' "
        f"ratio is shown beside it."
    )
    items = [*prepared, *REFERENCES]
    times, rows = _interleaved((("small", store), ("full", big)), items, rounds)
    cross, _, references = _growth_table(items, times, rows, small, cities)
    if cross:
        low, high = min(cross), max(cross)
        target(
            f"cross-city query cost grows ≤ cities ({growth:.0f}x, +{TOLERANCE - 1:.0%} noise)",
            f"{low[0]:.1f}x..{high[0]:.1f}x (the engine reading one pattern: "
            f"{references[SCAN.query.name]:.1f}x)",
            high[0] <= growth * TOLERANCE,
        )
    if memory:
        start = time.perf_counter()
        copies = (("small", _in_memory(store)), ("full", _in_memory(big)))
        copied = time.perf_counter() - start
        print(
            f"\nThe same in memory (--store memory:, for notebooks): both stores copied into "
            f"in-memory stores ({copied:.0f} s), same rounds (not a target: for information)"
        )
        times, rows = _interleaved(copies, items, rounds)
        _growth_table(items, times, rows, small, cities)
        for _, copy in copies:
            copy.close()
    store.close()


# --- main -----------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cities", type=int, default=1000, help="synthetic cities (quick: 50)")
    parser.add_argument("--actions", type=int, default=100, help="governance actions per city")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--chunk", type=int, default=50, help="cities per bulk_put call")
    parser.add_argument(
        "--workers", type=int, default=2, help="processes for generation/validation"
    )
    parser.add_argument(
        "--validate-sample", type=int, default=50, help="cities validated (0: skip)"
    )
    parser.add_argument(
        "--transactional", type=int, default=50, help="cities loaded with put_cases (0: skip)"
    )
    parser.add_argument("--batch", type=int, default=25, help="cities per put_cases call")
    parser.add_argument("--repeat", type=int, default=5, help="runs per query figure (median)")
    parser.add_argument(
        "--scale-at", type=int, default=100, help="the smaller store size for the scaling check"
    )
    parser.add_argument(
        "--no-memory", action="store_true", help="skip the scaling check on in-memory stores"
    )
    parser.add_argument("--cache-dir", type=Path, default=None, help="where city files are kept")
    parser.add_argument("--no-cache", action="store_true", help="generate into a temporary folder")
    parser.add_argument("--keep", action="store_true", help="keep the stores (prints where)")
    args = parser.parse_args()

    began = time.perf_counter()
    cities = args.cities
    small = args.scale_at if args.scale_at < cities else max(1, cities // 10)
    work = Path(tempfile.mkdtemp(prefix="flywheel-bench-store-"))
    if args.no_cache:
        folder = work / "cities"
    else:
        base = args.cache_dir or Path(tempfile.gettempdir()) / "flywheel-bench-cities"
        folder = base / generator_key(args.actions, args.seed)
    print(
        f"flywheel store benchmark: {cities} synthetic cities, {args.actions} actions each, "
        f"seed {args.seed}; pyoxigraph {ox.__version__}, pySHACL {pyshacl.__version__}, "
        f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, "
        f"load average {os.getloadavg()[0]:.1f} at start"
    )
    rss: dict[str, float] = {}
    try:
        start = time.perf_counter()
        print(ensure_cities(folder, cities, args.actions, args.seed, args.workers))
        phases = {"generation": time.perf_counter() - start}
        start = time.perf_counter()
        bench_validation(cities, args.actions, args.seed, args.validate_sample, args.workers)
        phases["validation"] = time.perf_counter() - start
        rss["validation"] = peak_rss_mb()

        queries, origin = named_queries()
        probe = case_iri(max(1, small // 2))

        start = time.perf_counter()
        stores = bench_load(folder, work, cities, args.actions, args.seed, args.chunk, small)
        rss["loading"] = peak_rss_mb()
        bench_transactional(
            folder, work, min(args.transactional, cities), args.actions, args.seed, args.batch
        )
        phases["loading"] = time.perf_counter() - start

        start = time.perf_counter()
        print(f"\nqueries from {origin}; case parameter = <{probe}>")
        prepared = prepare(queries, probe, stores.flywheel)
        bench_queries(stores.flywheel, prepared, args.repeat)
        phases["queries"] = time.perf_counter() - start
        rss["querying"] = peak_rss_mb()  # before the scaling check opens a second store
        start = time.perf_counter()
        bench_scaling(
            folder,
            work,
            small,
            stores.flywheel,
            cities,
            args.actions,
            args.seed,
            args.chunk,
            prepared,
            args.repeat,
            not args.no_memory,
        )
        phases["scaling"] = time.perf_counter() - start

        print(
            f"\nPeak RSS of this process (ru_maxrss): {rss['validation']:,.0f} MB after "
            f"validation, {rss['loading']:,.0f} MB after loading, {rss['querying']:,.0f} MB "
            f"after querying, {peak_rss_mb():,.0f} MB after the scaling check (a second store "
            f"open; resident now: {current_rss_mb():,.0f} MB); generation, validation and the "
            f"transactional load ran in other processes"
        )
        figure = f"{rss['querying']:,.0f} MB"
        if cities >= 1000:
            target(f"peak RSS < 1.5 GB ({cities} cities)", figure, rss["querying"] < 1536)
        else:
            target(f"peak RSS < 1.5 GB (set for 1000 cities; {cities} here)", figure, None)
        stores.flywheel.close()
    finally:
        if args.keep:
            print(f"stores kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)

    print("\nTargets")
    for what, figure, met in TARGETS:
        verdict = {True: "met", False: "NOT MET", None: "n/a"}[met]
        print(f"  {verdict:<8}{what:<62}{figure}")
    spent = ", ".join(f"{k} {v:.0f} s" for k, v in phases.items())
    print(f"\nwhole run: {time.perf_counter() - began:.0f} s ({spent})")


if __name__ == "__main__":
    main()
