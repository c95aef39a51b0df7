"""The remote backend: any SPARQL 1.1 Protocol and Graph Store Protocol server."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import urlencode

import httpx
import pyoxigraph as ox

from kg.rdf.lexical import is_absolute_iri
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


class RemoteStore(CaseStore):
    """Any SPARQL 1.1 Protocol + Graph Store Protocol server (Oxigraph, Fuseki, GraphDB, …)."""

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
    ) -> None:
        base = url.rstrip("/")
        self.location = base
        self.read_only = read_only
        self.query_url = query_url or f"{base}/query"
        self.update_url = update_url or f"{base}/update"
        self.gsp_url = gsp_url or f"{base}/store"
        self.timeout = remote_timeout() if timeout is None else timeout
        self._client = httpx.Client(timeout=self.timeout, follow_redirects=False)

    def _request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
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
        if response.status_code >= 400:
            raise StoreError(
                f"the SPARQL server at {url} answered {response.status_code}: "
                f"{response.text[:500]}",
                answered=response.status_code,
            )
        return response

    def _select(self, sparql: str, bindings: Mapping[str, Term] | None, union: bool) -> QueryResult:
        if union:
            raise StoreError(
                "union default graph is not portable across SPARQL servers; "
                "name the graphs in the query"
            )
        text = substitute_terms(sparql, dict(bindings)) if bindings else sparql
        try:
            response = self._request(
                "POST",
                self.query_url,
                content=text.encode("utf-8"),
                headers={
                    "Content-Type": "application/sparql-query",
                    "Accept": "application/sparql-results+json, application/n-triples;q=0.9",
                },
            )
        except StoreError as error:
            if error.answered == 400:  # the server could not parse or run the query
                raise QueryInvalid(str(error)) from None
            raise
        kind = response.headers.get("content-type", "")
        if "n-triples" in kind:
            return QueryResult(
                triples=tuple(ox.parse(response.content, format=ox.RdfFormat.N_TRIPLES))
            )
        parsed = ox.parse_query_results(response.content, format=ox.QueryResultsFormat.JSON)
        return query_result(parsed)

    def _write(
        self, graphs: Mapping[str, Sequence[ox.Quad]], drop: Iterable[str], catalog_update: str = ""
    ) -> None:
        if self.read_only:
            raise StoreError(f"the store at {self.location} is open read-only")
        # One update request, which the server applies as one transaction: a cut connection
        # or a stopped server leaves every case whole or absent, with its catalog entry.
        self._request(
            "POST",
            self.update_url,
            content=write_update(graphs, drop, catalog_update).encode("utf-8"),
            headers={"Content-Type": "application/sparql-update"},
        )

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
            ox.Quad(t.subject, t.predicate, t.object, name)
            for t in ox.parse(response.content, format=ox.RdfFormat.N_TRIPLES)
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
        if union and not params:
            params.append(("union-default-graph", "true"))
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
        return Forwarded(response.status_code, kind, response.content)

    def close(self) -> None:
        self._client.close()
