"""Reading RDF files safely, with errors a scholar can act on.

Files are parsed by Oxigraph's parsers, which report the line and column of a syntax error and
never fetch anything from the network (a JSON-LD remote ``@context`` is refused). The triples are
then handed over as rdflib graphs, one per case.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from xml.parsers import expat

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, XSD
from rdflib.term import Node

from kg import limits
from kg.errors import BadInput
from kg.rdf.jsonld import inline_own_context
from kg.rdf.names import case_iri_problem
from kg.version import ONTOLOGY_IRI

FORMATS: dict[str, ox.RdfFormat] = {
    ".ttl": ox.RdfFormat.TURTLE,
    ".turtle": ox.RdfFormat.TURTLE,
    ".trig": ox.RdfFormat.TRIG,
    ".nt": ox.RdfFormat.N_TRIPLES,
    ".nq": ox.RdfFormat.N_QUADS,
    ".n3": ox.RdfFormat.N3,
    ".jsonld": ox.RdfFormat.JSON_LD,
    ".json": ox.RdfFormat.JSON_LD,
    ".rdf": ox.RdfFormat.RDF_XML,
    ".owl": ox.RdfFormat.RDF_XML,
    ".xml": ox.RdfFormat.RDF_XML,
}
FORMAT_NAMES: dict[str, ox.RdfFormat] = {
    "turtle": ox.RdfFormat.TURTLE,
    "trig": ox.RdfFormat.TRIG,
    "nt": ox.RdfFormat.N_TRIPLES,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "nquads": ox.RdfFormat.N_QUADS,
    "json-ld": ox.RdfFormat.JSON_LD,
    "jsonld": ox.RdfFormat.JSON_LD,
    "xml": ox.RdfFormat.RDF_XML,
    "rdfxml": ox.RdfFormat.RDF_XML,
}

_STRING = str(XSD.string)


class RdfInputError(BadInput):
    """A file that cannot be read as RDF: says which file, where, and what is wrong."""

    def __init__(
        self, path: Path | str, message: str, line: int | None = None, column: int | None = None
    ) -> None:
        self.path = str(path)
        self.message = message
        self.line = line
        self.column = column
        super().__init__(str(self))

    def __str__(self) -> str:
        where = self.path
        if self.line is not None:
            where += f", line {self.line}"
            if self.column is not None:
                where += f", column {self.column}"
        return f"{where}: {self.message}"

    def describe(self, lang: str = "en", path: str | None = None) -> str:
        """The error in English or Chinese (``zh``): where, then what; the parser's own words,
        which are English, follow a Chinese explanation of the common cases."""
        shown = path or self.path
        if lang != "zh":
            return str(self) if path is None else str(self).replace(self.path, shown, 1)
        where = shown
        if self.line is not None:
            where += f",第 {self.line} 行"
            if self.column is not None:
                where += f"第 {self.column} 列"
        return f"{where}:{_message_zh(self.message)}"


# Chinese for what the readers say most often (Oxigraph's parser messages are English).
_ZH_MESSAGES = (
    (r"no such file", "文件不存在"),
    (r"not a file", "不是文件"),
    (r"A dot is expected at the end of statements", "语句末尾缺少句点“.”"),
    (r"The prefix (\S+) has not been declared", "前缀 {0} 未声明(缺少 @prefix)"),
    (r"Unexpected end of file", "文件意外结束(语句或括号未完)"),
    (r"unexpected end of file", "文件意外结束(语句或括号未完)"),
    (r"Invalid IRI", "IRI 无效"),
    (r"invalid IRI", "IRI 无效"),
)


def _message_zh(message: str) -> str:
    text = message.removeprefix("not valid RDF: ")
    said = "不是有效的 RDF" if text != message else "无法读取"
    for pattern, chinese in _ZH_MESSAGES:
        found = re.search(pattern, text)
        if found:
            return f"{said}:{chinese.format(*found.groups())}(原文:{text})"
    return f"{said}(原文:{text})"


@dataclass(frozen=True)
class CaseGraph:
    """One case read from a file: the name of its graph, the file, and its triples.

    ``triples`` keeps the parser's own Oxigraph triples when the case was read from a file, so
    that a store can write them without converting the rdflib graph back.
    """

    iri: str
    source: str
    graph: Graph
    triples: tuple[ox.Triple, ...] = field(default=(), compare=False, repr=False)

    def quads(self) -> list[ox.Quad]:
        """The case's triples as quads in its own named graph."""
        if not self.triples:
            return to_oxigraph(self.graph, self.iri)
        name = ox.NamedNode(self.iri)
        return [ox.Quad(t.subject, t.predicate, t.object, name) for t in self.triples]


