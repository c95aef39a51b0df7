"""Checking user SPARQL before it runs, and binding parameters for servers that cannot.

Nothing reaches the network or the file system because of a user's query. What a query does is
decided from its tokens (:mod:`kg.sparql.lexer`), read both as the SPARQL 1.1 specification
reads it (codepoint escapes first) and as Oxigraph reads it; a query is refused when either
reading shows

* ``SERVICE`` (also glued to what follows it, ``SERVICE:x`` or ``SERVICESILENT``, which Oxigraph
  reads as the keyword, and a prefix whose name begins with ``service``);
* an update (``INSERT``, ``DELETE``, ``LOAD``, …): :class:`UpdateRefused`;
* ``FROM`` / ``FROM NAMED`` with a graph name that is not an http(s) or urn IRI (``file:``, a
  relative IRI resolved against ``BASE``, a prefixed name expanding to one);
* a call of a function that is not SPARQL's own or an XSD cast (``fn:doc``, ``<urn:x>(1)``,
  a server's extensions such as Virtuoso's ``bif:``);
* a word that is not a SPARQL keyword (a server's pragma such as ``DEFINE``);
* brackets nested deeper than :data:`kg.limits.MAX_QUERY_DEPTH`, or more than
  :data:`kg.limits.MAX_QUERY_CHAIN` triple patterns, groups, operators and ``UNION``s in all
  (each makes the engine's tree of the query one level deeper): deeper than the engine can go
  without exhausting its stack (:class:`QueryTooComplex`);
* more text than the query-size limit (:class:`QueryTooLarge`).
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

import pyoxigraph as ox

from kg import limits
from kg.errors import BadInput
from kg.sparql.lexer import Token, escapes_processed, has_escapes, position, tokens
from kg.vocab import XSD

__all__ = [
    "QueryInvalid",
    "QueryRefused",
    "QueryTooComplex",
    "QueryTooLarge",
    "UpdateRefused",
    "check_query",
    "names_dataset",
    "query_form",
    "substitute_terms",
    "term_text",
]


def _names(text: str) -> list[str]:
    """The words of a list written out as text."""
    return text.split()


# Words that begin an update operation (SPARQL 1.1 Update); no query uses them.
UPDATE_WORDS = frozenset(_names("INSERT DELETE LOAD CLEAR DROP CREATE ADD MOVE COPY"))
QUERY_FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")
_XSD = str(XSD)
# Functions a query may call by IRI: the XSD casts (SPARQL 1.1 §17.5, and those Oxigraph adds).
FUNCTIONS = frozenset(
    _XSD + name
    for name in _names(
        "boolean double float decimal integer string dateTime date time duration "
        "yearMonthDuration dayTimeDuration gYear gYearMonth gMonth gDay gMonthDay"
    )
)
# The keywords of SPARQL 1.1 Query and Update (§19.8) and those of SPARQL 1.2 that Oxigraph reads.
KEYWORDS = frozenset(
    word.upper()
    for word in _names("""
    BASE PREFIX SELECT DISTINCT REDUCED AS CONSTRUCT WHERE DESCRIBE ASK FROM NAMED GROUP BY
    HAVING ORDER ASC DESC LIMIT OFFSET VALUES LOAD SILENT INTO CLEAR DROP CREATE ADD TO MOVE
    COPY INSERT DATA DELETE WITH USING DEFAULT GRAPH ALL OPTIONAL SERVICE BIND UNDEF MINUS
    UNION FILTER NOT IN EXISTS TRUE FALSE SEPARATOR
    STR LANG LANGMATCHES DATATYPE BOUND IRI URI BNODE RAND ABS CEIL FLOOR ROUND CONCAT STRLEN
    UCASE LCASE ENCODE_FOR_URI CONTAINS STRSTARTS STRENDS STRBEFORE STRAFTER YEAR MONTH DAY
    HOURS MINUTES SECONDS TIMEZONE TZ NOW UUID STRUUID MD5 SHA1 SHA256 SHA384 SHA512 COALESCE IF
    STRLANG STRDT SAMETERM ISIRI ISURI ISBLANK ISLITERAL ISNUMERIC REGEX SUBSTR REPLACE COUNT
    SUM MIN MAX AVG SAMPLE GROUP_CONCAT
    VERSION TRIPLE SUBJECT PREDICATE OBJECT ISTRIPLE LANGDIR HASLANG HASLANGDIR STRLANGDIR
    """)
)
_OPENING = {"{": "}", "(": ")", "[": "]", "<<": ">>", "<<(": ")>>", "{|": "|}"}
_CLOSING = frozenset(_OPENING.values())
# Tokens that chain: each one makes the engine's tree of the query one level deeper.
_CHAINING = frozenset({"||", "&&", "=", "!=", "<", ">", "<=", ">=", "+", "-", "*", "/"})
_CHAINING_WORDS = frozenset({"UNION", "OPTIONAL", "MINUS", "FILTER", "BIND", "GRAPH", "IN"})
_SAFE_SCHEMES = frozenset({"http", "https", "urn"})  # what a FROM graph name may be


class QueryRefused(BadInput):
    """A query that flywheel will not run, with the reason in words."""

    problem = "refused-query"


class QueryInvalid(QueryRefused):
    """A query the engine cannot run: not valid SPARQL, or asking for what the engine lacks."""

    problem = "bad-query"


class UpdateRefused(QueryRefused):
    """An update where a read-only query is expected."""

    status, problem = 403, "read-only"


class QueryTooLarge(QueryRefused):
    """A query longer than the query-size limit."""

    status, problem = 413, "too-large"


class QueryTooComplex(QueryRefused):
    """A query nested or chained deeper than the engine can safely go."""


# --- reading a query ----------------------------------------------------------------------------


@dataclass
class _Reading:
    """What one reading of a query shows, collected in one pass over its tokens."""

    text: str
    name: str  # "as written" or "with its escapes processed"
    tokens: list[Token]
    errors: list[Token] = field(default_factory=list)

    def where(self, token: Token) -> str:
        line, column = position(self.text, token.start)
        return f"line {line}, column {column}"


def _readings(text: str) -> Iterator[_Reading]:
    """The query as Oxigraph reads it and, when it holds escapes, as §19.2 reads it."""
    yield _read(text, "as written")
    if has_escapes(text):
        yield _read(escapes_processed(text), "with its \\u escapes processed (SPARQL 1.1 §19.2)")


def _read(text: str, name: str) -> _Reading:
    found = list(tokens(text))
    return _Reading(text, name, found, [t for t in found if t.kind == "ERROR"])


def check_query(text: str) -> None:
    """Refuse what a read-only query must not do (see the module's docstring)."""
    limit = limits.max_query_bytes()
    size = len(text.encode("utf-8"))
    if size > limit:
        raise QueryTooLarge(
            f"the query is {size:,} bytes, over flywheel's limit of {limit:,} bytes "
            f"(set {limits.QUERY_ENV} to raise it)"
        )
    readings = list(_readings(text))
    for reading in readings:
        _check_reading(reading)
    clean = [r for r in readings if not r.errors]
    if not clean:  # no reading is SPARQL: say where the first one goes wrong
        first = readings[0]
        error = first.errors[0]
        raise QueryInvalid(
            f"the query is not valid SPARQL: {error.text!r} at {first.where(error)} starts "
            "nothing the SPARQL grammar knows"
        )
    for reading in clean:
        _check_words(reading)


def _check_reading(reading: _Reading) -> None:
    """The checks that hold for any reading, even one with a slip in it."""
    prefixes: dict[str, str] = {}
    base: str | None = None
    toks = reading.tokens
    depth, deepest = 0, 0
    chain = 0
    frames: list[_Frame] = [_Frame("top")]
    for index, token in enumerate(toks):
        kind, text = token.kind, token.text
        word = text.upper() if kind == "WORD" else ""
        after = toks[index + 1] if index + 1 < len(toks) else None
        if word in UPDATE_WORDS:
            raise UpdateRefused(
                f"{word} changes data or loads documents (at {reading.where(token)}); only "
                "read-only queries are run here"
            )
        if _is_service(token):
            raise QueryRefused(
                f"SERVICE (at {reading.where(token)}"
                + ("" if reading.name == "as written" else f", read {reading.name}")
                + ") would send part of the query to another server; it is refused: flywheel never "
                "reaches the network because of a query"
                + (
                    f" (the prefix '{text.split(':')[0]}:' reads as the SERVICE keyword to "
                    "some engines: name it otherwise)"
                    if kind == "PNAME"
                    else ""
                )
            )
        if word == "PREFIX" and after is not None and after.kind == "PNAME":
            target = toks[index + 2] if index + 2 < len(toks) else None
            if target is not None and target.kind == "IRIREF":
                prefixes[after.text[:-1]] = _resolve(_iri_text(target.text), base)
        elif word == "BASE" and after is not None and after.kind == "IRIREF":
            base = _resolve(_iri_text(after.text), base)
        elif word == "FROM":
            _check_from(reading, toks, index, prefixes, base)
        if kind in ("IRIREF", "PNAME") and _is_call(toks, index, frames[-1]):
            iri = _expand(reading, token, prefixes, base)
            if iri not in FUNCTIONS:
                raise QueryRefused(
                    f"the query calls the function <{iri}> (at {reading.where(token)}), which "
                    "this endpoint does not have: a query may call SPARQL's own functions and "
                    "the XSD casts (xsd:integer(…), xsd:date(…), …)"
                )
        if kind == "PUNCT" and text in _OPENING:
            depth += 1
            deepest = max(deepest, depth)
            frames.append(_Frame(_opened_mode(toks, index, frames[-1])))
            if depth > limits.MAX_QUERY_DEPTH:
                raise QueryTooComplex(
                    f"the query nests brackets more than {limits.MAX_QUERY_DEPTH} deep (at "
                    f"{reading.where(token)}); the query engine cannot go that deep safely"
                )
        elif kind == "PUNCT" and text in _CLOSING:
            depth = max(0, depth - 1)
            if len(frames) > 1:
                frames.pop()
        if word:
            frames[-1].clause = _clause(word, frames[-1].clause)
        links = (kind == "PUNCT" and text in _CHAINING) or word in _CHAINING_WORDS
        links = links or (kind == "PUNCT" and text in ("{", ".", ";"))
        links = links or (kind == "PUNCT" and text == "," and frames[-1].mode == "pattern")
        if links:
            chain += 1
            if chain > limits.MAX_QUERY_CHAIN:
                raise QueryTooComplex(
                    f"the query joins more than {limits.MAX_QUERY_CHAIN:,} patterns, groups, "
                    f"operators or UNIONs (the last at {reading.where(token)}); the query "
                    "engine cannot go that deep safely: split it into several queries"
                )


def _check_words(reading: _Reading) -> None:
    """In a reading without slips, every bare word must be a SPARQL keyword."""
    for token in reading.tokens:
        if token.kind == "WORD" and token.text != "a" and token.text.upper() not in KEYWORDS:
            raise QueryInvalid(
                f"the query is not valid SPARQL: '{token.text}' at {reading.where(token)} is "
                "not a SPARQL 1.1 keyword (flywheel runs standard SPARQL only)"
            )


def _is_service(token: Token) -> bool:
    """SERVICE as Oxigraph finds it: a bare word holding it (``SERVICESILENT``, ``trueSERVICE``),
    or a prefixed name whose prefix begins with it (``SERVICE:x``)."""
    if token.kind == "WORD":
        return "SERVICE" in token.text.upper()
    if token.kind == "PNAME":
        return token.text.upper().startswith("SERVICE")
    return False


def _check_from(
    reading: _Reading, toks: list[Token], index: int, prefixes: dict[str, str], base: str | None
) -> None:
    """FROM [NAMED] names a graph: an http(s) or urn IRI, never a file or a relative name."""
    at = index + 1
    if at < len(toks) and toks[at].kind == "WORD" and toks[at].text.upper() == "NAMED":
        at += 1
    if at >= len(toks) or toks[at].kind not in ("IRIREF", "PNAME"):
        return  # not a dataset clause the engine would accept; its parser says why
    target = toks[at]
    iri = _expand(reading, target, prefixes, base)
    if urllib.parse.urlsplit(iri).scheme.lower() not in _SAFE_SCHEMES:
        raise QueryRefused(
            f"FROM {target.text} (at {reading.where(target)}) could read a local file or "
            f"document (<{iri}>); only http(s) and urn graph names are allowed"
        )


def _iri_text(token_text: str) -> str:
    """An IRIREF's IRI, its \\u escapes processed (Oxigraph reads them inside IRIs)."""
    return escapes_processed(token_text[1:-1])


def _resolve(iri: str, base: str | None) -> str:
    if base is None or urllib.parse.urlsplit(iri).scheme:
        return iri
    return urllib.parse.urljoin(base, iri)


def _unescaped(local: str) -> str:
    """A prefixed name's local part with its backslash escapes (PN_LOCAL_ESC) undone."""
    out, escaped = [], False
    for char in local:
        if char == "\\" and not escaped:
            escaped = True
            continue
        out.append(char)
        escaped = False
    return "".join(out)


def _expand(reading: _Reading, token: Token, prefixes: dict[str, str], base: str | None) -> str:
    """The IRI an IRIREF or a prefixed name stands for (relative IRIs resolved against BASE)."""
    if token.kind == "IRIREF":
        return _resolve(_iri_text(token.text), base)
    prefix, _, local = token.text.partition(":")
    if prefix not in prefixes:
        raise QueryRefused(
            f"{token.text} (at {reading.where(token)}) uses the prefix '{prefix}:', which is "
            "not declared"
        )
    return prefixes[prefix] + _unescaped(local)


# --- where a function is called ----------------------------------------------------------------


@dataclass
class _Frame:
    """One open bracket: whether it holds an expression, a graph pattern or a collection, and
    (in a pattern) which clause of a sub-select its words are in."""

    mode: str  # "top", "expr", "pattern", "list"
    clause: str | None = None  # "select" or "modifiers" where expressions stand without "("


def _clause(word: str, clause: str | None) -> str | None:
    if word == "SELECT":
        return "select"
    if word in ("GROUP", "ORDER", "HAVING"):
        return "modifiers"
    if word in ("WHERE", "LIMIT", "OFFSET", "VALUES"):
        return None
    return clause


def _expressions(frame: _Frame) -> bool:
    return frame.mode in ("top", "expr") or frame.clause is not None


def _previous(toks: list[Token], index: int) -> Token | None:
    return toks[index - 1] if index > 0 else None


def _is_call(toks: list[Token], index: int, frame: _Frame) -> bool:
    """An IRI or prefixed name followed by '(' where an expression stands: a function call (in a
    graph pattern, ``<p> (1 2)`` is a predicate and a collection)."""
    after = toks[index + 1] if index + 1 < len(toks) else None
    if after is None or after.kind != "PUNCT" or after.text != "(":
        return False
    before = _previous(toks, index)
    after_filter = before is not None and before.kind == "WORD" and before.text.upper() == "FILTER"
    return _expressions(frame) or after_filter


def _opened_mode(toks: list[Token], index: int, frame: _Frame) -> str:
    """What a bracket opened at ``toks[index]`` holds."""
    text = toks[index].text
    if text in ("{", "[", "{|", "<<"):
        return "pattern"
    before = _previous(toks, index)
    if before is None:
        return "expr"
    if before.kind == "WORD" and before.text != "a":  # FILTER(, STR(, IN (, AS…
        return "expr"
    if before.kind in ("IRIREF", "PNAME") and _is_call(toks, index - 1, frame):
        return "expr"
    return "expr" if _expressions(frame) else "list"


# --- what a query is --------------------------------------------------------------------------


def _words(text: str) -> Iterator[str]:
    for token in tokens(text):
        if token.kind == "WORD":
            yield token.text.upper()


def names_dataset(text: str) -> bool:
    """Whether the query names its own dataset (``FROM`` or ``FROM NAMED``): the keyword is
    read as a token, never inside a string, an IRI or a name."""
    return "FROM" in _words(text)


def query_form(text: str) -> str | None:
    """SELECT, ASK, CONSTRUCT or DESCRIBE: the query's form, from its first such keyword (None
    if there is none; the parser will then say what is wrong)."""
    return next((word for word in _words(text) if word in QUERY_FORMS), None)


# --- parameters for servers without a parameter API ------------------------------------------


def term_text(term: ox.NamedNode | ox.Literal | ox.BlankNode) -> str:
    """An RDF term in SPARQL/N-Triples syntax, escaped (never raw user text)."""
    if isinstance(term, ox.BlankNode):
        raise QueryRefused("a blank node cannot be bound as a parameter")
    return str(term)


def substitute_terms(
    text: str, bindings: Mapping[str, ox.NamedNode | ox.Literal | ox.BlankNode]
) -> str:
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
    toks = list(tokens(text))
    terms = {name: term_text(term) for name, term in bindings.items()}
    used = {t.text[1:] for t in toks if t.kind == "VAR"}
    edits: list[tuple[int, int, str]] = []
    state, state_depth, depth, braces, nested = "pattern", 0, 0, 0, False
    previous, declaring = "", False
    for index, token in enumerate(toks):
        kind, text_ = token.kind, token.text
        end = token.start + len(text_)
        if kind == "WORD":
            word = text_.upper()
            if word in ("GROUP", "ORDER"):
                continue  # GROUP BY and ORDER BY are read at BY
            if word == "BY":
                word = toks[index - 1].text.upper() + " BY" if index else word
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
        if kind == "PUNCT" and text_ == "(":
            depth += 1
        elif kind == "PUNCT" and text_ == ")":
            depth -= 1
        elif kind == "PUNCT" and text_ == "{":
            braces += 1
            declaring = False
            if state == "select" and depth == state_depth:
                state = "pattern"
        elif kind == "PUNCT" and text_ == "}":
            braces -= 1
            if state == "modifier":
                state = "pattern"
        elif kind == "PUNCT" and text_ == "*" and state == "select" and depth == state_depth:
            return _values_block(text, toks, bindings)  # the columns are not named: bind
        elif kind == "VAR" and text_[1:] in terms:
            term = terms[text_[1:]]
            if previous == "AS" or declaring:
                raise QueryRefused(
                    f"the query gives {text_} its own value (AS or VALUES), so it "
                    "cannot also be a parameter"
                )
            if previous == "BOUND" and _is(toks, index - 1, "(") and _is(toks, index + 1, ")"):
                edits.append((toks[index - 2].start, toks[index + 1].start + 1, "true"))
                previous = ""
                continue
            if state == "select" and depth == state_depth:
                # a sub-select must not hand the outer query a variable the outer SELECT also
                # assigns: its copy of the value goes out under a name used nowhere else
                name = _unused_name(used, text_) if nested else text_
                used.add(name[1:])
                edits.append((token.start, end, f"({term} AS {name})"))
            elif state == "modifier" and depth == state_depth:
                edits.append((token.start, end, f"({term})"))
            else:
                edits.append((token.start, end, term))
        if not (kind == "PUNCT" and text_ == "("):  # BOUND ( ?v ): the keyword is remembered
            previous = ""
    for start, stop, replacement in reversed(edits):
        text = text[:start] + replacement + text[stop:]
    return text


def _is(toks: list[Token], index: int, punct: str) -> bool:
    return 0 <= index < len(toks) and toks[index].kind == "PUNCT" and toks[index].text == punct


def _unused_name(used: Iterable[str], variable: str) -> str:
    """``?v_1``, ``?v_2``…: the first not among the query's variables and the names given so
    far."""
    taken = set(used)
    number = 1
    while f"{variable[1:]}_{number}" in taken:
        number += 1
    return f"?{variable[1:]}_{number}"


def _values_block(
    text: str, toks: list[Token], bindings: Mapping[str, ox.NamedNode | ox.Literal | ox.BlankNode]
) -> str:
    """Bind variables by a VALUES block at the start of the outermost WHERE group (for
    ``SELECT *``, whose columns must keep the bound variables)."""
    for index, token in enumerate(toks):
        if token.kind == "WORD" and token.text.upper() == "WHERE" and _is(toks, index + 1, "{"):
            at = toks[index + 1].start + 1
            names = " ".join("?" + name for name in bindings)
            row = " ".join(term_text(term) for term in bindings.values())
            return text[:at] + f" VALUES ({names}) {{ ({row}) }} " + text[at:]
    raise QueryRefused("the query has no WHERE { … } group to bind parameters into")
