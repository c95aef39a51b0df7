"""The bad-input corpus (tests/data/bad/) through the real command line.

Every file goes through ``flywheel validate`` and ``flywheel load`` (queries through ``flywheel
sparql``, parameters through ``flywheel query``): each must fail with the exit code its first
line states, name the file (and line where the syntax has lines), say what its line says, print
no traceback, leave the store's quads exactly as they were, make no connection to the local
listener that stands in for the network, and never show the content of the local file that
stands in for the file system. The number of inputs tried is printed at the end of the run.
"""

from __future__ import annotations

import re
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg import limits
from tests.conftest import TESTS, run_flywheel
from tests.servers import Listener

BAD = TESTS / "data" / "bad"
SIDE = BAD / "README.md"
HEADER = re.compile(r"bad:\s*(?P<tries>[^|]+?)\s*\|(?P<fields>.*?)(?:-->)?\s*$")


@dataclass(frozen=True)
class Expect:
    """What one corpus file tries and how each command must answer it."""

    name: str
    tries: str
    codes: dict[str, int]
    says: str


def _fields(text: str) -> tuple[dict[str, int], str]:
    codes, says = {}, ""
    for part in text.split("|"):
        key, _, value = part.partition(":")
        key, value = key.strip(), value.strip()
        if key == "says":
            says = value
        elif key:
            codes[key] = int(value)
    return codes, says


def _expectations() -> list[Expect]:
    found = []
    for row in SIDE.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in row.strip().strip("|").split("|")]
        if len(cells) == 5 and (BAD / cells[0]).is_file():
            codes = {"validate": int(cells[2]), "load": int(cells[3])}
            found.append(Expect(cells[0], cells[1], codes, cells[4]))
    listed = {e.name for e in found}
    for path in sorted(BAD.iterdir()):
        if path.name in listed or path.suffix in (".md", ".tsv"):
            continue
        first = path.read_bytes().split(b"\n", 1)[0].decode("latin-1")
        match = HEADER.search(first)
        assert match, f"{path.name}: the first line must say 'bad: … | …' (or list it in README)"
        codes, says = _fields(match.group("fields"))
        found.append(Expect(path.name, match.group("tries"), codes, says))
    return found


EXPECT = _expectations()
RDF_FILES = [e for e in EXPECT if "validate" in e.codes]
QUERY_FILES = [e for e in EXPECT if "sparql" in e.codes]
PARAMS = [
    line.split("\t")
    for line in (BAD / "query-parameters.tsv").read_text(encoding="utf-8").splitlines()
    if line and not line.startswith("#")
]


@dataclass
class Corpus:
    folder: Path
    store: Path
    listener: Listener
    marker: str


@pytest.fixture(scope="module")
def corpus(tmp_path_factory, bundled_store) -> Iterator[Corpus]:
    """The corpus with its placeholders filled in, the oversized files generated, and a store
    holding the bundled cases."""
    root = tmp_path_factory.mktemp("bad")
    listener = Listener()
    marker = f"FLYWHEEL-SECRET-{uuid.uuid4().hex}"
    secret = root / "private-notes.txt"
    secret.write_text(marker + "\n", encoding="utf-8")
    folder = root / "corpus"
    folder.mkdir()
    big = "x" * 200_000
    for path in BAD.iterdir():
        data = (
            path.read_bytes()
            .replace(b"@@LISTENER@@", listener.url.encode())
            .replace(b"@@MARKER_URI@@", secret.as_uri().encode())
            .replace(b"@@BIG@@", big.encode())
            .replace(b"@@USES@@", b"&a;" * 100)
        )
        (folder / path.name).write_bytes(data)
    shutil.copytree(bundled_store, root / "store")
    yield Corpus(folder, root / "store", listener, marker)
    listener.close()


def dump(store: Path) -> list[str]:
    """Every quad of an on-disk store, as sorted N-Quads lines."""
    opened = ox.Store.read_only(str(store))
    try:
        return sorted(str(q) for q in opened.quads_for_pattern(None, None, None, None))
    finally:
        del opened


def check_answer(result, corpus: Corpus, code: int, says: str, name: str | None) -> str:
    output = result.stdout + result.stderr
    assert result.returncode == code, output[-2000:]
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    if name:
        assert name in output, output[-2000:]
    assert says.lower() in output.lower(), f"expected {says!r} in:\n{output[-2000:]}"
    assert corpus.marker not in output
    assert corpus.listener.caught_up() == 0, "something connected to the network stand-in"
    return output


def check_line(output: str, says: str) -> None:
    """Where a corpus line expects a line number, the message gives the column too."""
    if says.startswith("line "):
        assert re.search(rf"{says}, column \d+", output), output[-2000:]


@pytest.mark.parametrize("expect", RDF_FILES, ids=lambda e: e.name)
def test_validate_refuses(expect: Expect, corpus: Corpus, record_property) -> None:
    record_property("bad_input", expect.name)
    result = run_flywheel("validate", str(corpus.folder / expect.name))
    output = check_answer(result, corpus, expect.codes["validate"], expect.says, expect.name)
    check_line(output, expect.says)


