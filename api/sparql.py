"""The SPARQL 1.1 Protocol endpoint ``/sparql``: read-only queries over the case store.

* ``GET ?query=``, ``POST`` form-encoded (``query=…``) or ``POST`` ``application/sparql-query``;
  exactly one query, percent-decoded exactly once (the raw query string and body are read
  here, not by the framework).
* Never writes: SPARQL Update in any form (``LOAD`` included) is refused (403); ``SERVICE`` and
  ``FROM`` with a non-http(s) IRI are refused (400) before anything runs
  (:func:`kg.sparql.check.check_query`).
* The dataset (:func:`dataset`): a query that names none (no ``FROM``, no protocol dataset)
  has the union of the case graphs as its default graph, an RDF merge (a triple that two cases
  state is one triple: the store keeps the union as its own default graph) and every graph of
  the store as its named graphs, so ``?s a fw:City`` and ``GRAPH ?g { … }`` both work. ``default-graph-uri`` /
  ``named-graph-uri`` (repeatable) override ``FROM`` / ``FROM NAMED``;
  ``default-graph-uri=urn:x-rdflib:default`` (rdflib's name for a dataset's default graph)
  stands for this default graph.
* The query runs in a worker process (:func:`evaluate`), which also serialises the answer, so
  the whole body exists before the response starts: a deadline gives 504, never a cut 200.
* Results are negotiated (:func:`api.negotiation.choose`); a plain ``GET`` gives the service
  description (SPARQL 1.1 Service Description), a browser is sent to the query page.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any
from urllib.parse import unquote_to_bytes

import pyoxigraph as ox
from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from api.negotiation import (
    GRAPH_TYPES,
    RESULT_TYPES,
    NotAcceptable,
    choose,
    content_type,
    serialize_graph,
)
from api.problems import PROBLEM, PROBLEM_RESPONSES, Problem, ProblemError
from kg import limits
from kg.sparql.check import (
    QueryInvalid,
    QueryTooLarge,
    UpdateRefused,
    check_query,
    names_dataset,
    query_form,
)
from kg.store import ALL_GRAPHS_QUERY, STORE_DEFAULT, CaseStore, StoreError
from kg.version import ONTOLOGY_IRI
from kg.vocab import CATALOG, DCAT, FORMATS, PREFIXES, RDF, RDFS, SD, VOID, XSD

__all__ = ["NotAcceptable", "dataset", "evaluate", "router", "store_outline"]

router = APIRouter(tags=["SPARQL"])

SELECT_TYPES: tuple[str, ...] = tuple(RESULT_TYPES)
ASK_TYPES: tuple[str, ...] = (
    "application/sparql-results+json",
    "application/sparql-results+xml",
    "application/json",
)
TRIPLE_TYPES: tuple[str, ...] = tuple(GRAPH_TYPES)
OFFERED: dict[str, tuple[str, ...]] = {
    "SELECT": SELECT_TYPES,
    "ASK": ASK_TYPES,
    "CONSTRUCT": TRIPLE_TYPES,
    "DESCRIBE": TRIPLE_TYPES,
}
OFFERED_ALL = frozenset(SELECT_TYPES + TRIPLE_TYPES)
_ALLOW = "GET, HEAD, POST, OPTIONS"
_PAGE = "/#sparql"

READ_ONLY = (
    "this SPARQL endpoint is read-only: the public endpoint never changes the store, whoever "
    "asks and however the update is sent (SPARQL Update, update=, or an update as a query). "
    "Cases are added by the server's operator (flywheel load) or through the API's case routes "
    "with the server's token."
)


# --- the dataset -------------------------------------------------------------------------------

# rdflib's name for a Dataset's default graph: its SPARQLStore sends it as default-graph-uri.
# Among the default graphs handed to the store, it names the store's own default graph.
RDFLIB_DEFAULT = STORE_DEFAULT
CASE_GRAPHS_QUERY = (
    f"SELECT ?g WHERE {{ GRAPH <{CATALOG}> {{ <{CATALOG}> <{DCAT}dataset> ?g }} }} ORDER BY ?g"
)


def _graph_names(store: CaseStore, sparql: str) -> list[str]:
    return [
        row["g"].value for row in store.query(sparql).rows if isinstance(row["g"], ox.NamedNode)
    ]


def store_graphs(store: CaseStore) -> list[str]:
    """The store's named graphs: every graph of a backend that is flywheel's alone, else (a
    Virtuoso, whose own graphs sit beside flywheel's) the catalog, the ontology and the cases
    the catalog lists."""
    if store.holds_whole_dataset:
        return _graph_names(store, ALL_GRAPHS_QUERY)
    return sorted({CATALOG, ONTOLOGY_IRI, *_graph_names(store, CASE_GRAPHS_QUERY)})


def dataset(
    store: CaseStore, query: str, default_graphs: list[str], named_graphs: list[str]
) -> tuple[list[str], list[str]] | None:
    """The graphs a query reads: ``(default graph's parts, named graphs)``, or None for the
    store's own dataset (its default graph, and every graph named) or the one the query names
    itself (``FROM`` / ``FROM NAMED``).

    With no protocol dataset and no ``FROM``, the default graph is the union of the case graphs,
    each triple once (the store keeps it as its default graph, :meth:`CaseStore.ensure_union`;
    a store that does not keep it gets the case graphs listed, each triple once per case), and
    the named graphs are all the store's graphs (the cases, the catalog, the ontology).
    ``urn:x-rdflib:default`` among the default graphs stands for that default graph; given
    alone it keeps the named graphs too, so rdflib's ``Dataset`` over this endpoint sees
    what a plain query sees.
    """
    rdflib_default = RDFLIB_DEFAULT in default_graphs
    if (default_graphs or named_graphs) and not rdflib_default:
        return default_graphs, named_graphs
    given = bool(default_graphs or named_graphs)
    if not given and names_dataset(query):
        return None
    merged = store.has_union()
    if merged and not given:
        return None
    others = [g for g in default_graphs if g != RDFLIB_DEFAULT]
    cases = [RDFLIB_DEFAULT] if merged else _graph_names(store, CASE_GRAPHS_QUERY)
    defaults = list(dict.fromkeys([*cases, *others]))
    if not named_graphs:
        named_graphs = store_graphs(store)
    return defaults, named_graphs  # no case yet: an empty default graph


# --- work done in a worker process (module level: pickled by name) ---------------------------


def evaluate(
    store: CaseStore,
    query: str,
    default_graphs: list[str],
    named_graphs: list[str],
    union: bool,
    accept: str | None,
    base_iri: str | None = None,
) -> tuple[bytes, str]:
    """Check a read-only query, run it and serialise its answer: ``(body, media type)``.

    The dataset is :func:`dataset`'s, or with ``union`` (and no graphs given) every graph's
    union (:meth:`kg.store.CaseStore.raw_query`); relative IRIs resolve against ``base_iri``
    (the endpoint's address).

    Runs in a query worker, so that the checks count against the deadline like the query.
    Raises :class:`kg.sparql.check.QueryRefused` (and its kinds) for a query that must not run and
    :class:`NotAcceptable` when no type the client accepts fits the result.
    """
    check_query(query)
    form = query_form(query)
    media = None
    if form is not None:
        media = choose(accept, OFFERED[form])
        if media is None:
            raise NotAcceptable(f"for {form} results, " + _not_acceptable(OFFERED[form], accept))
    if not union:
        chosen_dataset = dataset(store, query, default_graphs, named_graphs)
        if chosen_dataset is not None:
            default_graphs, named_graphs = chosen_dataset
    if store.passes_sparql_through:
        if RDFLIB_DEFAULT in default_graphs:  # the protocol cannot name a default graph
            cases = _graph_names(store, CASE_GRAPHS_QUERY)
            at = default_graphs.index(RDFLIB_DEFAULT)
            default_graphs = [*default_graphs[:at], *cases, *default_graphs[at + 1 :]]
        return _forward(store, query, default_graphs, named_graphs, union, accept, media, base_iri)
    result = store.raw_query(query, default_graphs, named_graphs, union, base_iri)
    if isinstance(result, ox.QueryBoolean):
        offered = ASK_TYPES
    elif isinstance(result, ox.QuerySolutions):
        offered = SELECT_TYPES
    else:
        offered = TRIPLE_TYPES
    chosen = media if media in offered else choose(accept, offered)
    if chosen is None:
        raise NotAcceptable(_not_acceptable(offered, accept))
    if isinstance(result, ox.QueryTriples):  # offered TRIPLE_TYPES
        triples = list(dict.fromkeys(result))  # a graph: each triple once
        return serialize_graph(triples, chosen, _used_prefixes(triples)), chosen
    return result.serialize(format=RESULT_TYPES[chosen]) or b"", chosen


def _used_prefixes(triples: list[ox.Triple]) -> dict[str, str]:
    """The package's prefixes that shorten some IRI of these triples to a plain local name."""
    iris = {
        term.value
        for triple in triples
        for term in (triple.subject, triple.predicate, triple.object)
        if isinstance(term, ox.NamedNode)
    }
    iris |= {t.object.datatype.value for t in triples if isinstance(t.object, ox.Literal)}
    return {
        prefix: namespace
        for prefix, namespace in PREFIXES.items()
        if any(
            iri.startswith(namespace) and re.fullmatch(r"[A-Za-z_][\w-]*", iri[len(namespace) :])
            for iri in iris
        )
    }


def _forward(
    store: CaseStore,
    query: str,
    default_graphs: list[str],
    named_graphs: list[str],
    union: bool,
    accept: str | None,
    media: str | None,
    base_iri: str | None = None,
) -> tuple[bytes, str]:
    """Ask the store's own SPARQL server, with the same dataset, Accept and base IRI."""
    answer = store.forward(
        query, default_graphs, named_graphs, union, media or accept or "*/*", base_iri
    )
    text = answer.body.decode("utf-8", errors="replace")
    if answer.status == 400:
        raise QueryInvalid(f"the store's SPARQL server refused the query: {text[:2000]}")
    if answer.status == 406:
        raise NotAcceptable(text[:2000] or "the store cannot send such a result")
    if answer.status >= 400:
        raise StoreError(f"the store's SPARQL server answered {answer.status}: {text[:500]}")
    base = answer.media_type.split(";")[0].strip().lower()
    return answer.body, base if base in OFFERED_ALL else answer.media_type


_IN_CASES = f"GRAPH <{CATALOG}> {{ <{CATALOG}> <{DCAT}dataset> ?g }} GRAPH ?g"


def _outline_queries(where: str, distinct: str) -> dict[str, str]:
    """The VoID counts of the triples ``where`` matches, each triple once (``distinct`` is
    ``DISTINCT`` where a triple may match more than once)."""
    return {
        "triples": f"SELECT (COUNT(*) AS ?n) WHERE {{ SELECT {distinct} ?s ?p ?o WHERE {{ {where} "
        "{ ?s ?p ?o } } }",
        "subjects": f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ {where} {{ ?s ?p ?o }} }}",
        "objects": f"SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE {{ {where} {{ ?s ?p ?o }} }}",
        "classes": f"SELECT ?key (COUNT(DISTINCT ?s) AS ?n) WHERE {{ {where} {{ ?s a ?key }} }} "
        "GROUP BY ?key ORDER BY ?key",
        "properties": f"SELECT ?key (COUNT(*) AS ?n) WHERE {{ SELECT {distinct} ?s ?key ?o WHERE "
        f"{{ {where} {{ ?s ?key ?o }} }} }} GROUP BY ?key ORDER BY ?key",
    }


# over the default graph the store keeps as the union of its cases (a set), and over the case
# graphs the catalog lists in a store that does not keep it
OUTLINE_QUERIES = _outline_queries("", "")
CASE_OUTLINE_QUERIES = _outline_queries(_IN_CASES, "DISTINCT")


def store_outline(store: CaseStore) -> dict[str, Any]:
    """What the service description says of the data: the named graphs, and of the default
    graph (the union of the case graphs) its size in distinct triples and VoID partitions."""
    queries = OUTLINE_QUERIES if store.has_union() else CASE_OUTLINE_QUERIES

    def counted(name: str) -> list[tuple[str, int]]:
        return [
            (row["key"].value if "key" in row and row["key"] is not None else "", _int(row["n"]))
            for row in store.query(queries[name]).rows
        ]

    return {
        "graphs": store_graphs(store),
        "default_triples": counted("triples")[0][1],
        "subjects": counted("subjects")[0][1],
        "objects": counted("objects")[0][1],
        "classes": counted("classes"),
        "properties": counted("properties"),
    }


def _int(term: Any) -> int:
    return int(term.value) if term is not None else 0


def _not_acceptable(offered: tuple[str, ...], accept: str | None) -> str:
    return (
        f"the Accept header ({accept}) admits none of the types this result can be sent as: "
        + ", ".join(offered)
    )


# --- reading the request ---------------------------------------------------------------------


def _unquote(raw: bytes, what: str) -> str:
    try:
        return unquote_to_bytes(raw.replace(b"+", b" ")).decode("utf-8")
    except UnicodeDecodeError:
        raise ProblemError(
            400, f"the {what} is not UTF-8 once percent-decoded", "bad-request"
        ) from None


# A client that appends "?query=…" to a source URL that already has a query string
# (…/sparql?union-default-graph=true?query=…, as Comunica 4 does) sends a second "?".
_PROTOCOL_FIELDS = (
    b"query",
    b"update",
    b"default-graph-uri",
    b"named-graph-uri",
    b"union-default-graph",
)


def _appended(value: bytes) -> tuple[bytes, list[bytes]]:
    """A field's value, and the protocol field a second "?" inside it starts (if one does)."""
    start = value.find(b"?")
    while start != -1:
        name, sep, _ = value[start + 1 :].partition(b"=")
        if sep and name in _PROTOCOL_FIELDS:
            return value[:start], [value[start + 1 :]]
        start = value.find(b"?", start + 1)
    return value, []


def _fields(raw: bytes, what: str) -> list[tuple[str, str]]:
    """``name=value&…`` (application/x-www-form-urlencoded), each decoded exactly once. In a
    query string, a field other than the query whose value runs on into ``?query=…`` is read
    as two fields."""
    pairs = []
    parts = raw.split(b"&")
    while parts:
        part = parts.pop(0)
        if part:
            name, _, value = part.partition(b"=")
            if what == "query string" and name not in (b"query", b"update"):
                value, appended = _appended(value)
                parts[:0] = appended
            pairs.append((_unquote(name, what), _unquote(value, what)))
    return pairs


def _media_type(header: str) -> tuple[str, dict[str, str]]:
    kind, *params = header.split(";")
    options = {}
    for param in params:
        name, _, value = param.partition("=")
        options[name.strip().lower()] = value.strip().strip('"')
    return kind.strip().lower(), options


async def _post_fields(request: Request) -> list[tuple[str, str]]:
    """The protocol fields of a POST: the query string's, then the body's."""
    fields = _fields(request.scope.get("query_string", b""), "query string")
    header = request.headers.get("content-type", "")
    kind, options = _media_type(header)
    if kind == "application/sparql-update":
        raise ProblemError(403, READ_ONLY, "read-only")
    if kind == "application/x-www-form-urlencoded":
        body = await request.body()  # parsed in a thread: a large form must not stall the loop
        return fields + await asyncio.to_thread(_fields, body, "request body")
    if kind == "application/sparql-query":
        charset = options.get("charset", "utf-8")
        if charset.lower().replace("_", "-") not in ("utf-8", "utf8"):
            raise ProblemError(
                415,
                f"a query is sent as UTF-8 (the SPARQL 1.1 Protocol); this one says "
                f"charset={charset}",
                "unsupported-type",
            )
        try:
            text = (await request.body()).decode("utf-8")
        except UnicodeDecodeError:
            raise ProblemError(400, "the query is not valid UTF-8", "bad-request") from None
        return [*fields, ("query", text)]
    said = f"Content-Type {header}" if header else "no Content-Type"
    raise ProblemError(
        415,
        f"a SPARQL query is POSTed as application/sparql-query or as "
        f"application/x-www-form-urlencoded (query=…); this request has {said}",
        "unsupported-type",
    )


def _iris(fields: list[tuple[str, str]], name: str) -> list[str]:
    iris = []
    for key, value in fields:
        if key == name:
            try:
                ox.NamedNode(value)
            except ValueError as error:
                raise ProblemError(
                    400, f"{name} {value!r} is not an absolute IRI: {error}", "bad-request"
                ) from None
            iris.append(value)
    return iris


def _union(fields: list[tuple[str, str]]) -> bool:
    values = [v.strip().lower() for k, v in fields if k == "union-default-graph"]
    if not values:
        return False
    if any(v not in ("", "true", "false") for v in values) or len(set(values)) > 1:
        raise ProblemError(400, "union-default-graph is true or false (given once)", "bad-request")
    return values[0] != "false"


async def _answer_query(request: Request, fields: list[tuple[str, str]]) -> Response:
    """Check the request, run the query in a worker, answer with the serialised result."""
    names = {name for name, _ in fields}
    if "update" in names:
        raise ProblemError(403, READ_ONLY, "read-only")
    queries = [value for name, value in fields if name == "query"]
    if len(queries) != 1:
        said = "no query" if not queries else f"{len(queries)} queries"
        raise ProblemError(
            400,
            f"send exactly one query (query=… or a direct POST); this request has {said}",
            "bad-request",
        )
    query = queries[0]
    if not query.strip():
        raise ProblemError(400, "the query is empty", "bad-request")
    default_graphs = _iris(fields, "default-graph-uri")
    named_graphs = _iris(fields, "named-graph-uri")
    union = _union(fields)
    if union and (default_graphs or named_graphs):
        raise ProblemError(
            400,
            "union-default-graph=true and default-graph-uri/named-graph-uri each say what the "
            "dataset is; send one or the other",
            "bad-request",
        )
    size = len(query.encode("utf-8"))
    if size > limits.max_query_bytes():
        raise QueryTooLarge(
            f"the query is {size:,} bytes, over this server's limit of "
            f"{limits.max_query_bytes():,} bytes ({limits.QUERY_ENV})"
        )
    try:
        body, media = await request.app.state.engine.read(
            evaluate,
            query,
            default_graphs,
            named_graphs,
            union,
            request.headers.get("accept"),
            _endpoint_url(request),
        )
    except UpdateRefused as error:
        raise ProblemError(403, f"{READ_ONLY} ({error})", "read-only") from None
    return Response(body, media_type=content_type(media), headers={"Vary": "Accept"})


# --- the service description -----------------------------------------------------------------

_SD, _FORMATS, _RDF, _RDFS, _VOID, _XSD = (str(n) for n in (SD, FORMATS, RDF, RDFS, VOID, XSD))
UNION_FEATURE = "https://w3id.org/dataflywheel/api#UnionDefaultGraphOption"
FORMAT_IRIS = {
    "application/sparql-results+json": "SPARQL_Results_JSON",
    "application/sparql-results+xml": "SPARQL_Results_XML",
    "text/csv": "SPARQL_Results_CSV",
    "text/tab-separated-values": "SPARQL_Results_TSV",
    "text/turtle": "Turtle",
    "application/n-triples": "N-Triples",
    "application/ld+json": "JSON-LD",
    "application/rdf+xml": "RDF_XML",
}
_TEXTS = {
    "service": (
        "flywheel-kg SPARQL endpoint (read-only)",
        "flywheel-kg SPARQL 查询端点(只读)",
    ),
    "service-comment": (
        "Read-only SPARQL 1.1 queries over the city cases of the data-flywheel knowledge "
        "graph. Updates, SERVICE and LOAD are refused.",
        "对数据飞轮知识图谱城市案例的只读 SPARQL 1.1 查询。不接受更新、SERVICE 和 LOAD。",
    ),
    "feature": (
        "default graph: the case graphs' union; on request, with the catalog and the ontology",
        "默认图:各案例图的并集;按请求可加入目录图和本体图",
    ),
    "feature-comment": (
        "A query that names no dataset reads the union of the case graphs as its default "
        "graph, an RDF merge (a triple that several cases state is one triple), and every graph "
        "as a named graph. default-graph-uri=urn:x-rdflib:default (rdflib) stands for this "
        "default graph. union-default-graph=true adds the catalog and the ontology to the "
        "default graph: a triple in a case and in the catalog (a city's label) then matches "
        "once for each.",
        "未指定数据集的查询以各案例图的并集作默认图(RDF 合并:几个案例都陈述的三元组只算一个),"
        "以全部图作命名图。default-graph-uri=urn:x-rdflib:default(rdflib 所用)即指此默认图。"
        "union-default-graph=true 使默认图再加入目录图和本体图:既在案例中又在目录中的三元组"
        "(城市名称)按图各匹配一次。",
    ),
    "dataset-comment": (
        "The default graph is the union of the case graphs; each case is also its own named "
        "graph, beside the catalog and the ontology. FROM, FROM NAMED, default-graph-uri and "
        "named-graph-uri choose other graphs.",
        "默认图为各案例图的并集;每个案例也是自己的命名图,另有目录图和本体图。"
        "FROM、FROM NAMED、default-graph-uri 和 named-graph-uri 可另选图。",
    ),
}


def _endpoint_url(request: Request) -> str:
    """The endpoint's address: the configured public URL, else the address this server listens
    on (from the socket, never from the request's Host header, which the client chooses)."""
    public: str | None = request.app.state.settings.public_url
    if public:
        return public.rstrip("/") + "/sparql"
    host, port = request.scope.get("server") or ("127.0.0.1", 80)
    host = f"[{host}]" if ":" in host else host
    scheme = request.scope.get("scheme", "http")
    root = request.scope.get("root_path", "")
    return f"{scheme}://{host}:{port}{root}/sparql"


def service_description(endpoint: str, outline: dict[str, Any]) -> list[ox.Triple]:
    """The SPARQL 1.1 Service Description of this endpoint, as triples."""
    service, dataset, default = ox.BlankNode(), ox.BlankNode(), ox.BlankNode()
    feature = ox.NamedNode(UNION_FEATURE)
    triples: list[ox.Triple] = []

    def add(
        s: ox.NamedNode | ox.BlankNode, p: str, o: ox.NamedNode | ox.BlankNode | ox.Literal
    ) -> None:
        triples.append(ox.Triple(s, ox.NamedNode(p), o))

    def texts(s: ox.NamedNode | ox.BlankNode, p: str, key: str) -> None:
        english, chinese = _TEXTS[key]
        add(s, p, ox.Literal(english, language="en"))
        add(s, p, ox.Literal(chinese, language="zh"))

    add(service, _RDF + "type", ox.NamedNode(_SD + "Service"))
    texts(service, _RDFS + "label", "service")
    texts(service, _RDFS + "comment", "service-comment")
    add(service, _SD + "endpoint", ox.NamedNode(endpoint))
    add(service, _SD + "supportedLanguage", ox.NamedNode(_SD + "SPARQL11Query"))
    for name in FORMAT_IRIS.values():
        add(service, _SD + "resultFormat", ox.NamedNode(_FORMATS + name))
    add(service, _SD + "feature", feature)
    add(feature, _RDF + "type", ox.NamedNode(_SD + "Feature"))
    texts(feature, _RDFS + "label", "feature")
    texts(feature, _RDFS + "comment", "feature-comment")
    add(
        service,
        _SD + "defaultEntailmentRegime",
        ox.NamedNode("http://www.w3.org/ns/entailment/Simple"),
    )
    add(service, _SD + "defaultDataset", dataset)
    add(dataset, _RDF + "type", ox.NamedNode(_SD + "Dataset"))
    texts(dataset, _RDFS + "comment", "dataset-comment")
    add(dataset, _SD + "defaultGraph", default)
    add(default, _RDF + "type", ox.NamedNode(_SD + "Graph"))
    add(default, _RDF + "type", ox.NamedNode(_VOID + "Dataset"))
    add(default, _VOID + "sparqlEndpoint", ox.NamedNode(endpoint))

    def number(n: int) -> ox.Literal:
        return ox.Literal(str(n), datatype=ox.NamedNode(_XSD + "integer"))

    add(default, _VOID + "triples", number(outline["default_triples"]))
    add(default, _VOID + "distinctSubjects", number(outline["subjects"]))
    add(default, _VOID + "distinctObjects", number(outline["objects"]))
    add(default, _VOID + "classes", number(len(outline["classes"])))
    add(default, _VOID + "properties", number(len(outline["properties"])))
    for kind, key, size in (
        ("class", "entities", "classes"),
        ("property", "triples", "properties"),
    ):
        for iri, n in outline[size]:
            part = ox.BlankNode()
            add(default, _VOID + kind + "Partition", part)
            add(part, _VOID + kind, ox.NamedNode(iri))
            add(part, _VOID + key, number(n))
    for graph in outline["graphs"]:
        named = ox.BlankNode()
        add(dataset, _SD + "namedGraph", named)
        add(named, _RDF + "type", ox.NamedNode(_SD + "NamedGraph"))
        add(named, _SD + "name", ox.NamedNode(graph))
    return triples


async def _describe_service(request: Request) -> Response:
    offered = (*TRIPLE_TYPES, "text/html")
    accept = request.headers.get("accept")
    media = choose(accept, offered)
    if media is None:
        raise ProblemError(
            406, "the service description: " + _not_acceptable(offered, accept), "not-acceptable"
        )
    if media == "text/html":
        page = request.scope.get("root_path", "") + _PAGE
        return RedirectResponse(page, status_code=303, headers={"Vary": "Accept"})
    outline = await request.app.state.engine.read(store_outline)
    triples = service_description(_endpoint_url(request), outline)
    prefixes = {"sd": _SD, "formats": _FORMATS, "rdfs": _RDFS, "void": _VOID, "xsd": _XSD}
    body = serialize_graph(triples, media, prefixes)
    return Response(body, media_type=content_type(media), headers={"Vary": "Accept"})


# --- OpenAPI ---------------------------------------------------------------------------------

_EXAMPLE_QUERY = (
    "PREFIX fw: <https://w3id.org/dataflywheel/ontology#>\n"
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
    "SELECT ?case ?city WHERE { GRAPH ?case { ?c a fw:City ; rdfs:label ?city "
    'FILTER(LANG(?city) = "en") } } ORDER BY ?city'
)
_DATASET_PARAMETERS: list[dict[str, Any]] = [
    {
        "name": "default-graph-uri",
        "in": "query",
        "required": False,
        "description": "A graph of the default graph (repeatable); overrides FROM. With only "
        "default-graph-uri given, there are no named graphs.",
        "schema": {"type": "array", "items": {"type": "string", "format": "iri"}},
        "style": "form",
        "explode": True,
        "example": ["https://w3id.org/dataflywheel/case/hangzhou"],
    },
    {
        "name": "named-graph-uri",
        "in": "query",
        "required": False,
        "description": "A named graph (repeatable); overrides FROM NAMED. With only "
        "named-graph-uri given, the default graph is empty.",
        "schema": {"type": "array", "items": {"type": "string", "format": "iri"}},
        "style": "form",
        "explode": True,
    },
    {
        "name": "union-default-graph",
        "in": "query",
        "required": False,
        "description": "true: the default graph is the union of the case graphs with the "
        "catalog and the ontology (a triple in a case and in the catalog, a city's label, "
        "matches once for each). Not together with default-graph-uri or named-graph-uri (400).",
        "schema": {"type": "boolean", "default": False},
    },
]
_QUERY_PARAMETER = {
    "name": "query",
    "in": "query",
    "required": False,
    "description": "The SPARQL 1.1 query (SELECT, ASK, CONSTRUCT or DESCRIBE). Without a "
    "query, GET answers the service description (also with dataset parameters, so "
    "`/sparql?union-default-graph=true` works as a federation engine's source URL).",
    "schema": {"type": "string"},
    "example": _EXAMPLE_QUERY,
}
_EXAMPLE_JSON = {
    "head": {"vars": ["case", "city"]},
    "results": {
        "bindings": [
            {
                "case": {"type": "uri", "value": "https://w3id.org/dataflywheel/case/hangzhou"},
                "city": {"type": "literal", "value": "Hangzhou", "xml:lang": "en"},
            }
        ]
    },
}
_RESULTS_CONTENT: dict[str, Any] = {
    "application/sparql-results+json": {"example": _EXAMPLE_JSON},
    "application/sparql-results+xml": {"schema": {"type": "string"}},
    "text/csv": {
        "schema": {"type": "string"},
        "example": "case,city\r\nhttps://w3id.org/dataflywheel/case/hangzhou,Hangzhou\r\n",
    },
    "text/tab-separated-values": {"schema": {"type": "string"}},
    "text/turtle": {
        "schema": {"type": "string"},
        "example": "<https://w3id.org/dataflywheel/case/hangzhou/city> "
        '<http://www.w3.org/2000/01/rdf-schema#label> "Hangzhou"@en .\n',
    },
    "application/n-triples": {"schema": {"type": "string"}},
    "application/ld+json": {"schema": {"type": "object"}},
    "application/rdf+xml": {"schema": {"type": "string"}},
}


def _problem(description: str) -> dict[str, Any]:
    return {"model": Problem, "description": description, "content": {PROBLEM: {}}}


_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The results: SELECT/ASK as SPARQL results (JSON by default; CSV/TSV "
        "for SELECT only), CONSTRUCT/DESCRIBE as RDF (Turtle by default), as the Accept header "
        "asks. Without a query, GET answers the service description (RDF).",
        "content": _RESULTS_CONTENT,
    },
    **PROBLEM_RESPONSES,
    403: _problem("An update: this endpoint is read-only and never writes"),
    406: _problem("The Accept header admits no type this result can be sent as"),
    413: _problem("The request body, or the query, is larger than the server accepts"),
    500: _problem("The query engine stopped while running the query (a worker crashed)"),
}
_DESCRIPTION = """\
A SPARQL 1.1 Protocol endpoint over the case store, **read-only**: updates in any form
(`LOAD` included) are refused (403); `SERVICE`, `FROM` with a non-http(s) IRI, calls of functions
that are neither SPARQL's own nor XSD casts, and queries nested deeper than the engine can safely
go are refused (400), so that nothing reaches the network or the file system because of a query.
A query longer than the server's limit (`FLYWHEEL_MAX_QUERY_BYTES`, 1 MiB by default) is 413.

**Dataset.** Every case is its own named graph (`https://w3id.org/dataflywheel/case/<id>`),
beside the catalog and the ontology. A query that names no dataset has the **union of the case
graphs** as its default graph, an RDF merge (`?s a fw:City` finds every city; a triple that
several cases state is one triple), and every graph as a named graph (`GRAPH ?g { … }` says
which case a triple is in). `FROM` / `FROM NAMED`
or `default-graph-uri` / `named-graph-uri` (repeatable; they override `FROM` / `FROM NAMED`)
choose other graphs; `default-graph-uri=urn:x-rdflib:default`, which rdflib's `SPARQLStore`
sends, stands for the default graph above. `union-default-graph=true` adds the catalog and the
ontology to the default graph (a triple in a case and in the catalog matches once for each).
Relative IRIs resolve against the endpoint's address.

**Results** are negotiated with the Accept header: SELECT and ASK as
`application/sparql-results+json` (default), `+xml`, and for SELECT `text/csv` and
`text/tab-separated-values`; CONSTRUCT and DESCRIBE as `text/turtle` (default),
`application/n-triples`, `application/ld+json`, `application/rdf+xml`. 406 when none is
acceptable. The answer is complete before it is sent: a query that runs past the server's
deadline is stopped and answered 504.
"""


