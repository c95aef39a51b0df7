"""Loading case files into a store, through the library and through the real command line.

A folder holds, in alphabetical order: a good case, a file with a Turtle syntax error, a case
with a violation, and another good case. Expected values (line numbers, shapes, IRIs, counts)
are read off the fixture files by hand.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

from kg.rdf.read import read_cases
from kg.store import open_store
from kg.store.loading import expand_paths, load_files
from tests.conftest import FIXTURES, REPO, run_flywheel
from tests.servers import Listener

CASES_DIR = REPO / "kg" / "cases"
CASE = "https://w3id.org/dataflywheel/case/"
ONTOLOGY = "https://w3id.org/dataflywheel/ontology"
BROKEN = FIXTURES / "load" / "broken-case.ttl"  # a syntax error on line 13, column 48
VIOLATING = FIXTURES / "shapes" / "EpisodeStageShape.ttl"  # ep-1 names no fw:ofStage
VIOLATING_IRI = "https://example.org/fixture/EpisodeStageShape"
BROKEN_IRI = "https://example.org/fixture/broken-case"
EPISODES_PER_CASE = 4  # each bundled file types four nodes `a fw:StageEpisode`


def mixed_folder(root: Path) -> Path:
    """a-city-a.ttl (good), b-broken.ttl (syntax error), c-violating.ttl, d-shanghai.ttl (good),
    and a README that is no RDF file."""
    folder = root / "cases"
    folder.mkdir()
    shutil.copy(CASES_DIR / "city-a.ttl", folder / "a-city-a.ttl")
    shutil.copy(BROKEN, folder / "b-broken.ttl")
    shutil.copy(VIOLATING, folder / "c-violating.ttl")
    shutil.copy(CASES_DIR / "shanghai.ttl", folder / "d-shanghai.ttl")
    (folder / "README").write_text("not RDF\n", encoding="utf-8")
    return folder


def bad_folder(root: Path) -> Path:
    folder = root / "bad"
    folder.mkdir()
    shutil.copy(BROKEN, folder / "b-broken.ttl")
    shutil.copy(VIOLATING, folder / "c-violating.ttl")
    return folder


def file_graph(path: Path) -> Graph:
    return Graph().parse(path, format="turtle")


def all_quads(raw: ox.Store) -> set[ox.Quad]:
    return set(raw.quads_for_pattern(None, None, None, None))


def folder_quads(folder: Path) -> set[ox.Quad]:
    """Every quad of an embedded store folder, read with pyoxigraph directly (then released)."""
    raw = ox.Store(str(folder))
    try:
        return all_quads(raw)
    finally:
        del raw


def case_iris(store) -> list[str]:
    return [info.iri for info in store.cases()]


# --- the library: load_files into an in-memory store ------------------------------------------


def test_expand_paths(tmp_path) -> None:
    folder = mixed_folder(tmp_path)
    names = [p.name for p in expand_paths([folder])]
    assert names == ["a-city-a.ttl", "b-broken.ttl", "c-violating.ttl", "d-shanghai.ttl"]
    assert [p.name for p in expand_paths([f"{folder}/*-s*.ttl", folder / "a-city-a.ttl"])] == [
        "d-shanghai.ttl",
        "a-city-a.ttl",
    ]
    assert expand_paths([f"{folder}/*.nt"]) == []
    assert [p.name for p in expand_paths([folder / "README"])] == ["README"]  # named: kept


def test_good_cases_load_and_bad_ones_do_not(tmp_path, validator) -> None:
    store = open_store("memory:")
    result = load_files(store, expand_paths([mixed_folder(tmp_path)]), validator=validator)
    assert [i.iri for i in result.loaded] == [CASE + "city-a", CASE + "shanghai"]
    assert not result.ok
    [error] = result.unreadable
    assert Path(error.path).name == "b-broken.ttl"
    assert (error.line, error.column) == (13, 48)
    [refused] = result.refused
    assert refused.case == VIOLATING_IRI and Path(refused.source).name == "c-violating.ttl"
    assert "fws:EpisodeStageShape" in {
        f.shape for f in refused.findings if f.severity.name == "VIOLATION"
    }
    assert case_iris(store) == [CASE + "city-a", CASE + "shanghai"]
    graphs = store.query("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
    assert {r["g"].value for r in graphs.rows} == {
        CASE + "city-a",
        CASE + "shanghai",
        ONTOLOGY,
        "https://w3id.org/dataflywheel/catalog",
    }
    for iri in (VIOLATING_IRI, BROKEN_IRI):
        assert store.query(f"ASK {{ GRAPH ?g {{ <{iri}> ?p ?o }} }}").boolean is False


def test_a_load_of_only_bad_files_changes_nothing(tmp_path, validator) -> None:
    files = expand_paths([bad_folder(tmp_path)])
    empty = open_store("memory:")
    result = load_files(empty, files, validator=validator)
    assert result.loaded == [] and len(result.unreadable) == 1 and len(result.refused) == 1
    assert all_quads(empty.raw) == set()  # not even the ontology was written

    store = open_store("memory:")
    store.put_cases([c for f in ("city-a", "hangzhou") for c in read_cases(CASES_DIR / f"{f}.ttl")])
    before = all_quads(store.raw)
    assert before
    result = load_files(store, files, validator=validator)
    assert result.loaded == []
    assert all_quads(store.raw) == before


def test_force_loads_a_violating_case(tmp_path, validator) -> None:
    store = open_store("memory:")
    result = load_files(store, [VIOLATING], validator=validator, force=True)
    assert result.refused == [] and result.ok
    assert [i.iri for i in result.loaded] == [VIOLATING_IRI]
    assert [r.conforms for r in result.reports] == [False]
    info = store.find_case("EpisodeStageShape")
    assert info.city_label == "Riverton" and info.sources == 1
    assert isomorphic(store.case_graph(VIOLATING_IRI), file_graph(VIOLATING))


def test_the_same_case_twice_in_one_load_the_last_file_wins(tmp_path, validator) -> None:
    first, second = tmp_path / "1-hangzhou.ttl", tmp_path / "2-hangzhou.ttl"
    shutil.copy(CASES_DIR / "hangzhou.ttl", first)
    shutil.copy(CASES_DIR / "hangzhou.ttl", second)
    store = open_store("memory:")
    result = load_files(store, [first, second], validator=validator)
    assert [i.iri for i in result.loaded] == [CASE + "hangzhou"]
    [info] = store.cases()
    assert info.source_file == str(second)


# --- the command line --------------------------------------------------------------------------


@pytest.mark.slow
def test_cli_load_of_a_mixed_folder(tmp_path) -> None:
    store = str(tmp_path / "store")
    folder = mixed_folder(tmp_path)
    result = run_flywheel("load", str(folder), "--store", store)
    assert result.returncode == 2, result.stdout + result.stderr  # unreadable wins over refused
    assert "b-broken.ttl, line 13, column 48" in result.stderr
    assert "c-violating.ttl" in result.stderr and f"<{VIOLATING_IRI}>" in result.stderr
    assert "[fws:EpisodeStageShape]" in result.stderr
    assert "Traceback" not in result.stderr
    assert "Loaded 2 case(s) (0 replaced), refused 1, unreadable 1 file(s)." in result.stdout

    listed = run_flywheel("cases", "--format", "json", "--store", store)
    assert listed.returncode == 0, listed.stderr
    rows = json.loads(listed.stdout)
    assert [(r["case"], r["city"], r["sources"]) for r in rows] == [
        (CASE + "city-a", "City A", 1),
        (CASE + "shanghai", "Shanghai", 5),
    ]
    for row, name in zip(rows, ("city-a", "shanghai"), strict=True):
        assert row["triples"] == len(file_graph(CASES_DIR / f"{name}.ttl"))

    # a load where every file is bad leaves every quad as it was
    before = folder_quads(tmp_path / "store")
    again = run_flywheel("load", str(bad_folder(tmp_path)), "--store", store)
    assert again.returncode == 2, again.stdout + again.stderr
    assert "Loaded 0 case(s) (0 replaced), refused 1, unreadable 1 file(s)." in again.stdout
    assert folder_quads(tmp_path / "store") == before


@pytest.mark.slow
def test_cli_refused_only_exits_1_and_force_loads(tmp_path) -> None:
    store = str(tmp_path / "store")
    refused = run_flywheel("load", str(VIOLATING), "--store", store)
    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert "[fws:EpisodeStageShape]" in refused.stderr
    forced = run_flywheel("load", str(VIOLATING), "--force", "--store", store)
    assert forced.returncode == 0, forced.stdout + forced.stderr
    assert "Loaded 1 case(s) (0 replaced), refused 0, unreadable 0 file(s)." in forced.stdout
    listed = json.loads(run_flywheel("cases", "--format", "json", "--store", store).stdout)
    assert [r["case"] for r in listed] == [VIOLATING_IRI]


@pytest.mark.slow
def test_cli_glob_replace_remove(tmp_path) -> None:
    store = str(tmp_path / "store")
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("city-a", "hangzhou"):
        shutil.copy(CASES_DIR / f"{name}.ttl", folder / f"{name}.ttl")
    (folder / "notes.txt").write_text("not a case\n", encoding="utf-8")
    loaded = run_flywheel("load", f"{folder}/*.ttl", "--store", store)  # the CLI expands it
    assert loaded.returncode == 0, loaded.stdout + loaded.stderr
    assert "Loaded 2 case(s) (0 replaced), refused 0, unreadable 0 file(s)." in loaded.stdout

    again = run_flywheel("load", str(folder / "hangzhou.ttl"), "--store", store)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "Loaded 1 case(s) (1 replaced), refused 0, unreadable 0 file(s)." in again.stdout
    rows = json.loads(run_flywheel("cases", "--format", "json", "--store", store).stdout)
    assert [(r["case"], r["city"], r["sources"]) for r in rows] == [
        (CASE + "city-a", "City A", 1),
        (CASE + "hangzhou", "Hangzhou", 6),
    ]
    assert rows[1]["triples"] == len(file_graph(CASES_DIR / "hangzhou.ttl"))

    removed = run_flywheel("remove", "hangzhou", "--store", store)
    assert removed.returncode == 0, removed.stderr
    assert f"Removed <{CASE}hangzhou>." in removed.stdout
    rows = json.loads(run_flywheel("cases", "--format", "json", "--store", store).stdout)
    assert [r["case"] for r in rows] == [CASE + "city-a"]
    gone = run_flywheel("remove", "hangzhou", "--store", store)
    # bad use, like an unknown query
    assert gone.returncode == 2 and "no case 'hangzhou'" in gone.stderr


@pytest.fixture(scope="module")
def bundled_store(tmp_path_factory) -> str:
    """An embedded store holding the three bundled cases (read-only for the tests below)."""
    folder = tmp_path_factory.mktemp("bundled") / "store"
    result = run_flywheel("load", "--bundled", "--store", str(folder))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Loaded 3 case(s) (0 replaced)" in result.stdout
    return str(folder)


@pytest.mark.slow
def test_cli_export_is_isomorphic_to_the_file(bundled_store) -> None:
    result = run_flywheel("export", "city-a", "--format", "nt", "--store", bundled_store)
    assert result.returncode == 0, result.stderr
    exported = Graph().parse(data=result.stdout, format="nt")
    assert isomorphic(exported, file_graph(CASES_DIR / "city-a.ttl"))


def test_cli_sparql_from_a_file(bundled_store, tmp_path) -> None:
    query = tmp_path / "episodes.rq"
    query.write_text(
        "# episodes per case\n"
        "PREFIX fw: <https://w3id.org/dataflywheel/ontology#>\n"
        "SELECT ?case (COUNT(DISTINCT ?e) AS ?episodes)\n"
        "WHERE { GRAPH ?case { ?e a fw:StageEpisode } } GROUP BY ?case ORDER BY ?case\n",
        encoding="utf-8",
    )
    result = run_flywheel("sparql", "-f", str(query), "--format", "json", "--store", bundled_store)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [
        {"case": CASE + name, "episodes": EPISODES_PER_CASE}
        for name in ("city-a", "hangzhou", "shanghai")
    ]


@pytest.fixture
def listener() -> Iterator[Listener]:
    server = Listener()
    try:
        yield server
    finally:
        server.close()


@pytest.mark.parametrize(
    "template",
    [
        "SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}",
        "select * where {{ GRAPH ?g {{ ?s ?p ?o }} # a comment\n"
        " service silent <http://127.0.0.1:{port}/> {{ ?s ?p ?x }} }} LIMIT 1",
    ],
    ids=["SERVICE", "service-silent-after-a-comment"],
)
def test_cli_sparql_refuses_service(bundled_store, listener: Listener, template: str) -> None:
    query = template.format(port=listener.port)
    result = run_flywheel("sparql", query, "--format", "json", "--store", bundled_store)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "SERVICE" in result.stderr and "refused" in result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""
    assert listener.caught_up() == 0  # (its own connection shows it does see one)
