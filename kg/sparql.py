"""Checking user SPARQL before it runs, and binding parameters for servers that cannot.

Nothing reaches the network or the file system because of a user's query: ``SERVICE``,
``LOAD`` and ``FROM``/``FROM NAMED`` with anything but an http(s) or urn IRI are refused unless
explicitly allowed, and updates are refused where a query is expected. The checks look at the
query with its comments, strings and IRIs masked, so a keyword inside a literal does not count.
"""

from __future__ import annotations

import re

import pyoxigraph as ox

_IRI_PATTERN = r"<[^<>\"{}|^`\\\s]*>"  # an IRIREF: no space inside, unlike "?a < ?b > ?c"
_IRI = re.compile(_IRI_PATTERN)
_TOKEN = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""'
    r"|'''(?:[^'\\]|\\.|'(?!''))*'''"
    r'|"(?:[^"\\\n]|\\.)*"'
    r"|'(?:[^'\\\n]|\\.)*'"
    rf"|{_IRI_PATTERN}"
    r"|#[^\n]*",
)
# A keyword, not part of a variable (?load), a prefixed name (ex:copy) or a blank node label.
_UPDATE = re.compile(
    r"(?<![\w?$:])(INSERT|DELETE|LOAD|CLEAR|DROP|CREATE|ADD|MOVE|COPY)(?![\w:])", re.I
)
_SERVICE = re.compile(r"(?<![\w?$:])SERVICE(?![\w:])", re.I)
# FROM / FROM NAMED with an IRI (group 1) or a prefixed name (prefix: group 2, local: group 3)
_FROM = re.compile(
    r"(?<![\w?$:])FROM\s+(?:NAMED\s+)?(?:<([^>]*)>|([A-Za-z][\w.-]*)?:([^\s{]*))", re.I
)
_PREFIX_DECLARATION = re.compile(r"(?<![\w?$:])PREFIX\s+([A-Za-z][\w.-]*)?:\s*<([^>]*)>", re.I)
_SAFE_DATASET_IRI = re.compile(r"^(https?:|urn:)", re.I)


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


def scan(text: str) -> str:
    """The query masked (:func:`mask`) with IRIs blanked too: what is left to read is keywords,
    variables and punctuation, each at its place in ``text``."""
    return _IRI.sub(lambda m: "<" + "_" * (len(m.group(0)) - 2) + ">", mask(text))


def is_update(text: str) -> bool:
    """Whether the text uses a SPARQL Update keyword (outside strings, IRIs and comments)."""
    return _UPDATE.search(scan(text)) is not None


def check_query(text: str, allow_network: bool = False) -> None:
    """Refuse updates, SERVICE, and FROM/FROM NAMED that could read files or the network."""
    masked, keywords = mask(text), scan(text)
    update = _UPDATE.search(keywords)
    if update:
        raise QueryRefused(
            f"{update.group(1).upper()} changes data or loads documents; this "
            "command runs read-only queries"
        )
    if not allow_network:
        if _SERVICE.search(keywords):
            raise QueryRefused(
                "SERVICE would send part of the query to another server; it is "
                "refused unless network access is explicitly allowed"
            )
        prefixes = {m.group(1) or "": m.group(2) for m in _PREFIX_DECLARATION.finditer(masked)}
        for match in _FROM.finditer(masked):
            iri, prefix, local = match.groups()
            shown = f"<{iri}>" if iri is not None else f"{prefix or ''}:{local}"
            if iri is None:
                if (prefix or "") not in prefixes:
                    raise QueryRefused(
                        f"FROM {shown} uses the prefix '{prefix or ''}:', which is not declared"
                    )
                iri = prefixes[prefix or ""] + local
            if not _SAFE_DATASET_IRI.match(iri):
                raise QueryRefused(
                    f"FROM {shown} could read a local file (<{iri}>); only http(s) and urn "
                    "graph names are allowed"
                )


def term_text(term: ox.NamedNode | ox.Literal | ox.BlankNode) -> str:
    """An RDF term in SPARQL/N-Triples syntax, escaped (never raw user text)."""
    if isinstance(term, ox.BlankNode):
        raise QueryRefused("a blank node cannot be bound as a parameter")
    return str(term)


_NAME_CHAR = r"[\w\u00B7\u0300-\u036F\u203F\u2040]"
_CLAUSE = re.compile(
    r"(?<![\w?$:])(?P<kw>SELECT|WHERE|FROM|GROUP\s+BY|ORDER\s+BY|HAVING|LIMIT|OFFSET|VALUES"
    r"|AS|BOUND)(?![\w:])"
    rf"|(?P<var>[?$]{_NAME_CHAR}+)"
    r"|(?P<star>\*)|(?P<open>\()|(?P<close>\))|(?P<lbrace>\{)|(?P<rbrace>\})",
    re.I,
)


