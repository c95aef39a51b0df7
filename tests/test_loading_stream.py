"""A load of many cases (issue 18): validated in worker processes, written in input order, in
bounded memory, with the same guarantees as a load of a few.

The input is a folder of small synthetic cities (kg.synth, 8 actions each) with, where a test
says, a file with a syntax error (tests/fixtures/load/broken-case.ttl: line 13, column 48), a
case with a violation (the EpisodeStageShape fixture) and a city copied under another IRI with
the same short name. Memory is not measured here (bench/load_command.py does): what is tested
is the bound by design, that the loader reads its files lazily, never more than
:func:`kg.store.loading.in_flight` ahead of what it has validated.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import signal
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import URIRef
from rdflib.compare import isomorphic

from kg.store import CaseNameTaken, CaseStore, open_store
from kg.store.catalog import MODIFIED
from kg.store.loading import LoadProgress, WorkerStopped, check_files, in_flight, load_files
from kg.synth import case_iri, synthetic_case
from kg.vocab import CATALOG
from tests.conftest import FIXTURES, run_flywheel

pytestmark = pytest.mark.slow  # spawns validation worker processes; several seconds a test

CITIES = 12
JOBS = [1, pytest.param(2, marks=pytest.mark.slow)]  # a pool takes seconds to start
BROKEN = FIXTURES / "load" / "broken-case.ttl"
VIOLATING = FIXTURES / "shapes" / "EpisodeStageShape.ttl"
VIOLATING_IRI = "https://example.org/fixture/EpisodeStageShape"
ELSEWHERE = "https://example.org/elsewhere/city-0002"  # city-0002's short name, another IRI


@pytest.fixture(scope="module")
def cities(tmp_path_factory) -> list[Path]:
    """CITIES small synthetic cities, one file each, in name order."""
    folder = tmp_path_factory.mktemp("cities")
    files = []
    for number in range(1, CITIES + 1):
        path = folder / f"city-{number:04d}.ttl"
        synthetic_case(number, actions=8).serialize(path, format="turtle")
        files.append(path)
    return files


@pytest.fixture(scope="module")
def impostor(tmp_path_factory) -> Path:
    """City 2 again, but its case named ELSEWHERE: the same short name, 'city-0002'."""
    graph = synthetic_case(2, actions=8)
    old, new = URIRef(case_iri(2)), URIRef(ELSEWHERE)
    for s, p, o in list(graph.triples((old, None, None))):
        graph.remove((s, p, o))
        graph.add((new, p, o))
    path = tmp_path_factory.mktemp("impostor") / "elsewhere-city-0002.ttl"
    graph.serialize(path, format="turtle")
    return path


def snapshot(store: CaseStore) -> tuple[list[tuple], set[ox.Quad]]:
    """The catalog (every field but the time each case was written) and every quad but those
    of the ontology's graph (its blank nodes are new in each store) and the write times."""
    catalog = [
        tuple(v for k, v in sorted(info.as_dict().items()) if k != "loaded")
        for info in store.cases()
    ]
    ontology = store.query(
        "SELECT ?g WHERE { GRAPH ?g { ?g a <http://www.w3.org/2002/07/owl#Ontology> } }"
    )
    skip = {row["g"] for row in ontology.rows} - {ox.NamedNode(i.iri) for i in store.cases()}
    quads = {
        q
        for q in store.raw.quads_for_pattern(None, None, None, None)  # type: ignore[attr-defined]
        if q.graph_name not in skip and q.predicate != MODIFIED
    }
    return catalog, quads


