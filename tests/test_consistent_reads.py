"""Consistent reads: while a writer replaces a case over and over, every read sees it whole,
the old version or the new one, never a mix.

Two versions of City A: each puts a marker literal (``rdfs:comment "flywheel-consistency-A"``
or ``…-B``) on every node, and version B also has 40 extra nodes, so the versions differ in
size. A read shows exactly one marker, the triple count of that version, and a catalog entry
(triple count) that agrees with it. Tested over HTTP (a writer PUTting with the token, readers
fetching the graph as N-Triples, counting through ``/sparql`` and listing ``/cases``) and in the
library (one OxigraphStore shared by a writer thread and reader threads; pyoxigraph releases the
GIL, so they really interleave).
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import httpx
import pyoxigraph as ox
import pytest

from kg.paths import bundled_case_files
from kg.rdf.read import parse_cases
from kg.store import CATALOG, OxigraphStore
from tests.conftest import API_TOKEN
from tests.servers import api_server, marks_its_users

CASE = "https://w3id.org/dataflywheel/case/city-a"
COMMENT = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#comment")
LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
MARK = "flywheel-consistency-"
# The longest the readers and the writer run: generous, it only ends a test whose reads never
# see both versions (each test stops as soon as they have, and enough writes were made).
WAIT = 300.0
READERS = 4

READ_QUERY = f"""
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX void: <http://rdfs.org/ns/void#>
SELECT ?n ?m ?catalog WHERE {{
  {{ SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{CASE}> {{ ?s ?p ?o }} }} }}
  {{ SELECT DISTINCT ?m WHERE {{
       GRAPH <{CASE}> {{ ?x rdfs:comment ?m FILTER(STRSTARTS(STR(?m), "{MARK}")) }} }} }}
  OPTIONAL {{ GRAPH <{CATALOG}> {{ <{CASE}> void:triples ?catalog }} }}
}}"""


def _versions() -> dict[str, bytes]:
    """The two versions as N-Triples: City A's triples, a marker on every subject, and in B
    40 extra labelled nodes."""
    path = next(p for p in bundled_case_files() if p.name == "city-a.ttl")
    triples = {q.triple for q in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE)}
    out = {}
    for version, extra in (("A", 0), ("B", 40)):
        marker = ox.Literal(MARK + version)
        body = set(triples)
        for number in range(extra):
            node = ox.NamedNode(f"{CASE}/consistency-extra-{number}")
            body.add(ox.Triple(node, LABEL, ox.Literal(f"extra node {number}", language="en")))
        body |= {ox.Triple(t.subject, COMMENT, marker) for t in list(body)}
        out[version] = ox.serialize(sorted(body, key=str), format=ox.RdfFormat.N_TRIPLES)
    return out


VERSIONS = _versions()
# The triple count of each version, from the bodies themselves (a set of triples each).
SIZES = {
    v: len(list(ox.parse(data, format=ox.RdfFormat.N_TRIPLES))) for v, data in VERSIONS.items()
}


def test_the_versions_differ_in_size_and_marker() -> None:
    assert SIZES["B"] > SIZES["A"] > 100
    assert SIZES["B"] - SIZES["A"] == 80  # 40 nodes, each with a label and a marker


@dataclass
class Tally:
    """What the readers saw, and every read that was not one whole version."""

    seen: Counter = field(default_factory=Counter)
    wrong: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def saw(self, kind: str, version: str | None, problem: str | None = None) -> None:
        with self.lock:
            self.seen[(kind, version)] += 1
            if problem:
                self.wrong.append(f"{kind}: {problem}")


def _check_graph(data: bytes) -> tuple[str | None, str | None]:
    """The version an N-Triples graph shows, and what is wrong with it (None if whole)."""
    triples = list(ox.parse(data, format=ox.RdfFormat.N_TRIPLES))
    markers = {t.object.value for t in triples if t.predicate == COMMENT and MARK in str(t.object)}
    if len(markers) != 1:
        return None, f"markers {sorted(markers)} in one read"
    version = markers.pop().removeprefix(MARK)
    subjects = {t.subject for t in triples}
    marked = {t.subject for t in triples if t.predicate == COMMENT and MARK in str(t.object)}
    if len(triples) != SIZES[version] or marked != subjects:
        return version, f"version {version} with {len(triples)} triples, {len(marked)} marked"
    return version, None


def _check_rows(rows: list[tuple[int, str, int | None]]) -> tuple[str | None, str | None]:
    """The version a (count, marker, catalog count) answer shows, and what is wrong."""
    markers = {m for _, m, _ in rows}
    if len(markers) != 1:
        return None, f"markers {sorted(markers)} in one answer"
    version = markers.pop().removeprefix(MARK)
    counts = {(n, c) for n, _, c in rows}
    if counts != {(SIZES[version], SIZES[version])}:
        return version, f"version {version}: (graph, catalog) counts {counts}"
    return version, None


def _run(
    writer: Callable[[int], None],
    readers: list[Callable[[], None]],
    tally: Tally,
    kinds: tuple[str, ...],
    writes_wanted: int,
) -> None:
    """Run the writer (alternating versions) and the readers together until every kind of read
    has seen both versions and the writer has replaced the case ``writes_wanted`` times, or a
    read went wrong, or ``WAIT`` seconds passed. Nothing here is timed: on a busy machine it
    simply takes longer, and the test then checks what the readers saw."""
    stop = threading.Event()
    writes = [0]

    def write_loop() -> None:
        try:
            while not stop.is_set():
                writer(writes[0])
                writes[0] += 1
        except Exception as error:  # reported by the test, not lost in a thread
            tally.errors.append(f"writer: {error!r}")

    def read_loop(read: Callable[[], None]) -> None:
        try:
            while not stop.is_set():
                read()
        except Exception as error:
            tally.errors.append(f"reader: {error!r}")

    def enough() -> bool:
        with tally.lock:
            if tally.errors or tally.wrong:
                return True
            both = all(tally.seen[(kind, "A")] and tally.seen[(kind, "B")] for kind in kinds)
        return both and writes[0] >= writes_wanted

    threads = [threading.Thread(target=write_loop)]
    threads += [threading.Thread(target=read_loop, args=(r,)) for r in readers]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + WAIT
    while not enough() and time.monotonic() < deadline:
        time.sleep(0.05)
    stop.set()
    for thread in threads:
        thread.join(timeout=WAIT)
    assert not any(thread.is_alive() for thread in threads), "a reader or the writer hung"


# --- over HTTP -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
@marks_its_users("server")
def server(bundled_store, tmp_path_factory) -> Iterator[str]:
    import shutil

    folder = tmp_path_factory.mktemp("consistent")
    shutil.copytree(bundled_store, folder / "store")
    env = {"FLYWHEEL_API_TOKEN": API_TOKEN, "FLYWHEEL_WORKERS": "3", "FLYWHEEL_DEADLINE": "60"}
    with api_server(folder / "store", folder / "server.log", env) as url:
        yield url


def test_http_readers_see_each_case_whole(server: str) -> None:
    tally = Tally()
    auth = {"Authorization": f"Bearer {API_TOKEN}", "Content-Type": "application/n-triples"}

    def put(number: int) -> None:
        version = "AB"[number % 2]
        answer = httpx.put(
            f"{server}/cases/city-a?force=true", content=VERSIONS[version], headers=auth, timeout=60
        )
        assert answer.status_code in (200, 201), answer.text

    put(0)  # from here on the store holds one of the two versions

    def read_graph() -> None:
        answer = httpx.get(
            f"{server}/cases/city-a/graph", headers={"Accept": "application/n-triples"}, timeout=60
        )
        assert answer.status_code == 200, answer.text
        tally.saw("graph", *_check_graph(answer.content))

    def read_sparql() -> None:
        answer = httpx.post(
            f"{server}/sparql",
            content=READ_QUERY,
            headers={"Content-Type": "application/sparql-query", "Accept": "application/json"},
            timeout=60,
        )
        assert answer.status_code == 200, answer.text
        rows = [
            (
                int(b["n"]["value"]),
                b["m"]["value"],
                int(b["catalog"]["value"]) if "catalog" in b else None,
            )
            for b in answer.json()["results"]["bindings"]
        ]
        tally.saw("sparql", *_check_rows(rows))

    def read_catalog() -> None:
        answer = httpx.get(f"{server}/cases", timeout=60)
        assert answer.status_code == 200, answer.text
        entry = [c for c in answer.json()["cases"] if c["id"] == "city-a"]
        found = {v for v, n in SIZES.items() if entry and entry[0]["triples"] == n}
        version = found.pop() if len(found) == 1 else None
        tally.saw("catalog", version, None if version else f"catalog entry {entry}")

    readers = [read_graph, read_sparql, read_catalog, read_graph]
    kinds = ("graph", "sparql", "catalog")
    _run(put, readers, tally, kinds, writes_wanted=10)
    assert not tally.errors, tally.errors[:5]
    assert not tally.wrong, tally.wrong[:5]
    for kind in kinds:  # each kind of read saw both versions: reads ran while writes did
        assert tally.seen[(kind, "A")] and tally.seen[(kind, "B")], tally.seen


# --- the library ---------------------------------------------------------------------------------


def test_library_readers_see_each_case_whole(tmp_path) -> None:
    """One on-disk OxigraphStore shared by a writer thread (put_cases, alternating versions)
    and reader threads (one SPARQL query over graph and catalog; the graph's quads; the
    catalog)."""
    cases = {
        v: parse_cases(data, ox.RdfFormat.N_TRIPLES, f"version {v}")[0]
        for v, data in VERSIONS.items()
    }
    tally = Tally()
    store = OxigraphStore(tmp_path / "store")
    try:
        store.put_cases([cases["A"]])

        def put(number: int) -> None:
            store.put_cases([cases["AB"[number % 2]]])

        def read_query() -> None:
            rows = [
                (
                    int(r["n"].value),
                    r["m"].value,
                    int(r["catalog"].value) if r.get("catalog") else None,
                )
                for r in store.query(READ_QUERY).rows
            ]
            tally.saw("query", *_check_rows(rows))

        def read_quads() -> None:
            quads = store.raw.quads_for_pattern(None, None, None, ox.NamedNode(CASE))
            data = ox.serialize([q.triple for q in quads], format=ox.RdfFormat.N_TRIPLES)
            tally.saw("quads", *_check_graph(data))

        def read_catalog() -> None:
            info = store.cases(only=[CASE])
            found = {v for v, n in SIZES.items() if info and info[0].triples == n}
            version = found.pop() if len(found) == 1 else None
            tally.saw("catalog", version, None if version else f"catalog {info}")

        kinds = ("query", "quads", "catalog")
        readers = [read_query, read_quads, read_catalog, read_query]
        _run(put, readers, tally, kinds, writes_wanted=10)
    finally:
        store.close()
    assert not tally.errors, tally.errors[:5]
    assert not tally.wrong, tally.wrong[:5]
    for kind in kinds:  # each kind of read saw both versions: reads ran while writes did
        assert tally.seen[(kind, "A")] and tally.seen[(kind, "B")], tally.seen
