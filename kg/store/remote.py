"""The remote backend: any SPARQL 1.1 Protocol and Graph Store Protocol server."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import pyoxigraph as ox

from kg.rdf.lexical import is_absolute_iri
from kg.sparql.booleans import boolean_variables
from kg.sparql.check import QueryInvalid, substitute_terms
from kg.sparql.lexer import escapes_processed, tokens
from kg.store.base import (
    ALL_GRAPHS_QUERY,
    CaseStore,
    Forwarded,
    QueryResult,
    StoreError,
    Term,
    query_result,
)
from kg.store.catalog import (
    write_update,
)
from kg.store.config import Auth, Dialect, RemoteSettings

if TYPE_CHECKING:  # httpx is imported when a remote store is opened: the embedded
    import httpx  # store's commands do not pay for it (0.1-0.2 s of every start)

TIMEOUT_ENV = "FLYWHEEL_REMOTE_TIMEOUT"


DEFAULT_REMOTE_TIMEOUT = 60.0


def remote_timeout() -> float:
    """Seconds to wait for a SPARQL server's answer: ``FLYWHEEL_REMOTE_TIMEOUT``, default 60."""
    try:
        value = float(os.environ.get(TIMEOUT_ENV, "") or DEFAULT_REMOTE_TIMEOUT)
    except ValueError:
        return DEFAULT_REMOTE_TIMEOUT
    return value if value > 0 else DEFAULT_REMOTE_TIMEOUT


def _usable_base(iri: str) -> bool:
    """An absolute IRI that an IRIREF can hold as it is."""
    return is_absolute_iri(iri) and not set('<>"{}|^`\\') & set(iri)


def _relative_without_base(query: str) -> bool:
    """Whether the query, read by its tokens, writes a relative IRI (``<s>``) and declares no
    BASE of its own."""
    found = list(tokens(query))
    if any(t.kind == "WORD" and t.text.upper() == "BASE" for t in found):
        return False
    return any(
        t.kind == "IRIREF" and not is_absolute_iri(escapes_processed(t.text[1:-1])) for t in found
    )


XSD_BOOLEAN = "http://www.w3.org/2001/XMLSchema#boolean"

# the numeric datatypes a server may give a computed boolean (SPARQL's, and XSD's derived ones)
_NUMERIC = {
    "http://www.w3.org/2001/XMLSchema#" + name
    for name in [
        "integer",
        "decimal",
        "double",
        "float",
        "int",
        "long",
        "short",
        "byte",
        "nonNegativeInteger",
        "positiveInteger",
        "nonPositiveInteger",
        "negativeInteger",
        "unsignedInt",
        "unsignedLong",
        "unsignedShort",
        "unsignedByte",
    ]
}


def _as_boolean(value: str, datatype: str, boolean: bool) -> str | None:
    """The canonical boolean (``"true"``/``"false"``) a literal's value and datatype stand for,
    or None when it stands for none: an ``xsd:boolean`` written ``1`` or ``0``, or, where the
    column is ``boolean``, a number equal to 1 or 0."""
    if datatype == XSD_BOOLEAN:
        return {"1": "true", "0": "false"}.get(value.strip())
    if boolean and datatype in _NUMERIC:
        try:
            number = Decimal(value.strip())
        except InvalidOperation:
            return None
        return "true" if number == 1 else "false" if number == 0 else None
    return None


def normal_boolean(term: ox.Literal, boolean: bool) -> ox.Literal:
    """The literal as a canonical ``xsd:boolean`` where it stands for one (see
    :func:`_as_boolean`), else itself."""
    value = _as_boolean(term.value, term.datatype.value, boolean)
    return term if value is None else ox.Literal(value, datatype=ox.NamedNode(XSD_BOOLEAN))


