"""The case store, one suite over its three backends: in memory, embedded on disk, and a real
``oxigraph serve`` process reached over SPARQL 1.1 Protocol + Graph Store Protocol.

Expected values are worked out from the case files by hand (city labels, fw:codesSource counts,
four fw:StageEpisode per case) or with rdflib's own Turtle parser (triple counts), never taken
from the code under test.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import isomorphic

from kg import ontology
from kg.rdf.read import CaseGraph, read_cases
from kg.sparql.check import QueryInvalid
from kg.store import CATALOG, CaseStore, OxigraphStore, RemoteStore, StoreError, open_store
from kg.version import __version__
from tests.conftest import REPO, run_flywheel
from tests.servers import marks_its_users, start_oxigraph, stop

CASES_DIR = REPO / "kg" / "cases"
ONTOLOGY_TTL = REPO / "ontology" / "flywheel.ttl"
ONTOLOGY = "https://w3id.org/dataflywheel/ontology"
CASE = "https://w3id.org/dataflywheel/case/"
FW = "https://w3id.org/dataflywheel/ontology#"
PREFIXES = (
    f"PREFIX fw: <{FW}> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
    "PREFIX dcat: <http://www.w3.org/ns/dcat#> "
)

# Read off the files: the English label of the fw:City, and the fw:codesSource values of the
# fw:CaseStudy (city-a.ttl line 33: 1; hangzhou.ttl lines 33-34: 6; shanghai.ttl lines 33-34: 5).
EXPECTED = {
    "city-a": {"city": "City A", "sources": 1},
    "hangzhou": {"city": "Hangzhou", "sources": 6},
    "shanghai": {"city": "Shanghai", "sources": 5},
}
EPISODES_PER_CASE = 4  # each file types four nodes `a fw:StageEpisode`

BACKENDS = ("memory", "embedded", "remote")


def case_file(slug: str) -> Path:
    return CASES_DIR / f"{slug}.ttl"


@cache
def file_graph(slug: str) -> Graph:
    """The case file as rdflib alone reads it (independent of kg.rdf.read); shared, do not change."""
    return Graph().parse(case_file(slug), format="turtle")


@cache
def _bundled() -> tuple[CaseGraph, ...]:
    return tuple(case for slug in EXPECTED for case in read_cases(case_file(slug)))


def bundled() -> list[CaseGraph]:
    """The three bundled cases, read once (the store only reads their graphs)."""
    return list(_bundled())


def plain(result) -> list[tuple[str, ...]]:
    """Rows as tuples of N-Triples text, for comparing results across backends."""
    if result.boolean is not None:
        return [(str(result.boolean),)]
    return [tuple(str(row[v]) for v in result.variables) for row in result.rows]


# --- the remote backend: a real Oxigraph server ------------------------------------------------


@pytest.fixture(scope="module")
@marks_its_users("server")
def oxigraph_server(tmp_path_factory) -> Iterator[str]:
    """The URL of an `oxigraph serve` process of this module (one per xdist worker)."""
    folder = tmp_path_factory.mktemp("oxigraph-server")
    log = folder / "server.log"
    for attempt in range(3):
        process, url = start_oxigraph(folder / f"data-{attempt}", log)
        if url:
            break
        stop(process)
    else:
        pytest.fail(
            f"oxigraph serve did not answer within 60 s, three times:\n{log.read_text(errors='replace')}"
        )
    try:
        yield url
    finally:
        stop(process)


def drop_all(url: str) -> None:
    answer = httpx.post(
        f"{url}/update",
        content=b"DROP ALL",
        headers={"Content-Type": "application/sparql-update"},
        timeout=30,
    )
    assert answer.status_code < 300, answer.text


# --- a fresh, empty store per test --------------------------------------------------------------


@pytest.fixture
def make_store(request, tmp_path) -> Iterator[Callable[[str], CaseStore]]:
    opened: list[CaseStore] = []

    def make(kind: str) -> CaseStore:
        if kind == "memory":
            store = open_store("memory:")
        elif kind == "embedded":
            store = open_store(tmp_path / f"embedded-{len(opened)}")
        else:
            url = request.getfixturevalue("oxigraph_server")
            drop_all(url)
            store = open_store(url)
        opened.append(store)
        assert store.cases() == []
        assert store.query("ASK { GRAPH ?g { ?s ?p ?o } }").boolean is False
        return store

    yield make
    for store in opened:
        store.close()


@pytest.fixture(
    params=[
        pytest.param(kind, marks=pytest.mark.server) if kind == "remote" else kind
        for kind in BACKENDS
    ]
)
def store(request, make_store) -> CaseStore:
    return make_store(request.param)


@pytest.fixture
def loaded(store) -> CaseStore:
    store.put_cases(bundled())
    return store


# --- the tests ----------------------------------------------------------------------------------


def test_put_cases_lists_exactly_the_cases(store) -> None:
    returned = store.put_cases(bundled())
    infos = store.cases()
    assert [i.iri for i in infos] == [CASE + slug for slug in sorted(EXPECTED)]
    assert returned == infos
    for info in infos:
        slug = info.iri.rsplit("/", 1)[-1]
        assert info.triples == len(file_graph(slug)), slug
        assert info.city_label == EXPECTED[slug]["city"]
        assert info.city == f"{CASE}{slug}/city"
        assert info.sources == EXPECTED[slug]["sources"]
        assert info.ontology_version == f"{ONTOLOGY}/{__version__}"
        assert info.source_file == str(case_file(slug))
        assert info.synthetic is False
        assert len(info.sha256) == 64 and int(info.sha256, 16) >= 0
        stored = store.query(
            f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{info.iri}> {{ ?s ?p ?o }} }}"
        )
        assert int(stored.rows[0]["n"].value) == info.triples


def _blank(triple: tuple) -> bool:
    return any(isinstance(term, BNode) for term in triple)


def test_the_ontology_graph_is_present(loaded) -> None:
    ask = (
        f"ASK {{ GRAPH <{ONTOLOGY}> {{ <{ONTOLOGY}> a <http://www.w3.org/2002/07/owl#Ontology> ; "
        f'<http://www.w3.org/2002/07/owl#versionInfo> "{__version__}" }} }}'
    )
    assert loaded.query(ask).boolean is True
    # the ontology, and the subclass statements RDFS entails from it: a data administration is
    # an actor (its classes: government department, organisation, actor), and every class is a
    # subclass of itself
    count = loaded.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{ONTOLOGY}> {{ ?s ?p ?o }} }}")
    stored = ontology.stored_ontology_graph()
    assert int(count.rows[0]["n"].value) == len(stored)
    ground = {t for t in Graph().parse(ONTOLOGY_TTL, format="turtle") if not _blank(t)}
    assert ground <= set(stored)
    subclass = "<http://www.w3.org/2000/01/rdf-schema#subClassOf>"
    entailed = " . ".join(
        f"<{ONTOLOGY}#{sub}> {subclass} <{ONTOLOGY}#{sup}>"
        for sub, sup in (("DataAdministration", "Actor"), ("Actor", "Actor"))
    )
    assert loaded.query(f"ASK {{ GRAPH <{ONTOLOGY}> {{ {entailed} }} }}").boolean is True
    graphs = loaded.query("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
    assert {r["g"].value for r in graphs.rows} == {
        ONTOLOGY,
        CATALOG,
        *(CASE + slug for slug in EXPECTED),
    }


EPISODES = (
    PREFIXES + "SELECT ?case (COUNT(DISTINCT ?e) AS ?episodes) "
    "WHERE { GRAPH ?case { ?e a fw:StageEpisode } } GROUP BY ?case ORDER BY ?case"
)
ASK_SHANGHAI_CITY = PREFIXES + (
    f'ASK {{ GRAPH <{CASE}shanghai> {{ ?c a fw:City ; rdfs:label "Shanghai"@en }} }}'
)
ASK_NO_CROSSING = PREFIXES + (
    f'ASK {{ GRAPH <{CASE}city-a> {{ ?c a fw:City ; rdfs:label "Shanghai"@en }} }}'
)
CITY_BY_LABEL = PREFIXES + (
    "SELECT ?case ?city ?label WHERE { GRAPH ?case { ?city a fw:City ; rdfs:label ?label } } "
    "ORDER BY ?case ?label"
)


def test_queries_answer_as_the_files_say(loaded) -> None:
    result = loaded.query(EPISODES)
    assert result.variables == ("case", "episodes")
    assert [(r["case"].value, int(r["episodes"].value)) for r in result.rows] == [
        (CASE + slug, EPISODES_PER_CASE) for slug in sorted(EXPECTED)
    ]
    assert loaded.query(ASK_SHANGHAI_CITY).boolean is True
    assert loaded.query(ASK_NO_CROSSING).boolean is False


@pytest.mark.server  # the remote backend is an `oxigraph serve`
def test_the_same_queries_give_identical_answers_on_every_backend(make_store) -> None:
    stores = [make_store(kind) for kind in BACKENDS]
    for store in stores:
        store.put_cases(bundled())
    queries = [
        EPISODES,
        ASK_SHANGHAI_CITY,
        ASK_NO_CROSSING,
        CITY_BY_LABEL,
        PREFIXES
        + "SELECT ?case ?src WHERE { GRAPH ?case { ?x a fw:CaseStudy ; fw:codesSource ?src } } "
        "ORDER BY ?case ?src",
        "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g",
    ]
    for query in queries:
        answers = [plain(store.query(query)) for store in stores]
        assert answers[0] == answers[1] == answers[2], query
        assert answers[0], query
    # the sources, counted by hand from the files
    sources = plain(stores[0].query(queries[4]))
    assert len(sources) == sum(e["sources"] for e in EXPECTED.values()) == 12


def test_bindings_restrict_the_results(loaded) -> None:
    hangzhou = ox.NamedNode(CASE + "hangzhou")
    result = loaded.query(EPISODES, bindings={"case": hangzhou})
    assert [(r["case"], int(r["episodes"].value)) for r in result.rows] == [
        (hangzhou, EPISODES_PER_CASE)
    ]
    by_label = loaded.query(
        CITY_BY_LABEL, bindings={"label": ox.Literal("Shanghai", language="en")}
    )
    assert [(r["case"].value, r["city"].value) for r in by_label.rows] == [
        (CASE + "shanghai", CASE + "shanghai/city")
    ]
    assert len(loaded.query(CITY_BY_LABEL).rows) == 6  # two labels (en, zh) for each of 3 cities


ATTACKS = (
    'Shanghai"@en } UNION { GRAPH ?case { ?city ?p ?label } } #',
    'Shanghai"@en . } } UNION { GRAPH ?case { ?city a ?t } } VALUES ?x { 1 } #',
    "x' } UNION { ?city ?p ?o } #",
    '"""} UNION { GRAPH ?case { ?city ?p ?o } }\n#',
    "Shanghai>\n} UNION { GRAPH ?case { ?city ?p ?label } }",
)