# --- the routes --------------------------------------------------------------------------------


@router.get(
    "/sparql",
    summary="Run a SPARQL query (GET), or describe the endpoint",
    description=_DESCRIPTION
    + "\nWithout parameters, GET answers the SPARQL 1.1 Service Description (Turtle by default); "
    "a browser asking for `text/html` is sent (303) to the query page.",
    response_class=Response,
    responses={
        **_RESPONSES,
        303: {"description": "A browser (Accept: text/html) is sent to the query page"},
    },
    openapi_extra={"parameters": [_QUERY_PARAMETER, *_DATASET_PARAMETERS]},
)
async def sparql_get(request: Request) -> Response:
    """GET: a query in the query string, or the service description."""
    fields = _fields(request.scope.get("query_string", b""), "query string")
    if not {name for name, _ in fields} & {"query", "update"}:
        # no operation: the service description, also for a source URL that carries dataset
        # parameters (…/sparql?union-default-graph=true), as the protocol allows
        return await _describe_service(request)
    return await _answer_query(request, fields)


@router.get("/sparql/", include_in_schema=False)  # a client adding a slash gets the endpoint
async def sparql_get_slash(request: Request) -> Response:
    """GET on ``/sparql/``: the same as on ``/sparql``."""
    return await sparql_get(request)