def normal_json_results(body: bytes, booleans: frozenset[str]) -> bytes:
    """SPARQL JSON results with their booleans as :func:`normal_boolean` gives them, read and
    written as JSON (an answer that is not JSON results is returned as it came)."""
    try:
        data = json.loads(body)
        bindings = data["results"]["bindings"]
    except (ValueError, KeyError, TypeError):
        return body
    changed = False
    for row in bindings if isinstance(bindings, list) else ():
        for name, cell in row.items() if isinstance(row, dict) else ():
            if not isinstance(cell, dict) or cell.get("type") not in ("literal", "typed-literal"):
                continue
            value = _as_boolean(
                str(cell.get("value", "")), str(cell.get("datatype", "")), name in booleans
            )
            if value is not None:
                row[name] = {"type": "literal", "value": value, "datatype": XSD_BOOLEAN}
                changed = True
    return json.dumps(data, ensure_ascii=False).encode("utf-8") if changed else body


def partial_answer(response: httpx.Response) -> str | None:
    """What Virtuoso says when it sent part of an answer (a query stopped by its
    ``MaxQueryExecutionTime``, or rows cut at its ``ResultSetMaxRows``), else None."""
    state = response.headers.get("x-sql-state", "")
    max_rows = response.headers.get("x-sparql-maxrows", "")
    if not state and not max_rows:
        return None
    said = response.headers.get("x-sql-message", "") or (
        f"at most {max_rows} rows" if max_rows else state
    )
    return (
        f"the SPARQL server at {response.request.url.copy_with(query=None)} sent only part of "
        f"its answer ({said.strip()}); raise ResultSetMaxRows and MaxQueryExecutionTime in the "
        "[SPARQL] section of its virtuoso.ini (docs/scaling.md)"
    )


def _signed_in(settings: RemoteSettings) -> str:
    """Why a server may have refused this client, in words."""
    if settings.auth is Auth.NONE:
        return (
            "it asks to sign in, or refuses this client: give the store configuration an "
            "'auth', a 'user' and a password (docs/scaling.md)"
        )
    return (
        f"it refused the {settings.auth.value} sign-in of user '{settings.user}': check the user, "
        f"the password (FLYWHEEL_STORE_PASSWORD or 'password-file') and the user's rights"
    )