def test_an_injection_attempt_in_a_bound_literal_matches_nothing(loaded) -> None:
    for attack in ATTACKS:
        for literal in (ox.Literal(attack), ox.Literal(attack, language="en")):
            result = loaded.query(CITY_BY_LABEL, bindings={"label": literal})
            assert result.rows == (), attack


def test_binding_a_variable_the_select_does_not_project(loaded) -> None:
    query = PREFIXES + "SELECT ?city WHERE { GRAPH ?case { ?city a fw:City } }"
    bindings = {"case": ox.NamedNode(CASE + "hangzhou")}
    if loaded.location.startswith("http"):  # the term replaces the variable: restricts
        assert [r["city"].value for r in loaded.query(query, bindings).rows] == [
            CASE + "hangzhou/city"
        ]
    else:  # Oxigraph binds only projected variables: the query's fault, not a RuntimeError
        with pytest.raises(QueryInvalid, match="projection"):
            loaded.query(query, bindings)


def test_loading_a_case_again_replaces_it(loaded) -> None:
    before = {i.iri: i for i in loaded.cases()}
    [again] = read_cases(case_file("hangzhou"))  # a fresh parse of the same file
    [info] = loaded.put_cases([again])
    after = {i.iri: i for i in loaded.cases()}
    assert list(after) == list(before)
    hangzhou = CASE + "hangzhou"
    assert info.triples == after[hangzhou].triples == len(file_graph("hangzhou"))
    assert info.sha256 == before[hangzhou].sha256
    for other in ("city-a", "shanghai"):
        assert after[CASE + other] == before[CASE + other]
    stored = loaded.query(f"SELECT ?s ?p ?o WHERE {{ GRAPH <{hangzhou}> {{ ?s ?p ?o }} }}")
    assert len(stored.rows) == len(set(plain(stored))) == len(file_graph("hangzhou"))
    entry = loaded.query(
        PREFIXES + f"SELECT ?p ?o WHERE {{ GRAPH <{CATALOG}> {{ <{hangzhou}> ?p ?o }} }}"
    )
    counts: dict[str, int] = {}
    for row in entry.rows:
        counts[row["p"].value] = counts.get(row["p"].value, 0) + 1
    assert counts["http://rdfs.org/ns/void#triples"] == 1
    assert counts["http://spdx.org/rdf/terms#checksum"] == 1
    assert counts["http://purl.org/dc/terms/modified"] == 1
    assert counts["http://purl.org/dc/terms/references"] == EXPECTED["hangzhou"]["sources"]
    listed = loaded.query(
        PREFIXES
        + f"SELECT ?case WHERE {{ GRAPH <{CATALOG}> {{ <{CATALOG}> dcat:dataset ?case }} }}"
    )
    assert sorted(r["case"].value for r in listed.rows) == sorted(before)