def format_for(path: Path, name: str | None = None) -> ox.RdfFormat:
    """The RDF syntax of a file, from an explicit format name or from the file's extension."""
    if name:
        try:
            return FORMAT_NAMES[name.lower()]
        except KeyError:
            known = ", ".join(sorted(FORMAT_NAMES))
            raise RdfInputError(path, f"unknown format '{name}' (known: {known})") from None
    try:
        return FORMATS[path.suffix.lower()]
    except KeyError:
        known = ", ".join(sorted(FORMATS))
        raise RdfInputError(
            path,
            f"cannot tell the RDF syntax from the extension '{path.suffix}' (known: {known}); "
            "name it with --format",
        ) from None


def _guard(source: Path | str, check: Callable[..., object], *args: object) -> None:
    """Run one of :mod:`kg.limits`' checks, as an RdfInputError naming the source."""
    try:
        check(*args)
    except limits.InputRefused as error:
        raise RdfInputError(source, error.message, error.line, error.column) from None


def _own_context_inlined(data: bytes) -> bytes:
    """JSON-LD that names the project's published @context, with the local copy put in its
    place (see :func:`kg.rdf.jsonld.inline_own_context`); nothing is fetched."""

    return inline_own_context(data)


def _explain(error: SyntaxError) -> str:
    text = str(error.msg if error.msg else error)
    if "LoadDocumentCallback" in text or "remote context" in text.lower():
        return (
            "the JSON-LD document refers to a remote @context; flywheel never fetches documents "
            "from the network: put the context inline in the file"
        )
    if ": " in text and text.startswith("Parser error"):
        text = text.split(": ", 1)[1]
    if "UTF-8" in text:
        text += " (flywheel reads RDF as UTF-8: save the file as UTF-8 text)"
    return f"not valid RDF: {text}"


def _term(
    term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple, bnodes: dict[str, BNode]
) -> URIRef | BNode | Literal:
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return bnodes.setdefault(term.value, BNode())
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        datatype = term.datatype.value
        if datatype == _STRING:
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(datatype))
    raise ValueError(f"unsupported RDF term {term!r}")


def has_blank_node(statement: ox.Quad | ox.Triple) -> bool:
    """Whether a statement's subject or object is a blank node."""
    return isinstance(statement.subject, ox.BlankNode) or isinstance(statement.object, ox.BlankNode)


