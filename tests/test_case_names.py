"""One case, one name (issue 12, item 5): a case's short name (the last segment of its IRI's
path) belongs to one case in a store, whichever way the case comes in; a case IRI with invisible
characters, or one of flywheel's own graph names, is refused.

The issue's input is a copy of the bundled Hangzhou case under ``https://a.example/hangzhou``.
Each refusal is checked for its message, its exit code or status, the store's quads (sorted,
before and after), a loopback listener that must receive nothing (some impostors are named
after it), and, over HTTP, that the bundled ``/cases/hangzhou`` is still the real one and that
``/health`` answers within a second.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import httpx
import pyoxigraph as ox
import pytest
from rdflib import Graph

from kg.paths import bundled_case_files
from kg.rdf.names import case_id, case_iri_problem, name_key
from kg.rdf.read import CaseGraph, read_cases
from kg.store import CaseNameError, CaseNameTaken, open_store
from kg.store.loading import load_files
from kg.version import ONTOLOGY_IRI, ONTOLOGY_VERSION_IRI
from kg.vocab import CATALOG, SHAPES_IRI
from tests.conftest import API_TOKEN, run_flywheel
from tests.servers import Listener, api_server, marks_its_users

HANGZHOU = "https://w3id.org/dataflywheel/case/hangzhou"
HANGZHOU_FILE = next(p for p in bundled_case_files() if p.name == "hangzhou.ttl")
IMPOSTOR = "https://a.example/hangzhou"  # the issue's input
AUTH = {"Authorization": f"Bearer {API_TOKEN}"}
TURTLE = {"Content-Type": "text/turtle"}
PROBLEM = "application/problem+json"

# Other spellings of the same short name: letter case, full width, percent-encoding (once and
# twice), a trailing slash, a fragment, a query, mathematical bold letters, a name that is a host.
SAME_NAME = [
    "https://a.example/Hangzhou",
    "https://a.example/HANGZHOU",
    "https://a.example/ｈａｎｇｚｈｏｕ",
    "https://a.example/%68angzhou",
    "https://a.example/%2568angzhou",
    "https://a.example/hangzhou/",
    "https://a.example/cities/hangzhou#v2",
    "https://a.example/hangzhou?version=2",
    "https://a.example/𝐡𝐚𝐧𝐠𝐳𝐡𝐨𝐮",
    "https://hangzhou/",
]
# Invisible characters, by the code point and name the refusal must give.
INVISIBLE = {
    "\u202e": "U+202E RIGHT-TO-LEFT OVERRIDE",
    "\u202a": "U+202A LEFT-TO-RIGHT EMBEDDING",
    "\u2066": "U+2066 LEFT-TO-RIGHT ISOLATE",
    "\u2069": "U+2069 POP DIRECTIONAL ISOLATE",
    "\u200b": "U+200B ZERO WIDTH SPACE",
    "\u200c": "U+200C ZERO WIDTH NON-JOINER",
    "\u200d": "U+200D ZERO WIDTH JOINER",
    "\ufeff": "U+FEFF ZERO WIDTH NO-BREAK SPACE",
    "\u2060": "U+2060 WORD JOINER",
    "\u00ad": "U+00AD SOFT HYPHEN",
    "\u3164": "U+3164 HANGUL FILLER",
    "\u115f": "U+115F HANGUL CHOSEONG FILLER",
    "\ufe0f": "U+FE0F VARIATION SELECTOR-16",
    "\u00a0": "U+00A0 NO-BREAK SPACE",
    "\u3000": "U+3000 IDEOGRAPHIC SPACE",
    "\u2800": "U+2800 BRAILLE PATTERN BLANK",
    "\u180e": "U+180E MONGOLIAN VOWEL SEPARATOR",
}
RESERVED = [
    ONTOLOGY_IRI,
    ONTOLOGY_VERSION_IRI,
    CATALOG,
    SHAPES_IRI,
    ONTOLOGY_IRI + "/",
    "http://W3ID.org:80/dataflywheel/%6Fntology/" + ONTOLOGY_VERSION_IRI.rsplit("/", 1)[-1],
    ONTOLOGY_IRI + "#Actor",
]


def as_case(iri: str, path: Path) -> Path:
    """The bundled Hangzhou file with every use of its IRI moved to ``iri``."""
    text = HANGZHOU_FILE.read_text(encoding="utf-8").replace(HANGZHOU, iri)
    assert iri in text
    path.write_text(text, encoding="utf-8")
    return path


def dump(store: Path) -> list[str]:
    """Every quad of an on-disk store, as sorted N-Quads lines."""
    opened = ox.Store.read_only(str(store))
    try:
        return sorted(str(q) for q in opened.quads_for_pattern(None, None, None, None))
    finally:
        del opened


@pytest.fixture
def store_dir(bundled_store, tmp_path) -> Path:
    """A copy of the on-disk store holding the bundled cases."""
    shutil.copytree(bundled_store, tmp_path / "store")
    return tmp_path / "store"


@pytest.fixture
def listener() -> Iterator[Listener]:
    opened = Listener()
    yield opened
    opened.close()


@pytest.fixture
def loaded():
    with open_store("memory:") as store:
        store.put_cases([c for p in bundled_case_files() for c in read_cases(p)])
        yield store


def quads(store) -> list[str]:
    return sorted(str(q) for q in store.raw)


# --- what a name is -------------------------------------------------------------------------------


def test_the_short_name_is_the_last_path_segment() -> None:
    assert case_id(HANGZHOU) == "hangzhou"
    assert case_id(HANGZHOU + "/") == "hangzhou"
    assert case_id(HANGZHOU + "#v2") == "hangzhou"
    assert case_id(HANGZHOU + "?a=/b/c#d/e") == "hangzhou"
    assert case_id("https://hangzhou/") == "hangzhou"
    assert case_id("urn:example:hangzhou") == "urn:example:hangzhou"


@pytest.mark.parametrize("iri", SAME_NAME)
def test_spellings_of_one_name_are_one_name(iri: str) -> None:
    assert name_key(case_id(iri)) == name_key("hangzhou") == "hangzhou"


@pytest.mark.parametrize("iri", ["https://a.example/hangzhou-2", "https://a.example/杭州"])
def test_other_names_are_other_names(iri: str) -> None:
    assert name_key(case_id(iri)) != "hangzhou"
    assert case_iri_problem(iri) is None


# --- the store refuses, whatever the path ------------------------------------------------------


@pytest.mark.parametrize("iri", [IMPOSTOR, *SAME_NAME])
def test_put_cases_refuses_a_name_another_case_holds(loaded, iri: str, tmp_path) -> None:
    before = quads(loaded)
    impostor = read_cases(as_case(iri, tmp_path / "impostor.ttl"))
    with pytest.raises(CaseNameTaken) as refused:
        loaded.put_cases(impostor)
    assert refused.value.holder == HANGZHOU
    assert f"<{HANGZHOU}>" in str(refused.value) and "impostor.ttl" in str(refused.value)
    assert quads(loaded) == before
    assert loaded.find_case("hangzhou").iri == HANGZHOU


def test_bulk_put_refuses_a_taken_name_and_a_case_already_there(loaded, tmp_path) -> None:
    before = quads(loaded)
    with pytest.raises(CaseNameTaken, match="hangzhou"):
        loaded.bulk_put(read_cases(as_case(IMPOSTOR, tmp_path / "impostor.ttl")))
    with pytest.raises(CaseNameError, match="already in the store"):
        loaded.bulk_put(read_cases(HANGZHOU_FILE))
    assert quads(loaded) == before


def test_two_cases_of_one_write_with_one_name_are_refused(tmp_path) -> None:
    first = read_cases(as_case("https://a.example/new-city", tmp_path / "a.ttl"))
    second = read_cases(as_case("https://b.example/NEW-CITY/", tmp_path / "b.ttl"))
    with open_store("memory:") as store:
        with pytest.raises(CaseNameTaken, match=r"https://a\.example/new-city"):
            store.put_cases([*first, *second])
        assert store.cases() == []


def test_a_load_of_two_files_with_one_name_loads_neither(loaded, tmp_path, validator) -> None:
    before = quads(loaded)
    files = [
        as_case("https://a.example/new-city", tmp_path / "a.ttl"),
        as_case("https://b.example/New-City", tmp_path / "b.ttl"),
    ]
    result = load_files(loaded, files, validator, force=True)
    assert not result.loaded and not result.ok
    assert {e.iri for e in result.refused_names} == {
        "https://a.example/new-city",
        "https://b.example/New-City",
    }
    assert all("a.ttl" in str(e) and "b.ttl" in str(e) for e in result.refused_names)
    assert quads(loaded) == before


def test_the_same_iri_is_replaced(loaded, tmp_path) -> None:
    changed = HANGZHOU_FILE.read_text(encoding="utf-8").replace('"Hangzhou"@en', '"Hangzhou 2"@en')
    (tmp_path / "hangzhou.ttl").write_text(changed, encoding="utf-8")
    [info] = loaded.put_cases(read_cases(tmp_path / "hangzhou.ttl"))
    assert info.iri == HANGZHOU and info.city_label == "Hangzhou 2"
    assert len(loaded.cases()) == 3


@pytest.mark.parametrize("char", list(INVISIBLE), ids=[v[:6] for v in INVISIBLE.values()])
def test_invisible_characters_are_refused(loaded, char: str) -> None:
    iri = f"https://a.example/hang{char}zhou"
    before = quads(loaded)
    graph = Graph()
    with pytest.raises(CaseNameError) as refused:
        loaded.put_cases([CaseGraph(iri, "hidden.ttl", graph)])
    message = str(refused.value)
    assert INVISIBLE[char] in message and "hidden.ttl" in message
    assert char not in message  # shown escaped, so a bidi control cannot reorder the line
    assert quads(loaded) == before


def test_an_invisible_character_percent_encoded_is_refused(loaded) -> None:
    with pytest.raises(CaseNameError, match="U\\+202E RIGHT-TO-LEFT OVERRIDE \\(percent"):
        loaded.put_cases([CaseGraph("https://a.example/hang%E2%80%AEzhou", "x.ttl", Graph())])


def test_look_alike_letters_of_two_alphabets_are_refused(loaded) -> None:
    iri = "https://a.example/h\u0430ngzhou"  # a Cyrillic а
    with pytest.raises(CaseNameError, match="U\\+0430 CYRILLIC SMALL LETTER A"):
        loaded.put_cases([CaseGraph(iri, "x.ttl", Graph())])


@pytest.mark.parametrize("iri", RESERVED)
def test_flywheels_own_iris_cannot_name_a_case(loaded, iri: str) -> None:
    before = quads(loaded)
    with pytest.raises(CaseNameError, match="reserved"):
        loaded.put_cases([CaseGraph(iri, "own.ttl", Graph())])
    assert quads(loaded) == before


def test_a_store_written_before_the_rule_answers_no_impostor(loaded, tmp_path) -> None:
    """A store that already holds two cases with one name (written before names were checked)
    does not serve one of them for the name: it says which cases hold it."""
    from kg.store.catalog import catalog_entry, catalog_update

    [impostor] = read_cases(as_case(IMPOSTOR, tmp_path / "impostor.ttl"))
    written = impostor.quads()  # as put_cases wrote it before it checked names
    loaded._write({IMPOSTOR: written}, (), catalog_update([], catalog_entry(impostor, written)))
    with pytest.raises(CaseNameTaken, match="held by 2 cases") as refused:
        loaded.find_case("hangzhou")
    assert HANGZHOU in str(refused.value) and IMPOSTOR in str(refused.value)
    assert loaded.find_case(HANGZHOU).iri == HANGZHOU  # by its IRI it is still found


# --- through the command line ---------------------------------------------------------------------


def refused_by_cli(result, code: int, *says: str) -> str:
    output = result.stdout + result.stderr
    assert result.returncode == code, output[-3000:]
    assert "Traceback" not in output
    for text in says:
        assert text in output, f"{text!r} not in:\n{output[-3000:]}"
    return output


@pytest.mark.slow
def test_cli_load_force_of_the_issues_impostor_is_refused(store_dir, tmp_path, listener) -> None:
    """`flywheel load --force` of Hangzhou under another IRI (the issue's and one at the
    listener): exit 1, the holder named, the store's quads unchanged, nothing fetched."""
    before = dump(store_dir)
    for iri in (IMPOSTOR, f"{listener.url}/cases/HangZhou"):
        path = as_case(iri, tmp_path / "impostor.ttl")
        result = run_flywheel("load", str(path), "--force", "--store", str(store_dir))
        output = refused_by_cli(result, 1, f"refused: {path}", f"<{HANGZHOU}>", "short name")
        assert "Loaded 0 case(s)" in output
        assert dump(store_dir) == before
    assert listener.caught_up() == 0
    shown = run_flywheel("export", "hangzhou", "--format", "nt", "--store", str(store_dir))
    assert shown.returncode == 0 and f"<{HANGZHOU}>" in shown.stdout
    assert IMPOSTOR not in shown.stdout