def substitute_terms(text: str, bindings: dict[str, ox.NamedNode | ox.Literal]) -> str:
    """The query with each bound variable replaced by its RDF term, for SPARQL servers that have
    no parameter API (the SPARQL 1.1 protocol has none).

    The terms are serialised by pyoxigraph (N-Triples escaping), never pasted as raw text, so a
    value cannot change the query's structure. A projected variable becomes ``(term AS ?v)``, a
    grouping or ordering key ``(term)``, ``BOUND(?v)`` becomes ``true``; everywhere else, sub-
    queries included, the term stands in the variable's place (the substitution semantics of
    Oxigraph's own parameters). Unlike a leading VALUES block, this lets a server use the bound
    value to choose its indexes: a query bound to one city stays the cost of one city.
    """
    if not bindings:
        return text
    keywords = scan(text)
    terms = {name: term_text(term) for name, term in bindings.items()}
    edits: list[tuple[int, int, str]] = []
    state, state_depth, depth, braces, nested = "pattern", 0, 0, 0, False
    previous, declaring = "", False
    tokens = list(_CLAUSE.finditer(keywords))
    for index, token in enumerate(tokens):
        kind = token.lastgroup
        if kind == "kw":
            word = " ".join(token.group("kw").upper().split())
            if word == "SELECT":
                state, state_depth, nested = "select", depth, braces > 0
            elif word in ("WHERE", "FROM") and state == "select" and depth == state_depth:
                state = "pattern"
            elif word in ("GROUP BY", "ORDER BY"):
                state, state_depth = "modifier", depth
            elif word in ("HAVING", "LIMIT", "OFFSET"):
                state = "pattern"
            elif word == "VALUES":
                declaring = True
            previous = word
            continue
        if kind == "open":
            depth += 1
        elif kind == "close":
            depth -= 1
        elif kind == "lbrace":
            braces += 1
            declaring = False
            if state == "select" and depth == state_depth:
                state = "pattern"
        elif kind == "rbrace":
            braces -= 1
            if state == "modifier":
                state = "pattern"
        elif kind == "star" and state == "select" and depth == state_depth:
            return _values_block(text, bindings)  # the columns are not named: bind, not replace
        elif kind == "var" and token.group("var")[1:] in terms:
            variable = token.group("var")
            term = terms[variable[1:]]
            if previous == "AS" or declaring:
                raise QueryRefused(
                    f"the query gives {variable} its own value (AS or VALUES), so it "
                    "cannot also be a parameter"
                )
            if previous == "BOUND" and tokens[index - 1].lastgroup == "open":
                close = tokens[index + 1] if index + 1 < len(tokens) else None
                if close is not None and close.lastgroup == "close":
                    bound = tokens[index - 2]
                    edits.append((bound.start(), close.end(), "true"))
                    previous = ""
                    continue
            if state == "select" and depth == state_depth:
                # a sub-select must not hand the outer query a variable the outer SELECT also
                # assigns: its copy of the value goes out under a name used nowhere else
                name = _unused_name(keywords, variable, edits) if nested else variable
                edits.append((token.start(), token.end(), f"({term} AS {name})"))
            elif state == "modifier" and depth == state_depth:
                edits.append((token.start(), token.end(), f"({term})"))
            else:
                edits.append((token.start(), token.end(), term))
        if kind != "open":  # BOUND ( ?v ): the keyword is remembered across its parenthesis
            previous = ""
    for start, end, replacement in reversed(edits):
        text = text[:start] + replacement + text[end:]
    return text


def _unused_name(keywords: str, variable: str, edits: list[tuple[int, int, str]]) -> str:
    """``?v_1``, ``?v_2``…: the first not in the query nor among the edits made so far."""
    number = 1
    while re.search(rf"[?$]{re.escape(variable[1:])}_{number}(?!{_NAME_CHAR})", keywords) or any(
        edit.endswith(f" AS ?{variable[1:]}_{number})") for _, _, edit in edits
    ):
        number += 1
    return f"?{variable[1:]}_{number}"


def _values_block(text: str, bindings: dict[str, ox.NamedNode | ox.Literal]) -> str:
    """Bind variables by a VALUES block at the start of the outermost WHERE group (for
    ``SELECT *``, whose columns must keep the bound variables)."""
    match = re.search(r"\bWHERE\s*\{", mask(text), re.I)
    if match is None:
        raise QueryRefused("the query has no WHERE { … } group to bind parameters into")
    names = " ".join("?" + name for name in bindings)
    row = " ".join(term_text(term) for term in bindings.values())
    block = f" VALUES ({names}) {{ ({row}) }} "
    return text[: match.end()] + block + text[match.end() :]