@pytest.mark.slow
def test_two_jobs_give_the_same_store_as_one(cities, validator) -> None:
    files = [*cities, VIOLATING]
    one, two = open_store("memory:"), open_store("memory:")
    reports: tuple[list, list] = ([], [])
    first = load_files(one, files, validator=validator, jobs=1, on_report=reports[0].append)
    second = load_files(two, files, validator=validator, jobs=2, on_report=reports[1].append)
    expected = [case_iri(n) for n in range(1, CITIES + 1)]
    for result in (first, second):
        assert [info.iri for info in result.loaded] == expected  # written in input order
        assert [r.case for r in result.refused] == [VIOLATING_IRI]
        assert [r.case for r in result.reports] == [*expected, VIOLATING_IRI]
    # the same findings (SHACL reports list them in no fixed order), given as each file was
    # validated and not kept in the result, which counts them
    assert [set(r.findings) for r in reports[0]] == [set(r.findings) for r in reports[1]]
    assert [r.case for r in reports[0]] == [*expected, VIOLATING_IRI]
    assert [r.findings for r in first.reports] == [len(r.findings) for r in reports[0]]
    catalog, quads = snapshot(one)
    assert len(catalog) == CITIES and len(quads) > CITIES * 300
    assert snapshot(two) == (catalog, quads)
    assert isomorphic(two.case_graph(case_iri(3)), synthetic_case(3, actions=8))


@pytest.mark.slow
def test_validation_runs_in_worker_processes(cities, tmp_path) -> None:
    checked = list(check_files(cities, tmp_path, jobs=2))
    assert [c.path for c in checked] == cities
    validated_by = {c.validated_by for c in checked}
    assert os.getpid() not in validated_by and 1 <= len(validated_by) <= 2
    in_process = list(check_files(cities[:2], tmp_path, jobs=1))
    assert {c.validated_by for c in in_process} == {os.getpid()}


@pytest.mark.parametrize("jobs", JOBS)
def test_a_bad_file_in_the_middle_leaves_the_others_loaded(cities, validator, jobs) -> None:
    store = open_store("memory:")
    load_files(store, cities[:1], validator=validator)  # in the store before
    before = {q for q in store.raw.quads_for_pattern(None, None, None, ox.NamedNode(case_iri(1)))}
    middle = CITIES // 2
    files = [*cities[1:middle], BROKEN, VIOLATING, *cities[middle:]]
    result = load_files(store, files, validator=validator, jobs=jobs)
    [error] = result.unreadable
    assert (Path(error.path), error.line, error.column) == (BROKEN, 13, 48)
    assert [r.case for r in result.refused] == [VIOLATING_IRI]
    assert [i.iri for i in result.loaded] == [case_iri(n) for n in range(2, CITIES + 1)]
    assert [i.iri for i in store.cases()] == [case_iri(n) for n in range(1, CITIES + 1)]
    for iri in ("https://example.org/fixture/broken-case", VIOLATING_IRI):
        assert not store.query(f"ASK {{ GRAPH ?g {{ <{iri}> ?p ?o }} }}").boolean
        assert not store.query(f"ASK {{ GRAPH <{iri}> {{ ?s ?p ?o }} }}").boolean
    after = {q for q in store.raw.quads_for_pattern(None, None, None, ox.NamedNode(case_iri(1)))}
    assert after == before


@pytest.mark.parametrize("jobs", JOBS)
def test_one_short_name_in_two_batches_refuses_both(cities, impostor, validator, jobs) -> None:
    # city-0002 is the second file, its impostor the last: in_flight(2) files apart and more
    files = [*cities, impostor]
    assert files.index(impostor) - files.index(cities[1]) > in_flight(jobs)
    store = open_store("memory:")
    result = load_files(store, files, validator=validator, jobs=jobs)
    refusals = {error.iri: error for error in result.refused_names}
    assert set(refusals) == {case_iri(2), ELSEWHERE}
    for error in refusals.values():
        assert isinstance(error, CaseNameTaken)
        assert "2 cases of this load go by the same short name 'city-0002'" in error.reason
        assert error.reason.endswith("none of them was loaded")
    assert refusals[ELSEWHERE].holder == case_iri(2) and refusals[ELSEWHERE].source == str(impostor)
    stored = [i.iri for i in store.cases()]
    assert stored == [case_iri(n) for n in range(1, CITIES + 1) if n != 2]
    assert not store.query(f"ASK {{ GRAPH <{ELSEWHERE}> {{ ?s ?p ?o }} }}").boolean
    assert not store.query(f"ASK {{ GRAPH <{case_iri(2)}> {{ ?s ?p ?o }} }}").boolean