@pytest.mark.slow
def test_cli_refuses_invisible_characters_and_own_iris(store_dir, tmp_path, listener) -> None:
    """Bidi and zero-width characters, and the ontology's IRI and version IRI, as a case's
    IRI: `flywheel validate` and `flywheel load --force` refuse the file (exit 2, as for any
    file that cannot be a case), say why, and change nothing."""
    before = dump(store_dir)
    tries = {
        f"{listener.url}/hang\u202ezhou": "U+202E RIGHT-TO-LEFT OVERRIDE",
        "https://a.example/hang\u200bzhou": "U+200B ZERO WIDTH SPACE",
        "https://a.example/\u2066hangzhou\u2069": "U+2066 LEFT-TO-RIGHT ISOLATE",
        ONTOLOGY_IRI: "reserved",
        ONTOLOGY_VERSION_IRI: "version IRI",
    }
    for number, (iri, says) in enumerate(tries.items()):
        path = as_case(iri, tmp_path / f"case-{number}.ttl")
        for command in (("validate",), ("load", "--force", "--store", str(store_dir))):
            result = run_flywheel(command[0], str(path), *command[1:])
            output = refused_by_cli(result, 2, str(path), says)
            assert "\u202e" not in output and "\u2066" not in output
        assert dump(store_dir) == before
    assert listener.caught_up() == 0


