"""Checking user SPARQL before it runs, and binding parameters for servers that cannot.

Nothing reaches the network or the file system because of a user's query: ``SERVICE``,
``LOAD`` and ``FROM``/``FROM NAMED`` with anything but an http(s) or urn IRI are refused unless
explicitly allowed, and updates are refused where a query is expected. The checks look at the
query with its comments, strings and IRIs masked, so a keyword inside a literal does not count.
"""

from __future__ import annotations

import re

import pyoxigraph as ox

_TOKEN = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""'
    r"|'''(?:[^'\\]|\\.|'(?!''))*'''"
    r'|"(?:[^"\\\n]|\\.)*"'
    r"|'(?:[^'\\\n]|\\.)*'"
    r"|<[^<>\"{}|^`\\\s]*>"
    r"|#[^\n]*",
)
# A keyword, not part of a variable (?load), a prefixed name (ex:copy) or a blank node label.
_UPDATE = re.compile(
    r"(?<![\w?$:])(INSERT|DELETE|LOAD|CLEAR|DROP|CREATE|ADD|MOVE|COPY)(?![\w:])", re.I
)
_SERVICE = re.compile(r"(?<![\w?$:])SERVICE(?![\w:])", re.I)
_FROM = re.compile(r"\bFROM\s+(?:NAMED\s+)?(<[^>]*>)", re.I)
_SAFE_DATASET_IRI = re.compile(r"^<(https?:|urn:)", re.I)


class QueryRefused(ValueError):
    """A query that flywheel will not run, with the reason in words."""


def mask(text: str) -> str:
    """The query with comments blanked and strings and IRIs replaced by same-length fillers.

    IRIs keep their angle brackets (and FROM IRIs stay readable, see :func:`check_query`).
    """

    def fill(match: re.Match[str]) -> str:
        token = match.group(0)
        if token.startswith("#"):
            return " " * len(token)
        if token.startswith("<"):
            return token
        return token[0] + "_" * (len(token) - 2) + token[-1]

    return _TOKEN.sub(fill, text)


def check_query(text: str, allow_network: bool = False) -> None:
    """Refuse updates, SERVICE, and FROM/FROM NAMED that could read files or the network."""
    masked = mask(text)
    scan = re.sub(r"<[^>]*>", lambda m: "<" + "_" * (len(m.group(0)) - 2) + ">", masked)
    update = _UPDATE.search(scan)
    if update:
        raise QueryRefused(
            f"{update.group(1).upper()} changes data or loads documents; this "
            "command runs read-only queries"
        )
    if not allow_network:
        if _SERVICE.search(scan):
            raise QueryRefused(
                "SERVICE would send part of the query to another server; it is "
                "refused unless network access is explicitly allowed"
            )
        for match in _FROM.finditer(masked):
            if not _SAFE_DATASET_IRI.match(match.group(1)):
                raise QueryRefused(
                    f"FROM {match.group(1)} could read a local file; only "
                    "http(s) and urn graph names are allowed"
                )


def term_text(term: ox.NamedNode | ox.Literal | ox.BlankNode) -> str:
    """An RDF term in SPARQL/N-Triples syntax, escaped (never raw user text)."""
    if isinstance(term, ox.BlankNode):
        raise QueryRefused("a blank node cannot be bound as a parameter")
    return str(term)


def inject_values(text: str, bindings: dict[str, ox.NamedNode | ox.Literal]) -> str:
    """Bind variables by a VALUES block at the start of the outermost WHERE group.

    For SPARQL servers without a parameter API: the values are serialised RDF terms, so a
    parameter can never change the query's structure. Fails if the query has no WHERE group.
    """
    if not bindings:
        return text
    masked = mask(text)
    match = re.search(r"\bWHERE\s*\{", masked, re.I)
    if match is None:
        raise QueryRefused("the query has no WHERE { … } group to bind parameters into")
    names = list(bindings)
    row = " ".join(term_text(bindings[n]) for n in names)
    block = f" VALUES ({' '.join('?' + n for n in names)}) {{ ({row}) }} "
    return text[: match.end()] + block + text[match.end() :]
