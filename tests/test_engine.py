"""The API's query engine: real worker processes over real snapshots of a real on-disk store.

What must hold: a read sees the latest committed write; a read past its deadline is stopped
(its worker killed and replaced) while other reads go on; a full waiting line is refused; and a
reader never sees a case half-written while a writer replaces it over and over.
"""

from __future__ import annotations

import asyncio
import time

import pytest

from api.engine import Busy, DeadlineExceeded, Engine, WorkFailed
from kg.rdf.read import CaseGraph
from kg.store import CaseStore

# Each test starts its own pool of worker processes, and several wait out a deadline.
pytestmark = pytest.mark.slow

CASE = "https://w3id.org/dataflywheel/case/engine-test"
EX = "https://example.org/engine-test/"
# The longest any wait here lasts (s): generous for a busy machine; each wait ends as soon as
# what it waits for happens.
WAIT = 120


# --- work sent to the workers (module level: pickled by name) ----------------------------------


def case_count(store: CaseStore) -> int:
    return len(store.cases())


def runaway(store: CaseStore) -> int:
    """A query that runs for minutes on the bundled cases (a three-way cartesian product)."""
    result = store.query(
        "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?a ?b ?c . ?d ?e ?f . ?h ?i ?j } }"
    )
    return int(result.rows[0]["n"].value)


def counted_case_count(store: CaseStore, tally: str) -> int:
    """case_count, noting each time it runs as a line of the file ``tally``."""
    with open(tally, "a") as noted:
        noted.write("read\n")
    return case_count(store)


def slow_counted_case_count(store: CaseStore, tally: str, seconds: float) -> int:
    """counted_case_count, after ``seconds``."""
    time.sleep(seconds)
    return counted_case_count(store, tally)


def _reads(tally) -> int:
    """How many times counted_case_count has run with the file ``tally``."""
    return len(tally.read_text().splitlines()) if tally.exists() else 0


async def _refreshed(engine: Engine) -> None:
    """Wait until the engine's background refresh of its kept reads has ended."""
    for _ in range(WAIT * 20):
        if engine._refresher is not None and engine._refresher.done():
            return
        await asyncio.sleep(0.05)


def fail(store: CaseStore) -> None:
    raise LookupError("no such thing")


class Stubborn(Exception):
    """An exception whose class cannot be rebuilt from its message (so pickle cannot)."""

    def __init__(self, a: str, b: str) -> None:
        super().__init__(f"needs two arguments: {a}, {b}")


def fail_unpicklable(store: CaseStore) -> None:
    raise Stubborn("a", "b")


def versions_seen(store: CaseStore) -> tuple[set[str], int, int]:
    """The versions the case's triples carry, its triple count, and the catalog's count."""
    rows = store.query(f"SELECT ?v WHERE {{ GRAPH <{CASE}> {{ ?s <{EX}version> ?v }} }}").rows
    info = store.cases(only=[CASE])
    catalog = info[0].triples if info else 0
    graph = len(store.query(f"SELECT * WHERE {{ GRAPH <{CASE}> {{ ?s ?p ?o }} }}").rows)
    return {row["v"].value for row in rows}, graph, catalog


def put_version(store: CaseStore, version: int, size: int) -> None:
    """Replace the test case by one whose every item carries ``version`` (size varies, so a
    mixed read would also show as a catalog/graph count mismatch)."""
    from rdflib import Graph, Literal, URIRef
    from rdflib.namespace import OWL, RDF

    graph = Graph()
    graph.add((URIRef(CASE), RDF.type, OWL.Ontology))
    graph.add((URIRef(CASE), URIRef(f"{EX}version"), Literal(str(version))))
    for item in range(size):
        graph.add((URIRef(f"{EX}item{item}"), URIRef(f"{EX}version"), Literal(str(version))))
    store.put_cases([CaseGraph(CASE, "engine-test.ttl", graph)])


# --- tests -----------------------------------------------------------------------------------


@pytest.fixture
def engine(bundled_store, tmp_path):
    import shutil

    shutil.copytree(bundled_store, tmp_path / "store")
    made = Engine(str(tmp_path / "store"), workers=2, deadline=3.0, max_waiting=4)
    yield made
    made.close()


def test_reads_see_the_bundled_cases_and_then_each_write(engine):
    async def scenario():
        before = await engine.read(case_count)
        await engine.write(put_version, 1, 5)
        after = await engine.read(case_count)
        seen = await engine.read(versions_seen)
        return before, after, seen

    before, after, seen = asyncio.run(scenario())
    assert before == 3  # city-a, hangzhou, shanghai
    assert after == 4
    # 1 ontology-typing triple + 1 version of the case + 5 items = 7 triples
    assert seen == ({"1"}, 7, 7)