@pytest.mark.slow
def test_cli_load_of_two_files_with_one_name_and_a_replace(store_dir, tmp_path) -> None:
    before = dump(store_dir)
    one = as_case("https://a.example/new-city", tmp_path / "one.ttl")
    two = as_case("https://b.example/NEW-CITY", tmp_path / "two.ttl")
    result = run_flywheel("load", str(one), str(two), "--force", "--store", str(store_dir))
    refused_by_cli(result, 1, f"refused: {one}", f"refused: {two}", "none of them was loaded")
    assert dump(store_dir) == before
    # the same IRI again, with --force: it replaces the case
    again = run_flywheel("load", str(HANGZHOU_FILE), "--force", "--store", str(store_dir))
    assert again.returncode == 0, again.stderr
    assert "Loaded 1 case(s) (1 replaced)" in again.stdout


@pytest.mark.slow
def test_cli_restore_of_a_backup_holding_an_impostor_is_refused(store_dir, tmp_path) -> None:
    """A backup file with a second case called hangzhou (a graph and its catalog entry) is
    refused by restore --replace (exit 1); the store is unchanged."""
    backup = tmp_path / "all.nq"
    assert run_flywheel("backup", str(backup), "--store", str(store_dir)).returncode == 0
    [impostor] = read_cases(as_case(IMPOSTOR, tmp_path / "impostor.ttl"))
    extra = [
        *impostor.quads(),
        ox.Quad(
            ox.NamedNode(CATALOG),
            ox.NamedNode("http://www.w3.org/ns/dcat#dataset"),
            ox.NamedNode(IMPOSTOR),
            ox.NamedNode(CATALOG),
        ),
    ]
    *lines, end = backup.read_bytes().splitlines(keepends=True)  # end: the count of quads
    added = ox.serialize(extra, format=ox.RdfFormat.N_QUADS)
    counted = int(end.split()[-2]) + len(extra)
    backup.write_bytes(
        b"".join(lines) + added + f"# flywheel-kg backup end: {counted} quads\n".encode()
    )
    before = dump(store_dir)
    result = run_flywheel("restore", str(backup), "--replace", "--store", str(store_dir))
    refused_by_cli(result, 1, str(backup), f"<{HANGZHOU}>", "not changed")
    assert dump(store_dir) == before


