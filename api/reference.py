"""The ontology and the SHACL shapes: as RDF (Turtle, RDF/XML, JSON-LD, N-Triples by Accept) or,
for a browser, a reference page: for the ontology the one ``flywheel docs`` writes
(:mod:`kg.render.docs`, English or Chinese by ``?lang=`` or Accept-Language, rendered at the first
request and kept in memory), for the shapes a small list of every shape's messages."""

from __future__ import annotations

import html
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Annotated

import pyoxigraph as ox
from fastapi import APIRouter, Query, Request, Response
from rdflib import Graph, URIRef
from rdflib.namespace import SH

from api.common import media_content, negotiate, problems
from api.negotiation import GRAPH_TYPES, content_type
from api.problems import ProblemError
from kg import paths
from kg.rdf.jsonld import CONTEXT_FILE
from kg.render import docs
from kg.vocab import curie

router = APIRouter(tags=["ontology"])

OFFERED = ["text/turtle", "application/rdf+xml", "application/ld+json", "application/n-triples"]
_PAGE_OFFERED = [*OFFERED, "text/html"]


@cache
def _document(path: Path, media: str) -> bytes:
    """The file as it is (Turtle) or converted by Oxigraph's parser and serialiser."""
    if media == "text/turtle":
        return path.read_bytes()
    triples = [q.triple for q in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE)]
    return ox.serialize(triples, format=GRAPH_TYPES[media]) or b""


def _wants_html(request: Request) -> bool:
    """Whether the client prefers HTML to every RDF syntax (a browser)."""
    accept = request.headers.get("accept") or ""
    return "text/html" in accept.lower() and negotiate(request, _PAGE_OFFERED) == "text/html"


def _answer(
    request: Request, path: Path, page: Callable[[], str], vary: str = "Accept"
) -> Response:
    if _wants_html(request):
        return Response(page(), media_type=content_type("text/html"), headers={"Vary": vary})
    media = negotiate(request, OFFERED)
    return Response(
        _document(path, media), media_type=content_type(media), headers={"Vary": "Accept"}
    )


_RESPONSES = {
    200: {
        "description": "Turtle by default; RDF/XML, JSON-LD, N-Triples or an HTML page by Accept",
        "content": media_content([*OFFERED, "text/html"], {"type": "string"}),
    },
    **problems(406),
}


@router.get(
    "/ontology",
    summary="The data-flywheel ontology",
    response_class=Response,
    responses=_RESPONSES,
)
def ontology(
    request: Request,
    lang: Annotated[
        str | None,
        Query(
            description="the reference page's language, `en` or `zh` (only for `text/html`; "
            "without it the Accept-Language header chooses, English by default)",
            examples=["zh"],
        ),
    ] = None,
) -> Response:
    """The OWL ontology (English and Chinese labels and definitions). `Accept` chooses Turtle
    (the source, the default), RDF/XML, JSON-LD or N-Triples; a browser asking for `text/html`
    gets the reference page of every class, property, concept scheme and named individual, in
    English or Chinese (`?lang=en|zh`, else Accept-Language), the page `flywheel docs` writes."""
    if lang is not None and lang not in docs.LANGUAGES:
        raise ProblemError(
            400,
            f"there is no ontology page in the language {lang!r}: ask for lang=en (English) "
            "or lang=zh (Chinese)",
        )
    chosen = lang or docs.preferred_language(request.headers.get("accept-language"))
    response = _answer(
        request, paths.ONTOLOGY_TTL, lambda: ontology_page(chosen), "Accept, Accept-Language"
    )
    if response.media_type and response.media_type.startswith("text/html"):
        response.headers["Content-Language"] = "zh-Hans" if chosen == "zh" else chosen
    return response


@router.get(
    "/shapes",
    summary="The SHACL shapes cases are checked against",
    response_class=Response,
    responses=_RESPONSES,
)
def shapes(request: Request) -> Response:
    """The case shapes: what a good coding needs (violations), recommends (warnings) and where a
    city departs from the theory. Syntaxes as for `/ontology`; `text/html` lists every shape
    with its severity and its message in English and Chinese."""
    return _answer(request, paths.CASE_SHAPES, shapes_page)


# --- the HTML pages --------------------------------------------------------------------------

_STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;"
    "line-height:1.5}dt{font-weight:600;margin-top:1rem}code{font-size:.9em}dd{margin-left:1.5rem}"
)


def _text(graph: Graph, node: URIRef, prop: URIRef, lang: str) -> str:
    for value in graph.objects(node, prop):
        if getattr(value, "language", None) == lang:
            return str(value)
    return ""


def _page(title: str, intro: str, sections: list[tuple[str, list[str]]]) -> str:
    e = html.escape
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{e(title)}</title><style>{_STYLE}</style></head><body>",
        f"<h1>{e(title)}</h1><p>{e(intro)}</p>",
    ]
    for heading, items in sections:
        parts.append(f"<h2>{e(heading)}</h2><dl>{''.join(items)}</dl>")
    parts.append("</body></html>")
    return "\n".join(parts)


def _entry(name: str, iri: str, lines: list[tuple[str, str, str]]) -> str:
    """A term: its CURIE and IRI, then (language, label, text) lines."""
    e = html.escape
    body = "".join(
        f'<dd lang="{e(lang)}">'
        + (f"<strong>{e(label)}</strong> " if label else "")
        + f"{e(text)}</dd>"
        for lang, label, text in lines
        if label or text
    )
    return f'<dt id="{e(name)}"><code>{e(name)}</code> <small>{e(iri)}</small></dt>{body}'


def ontology_page(lang: str) -> str:
    """The ontology's reference page in ``en`` or ``zh``; its link to the other language keeps
    to this URL (``?lang=``). Rendered once per language, then served from memory."""
    other = docs.LANGUAGES[1 - docs.LANGUAGES.index(lang)]
    return docs.render_page(lang, f"?lang={other}")


@cache
def shapes_page() -> str:
    """The named shapes, each with its severity and its message in English and Chinese."""
    graph = Graph().parse(paths.CASE_SHAPES, format="turtle")
    shapes = sorted({s for s in graph.subjects(SH.message, None) if isinstance(s, URIRef)})
    items = []
    for shape in shapes:
        severity = graph.value(shape, SH.severity)
        word = curie(str(severity)) if severity is not None else "sh:Violation"
        items.append(
            _entry(
                curie(str(shape)),
                str(shape),
                [("", word, "")]
                + [(lang, "", _text(graph, shape, SH.message, lang)) for lang in ("en", "zh")],
            )
        )
    return _page(
        "The case shapes 案例形状",
        "Every named SHACL shape with its severity and its message in English and Chinese. The "
        "shapes as RDF: ask this URL for text/turtle, application/rdf+xml, application/ld+json "
        "or application/n-triples.",
        [(f"Shapes ({len(items)})", items)],
    )


@router.get(
    "/context.jsonld",
    summary="The JSON-LD @context for case graphs",
    response_class=Response,
    responses={
        200: {
            "description": "The context document (terms for the ontology's classes and "
            "properties, with IRI and datatype coercions)",
            "content": media_content(["application/ld+json"], {"type": "object"}),
        }
    },
)
def jsonld_context() -> Response:
    """The `@context` that `flywheel export CASE --format json-ld --context` refers to
    (published at https://w3id.org/dataflywheel/context.jsonld): the project's prefixes and one
    term per fw: class and property, generated from the ontology."""
    return Response(
        _context_bytes(),
        media_type="application/ld+json",
        headers={"Cache-Control": "public, max-age=3600"},
    )


@cache
def _context_bytes() -> bytes:

    return CONTEXT_FILE.read_bytes()