def test_a_read_past_its_deadline_is_stopped_while_others_answer(engine):
    async def scenario():
        async def fast_later():
            await asyncio.sleep(0.5)
            started = time.monotonic()
            count = await engine.read(case_count)
            return count, time.monotonic() - started

        started = time.monotonic()
        slow, fast = await asyncio.gather(
            engine.read(runaway), fast_later(), return_exceptions=True
        )
        slow_took = time.monotonic() - started
        pids = [w.process.pid for w in engine._workers]
        alive = [w.process.is_alive() for w in engine._workers]
        again = await engine.read(case_count)
        return slow, slow_took, fast, pids, alive, again

    slow, slow_took, fast, pids, alive, again = asyncio.run(scenario())
    assert isinstance(slow, DeadlineExceeded)
    assert slow_took > 2.5  # stopped at its 3 s deadline, not before (the error says it stopped)
    count, fast_took = fast
    assert count == 3
    assert fast_took < slow_took  # answered while the runaway query was still running
    assert len(set(pids)) == 2 and all(alive)  # the killed worker was replaced
    assert again == 3


def test_the_killed_worker_really_stops(engine):
    async def scenario():
        victim = None

        async def watch():
            nonlocal victim
            for _ in range(WAIT * 20):  # until the runaway read has a worker
                busy = [w for w in engine._workers if w.location]
                if busy:
                    victim = busy[0].process
                    return
                await asyncio.sleep(0.05)

        result = await asyncio.gather(engine.read(runaway), watch(), return_exceptions=True)
        return result[0], victim

    outcome, victim = asyncio.run(scenario())
    assert isinstance(outcome, DeadlineExceeded)
    assert victim is not None
    victim.join(timeout=WAIT)
    assert not victim.is_alive()


def test_a_full_waiting_line_is_refused(bundled_store, tmp_path):
    import shutil

    shutil.copytree(bundled_store, tmp_path / "store")
    engine = Engine(str(tmp_path / "store"), workers=1, deadline=2.0, max_waiting=0)

    async def scenario():
        async def second():
            await asyncio.sleep(0.5)
            return await engine.read(case_count)

        return await asyncio.gather(engine.read(runaway), second(), return_exceptions=True)

    try:
        slow, refused = asyncio.run(scenario())
    finally:
        engine.close()
    assert isinstance(slow, DeadlineExceeded)
    assert isinstance(refused, Busy) and refused.retry_after >= 1


def test_errors_in_the_work_come_back_as_themselves(engine):
    with pytest.raises(LookupError, match=r"^no such thing$"):
        asyncio.run(engine.read(fail))


def test_an_error_that_cannot_travel_comes_back_by_kind(engine):
    with pytest.raises(WorkFailed) as caught:
        asyncio.run(engine.read(fail_unpicklable))
    assert caught.value.kind == "Stubborn"
    assert caught.value.message == "needs two arguments: a, b"


def test_readers_never_see_a_case_half_written(engine):
    """A writer replaces the case 30 times with versions of different sizes; readers in both
    workers read it throughout. Each read must show one version only, with the catalog's
    triple count equal to the graph's."""

    async def scenario():
        await engine.write(put_version, 0, 3)
        observations = []
        done = asyncio.Event()

        async def writer():
            for version in range(1, 31):
                await engine.write(put_version, version, 3 + (version % 7) * 40)
                # wait for a read to finish after this write (on a loaded machine a worker's
                # first read is slow), so that reads really happen between and during the writes
                seen = len(observations)
                for _ in range(WAIT * 20):
                    if len(observations) > seen:
                        break
                    await asyncio.sleep(0.05)
                else:
                    raise AssertionError(f"no read finished within {WAIT} s of write {version}")
            done.set()

        async def reader():
            while not done.is_set():
                observations.append(await engine.read(versions_seen))

        await asyncio.gather(writer(), reader(), reader())
        return observations, await engine.read(versions_seen)

    observations, after = asyncio.run(scenario())
    assert observations  # at least one after each write: the writer waited for them
    for versions, graph, catalog in observations:
        assert len(versions) == 1, versions
        assert graph == catalog
    assert after[0] == {"30"}  # once the writer is done, a read sees its last version


def test_old_snapshots_are_removed(engine, tmp_path):
    async def scenario():
        for version in range(6):
            await engine.write(put_version, version, 2)
            await engine.read(case_count)

    asyncio.run(scenario())
    snapshots = list(engine._scratch.glob("snapshot-*"))
    assert 1 <= len(snapshots) <= 3  # the current one and at most one per worker


def test_memory_location_is_served_from_a_private_folder(tmp_path):
    engine = Engine("memory:", workers=1, deadline=5.0)
    scratch = engine._scratch
    try:
        assert asyncio.run(engine.read(case_count)) == 0
        asyncio.run(engine.write(put_version, 1, 1))
        assert asyncio.run(engine.read(case_count)) == 1
    finally:
        engine.close()
    assert not scratch.exists()


