"""``flywheel backup`` and ``flywheel restore``: a whole store to one file and back."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest

from tests.conftest import run_flywheel
from tests.servers import start_oxigraph, stop


def dataset(store: Path) -> ox.Dataset:
    """Every quad of an on-disk store, blank nodes canonicalised (so renaming them is equal)."""
    opened = ox.Store.read_only(str(store))
    try:
        data = ox.Dataset(opened.quads_for_pattern(None, None, None, None))
    finally:
        del opened
    data.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
    return data


CATALOG = ox.NamedNode("https://w3id.org/dataflywheel/catalog")
ONTOLOGY = ox.NamedNode("https://w3id.org/dataflywheel/ontology")


def case_union(data: ox.Dataset) -> set[ox.Triple]:
    """The triples of the case graphs (every named graph but the catalog and the ontology)."""
    return {
        q.triple
        for q in data
        if not isinstance(q.graph_name, ox.DefaultGraph) and q.graph_name not in (CATALOG, ONTOLOGY)
    }


def default_graph(data: ox.Dataset) -> set[ox.Triple]:
    return {q.triple for q in data if isinstance(q.graph_name, ox.DefaultGraph)}


@pytest.fixture(scope="module")
def source(bundled_store, tmp_path_factory) -> Path:
    """The bundled cases and three synthetic ones (whose blank nodes the round trip renames)."""
    root = tmp_path_factory.mktemp("backup")
    shutil.copytree(bundled_store, root / "store")
    assert run_flywheel("synth", "3", "-o", str(root / "synth"), "--actions", "4").returncode == 0
    result = run_flywheel("load", str(root / "synth"), "--store", str(root / "store"))
    assert result.returncode == 0, result.stderr
    return root / "store"


@pytest.mark.slow
@pytest.mark.parametrize("name", ["all.nq", "all.nq.gz"])
def test_round_trip_is_exact(source: Path, tmp_path: Path, name: str) -> None:
    target = tmp_path / name
    result = run_flywheel("backup", str(target), "--store", str(source))
    assert result.returncode == 0, result.stderr
    raw = target.read_bytes()
    text = gzip.decompress(raw) if name.endswith(".gz") else raw
    assert raw[:2] == b"\x1f\x8b" if name.endswith(".gz") else raw[:2] != b"\x1f\x8b"
    assert text.startswith(b"# flywheel-kg backup 0.")
    assert not list(tmp_path.glob(".*partial*"))  # the temporary name is gone
    restored = tmp_path / "restored"
    result = run_flywheel("restore", str(target), "--store", str(restored))
    assert result.returncode == 0, result.stderr
    written = ox.parse(text, format=ox.RdfFormat.N_QUADS)
    assert not any(isinstance(q.graph_name, ox.DefaultGraph) for q in written)  # named graphs
    before, after = dataset(source), dataset(restored)
    graphs = {q.graph_name for q in before}
    assert CATALOG in graphs
    assert ox.DefaultGraph() in graphs and len(graphs) == 1 + 6 + 2  # union, cases, own graphs
    # the default graph, which the backup does not hold, is rebuilt: the union of the cases
    assert default_graph(after) == case_union(after) and len(default_graph(after)) > 0
    assert len(after) == len(before) and after == before
    listing = run_flywheel("cases", "--store", str(restored), "--format", "csv").stdout
    assert "hangzhou" in listing and "city-0003" in listing


@pytest.mark.slow
def test_restore_refuses_a_store_with_data_unless_replace(source: Path, tmp_path: Path) -> None:
    target = tmp_path / "all.nq"
    assert run_flywheel("backup", str(target), "--store", str(source)).returncode == 0
    other = tmp_path / "other"
    assert run_flywheel("load", "--bundled", "--store", str(other)).returncode == 0
    result = run_flywheel("restore", str(target), "--store", str(other))
    assert result.returncode == 1 and "--replace" in result.stderr
    result = run_flywheel("restore", str(target), "--store", str(other), "--replace")
    assert result.returncode == 0, result.stderr
    assert dataset(other) == dataset(source)


@pytest.mark.parametrize(
    "corrupt",
    [
        b'<https://example.org/s> <https://example.org/p> "cut off',  # truncated mid-literal
        b"not n-quads at all\n",
        b"\x1f\x8b\x08\x00broken gzip",
        b"",
    ],
    ids=["truncated", "garbage", "bad-gzip", "empty"],
)
@pytest.mark.slow  # more than a few seconds
def test_a_corrupt_backup_changes_nothing(source: Path, tmp_path: Path, corrupt: bytes) -> None:
    good = tmp_path / "good.nq"
    assert run_flywheel("backup", str(good), "--store", str(source)).returncode == 0
    path = tmp_path / "bad.nq"
    path.write_bytes(good.read_bytes()[:5000] + b"\n" + corrupt if corrupt else b"")
    target = tmp_path / "target"
    shutil.copytree(source, target)
    before = dataset(target)
    result = run_flywheel("restore", str(path), "--store", str(target), "--replace")
    assert result.returncode == 2, result.stderr
    assert str(path) in result.stderr and "Traceback" not in result.stderr
    if corrupt and not corrupt.startswith(b"\x1f"):
        assert "line " in result.stderr and "the store was not changed" in result.stderr
    assert dataset(target) == before


def older_backup(backup: Path, extra: bytes = b"") -> bytes:
    """The backup as flywheel wrote it before it streamed: the count of its quads in the header,
    no last line; ``extra`` lines added (counted)."""
    lines = backup.read_bytes().splitlines(keepends=True)
    assert lines[-1].startswith(b"# flywheel-kg backup end: ")
    quads = lines[1:-1] + ([extra] if extra else [])
    header = lines[0].rstrip(b"\n") + f": {len(quads)} quads\n".encode()
    return b"".join([header, *quads])


@pytest.mark.slow
def test_a_backup_with_a_default_graph_restores_the_union(source: Path, tmp_path: Path) -> None:
    """A backup written before the default graph was the union of the cases may hold
    default-graph triples: they are left out, said on stderr, and the union is rebuilt."""
    target = tmp_path / "all.nq"
    assert run_flywheel("backup", str(target), "--store", str(source)).returncode == 0
    note = b'_:note <http://www.w3.org/2000/01/rdf-schema#comment> "default" .\n'
    target.write_bytes(older_backup(target, note))
    restored = tmp_path / "restored"
    result = run_flywheel("restore", str(target), "--store", str(restored))
    assert result.returncode == 0, result.stderr
    assert "1 triple(s) of the backup's default graph were left out" in result.stderr
    after = dataset(restored)
    assert default_graph(after) == case_union(after)
    assert after == dataset(source)


@pytest.mark.slow
@pytest.mark.parametrize("how", ["cut at a line", "count changed", "older, cut at a line"])
def test_a_backup_cut_short_changes_nothing(source: Path, tmp_path: Path, how: str) -> None:
    """A file that ends where a line ends reads as valid N-Quads: the count of its quads (its
    last line, or an older backup's header) tells that quads are missing."""
    good = tmp_path / "good.nq"
    assert run_flywheel("backup", str(good), "--store", str(source)).returncode == 0
    lines = good.read_bytes().splitlines(keepends=True)
    if how == "cut at a line":
        data = b"".join(lines[:-200])
    elif how == "count changed":
        data = b"".join([*lines[:-1], lines[-1].replace(b" quads", b"1 quads")])
    else:
        data = b"".join(older_backup(good).splitlines(keepends=True)[:-200])
    bad = tmp_path / "bad.nq"
    bad.write_bytes(data)
    target = tmp_path / "target"
    shutil.copytree(source, target)
    before = dataset(target)
    result = run_flywheel("restore", str(bad), "--store", str(target), "--replace")
    assert result.returncode == 2, result.stderr
    assert "cut short" in result.stderr and "the store was not changed" in result.stderr
    assert dataset(target) == before


def file_dataset(path: Path) -> ox.Dataset:
    data = ox.Dataset(ox.parse(path=str(path), format=ox.RdfFormat.N_QUADS))
    data.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
    return data


@pytest.mark.server
def test_a_remote_store_is_restored_in_one_update(source: Path, tmp_path: Path) -> None:
    """Into an `oxigraph serve`: the update is sent as it is built; the server holds what the
    backup holds, with the union of the cases as its default graph."""
    written = tmp_path / "all.nq"
    assert run_flywheel("backup", str(written), "--store", str(source)).returncode == 0
    for _attempt in range(3):
        process, url = start_oxigraph(tmp_path / "remote", tmp_path / "oxigraph.log")
        if url:
            break
        stop(process)
    else:
        pytest.fail((tmp_path / "oxigraph.log").read_text(errors="replace")[-2000:])
    try:
        result = run_flywheel("restore", str(written), "--store", url)
        assert result.returncode == 0, result.stderr
        again = tmp_path / "again.nq"
        assert run_flywheel("backup", str(again), "--store", url).returncode == 0
        assert file_dataset(again) == file_dataset(written)
        answer = httpx.post(
            f"{url}/query",
            content=b"SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
            headers={"Content-Type": "application/sparql-query", "Accept": "text/csv"},
        )
        assert int(answer.text.split()[1]) == len(case_union(dataset(source)))
    finally:
        stop(process)


@pytest.mark.slow
def test_restore_through_a_link_to_the_store_keeps_the_link(source: Path, tmp_path: Path) -> None:
    """The new store takes the place of the folder the link names; the link stays a link."""
    written = tmp_path / "all.nq"
    assert run_flywheel("backup", str(written), "--store", str(source)).returncode == 0
    (tmp_path / "real").mkdir()
    link = tmp_path / "link"
    link.symlink_to(tmp_path / "real")
    result = run_flywheel("restore", str(written), "--store", str(link))
    assert result.returncode == 0, result.stderr
    assert link.is_symlink() and dataset(tmp_path / "real") == dataset(source)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["all.nq", "link", "real"]  # no leftovers


@pytest.mark.slow
def test_an_in_memory_store_is_restored_whole(source: Path, tmp_path: Path) -> None:
    from kg.store import open_store
    from kg.store.backup import restore

    written = tmp_path / "all.nq"
    assert run_flywheel("backup", str(written), "--store", str(source)).returncode == 0
    store = open_store("memory:")
    restored = restore(store, written)
    assert restored.left_out == 0 and restored.quads == len(file_dataset(written))
    assert [c.iri.rsplit("/", 1)[-1] for c in store.cases()] == [
        "city-a", "hangzhou", "shanghai", "city-0001", "city-0002", "city-0003"
    ]  # fmt: skip
    assert store.has_union()
