"""Clients nobody here wrote, over a real ``flywheel serve``: rdflib's SPARQLStore and Dataset,
and Comunica federating the flywheel endpoint with a second group's ``oxigraph serve``.

Expected answers are worked out by hand from kg/cases/*.ttl: three cases (City A, Hangzhou,
Shanghai), each with one fw:City (``<case>/city``) labelled in English and Chinese; the store
also holds the catalog graph and the ontology graph.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.plugins.stores.sparqlstore import SPARQLStore

from tests.servers import marks_its_users, start_oxigraph, stop

CASE = "https://w3id.org/dataflywheel/case/"
CASES = {CASE + name for name in ("city-a", "hangzhou", "shanghai")}
CATALOG = "https://w3id.org/dataflywheel/catalog"
FW = "https://w3id.org/dataflywheel/ontology#"
PREFIXES = f"PREFIX fw: <{FW}>\nPREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
EX = "https://example.org/second-group#"
CITY_LABELS = {
    ("City A", "en"),
    ("A市", "zh"),
    ("Hangzhou", "en"),
    ("杭州", "zh"),
    ("Shanghai", "en"),
    ("上海", "zh"),
}


# --- rdflib ------------------------------------------------------------------------------------


def test_rdflib_sparqlstore_graph_sees_the_cities(api: str) -> None:
    """A plain Graph over the endpoint queries the default graph: the union of the cases."""
    graph = Graph(store=SPARQLStore(api + "/sparql"))
    rows = graph.query(PREFIXES + "SELECT ?l WHERE { ?c a fw:City ; rdfs:label ?l }")
    assert {(str(r[0]), r[0].language) for r in rows} == CITY_LABELS  # type: ignore[index]
    count = graph.query(PREFIXES + "SELECT (COUNT(*) AS ?n) WHERE { ?c a fw:City }")
    assert [int(r[0]) for r in count] == [3]  # type: ignore[index]


def test_rdflib_dataset_over_the_endpoint(api: str) -> None:
    """rdflib's Dataset sends default-graph-uri=urn:x-rdflib:default with every query: it
    stands for the endpoint's default graph, and GRAPH ?g still reaches the named graphs."""
    dataset = Dataset(store=SPARQLStore(api + "/sparql"))
    graphs = dataset.query("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
    names = {str(r[0]) for r in graphs}  # type: ignore[index]
    assert CASES | {CATALOG} <= names
    by_graph = dataset.query(
        PREFIXES + "SELECT ?g ?l WHERE { GRAPH ?g { ?c a fw:City ; rdfs:label ?l } }"
    )
    got = {(str(r[0]), str(r[1])) for r in by_graph}  # type: ignore[index]
    assert (CASE + "hangzhou", "杭州") in got and (CASE + "city-a", "City A") in got
    assert len(got) == 6
    plain = dataset.query(PREFIXES + "SELECT ?c WHERE { ?c a fw:City }")
    assert {str(r[0]) for r in plain} == {c + "/city" for c in CASES}  # type: ignore[index]


def test_rdflib_graph_triples_and_describe(api: str) -> None:
    """Reading triples through rdflib's Graph API, and DESCRIBE of a city, give its triples."""
    graph = Graph(store=SPARQLStore(api + "/sparql"))
    city = URIRef(CASE + "hangzhou/city")
    labels = set(graph.objects(city, URIRef("http://www.w3.org/2000/01/rdf-schema#label")))
    assert labels == {Literal("Hangzhou", lang="en"), Literal("杭州", lang="zh")}
    described = graph.query(f"DESCRIBE <{city}>")
    triples = set(described.graph or Graph())  # type: ignore[union-attr]
    assert (
        city,
        URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
        URIRef(FW + "City"),
    ) in triples
    assert (
        city,
        URIRef("http://www.w3.org/2000/01/rdf-schema#label"),
        Literal("杭州", lang="zh"),
    ) in triples


# --- Comunica ------------------------------------------------------------------------------------

COMUNICA = "@comunica/query-sparql@^4"  # 4.x runs on Node 18 and 20; 5.x needs Node 22
_NETWORK_ERRORS = (
    "ENOTFOUND",
    "EAI_AGAIN",
    "ECONNREFUSED",
    "ETIMEDOUT",
    "ECONNRESET",
    "ENETUNREACH",
)


def _cache() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "flywheel-kg-tests" / "comunica-4"


@pytest.fixture(scope="session")
def comunica() -> Path:
    """The ``comunica-sparql`` command, installed with npm into a cache folder once."""
    folder = _cache()
    command = folder / "node_modules" / ".bin" / "comunica-sparql"
    if command.exists():
        return command
    npm = shutil.which("npm")
    if npm is None:
        pytest.fail("npm is needed for the federation tests (bash .ci/install-system installs it)")
    folder.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        [npm, "install", "--no-audit", "--no-fund", "--prefix", str(folder), COMUNICA],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    if done.returncode != 0:
        said = done.stdout + done.stderr
        if any(code in said for code in _NETWORK_ERRORS):
            pytest.skip(f"npm cannot reach its registry to install {COMUNICA}: {said[-500:]}")
        pytest.fail(f"npm install {COMUNICA} failed:\n{said[-3000:]}")
    assert command.exists(), f"npm installed {COMUNICA} but {command} is missing"
    return command


@pytest.fixture(scope="module")
@marks_its_users("server")
def second_group(tmp_path_factory) -> Iterator[str]:
    """Another group's ``oxigraph serve``: populations of two of our cities, in its default
    graph, keyed by our city IRIs."""
    folder = tmp_path_factory.mktemp("second-group")
    store = ox.Store(str(folder / "store"))
    population = ox.NamedNode(EX + "population")
    for city, people in (("hangzhou", 12_376_000), ("shanghai", 24_870_895)):
        store.add(
            ox.Quad(
                ox.NamedNode(f"{CASE}{city}/city"),
                population,
                ox.Literal(
                    str(people), datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")
                ),
                ox.DefaultGraph(),
            )
        )
    store.flush()
    del store  # release the folder's lock for the server
    for _attempt in range(3):
        process, url = start_oxigraph(folder / "store", folder / "oxigraph.log")
        if url:
            break
        stop(process)
    else:
        pytest.fail((folder / "oxigraph.log").read_text(errors="replace")[-2000:])
    try:
        yield url + "/query"
    finally:
        stop(process)


def _comunica(command: Path, sources: list[str], query: str) -> list[dict]:
    done = subprocess.run(
        [
            str(command),
            *[f"sparql@{s}" for s in sources],
            "-t",
            "application/sparql-results+json",
            query,
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)["results"]["bindings"]


FEDERATED = (
    PREFIXES
    + f"PREFIX ex: <{EX}>\n"
    + "SELECT ?label ?people WHERE { ?c a fw:City ; rdfs:label ?label ; ex:population ?people "
    + 'FILTER(LANG(?label) = "en") } ORDER BY ?label'
)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("path", "select"),
    [
        ("/sparql", "SELECT"),
        # every graph's union: a city's label is in its case and in the catalog, so DISTINCT
        ("/sparql?union-default-graph=true", "SELECT DISTINCT"),
    ],
)
def test_comunica_federates_flywheel_with_another_server(
    comunica: Path, api: str, second_group: str, path: str, select: str
) -> None:
    """The cities and labels come from flywheel, the populations from the other server; City A
    has no population there, so two rows."""
    rows = _comunica(comunica, [api + path, second_group], FEDERATED.replace("SELECT", select))
    assert [(r["label"]["value"], r["people"]["value"]) for r in rows] == [
        ("Hangzhou", "12376000"),
        ("Shanghai", "24870895"),
    ]


@pytest.mark.slow
def test_comunica_alone_counts_the_cities(comunica: Path, api: str) -> None:
    rows = _comunica(comunica, [api + "/sparql"], PREFIXES + "SELECT ?c WHERE { ?c a fw:City }")
    assert {r["c"]["value"] for r in rows} == {c + "/city" for c in CASES}