@pytest.mark.slow  # more than a few seconds
def test_load_refuses_each_file_and_leaves_the_store_unchanged(
    corpus: Corpus, record_property
) -> None:
    """The whole corpus in one ``flywheel load`` (one process start, not thirty): every file is
    reported with what is wrong in it, and the store's quads are exactly as before."""
    for expect in RDF_FILES:
        record_property("bad_input", expect.name)
    before = dump(corpus.store)
    paths = [str(corpus.folder / e.name) for e in RDF_FILES]
    result = run_flywheel("load", *paths, "--store", str(corpus.store))
    output = check_answer(result, corpus, 2, "unreadable", None)  # 2: some files unreadable
    for expect in RDF_FILES:
        path = corpus.folder / expect.name
        prefix = "unreadable: " if expect.codes["load"] == 2 else "refused: "
        lines = [line for line in output.splitlines() if line.startswith(f"{prefix}{path}")]
        assert lines, f"{expect.name}: no '{prefix}' line in:\n{output[-3000:]}"
        if expect.codes["load"] == 2:
            assert expect.says.lower() in lines[0].lower(), lines[0]
            check_line(lines[0], expect.says)
        else:  # the violations follow on the next lines
            block = output[output.index(lines[0]) :].split("\nrefused: ")[0]
            assert expect.says.lower() in block.lower(), block
    after = dump(corpus.store)
    assert after == before
    assert not any(corpus.marker in line for line in after)


def _case_with_label(iri: str, label_chars: int) -> str:
    return (
        f"<{iri}> a <http://www.w3.org/2002/07/owl#Ontology> .\n"
        f'<{iri}/case> <http://www.w3.org/2000/01/rdf-schema#label> "{"y" * label_chars}" .\n'
    )


def test_an_oversized_literal_is_refused(corpus: Corpus, tmp_path, record_property) -> None:
    record_property("bad_input", "oversized-literal.ttl")
    path = tmp_path / "oversized-literal.ttl"
    limit = limits.DEFAULT_MAX_LITERAL_CHARS
    path.write_text(_case_with_label("https://example.org/bad/big-literal", limit + 1))
    before = dump(corpus.store)
    for command in (("validate",), ("load", "--store", str(corpus.store))):
        result = run_flywheel(command[0], str(path), *command[1:])
        output = check_answer(result, corpus, 2, f"limit of {limit:,} characters", path.name)
        assert f"{limit + 1:,} characters" in output
        assert "FLYWHEEL_MAX_LITERAL_CHARS" in output
    assert dump(corpus.store) == before


def test_an_oversized_file_is_refused_before_it_is_read(
    corpus: Corpus, tmp_path, monkeypatch, record_property
) -> None:
    record_property("bad_input", "oversized-file.ttl")
    monkeypatch.setenv("FLYWHEEL_MAX_FILE_BYTES", "100000")
    path = tmp_path / "oversized-file.ttl"
    path.write_text(_case_with_label("https://example.org/bad/big-file", 150_000))
    size = path.stat().st_size
    before = dump(corpus.store)
    for command in (("validate",), ("load", "--store", str(corpus.store))):
        result = run_flywheel(command[0], str(path), *command[1:])
        output = check_answer(result, corpus, 2, "limit of 100,000 bytes", path.name)
        assert f"{size:,} bytes" in output and "FLYWHEEL_MAX_FILE_BYTES" in output
    assert dump(corpus.store) == before


@pytest.mark.parametrize("expect", QUERY_FILES, ids=lambda e: e.name)
def test_sparql_refuses(expect: Expect, corpus: Corpus, record_property) -> None:
    record_property("bad_input", expect.name)
    before = dump(corpus.store)
    result = run_flywheel(
        "sparql", "--file", str(corpus.folder / expect.name), "--store", str(corpus.store)
    )
    check_answer(result, corpus, expect.codes["sparql"], expect.says, None)
    assert dump(corpus.store) == before


@pytest.mark.parametrize("query,param,says", PARAMS, ids=lambda v: str(v)[:20])
def test_query_parameters_are_refused(
    query: str, param: str, says: str, corpus: Corpus, record_property
) -> None:
    record_property("bad_input", f"query {query} --param {param}")
    result = run_flywheel("query", query, "--param", param, "--store", str(corpus.store))
    check_answer(result, corpus, 2, says, None)


def test_an_oversized_query_parameter_is_refused(corpus: Corpus, record_property) -> None:
    record_property("bad_input", "query 02 --param case=<100,000 characters>")
    value = "https://w3id.org/dataflywheel/case/" + "a" * 100_000
    result = run_flywheel("query", "02", "--param", f"case={value}", "--store", str(corpus.store))
    output = check_answer(result, corpus, 2, "the limit is 2,000", None)
    assert len(output) < 2000  # the value is not echoed back


def test_the_corpus_covers_every_kind() -> None:
    """One file per kind the issue lists (a guard against the corpus shrinking)."""
    names = {e.name for e in EXPECT}
    for kind in (
        ".ttl", ".nt", ".nq", ".trig", ".n3", ".jsonld", ".rdf", "empty", "binary", "latin1",
        "utf16", "deep-nesting", "remote-context", "billion-laughs", "external-entity-file",
        "external-entity-network", "external-dtd", "impossible-date", "wrong-datatype",
        "undeclared-term", "case-id", "service.rq", "load.rq", "from-file.rq",
        "case-name-bidi", "case-name-zero-width", "case-name-ontology-version",
    ):  # fmt: skip
        assert any(kind in n for n in names), kind