# --- over HTTP ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
@marks_its_users("server")
def server(bundled_store, tmp_path_factory) -> Iterator[str]:
    """`flywheel serve` over a copy of the bundled store, writes allowed with the token."""
    folder = tmp_path_factory.mktemp("names")
    shutil.copytree(bundled_store, folder / "store")
    env = {"FLYWHEEL_API_TOKEN": API_TOKEN, "FLYWHEEL_WORKERS": "1"}
    with api_server(folder / "store", folder / "server.log", env) as url:
        yield url


def all_quads(url: str) -> list[tuple]:
    """Every quad of the served store (named graphs), sorted."""
    answer = httpx.post(
        f"{url}/sparql",
        content="SELECT ?g ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } }",
        headers={
            "Content-Type": "application/sparql-query",
            "Accept": "application/sparql-results+json",
        },
        timeout=60,
    )
    assert answer.status_code == 200, answer.text
    rows = answer.json()["results"]["bindings"]
    return sorted(tuple(sorted((k, v["value"]) for k, v in row.items())) for row in rows)


def refused_over_http(answer: httpx.Response, status: int, url: str, *says: str) -> dict:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith(PROBLEM)
    problem = answer.json()
    assert problem["status"] == status
    for text in says:
        assert text in problem["detail"], problem
    assert httpx.get(f"{url}/health", timeout=60).status_code == 200  # still serving
    return problem