def test_snapshot_reads_match_the_store(engine):
    """A worker reading the snapshot and the writable store itself give the same answer."""
    assert asyncio.run(engine.read(case_count)) == 3  # city-a, hangzhou, shanghai
    assert len(engine.store.cases()) == 3


def test_a_kept_read_is_read_again_after_a_write_before_it_is_asked(engine, tmp_path):
    """A read asked with keep by two requests at once is read once, and kept until a write;
    after the write it is read again in the background from the new snapshot, so that the
    next request is answered with the new count without a worker reading anything."""
    tally = tmp_path / "tally"

    async def scenario():
        first, twin = await asyncio.gather(
            engine.read(counted_case_count, str(tally), keep=True),
            engine.read(counted_case_count, str(tally), keep=True),
        )
        assert twin == first
        again = await engine.read(counted_case_count, str(tally), keep=True)
        assert _reads(tally) == 1  # asked three times, twice at once: read once
        await engine.write(put_version, 1, 5)
        for _ in range(WAIT * 20):  # the refresh reads it from the new snapshot
            if _reads(tally) == 2:
                break
            await asyncio.sleep(0.05)
        refreshed = _reads(tally)
        await _refreshed(engine)  # and keeps what it read
        after = await engine.read(counted_case_count, str(tally), keep=True)
        return first, again, refreshed, after

    first, again, refreshed, after = asyncio.run(scenario())
    assert (first, again) == (3, 3)
    assert refreshed == 2  # read again after the write, before anyone asked
    assert after == 4  # the case written shows at once
    assert _reads(tally) == 2  # the request after the write was answered with the refresh's result


def test_a_warmed_read_is_ready_before_it_is_first_asked(engine, tmp_path):
    """What the server warms as it starts (/compare) is read in the background at once, and
    the first request for it is answered with that result, not by a second read; a write
    afterwards refreshes it like any kept read."""
    tally = tmp_path / "tally"

    async def scenario():
        ended = await engine.warm(counted_case_count, str(tally), wait=WAIT)
        warmed = _reads(tally)
        assert ended
        first = await engine.read(counted_case_count, str(tally), keep=True)
        asked_once = _reads(tally)
        await engine.write(put_version, 1, 5)
        await _refreshed(engine)
        after = await engine.read(counted_case_count, str(tally), keep=True)
        return warmed, first, asked_once, after

    warmed, first, asked_once, after = asyncio.run(scenario())
    assert warmed == 1  # read before anyone asked
    assert (first, asked_once) == (3, 1)  # the first request took the warmed result
    assert after == 4 and _reads(tally) == 2  # refreshed after the write, once


def test_warming_waits_no_longer_than_it_is_told(engine, tmp_path):
    """The server waits a bounded time for its warm-up read before it opens its port; a read
    that takes longer goes on in the background, and the first request takes its result."""
    tally = tmp_path / "tally"

    async def scenario():
        ended = await engine.warm(slow_counted_case_count, str(tally), 1.5, wait=0.1)
        first = await engine.read(slow_counted_case_count, str(tally), 1.5, keep=True)
        return ended, first

    ended, first = asyncio.run(scenario())
    assert not ended  # 0.1 s passed first
    assert first == 3 and _reads(tally) == 1  # the request waited for the read under way


def test_warming_is_a_setting_of_the_server(monkeypatch):
    """FLYWHEEL_WARM (flywheel serve --warm/--no-warm) turns the warm-up on or off; a value
    that is not a yes or a no is refused with the variable's name."""
    from api.settings import Settings

    assert Settings.from_env().warm is True
    monkeypatch.setenv("FLYWHEEL_WARM", "0")
    assert Settings.from_env().warm is False
    monkeypatch.setenv("FLYWHEEL_WARM", "true")
    assert Settings.from_env().warm is True
    monkeypatch.setenv("FLYWHEEL_WARM", "maybe")
    with pytest.raises(ValueError, match="FLYWHEEL_WARM"):
        Settings.from_env()


def test_the_server_waits_for_its_workers_to_start(engine):
    """Engine.started (awaited before the server opens its port) returns once each worker
    has said it started; one that died instead is replaced by one that has started."""
    assert not any(worker.ready for worker in engine._workers)  # nobody has asked them yet
    dead = engine._workers[0]
    dead.process.kill()
    dead.process.join()

    async def scenario():
        started = await engine.started()
        return started, await engine.read(case_count), await engine.read(case_count)

    started, *counts = asyncio.run(scenario())
    assert started == 2 and all(worker.ready for worker in engine._workers)
    assert dead not in engine._workers
    assert counts == [3, 3]