def test_a_corrected_city_label_replaces_the_old_one(loaded) -> None:
    [case] = read_cases(case_file("hangzhou"))
    city = URIRef(CASE + "hangzhou/city")
    case.graph.remove((city, None, Literal("Hangzhou", lang="en")))
    case.graph.add(
        (
            city,
            URIRef("http://www.w3.org/2000/01/rdf-schema#label"),
            Literal("Hangzhou City", lang="en"),
        )
    )
    loaded.put_cases([case])
    assert loaded.find_case("hangzhou").city_label == "Hangzhou City"
    labels = loaded.query(
        f"SELECT ?label WHERE {{ GRAPH <{CATALOG}> {{ <{city}> ?p ?label FILTER(LANG(?label) = 'en') }} }}"
    )
    assert [r["label"].value for r in labels.rows] == ["Hangzhou City"]


def test_remove_case(loaded) -> None:
    hangzhou = CASE + "hangzhou"
    assert loaded.remove_case(hangzhou) is True
    assert [i.iri for i in loaded.cases()] == [CASE + "city-a", CASE + "shanghai"]
    assert loaded.query(f"ASK {{ GRAPH <{hangzhou}> {{ ?s ?p ?o }} }}").boolean is False
    # nothing in the catalog mentions the case, or its city, any more
    mentions = loaded.query(
        f"SELECT * WHERE {{ GRAPH <{CATALOG}> {{ ?s ?p ?o "
        f'FILTER(STRSTARTS(STR(?s), "{hangzhou}") || STRSTARTS(STR(?o), "{hangzhou}")) }} }}'
    )
    assert mentions.rows == ()
    assert loaded.find_case("hangzhou") is None
    assert loaded.remove_case(hangzhou) is False
    for slug in ("city-a", "shanghai"):  # the others are untouched
        assert loaded.find_case(slug).triples == len(file_graph(slug))
        assert isomorphic(loaded.case_graph(CASE + slug), file_graph(slug))


