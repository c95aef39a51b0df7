"""Reading RDF: every syntax, errors with file, line and column, nothing from the network."""

from __future__ import annotations

import http.server
import io
import threading
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph, Literal, URIRef

from kg.rdf.read import RdfInputError, read_cases, split_dataset, to_oxigraph
from tests.conftest import FIXTURES

SYNTAX = FIXTURES / "syntax"

# (file, line the parser must point at); lines worked out by reading each fixture.
SYNTAX_ERRORS = [
    ("unterminated-literal.ttl", 5),
    ("missing-dot.nt", 3),
    ("unclosed-graph.trig", 5),
    ("broken.jsonld", 5),
    ("unclosed-tag.rdf", 5),
]


@pytest.mark.parametrize(("name", "line"), SYNTAX_ERRORS, ids=[n for n, _ in SYNTAX_ERRORS])
def test_syntax_error_names_file_line_and_column(name: str, line: int) -> None:
    with pytest.raises(RdfInputError) as caught:
        read_cases(SYNTAX / name)
    error = caught.value
    assert error.path.endswith(name)
    assert error.line == line
    assert error.column is not None and error.column >= 1
    assert f"line {line}" in str(error) and name in str(error)


def test_triples_outside_named_graphs_are_refused() -> None:
    with pytest.raises(RdfInputError, match="outside its named graphs"):
        read_cases(SYNTAX / "mixed-default.trig")


def test_unknown_extension_and_missing_file() -> None:
    with pytest.raises(RdfInputError, match="extension"):
        read_cases(FIXTURES / "syntax" / "README")
    with pytest.raises(RdfInputError, match="no such file"):
        read_cases(FIXTURES / "does-not-exist.ttl")


def test_remote_jsonld_context_is_refused_without_any_request(tmp_path: Path) -> None:
    requests: list[str] = []

    class Recorder(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            requests.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "application/ld+json")
            self.end_headers()
            self.wfile.write(b'{"@context": {"name": "https://schema.org/name"}}')

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        doc = tmp_path / "remote.jsonld"
        doc.write_text(
            f'{{"@context": "http://127.0.0.1:{server.server_port}/ctx.jsonld", '
            '"@id": "https://e.org/a", "name": "x"}'
        )
        with pytest.raises(RdfInputError, match="remote @context"):
            read_cases(doc)
    finally:
        server.shutdown()
        server.server_close()
    assert requests == []


def test_each_named_graph_of_a_dataset_is_one_case(tmp_path: Path) -> None:
    doc = tmp_path / "two.trig"
    doc.write_text(
        "@prefix ex: <https://example.org/> .\n"
        'ex:g1 { ex:a ex:p ex:b . }\nex:g2 { ex:c ex:p "x"@en . ex:c ex:q 1 . }\n'
    )
    cases = {c.iri: c for c in read_cases(doc)}
    assert set(cases) == {"https://example.org/g1", "https://example.org/g2"}
    assert len(cases["https://example.org/g1"].graph) == 1
    assert len(cases["https://example.org/g2"].graph) == 2


def test_case_iri_is_the_header_that_imports_the_ontology(tmp_path: Path) -> None:
    doc = tmp_path / "c.ttl"
    doc.write_text(
        "@prefix owl: <http://www.w3.org/2002/07/owl#> .\n"
        "<https://example.org/other> a owl:Ontology .\n"
        "<https://example.org/case> a owl:Ontology ; owl:imports "
        "<https://w3id.org/dataflywheel/ontology/0.1.0> .\n"
    )
    assert [c.iri for c in read_cases(doc)] == ["https://example.org/case"]


def test_round_trip_to_oxigraph_keeps_terms() -> None:
    graph = Graph()
    graph.add((URIRef("https://e.org/a"), URIRef("https://e.org/p"), Literal("文", lang="zh")))
    graph.add((URIRef("https://e.org/a"), URIRef("https://e.org/q"), Literal(3)))
    graph.add((URIRef("https://e.org/a"), URIRef("https://e.org/r"), Literal("plain")))
    quads = {str(q.object) for q in to_oxigraph(graph)}
    assert quads == {'"文"@zh', '"3"^^<http://www.w3.org/2001/XMLSchema#integer>', '"plain"'}


# --- a dataset split into its graphs (POST /cases) ------------------------------------------------

SPLIT = b"""<https://example.org/s> <https://example.org/p> "1" <https://example.org/g/a> .
<https://example.org/s> <https://example.org/p> "2" <https://example.org/g/b> .
<https://example.org/s> <https://example.org/p> "3" <https://example.org/g/a> .
_:x <https://example.org/p> "4" <https://example.org/g/b> .
"""


def test_a_dataset_is_split_into_its_graphs_in_their_order(tmp_path: Path) -> None:
    """Graph a comes first and comes back: its two quads in its file, in the order read."""
    parts = split_dataset(
        io.BufferedReader(io.BytesIO(SPLIT)), ox.RdfFormat.N_QUADS, tmp_path, "body"
    )
    assert [p.iri for p in parts] == ["https://example.org/g/a", "https://example.org/g/b"]
    read = [list(ox.parse(path=str(p.path), format=ox.RdfFormat.N_QUADS)) for p in parts]
    assert [[q.object.value for q in quads] for quads in read] == [["1", "3"], ["2", "4"]]
    assert {q.graph_name.value for q in read[1]} == {"https://example.org/g/b"}
    with pytest.raises(RdfInputError, match="line 2"):
        split_dataset(
            io.BufferedReader(io.BytesIO(SPLIT[:120])), ox.RdfFormat.N_QUADS, tmp_path, "body"
        )