class RemoteStore(CaseStore):
    """Any SPARQL 1.1 Protocol + Graph Store Protocol server (Oxigraph, Virtuoso, Fuseki,
    GraphDB, …), its endpoints, sign-in and dialect given by :class:`RemoteSettings` (or, for
    an Oxigraph server, by its URL alone).

    The Virtuoso dialect reads Virtuoso's answers as what they mean: a boolean it stores comes
    back as ``"1"^^xsd:boolean`` (the canonical ``"true"`` here), and one a query computes as a
    number, ``1`` or ``1.0000`` (``true`` here, in the columns the query binds to a boolean
    expression, :func:`kg.sparql.booleans.boolean_variables`); an answer it cut short (its
    ``ResultSetMaxRows`` or ``MaxQueryExecutionTime``) is refused, never taken as whole."""

    passes_sparql_through = True
    needs_network = True

    def __init__(
        self,
        url: str,
        query_url: str | None = None,
        update_url: str | None = None,
        gsp_url: str | None = None,
        timeout: float | None = None,
        read_only: bool = False,
        settings: RemoteSettings | None = None,
    ) -> None:
        if settings is None:
            settings = RemoteSettings.for_url(url)
            settings = replace(
                settings,
                query=query_url or settings.query,
                update=update_url or settings.update,
                graph_store=gsp_url or settings.graph_store,
            )
        self.settings = settings
        self.location = settings.url
        self.read_only = read_only
        self.query_url = settings.query
        self.update_url = settings.update
        self.gsp_url = settings.graph_store
        self.dialect = settings.dialect
        self._blank_templates = settings.dialect is Dialect.VIRTUOSO
        self.holds_whole_dataset = settings.dialect is not Dialect.VIRTUOSO
        if timeout is None:
            timeout = settings.timeout if settings.timeout is not None else remote_timeout()
        self.timeout = timeout
        import httpx

        auth: httpx.Auth | None = None
        if settings.auth is Auth.BASIC:
            auth = httpx.BasicAuth(settings.user or "", settings.password or "")
        elif settings.auth is Auth.DIGEST:
            auth = httpx.DigestAuth(settings.user or "", settings.password or "")
        self._client = httpx.Client(timeout=self.timeout, follow_redirects=False, auth=auth)

    def _body(self, field: str, text: str) -> tuple[bytes, str]:
        """A query or an update as a request body and its media type: an HTML form where the
        server needs one (``form-post``), else the SPARQL text itself."""
        if self.settings.form_post:
            return urlencode([(field, text)]).encode("ascii"), "application/x-www-form-urlencoded"
        return text.encode("utf-8"), f"application/sparql-{field}"

    def _request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        import httpx

        try:
            response = self._client.request(method, url, **kwargs)
        except httpx.TimeoutException:
            raise StoreError(
                f"the SPARQL server at {url} did not answer within {self.timeout:g} s "
                f"(set {TIMEOUT_ENV} to wait longer); nothing was changed by this request "
                "unless the server finishes it"
            ) from None
        except httpx.HTTPError as error:
            raise StoreError(f"cannot reach the SPARQL server at {url}: {error}") from None
        if response.status_code in (401, 403):
            raise StoreError(
                f"the SPARQL server at {url} answered {response.status_code}: "
                f"{_signed_in(self.settings)} ({response.text[:200].strip()})",
                answered=response.status_code,
            )
        if response.status_code >= 400:
            raise StoreError(
                f"the SPARQL server at {url} answered {response.status_code}: "
                f"{response.text[:500]}",
                answered=response.status_code,
            )
        if self.dialect is Dialect.VIRTUOSO:
            partial = partial_answer(response)
            if partial:
                raise StoreError(partial)
        return response

    def _normal(self, term: Term | None, boolean: bool) -> Term | None:
        """A term of the server's answer as it means (see the class's docstring)."""
        if self.dialect is not Dialect.VIRTUOSO or not isinstance(term, ox.Literal):
            return term
        return normal_boolean(term, boolean)

    def _select(self, sparql: str, bindings: Mapping[str, Term] | None, union: bool) -> QueryResult:
        if union:
            raise StoreError(
                "union default graph is not portable across SPARQL servers; "
                "name the graphs in the query"
            )
        text = substitute_terms(sparql, dict(bindings)) if bindings else sparql
        body, kind = self._body("query", text)
        try:
            response = self._request(
                "POST",
                self.query_url,
                content=body,
                headers={
                    "Content-Type": kind,
                    "Accept": "application/sparql-results+json, application/n-triples;q=0.9",
                },
            )
        except StoreError as error:
            if error.answered == 400:  # the server could not parse or run the query
                raise QueryInvalid(str(error)) from None
            raise
        media = response.headers.get("content-type", "")
        if "n-triples" in media:
            return QueryResult(triples=self._triples(response.content))
        try:
            parsed = ox.parse_query_results(response.content, format=ox.QueryResultsFormat.JSON)
        except SyntaxError as error:
            raise StoreError(
                f"the SPARQL server at {self.query_url} sent an answer that is not SPARQL JSON "
                f"results ({media or 'no media type'}): {error}"
            ) from None
        result = query_result(parsed)
        if self.dialect is not Dialect.VIRTUOSO or not result.rows:
            return result
        # a boolean parameter projected as a column comes back as a number too
        booleans = boolean_variables(sparql) | {
            name
            for name, term in (bindings or {}).items()
            if isinstance(term, ox.Literal) and term.datatype.value == XSD_BOOLEAN
        }
        rows = tuple(
            {name: self._normal(value, name in booleans) for name, value in row.items()}
            for row in result.rows
        )
        return QueryResult(variables=result.variables, rows=rows)

    def _triples(self, data: bytes) -> tuple[ox.Triple, ...]:
        triples = ox.parse(data, format=ox.RdfFormat.N_TRIPLES)
        if self.dialect is not Dialect.VIRTUOSO:
            return tuple(triples)
        return tuple(
            ox.Triple(t.subject, t.predicate, normal_boolean(t.object, False))
            if isinstance(t.object, ox.Literal)
            else t
            for t in triples
        )

    def _write(
        self, graphs: Mapping[str, Sequence[ox.Quad]], drop: Iterable[str], catalog_update: str = ""
    ) -> None:
        if self.read_only:
            raise StoreError(f"the store at {self.location} is open read-only")
        # One update request, which the server applies as one transaction: a cut connection
        # or a stopped server leaves every case whole or absent, with its catalog entry.
        update = write_update(
            graphs, drop, catalog_update, self._blank_templates, self.holds_whole_dataset
        )
        body, kind = self._body("update", update)
        self._request("POST", self.update_url, content=body, headers={"Content-Type": kind})

    def _update_stream(self, parts: Iterable[str]) -> None:
        if self.read_only:
            raise StoreError(f"the store at {self.location} is open read-only")
        # sent as it is built (chunked): one request, which the server applies as one
        # transaction, without this process holding the whole update
        self._request(
            "POST",
            self.update_url,
            content=(part.encode("utf-8") for part in parts),
            headers={"Content-Type": "application/sparql-update"},
        )

    def _graph_quads(self, iri: str) -> list[ox.Quad]:
        import httpx

        try:
            response = self._client.get(
                self.gsp_url, params={"graph": iri}, headers={"Accept": "application/n-triples"}
            )
        except httpx.HTTPError as error:
            raise StoreError(f"cannot reach the SPARQL server at {self.gsp_url}: {error}") from None
        if response.status_code == 404:
            return []
        if response.status_code >= 400:
            raise StoreError(f"the SPARQL server answered {response.status_code} for <{iri}>")
        name = ox.NamedNode(iri)
        return [
            ox.Quad(t.subject, t.predicate, t.object, name) for t in self._triples(response.content)
        ]

    def forward(
        self,
        query: str,
        default_graphs: Sequence[str],
        named_graphs: Sequence[str],
        union: bool,
        accept: str,
        base_iri: str | None = None,
    ) -> Forwarded:
        if base_iri is not None and _usable_base(base_iri) and _relative_without_base(query):
            # resolved against this endpoint, as the embedded store does, not against the
            # backend's own address: a base declaration may open any query's prologue (SPARQL
            # 1.1 grammar rule 4), here on the first line, so that the backend's error positions
            # stay right on every other line (only a query with a relative IRI and a mistake on
            # its first line has that column shifted)
            query = f"BASE <{base_iri}> {query}"
        if union and not default_graphs and not named_graphs and self.has_union():
            # the server's own union would hold the default graph (the cases merged) besides
            # the cases: the union of every named graph instead, named one by one (the
            # default graph cannot be named in the protocol)
            every = [row["g"].value for row in self.query(ALL_GRAPHS_QUERY).rows if row["g"]]
            default_graphs = named_graphs = every
        params = [("default-graph-uri", g) for g in default_graphs]
        params += [("named-graph-uri", g) for g in named_graphs]
        if union and not params and self.dialect is Dialect.OXIGRAPH:
            # Oxigraph's own parameter; Virtuoso's default graph is every graph already
            params.append(("union-default-graph", "true"))
        import httpx

        try:
            # a form body: a dataset of many graphs would not fit in a URL
            response = self._client.post(
                self.query_url,
                content=urlencode([("query", query), *params]).encode("ascii"),
                headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": accept},
                timeout=None,  # the caller's deadline stops the work
            )
        except httpx.HTTPError as error:
            raise StoreError(f"cannot reach the store's SPARQL server: {error}") from None
        kind = response.headers.get("content-type", "application/octet-stream")
        body = response.content
        if self.dialect is Dialect.VIRTUOSO and response.status_code == 200:
            partial = partial_answer(response)
            if partial:
                raise StoreError(partial)
            if kind.split(";")[0].strip() == "application/sparql-results+json":
                body = normal_json_results(body, boolean_variables(query))
        return Forwarded(response.status_code, kind, body)

    def close(self) -> None:
        self._client.close()