@router.head("/sparql", include_in_schema=False)
@router.head("/sparql/", include_in_schema=False)
async def sparql_head(request: Request) -> Response:
    """HEAD: the headers GET would answer with."""
    return await sparql_get(request)


@router.post(
    "/sparql",
    summary="Run a SPARQL query (POST)",
    description=_DESCRIPTION
    + "\nThe query is the body (`application/sparql-query`; the dataset parameters then go in "
    "the query string) or a form field (`application/x-www-form-urlencoded`, `query=…`). Any "
    "other Content-Type is 415; `application/sparql-update` is 403.",
    response_class=Response,
    responses={
        **_RESPONSES,
        415: _problem("The body is neither application/sparql-query nor a urlencoded form"),
    },
    openapi_extra={
        "parameters": _DATASET_PARAMETERS,
        "requestBody": {
            "required": True,
            "content": {
                "application/sparql-query": {
                    "schema": {"type": "string"},
                    "example": _EXAMPLE_QUERY,
                },
                "application/x-www-form-urlencoded": {
                    "schema": {
                        "type": "object",
                        "required": ["query"],
                        "properties": {
                            "query": {"type": "string", "example": _EXAMPLE_QUERY},
                            "default-graph-uri": {"type": "array", "items": {"type": "string"}},
                            "named-graph-uri": {"type": "array", "items": {"type": "string"}},
                            "union-default-graph": {"type": "boolean", "default": False},
                        },
                    }
                },
            },
        },
    },
)
async def sparql_post(request: Request) -> Response:
    """POST: a query as the body or as a form field."""
    return await _answer_query(request, await _post_fields(request))


@router.post("/sparql/", include_in_schema=False)
async def sparql_post_slash(request: Request) -> Response:
    """POST on ``/sparql/``: the same as on ``/sparql``."""
    return await sparql_post(request)


@router.options("/sparql", include_in_schema=False)
@router.options("/sparql/", include_in_schema=False)
async def sparql_options() -> Response:
    """OPTIONS (not a CORS preflight, which the middleware answers): the allowed methods."""
    return Response(status_code=204, headers={"Allow": _ALLOW})