@pytest.mark.parametrize("jobs", JOBS)
def test_the_loader_reads_its_files_lazily(cities, validator, jobs) -> None:
    pulled: list[Path] = []
    ahead: list[int] = []

    def files() -> Iterator[Path]:
        for path in cities:
            pulled.append(path)
            yield path

    def progress(state: LoadProgress) -> None:
        if state.to_write is None:  # a file validated: how many more have been read?
            ahead.append(len(pulled) - state.files)

    store = open_store("memory:")
    result = load_files(store, files(), validator=validator, progress=progress, jobs=jobs)
    assert len(result.loaded) == CITIES and len(ahead) == CITIES
    assert max(ahead) <= in_flight(jobs) - 1
    assert ahead[-1] == 0


def test_a_store_refusal_keeps_its_message_and_the_rest_loads(cities, impostor, validator) -> None:
    store = open_store("memory:")
    load_files(store, cities[1:2], validator=validator)  # city-0002 is in the store
    result = load_files(store, [impostor, *cities[2:4]], validator=validator, jobs=1)
    [error] = result.refused_names
    assert isinstance(error, CaseNameTaken) and error.holder == case_iri(2)
    assert "is already held by the case" in error.reason and "in this store" in error.reason
    assert [i.iri for i in result.loaded] == [case_iri(3), case_iri(4)]


def test_the_catalog_says_when_each_case_was_written(cities, validator) -> None:
    store = open_store("memory:")
    [info] = load_files(store, cities[:1], validator=validator).loaded
    assert info.loaded and info.triples == len(synthetic_case(1, actions=8))
    stamps = store.query(
        f"SELECT ?t WHERE {{ GRAPH <{CATALOG}> {{ <{case_iri(1)}> <{MODIFIED.value}> ?t }} }}"
    )
    assert [row["t"].value for row in stamps.rows] == [info.loaded]


def test_blank_nodes_of_two_files_stay_two_nodes(tmp_path, validator) -> None:
    """Both files say `_:a` (parsers keep the label): two nodes in the store, not one."""
    text = (VIOLATING.read_text(encoding="utf-8")).replace(
        "EpisodeStageShape>", "EpisodeStageShape-{n}>"
    )
    files = []
    for n in (1, 2):
        path = tmp_path / f"case-{n}.ttl"
        path.write_text(text.replace("{n}", str(n)) + "\n_:a <urn:x:p> <urn:x:o> .\n", "utf-8")
        files.append(path)
    store = open_store("memory:")
    result = load_files(store, files, validator=validator, force=True)
    assert len(result.loaded) == 2
    rows = store.query("SELECT DISTINCT ?b WHERE { GRAPH ?g { ?b <urn:x:p> <urn:x:o> } }").rows
    assert len(rows) == 2