def still_the_real_hangzhou(url: str) -> None:
    case = httpx.get(f"{url}/cases/hangzhou", timeout=30).json()
    assert case["iri"] == HANGZHOU and case["city_label"] == "Hangzhou"
    rows = httpx.get(f"{url}/compare", params={"case": "hangzhou"}, timeout=30).json()["rows"]
    assert [row["case"] for row in rows] == [HANGZHOU]


@pytest.mark.slow
def test_http_put_of_the_issues_impostor_is_409(server, tmp_path) -> None:
    """`PUT /store?graph=https://a.example/hangzhou&force=true` and `PUT /cases/HANGZHOU` with
    impostors, and one named after the listener: 409 naming the holder, nothing stored, nothing
    fetched, the real Hangzhou still served."""
    listener = Listener()
    try:
        before = all_quads(server)
        for iri in (IMPOSTOR, f"{listener.url}/hangzhou/", "https://a.example/%68angzhou"):
            body = as_case(iri, tmp_path / "impostor.ttl").read_bytes()
            answer = httpx.put(
                f"{server}/store",
                params={"graph": iri, "force": "true"},
                content=body,
                headers=TURTLE | AUTH,
                timeout=60,
            )
            problem = refused_over_http(answer, 409, server, f"<{HANGZHOU}>", "short name")
            assert problem["type"].endswith("/name-taken")
        body = as_case("https://a.example/HANGZHOU", tmp_path / "upper.ttl").read_bytes()
        answer = httpx.put(
            f"{server}/cases/HANGZHOU",
            params={"force": "true"},
            content=body,
            headers=TURTLE | AUTH,
            timeout=60,
        )
        refused_over_http(answer, 409, server, f"<{HANGZHOU}>")
        assert all_quads(server) == before
        still_the_real_hangzhou(server)
        assert listener.caught_up() == 0
    finally:
        listener.close()


@pytest.mark.slow
def test_http_refuses_invisible_characters_and_own_iris(server, tmp_path) -> None:
    """Bidi and zero-width characters, the ontology IRI and its version IRI as `?graph=`: 400
    saying why; nothing stored; the same IRI put again (forced) still replaces the case."""
    before = all_quads(server)
    tries = {
        "https://a.example/hang\u202ezhou": "U+202E RIGHT-TO-LEFT OVERRIDE",
        "https://a.example/hang\u200dzhou": "U+200D ZERO WIDTH JOINER",
        "https://a.example/hang%E2%80%8Bzhou": "U+200B ZERO WIDTH SPACE",
        ONTOLOGY_IRI: "reserved",
        ONTOLOGY_VERSION_IRI: "version IRI",
    }
    for number, (iri, says) in enumerate(tries.items()):
        body = as_case(iri, tmp_path / f"case-{number}.ttl").read_bytes()
        answer = httpx.put(
            f"{server}/store?graph={quote(iri, safe='')}&force=true",
            content=body,
            headers=TURTLE | AUTH,
            timeout=60,
        )
        refused_over_http(answer, 400, server, says)
    assert all_quads(server) == before
    still_the_real_hangzhou(server)
    again = httpx.put(
        f"{server}/store",
        params={"graph": HANGZHOU, "force": "true"},
        content=HANGZHOU_FILE.read_bytes(),
        headers=TURTLE | AUTH,
        timeout=60,
    )
    assert again.status_code == 204, again.text
    still_the_real_hangzhou(server)