def ox_term(term: Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    """One rdflib term as an Oxigraph term."""
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if not isinstance(term, Literal):  # a variable or a quoted graph (N3): no Oxigraph term
        raise ValueError(f"unsupported RDF term {term!r}")
    if term.language:
        return ox.Literal(str(term), language=term.language)
    if term.datatype is not None:
        return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
    return ox.Literal(str(term))


def to_oxigraph(graph: Graph, graph_name: str | None = None) -> list[ox.Quad]:
    """An rdflib graph as Oxigraph quads (in the default graph, or in a named graph)."""
    name = ox.NamedNode(graph_name) if graph_name else ox.DefaultGraph()
    # rdflib types each position as any Node: a literal subject or predicate (which N3 allows)
    # is refused by ox.Quad with a TypeError
    return [ox.Quad(ox_term(s), ox_term(p), ox_term(o), name) for s, p, o in graph]  # type: ignore[arg-type]


def _xml_position(path: Path) -> tuple[int | None, int | None]:
    """Where an XML file stops being well-formed, from the standard library's expat parser
    (which resolves no external entities); (None, None) when expat finds nothing wrong."""
    parser = expat.ParserCreate()
    try:
        with path.open("rb") as stream:
            parser.ParseFile(stream)
    except expat.ExpatError as error:
        return error.lineno, error.offset + 1
    return None, None


def read_quads(path: Path, fmt: str | None = None) -> list[ox.Quad]:
    """Parse a file into Oxigraph quads; raises RdfInputError with line and column."""
    path = Path(path)
    if not path.is_file():
        raise RdfInputError(path, "no such file" if not path.exists() else "not a file")
    rdf_format = format_for(path, fmt)
    try:
        size = path.stat().st_size
        _guard(path, limits.check_size, size)
        with path.open("rb") as stream:
            _guard(path, limits.check_text, stream.read(4096))
        if limits.needs_data(rdf_format):
            _guard(path, limits.check_data, path.read_bytes(), rdf_format)
        base = path.resolve().as_uri()
        if rdf_format == ox.RdfFormat.JSON_LD:  # the project's own @context is read offline
            data = _own_context_inlined(path.read_bytes())
            quads = list(ox.parse(data, format=rdf_format, base_iri=base))
        else:
            quads = list(ox.parse(path=str(path), format=rdf_format, base_iri=base))
        _guard(path, limits.check_literals, quads, size)
        return quads
    except SyntaxError as error:
        line = error.lineno if error.lineno else None
        column = error.offset if error.offset else None
        if line is None and rdf_format == ox.RdfFormat.RDF_XML:
            line, column = _xml_position(path)
        raise RdfInputError(path, _explain(error), line, column) from None
    except RdfInputError:  # a refusal of ours (a ValueError too): as it is
        raise
    except (OSError, ValueError) as error:
        raise RdfInputError(path, f"cannot be read: {error}") from None


def _case_iri(graph: Graph, fallback: str | None) -> str | None:
    """A case's graph name: its owl:Ontology header IRI, or failing that ``fallback``."""
    headers = [s for s in graph.subjects(RDF.type, OWL.Ontology) if isinstance(s, URIRef)]
    importing = [
        h
        for h in headers
        if any(str(o).startswith(ONTOLOGY_IRI) for o in graph.objects(h, OWL.imports))
    ]
    chosen = importing or headers
    return str(chosen[0]) if len(chosen) == 1 else fallback


def read_cases(path: Path | str, fmt: str | None = None) -> list[CaseGraph]:
    """Read a case file: a triples file is one case; each named graph of a dataset file is one.

    Raises RdfInputError when the file cannot be read or mixes default-graph triples with
    named graphs.
    """
    path = Path(path)
    quads = read_quads(path, fmt)
    return _cases_from_quads(quads, str(path), path.resolve().as_uri())


def parse_cases(
    data: bytes,
    rdf_format: ox.RdfFormat,
    source: str,
    fallback_iri: str | None = None,
    base_iri: str | None = None,
) -> list[CaseGraph]:
    """Read cases from bytes (e.g. an HTTP request body), as :func:`read_cases` reads a file.

    Nothing is fetched from the network. A triples document with no single owl:Ontology header
    is named ``fallback_iri``; without one it is refused. Relative IRIs resolve against
    ``base_iri`` (without one they are an error). Raises RdfInputError (``source`` as its path)
    with the line and column of a syntax error.
    """
    _guard(source, limits.check_size, len(data))
    _guard(source, limits.check_text, data[:4096])
    _guard(source, limits.check_data, data, rdf_format)
    try:
        if rdf_format == ox.RdfFormat.JSON_LD:
            data = _own_context_inlined(data)
        quads = list(ox.parse(data, format=rdf_format, base_iri=base_iri))
    except SyntaxError as error:
        line = error.lineno if error.lineno else None
        column = error.offset if error.offset else None
        if line is None and rdf_format == ox.RdfFormat.RDF_XML:
            parser = expat.ParserCreate()
            try:
                parser.Parse(data, True)
            except expat.ExpatError as xml_error:
                line, column = xml_error.lineno, xml_error.offset + 1
        raise RdfInputError(source, _explain(error), line, column) from None
    except ValueError as error:
        raise RdfInputError(source, f"cannot be read: {error}") from None
    _guard(source, limits.check_literals, quads, len(data))
    return _cases_from_quads(quads, source, fallback_iri)


@dataclass(frozen=True)
class DatasetPart:
    """One named graph of a dataset split by :func:`split_dataset`: its name and the N-Quads
    file that holds its quads."""

    iri: str
    path: Path


SPLIT_BATCH = 10_000  # quads of one graph held before they are written to its file


def split_dataset(
    stream: io.BufferedReader, rdf_format: ox.RdfFormat, folder: Path, source: str
) -> list[DatasetPart]:
    """Split a dataset (N-Quads or TriG) into one N-Quads file per named graph in ``folder``,
    read as it goes: memory holds a few thousand quads, however long the stream. The graphs
    come in the order they first appear (a graph that comes back is added to its file).
    Raises RdfInputError (``source`` as its path) for a syntax error, with its line and
    column, for text that is not UTF-8, and for triples outside the named graphs. Each part
    is then read as a case file is (:func:`parse_cases`), with its limits."""
    if rdf_format not in (ox.RdfFormat.N_QUADS, ox.RdfFormat.TRIG):
        raise ValueError(f"only N-Quads and TriG are split, not {rdf_format}")
    _guard(source, limits.check_text, stream.peek(4096)[:4096])
    parts: dict[str, DatasetPart] = {}
    batch: list[ox.Quad] = []

    def write() -> None:
        if batch:
            with parts[batch[0].graph_name.value].path.open("ab") as out:  # type: ignore[union-attr]
                ox.serialize(batch, out, format=ox.RdfFormat.N_QUADS)
            batch.clear()

    try:
        for quad in ox.parse(stream, format=rdf_format):
            graph = quad.graph_name
            if isinstance(graph, ox.DefaultGraph):
                raise RdfInputError(
                    source,
                    "it has triples outside its named graphs; put every triple of a case "
                    "inside its case's named graph",
                )
            if (batch and batch[0].graph_name != graph) or len(batch) >= SPLIT_BATCH:
                write()
            if graph.value not in parts:
                parts[graph.value] = DatasetPart(graph.value, folder / f"{len(parts):06d}.nq")
            batch.append(quad)
        write()
    except SyntaxError as error:
        line = error.lineno if error.lineno else None
        column = error.offset if error.offset else None
        raise RdfInputError(source, _explain(error), line, column) from None
    if not parts:
        raise RdfInputError(source, "it holds no named graph: put each case in its own graph")
    return list(parts.values())


def _cases_from_quads(
    quads: list[ox.Quad], source: str, fallback_iri: str | None
) -> list[CaseGraph]:
    bnodes: dict[str, BNode] = {}
    made: dict[object, URIRef | BNode | Literal] = {}  # each distinct term converted once

    def term(node: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> Node:
        found = made.get(node)
        if found is None:
            found = made[node] = _term(node, bnodes)
        return found

    graphs: dict[str | None, Graph] = {}
    triples: dict[str | None, list[ox.Triple]] = {}
    for quad in quads:
        name = None if isinstance(quad.graph_name, ox.DefaultGraph) else quad.graph_name.value
        graph = graphs.get(name)
        if graph is None:
            graph = graphs[name] = Graph()
            triples[name] = []
        graph.add((term(quad.subject), term(quad.predicate), term(quad.object)))
        triples[name].append(quad.triple)
    named = {k: v for k, v in graphs.items() if k is not None}
    if named and None in graphs:
        raise RdfInputError(
            source,
            "the file has triples outside its named graphs; put every "
            "triple of a case inside its GRAPH block",
        )
    if not named:
        graph = graphs.get(None, Graph())
        iri = _case_iri(graph, fallback_iri)
        if iri is None:
            raise RdfInputError(
                source,
                "no case is named: give the case one header `<case IRI> a owl:Ontology` "
                "(its IRI names the case's graph)",
            )
        return [CaseGraph(_checked_name(iri, source), source, graph, tuple(triples.get(None, ())))]
    return [
        CaseGraph(_checked_name(name, source), source, graph, tuple(triples[name]))
        for name, graph in named.items()
    ]


_ODD_NAME = re.compile(r"(^|/)\.\.?(/|$|[?#])|%(2f|5c|00)|\\|[\x00-\x20\x7f]", re.IGNORECASE)


def _checked_name(iri: str, source: str) -> str:
    """A case's graph name, refused when it cannot name a case (:func:`kg.rdf.names.case_iri_problem`:
    invisible characters, look-alike letters of two alphabets, one of flywheel's own graph
    names) or when it holds '.' or '..' path segments, encoded slashes, backslashes or control
    characters (names that could be mistaken for file paths). The store checks the first kind
    again, with the short names it holds, before it writes."""
    problem = case_iri_problem(iri)
    if problem is not None:
        raise RdfInputError(source, problem)
    path = iri.split("://", 1)[-1]
    if _ODD_NAME.search(path):
        raise RdfInputError(
            source,
            f"the case name <{iri}> has '.' or '..' segments, an encoded slash or backslash, or a "
            "control character; name the case with a plain IRI such as "
            "<https://w3id.org/dataflywheel/case/my-city>",
        )
    return iri


def text_in(
    graph: Graph, subject: Node, predicate: URIRef, lang: str, *, any_language: bool = False
) -> str:
    """The text of ``subject``'s ``predicate`` in one language (the first in order when there
    are several); with ``any_language``, failing that, one in any language; else ""."""
    values = [v for v in graph.objects(subject, predicate) if isinstance(v, Literal)]
    chosen = [v for v in values if v.language == lang] or (values if any_language else [])
    return str(sorted(chosen)[0]) if chosen else ""