def test_removing_every_case_leaves_an_empty_catalog(loaded) -> None:
    for slug in EXPECTED:
        assert loaded.remove_case(CASE + slug) is True
    assert loaded.cases() == []
    graphs = loaded.query("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
    assert {r["g"].value for r in graphs.rows} == {ONTOLOGY}


def test_case_graph_round_trips(loaded) -> None:
    for slug in EXPECTED:
        graph = loaded.case_graph(CASE + slug)
        assert len(graph) == len(file_graph(slug))
        assert isomorphic(graph, file_graph(slug)), slug


def test_find_case(loaded) -> None:
    assert loaded.find_case("hangzhou").iri == CASE + "hangzhou"
    assert loaded.find_case(CASE + "city-a").city_label == "City A"
    assert loaded.find_case("city") is None
    assert loaded.find_case("Hangzhou") is None
    assert loaded.find_case("") is None


@pytest.mark.parametrize("reserved", [CATALOG, ONTOLOGY])
def test_reserved_graph_names_are_refused(loaded, reserved: str) -> None:
    before = loaded.cases()
    intruder = Graph()
    intruder.add((URIRef("https://example.org/x"), URIRef("https://example.org/p"), Literal("o")))
    shanghai = [c for c in bundled() if c.iri.endswith("shanghai")]
    loaded.remove_case(CASE + "shanghai")
    with pytest.raises(StoreError, match="reserved"):
        loaded.put_cases([*shanghai, CaseGraph(reserved, "intruder.ttl", intruder)])
    assert loaded.cases() == [i for i in before if not i.iri.endswith("shanghai")]
    assert loaded.query("ASK { GRAPH ?g { <https://example.org/x> ?p ?o } }").boolean is False


def test_a_short_name_another_case_holds_is_refused(loaded) -> None:
    """On every backend (the remote one too): Hangzhou under another IRI, its name in capitals,
    is refused naming the holder, and nothing changes; the same IRI still replaces the case."""
    from kg.store import CaseNameTaken

    before = loaded.cases()
    [hangzhou] = [c for c in bundled() if c.iri.endswith("hangzhou")]
    impostor = CaseGraph("https://a.example/HANGZHOU", "impostor.ttl", hangzhou.graph)
    with pytest.raises(CaseNameTaken, match="hangzhou") as refused:
        loaded.put_cases([impostor])
    assert refused.value.holder == CASE + "hangzhou"
    assert loaded.cases() == before
    assert loaded.query("ASK { GRAPH <https://a.example/HANGZHOU> { ?s ?p ?o } }").boolean is False
    [again] = loaded.put_cases([hangzhou])
    assert again.iri == CASE + "hangzhou" and len(loaded.cases()) == 3


def test_invalid_sparql_is_the_querys_fault_not_the_stores(loaded) -> None:
    with pytest.raises(QueryInvalid) as raised:
        loaded.query("SELECT ?x WHERE { ?x ")
    assert not isinstance(raised.value, StoreError)  # a client's mistake, not a store down


def test_union_default_graph(loaded) -> None:
    query = PREFIXES + "SELECT (COUNT(DISTINCT ?e) AS ?n) WHERE { ?e a fw:StageEpisode }"
    if loaded.location.startswith("http"):
        with pytest.raises(StoreError, match="union"):
            loaded.query(query, union=True)
    else:
        result = loaded.query(query, union=True)
        assert int(result.rows[0]["n"].value) == 3 * EPISODES_PER_CASE
    # the store's own default graph is the union of the cases (each triple once)
    assert int(loaded.query(query).rows[0]["n"].value) == 3 * EPISODES_PER_CASE


def test_embedded_store_persists(tmp_path) -> None:
    folder = tmp_path / "persist"
    first = open_store(folder)
    first.put_cases(bundled())
    saved = first.cases()
    first.close()
    second = open_store(folder)
    try:
        assert second.cases() == saved
        assert isomorphic(second.case_graph(CASE + "hangzhou"), file_graph("hangzhou"))
    finally:
        second.close()
    with open_store(folder) as third:  # and once more, as a context manager
        assert [i.iri for i in third.cases()] == [i.iri for i in saved]


@pytest.mark.server  # the remote backend is an `oxigraph serve`
def test_every_named_query_answers_the_same_on_every_backend(make_store) -> None:
    """The query library over all three backends: the remote one is sent the terms in the
    variables' places (the SPARQL protocol has no parameters), the embedded ones use Oxigraph's
    substitutions."""
    from kg.sparql.named import load_queries, run

    stores = [make_store(kind) for kind in BACKENDS]
    for store in stores:
        store.put_cases(bundled())
    for name, query in load_queries().items():
        # as multisets: rows that tie on a query's ORDER BY (a unit typed with two classes, as
        # the 0.2 cases type who acts and the part it plays) may come in either order
        answers = [sorted(run(store, query), key=repr) for store in stores]
        assert answers[0] == answers[1] == answers[2], name


def test_backends_say_what_they_can_do(loaded, tmp_path) -> None:
    """The capabilities the API and the query runner ask instead of the class, and the raw
    protocol query or forward each backend offers in their place."""
    kind = (
        "remote"
        if loaded.location.startswith("http")
        else "memory"
        if loaded.location == "memory:"
        else "embedded"
    )
    expected = {
        "memory": (False, False, False, True),
        "embedded": (True, False, False, False),
        "remote": (False, True, True, False),
    }[kind]
    said = (loaded.can_snapshot, loaded.passes_sparql_through, loaded.needs_network)
    assert (*said, loaded.in_memory) == expected
    ask = f"ASK {{ GRAPH <{CASE}hangzhou> {{ ?s ?p ?o }} }}"
    if loaded.passes_sparql_through:
        answer = loaded.forward(ask, [], [], False, "application/sparql-results+json")
        assert answer.status == 200 and b'"boolean":true' in answer.body.replace(b" ", b"")
        with pytest.raises(StoreError):
            loaded.raw_query(ask, [], [], False)
    else:
        assert bool(loaded.raw_query(ask, [], [], False)) is True
        # the protocol's dataset: named graphs given, the default graph is empty
        default_only = "ASK { ?s ?p ?o }"
        assert bool(loaded.raw_query(default_only, [], [CASE + "hangzhou"], False)) is False
        assert bool(loaded.raw_query(default_only, [CASE + "hangzhou"], [], False)) is True
        with pytest.raises(StoreError):
            loaded.forward(ask, [], [], False, "*/*")
    if not loaded.can_snapshot:
        with pytest.raises(StoreError):
            loaded.snapshot(tmp_path / "copy")


# --- the default graph: the union of the case graphs ---------------------------------------------

COUNT_DEFAULT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


def count(store: CaseStore, query: str = COUNT_DEFAULT) -> int:
    return int(store.query(query).rows[0]["n"].value)


def union_size(slugs) -> int:
    """The triples of these case files (rdflib's reading), a triple two files state once; the
    bundled files share none, and their blank nodes are each file's own."""
    return sum(len(file_graph(slug)) for slug in slugs)


def forget_union(store: CaseStore) -> None:
    """Make the store one written before flywheel kept the union: no mark, an empty default
    graph (written straight to the backend, as an older flywheel left it)."""
    update = (
        "DELETE DATA { GRAPH <https://w3id.org/dataflywheel/catalog> { "
        "<https://w3id.org/dataflywheel/catalog> <http://purl.org/dc/terms/conformsTo> "
        "<https://w3id.org/dataflywheel/catalog#caseUnionDefaultGraph> } } ; DROP DEFAULT"
    )
    if isinstance(store, RemoteStore):
        answer = httpx.post(
            store.update_url,
            content=update.encode(),
            headers={"Content-Type": "application/sparql-update"},
            timeout=30,
        )
        assert answer.status_code < 300, answer.text
    else:
        assert isinstance(store, OxigraphStore)
        store.raw.update(update)


def test_the_default_graph_is_the_union_of_the_cases(loaded) -> None:
    assert loaded.has_union()
    assert count(loaded) == union_size(EXPECTED)
    loaded.remove_case(CASE + "city-a")
    assert count(loaded) == union_size(["hangzhou", "shanghai"])
    [hangzhou] = [c for c in bundled() if c.iri.endswith("hangzhou")]
    loaded.put_cases([hangzhou])  # replacing itself: the union as it was
    assert count(loaded) == union_size(["hangzhou", "shanghai"])
    for slug in ("hangzhou", "shanghai"):
        loaded.remove_case(CASE + slug)
    assert count(loaded) == 0
    assert not loaded.has_union()  # no case: the store is as a new one, unmarked


def test_a_store_written_before_the_union_is_brought_up_to_date(loaded) -> None:
    """Without the mark the default graph is rebuilt: by ensure_union (flywheel serve at its
    start), before a write, or by rebuild_union (flywheel reindex)."""
    forget_union(loaded)
    assert not loaded.has_union() and count(loaded) == 0
    assert loaded.ensure_union() is True
    assert loaded.has_union() and count(loaded) == union_size(EXPECTED)
    assert loaded.ensure_union() is False  # kept: nothing to do
    forget_union(loaded)
    loaded.remove_case(CASE + "city-a")  # a write rebuilds it first
    assert loaded.has_union() and count(loaded) == union_size(["hangzhou", "shanghai"])
    assert loaded.rebuild_union() == 2
    assert count(loaded) == union_size(["hangzhou", "shanghai"])


def test_a_protocol_query_over_a_store_without_the_union_reads_the_cases(loaded) -> None:
    """Read as it is (the endpoint never writes), a store without the union has its case graphs
    listed as the default graph, each triple once per case, as before flywheel kept it."""
    from api.sparql import dataset

    forget_union(loaded)
    graphs = dataset(loaded, COUNT_DEFAULT, [], [])
    assert graphs is not None
    assert graphs[0] == [CASE + slug for slug in sorted(EXPECTED)]
    loaded.ensure_union()
    assert dataset(loaded, COUNT_DEFAULT, [], []) is None  # the store's own default graph


def test_reindex_rebuilds_the_default_graph(bundled_store, tmp_path) -> None:
    shutil.copytree(bundled_store, tmp_path / "store")
    with open_store(tmp_path / "store") as store:
        forget_union(store)
    result = run_flywheel("reindex", "--store", str(tmp_path / "store"))
    assert result.returncode == 0, result.stderr
    assert "from 3 case graph(s)" in result.stdout
    with open_store(tmp_path / "store") as store:
        assert store.has_union() and count(store) == union_size(EXPECTED)