@pytest.mark.slow
def test_cli_load_with_jobs_piped_prints_no_bar(cities, tmp_path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    for path in cities:
        shutil.copy(path, folder / path.name)
    shutil.copy(BROKEN, folder / "city-0006-broken.ttl")
    store = str(tmp_path / "store")
    result = run_flywheel("load", str(folder), "--store", store, "--jobs", "2")
    assert result.returncode == 2, result.stdout + result.stderr
    assert (
        result.stderr
        == f"unreadable: {folder / 'city-0006-broken.ttl'}, line 13, column 48: "
        + (result.stderr.split(": ", 2)[2])
    )
    assert result.stderr.count("\n") == 1  # the one unreadable file: no bar, nothing else
    last = result.stdout.splitlines()[-1]
    assert last.startswith(
        f"Loaded {CITIES} case(s) (0 replaced), refused 0, unreadable 1 file(s)."
    )
    again = run_flywheel("load", str(folder), "--store", store, "--jobs", "1")
    assert f"Loaded {CITIES} case(s) ({CITIES} replaced)" in again.stdout


@pytest.mark.slow
def test_a_worker_that_dies_stops_the_load_and_the_same_load_completes_it(
    cities, validator
) -> None:
    store = open_store("memory:")
    killed: list[int] = []
    before = {child.pid for child in multiprocessing.active_children()}

    def progress(state: LoadProgress) -> None:
        if not killed:  # the first file is validated: kill one of the load's workers
            [worker, *_] = [c for c in multiprocessing.active_children() if c.pid not in before]
            os.kill(worker.pid, signal.SIGKILL)
            killed.append(worker.pid)

    with pytest.raises(WorkerStopped) as stopped:
        load_files(store, cities, validator=validator, progress=progress, jobs=2)
    assert killed
    written = [i.iri for i in store.cases()]
    # the new cases validated before it stopped, in input order, each whole; nothing else
    assert written == [case_iri(n) for n in range(1, len(written) + 1)]
    assert len(written) < CITIES
    said = f"the {len(written)} new case(s) validated before it were written, each whole"
    assert (said if written else "nothing was written") in str(stopped.value)
    assert "run the same load again" in str(stopped.value) or not written
    for iri in written:
        number = int(iri.rsplit("-", 1)[1])
        assert isomorphic(store.case_graph(iri), synthetic_case(number, actions=8))
    result = load_files(store, cities, validator=validator, jobs=2)
    assert result.ok and [i.iri for i in store.cases()] == [
        case_iri(n) for n in range(1, CITIES + 1)
    ]


def test_new_cases_are_written_as_they_are_validated_replacements_at_the_end(
    cities, validator
) -> None:
    store = open_store("memory:")
    seen: list[tuple[int, int, int | None]] = []

    def progress(state: LoadProgress) -> None:
        seen.append((state.files, state.written, state.to_write))

    load_files(store, cities[:4], validator=validator, progress=progress)
    # a new store: each case written as soon as its file is validated
    assert seen == [(n, n, None) for n in range(1, 5)]
    seen.clear()
    result = load_files(store, cities[2:6], validator=validator, progress=progress)
    # cities 3 and 4 replace what the store holds: written after every file is validated
    assert seen[:4] == [(1, 0, None), (2, 0, None), (3, 1, None), (4, 2, None)]
    assert seen[4:] == [(4, 3, 2), (4, 4, 2)]
    assert [i.iri for i in result.loaded] == [case_iri(n) for n in (5, 6, 3, 4)]


def test_a_case_written_early_is_removed_when_a_later_one_claims_its_name(
    cities, impostor, validator
) -> None:
    store = open_store("memory:")
    written: list[list[str]] = []

    def progress(state: LoadProgress) -> None:
        written.append([i.iri for i in store.cases()])

    result = load_files(store, [cities[1], impostor], validator=validator, progress=progress)
    assert written[0] == [case_iri(2)]  # written when validated
    assert written[1] == []  # removed when the impostor claimed its short name
    assert {e.iri for e in result.refused_names} == {case_iri(2), ELSEWHERE}
    assert not result.loaded and store.cases() == []
    assert not store.query(
        "ASK { GRAPH ?g { ?s ?p ?o } FILTER (?g != <https://w3id.org/dataflywheel/ontology>) }"
    ).boolean


def test_a_new_case_whose_name_the_store_gives_another_waits_and_both_are_refused(
    cities, impostor, validator
) -> None:
    """The impostor (new to the store) comes first, city-0002 (in the store) second: the order
    of the files decides nothing, as when all were written at the end."""
    store = open_store("memory:")
    load_files(store, cities[1:2], validator=validator)
    before = set(store.raw.quads_for_pattern(None, None, None, ox.NamedNode(case_iri(2))))
    result = load_files(store, [impostor, cities[1]], validator=validator)
    assert {e.iri for e in result.refused_names} == {case_iri(2), ELSEWHERE}
    assert all("2 cases of this load" in e.reason for e in result.refused_names)
    assert not result.loaded and [i.iri for i in store.cases()] == [case_iri(2)]
    assert set(store.raw.quads_for_pattern(None, None, None, ox.NamedNode(case_iri(2)))) == before
