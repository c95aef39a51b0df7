"""The tokens of a SPARQL 1.1 query, as the grammar's terminals define them (§19.8).

A query is read twice when it holds codepoint escapes: once as the specification says (§19.2:
``\\uXXXX`` and ``\\UXXXXXXXX`` replaced before parsing, wherever they stand) and once as
Oxigraph reads it (escapes only inside IRIs and strings). What a query does is decided from both
readings (see :mod:`kg.sparql.check`), so an escape cannot hide a keyword from one of them.

The lexer never gives up: a character no terminal starts with becomes an ``ERROR`` token of one
character and reading goes on, so that everything after a slip is still seen.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

__all__ = ["Token", "escapes_processed", "has_escapes", "position", "tokens"]

# --- the terminals (SPARQL 1.1 Query Language, §19.8) ------------------------------------------

_PN_CHARS_BASE = (
    "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff\u200c-\u200d"
    "\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd\U00010000-\U000effff"
)
_PN_CHARS_U = _PN_CHARS_BASE + "_"
_PN_CHARS = _PN_CHARS_U + "\\-0-9\u00b7\u0300-\u036f\u203f-\u2040"
_UCHAR = r"\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8}"
_ECHAR = r"\\[tbnrf\\\"']"
_PLX = r"%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?#@%]"
_PN_PREFIX = rf"[{_PN_CHARS_BASE}](?:[{_PN_CHARS}.]*[{_PN_CHARS}])?"
_PN_LOCAL = (
    rf"(?:[{_PN_CHARS_U}:0-9]|{_PLX})(?:(?:[{_PN_CHARS}.:]|{_PLX})*(?:[{_PN_CHARS}:]|{_PLX}))?"
)
_VARNAME = rf"[{_PN_CHARS_U}0-9][{_PN_CHARS_U}0-9\u00b7\u0300-\u036f\u203f-\u2040]*"
_EXPONENT = r"[eE][+-]?[0-9]+"

_WS = re.compile(r"[ \t\r\n]+")
_COMMENT = re.compile(r"#[^\r\n]*")  # a comment ends at a carriage return or a line feed
# IRIs and strings also take \u escapes: Oxigraph reads them there (the specification's reading
# has none left by then, so the same expressions serve both readings).
_IRIREF = re.compile(rf"<(?:[^<>\"{{}}|^`\\\x00-\x20]|{_UCHAR})*>")
_STRINGS = {
    '"""': re.compile(rf'"""(?:(?:"|"")?(?:[^"\\]|{_ECHAR}|{_UCHAR}))*"""'),
    "'''": re.compile(rf"'''(?:(?:'|'')?(?:[^'\\]|{_ECHAR}|{_UCHAR}))*'''"),
    '"': re.compile(rf'"(?:[^"\\\n\r]|{_ECHAR}|{_UCHAR})*"'),
    "'": re.compile(rf"'(?:[^'\\\n\r]|{_ECHAR}|{_UCHAR})*'"),
}
# The names' patterns (their Unicode classes take about 0.1 s to compile) are compiled on the
# first query read (:func:`_terminals`), not by every command that imports this module.
_PNAME = rf"({_PN_PREFIX})?:({_PN_LOCAL})?"
_BLANK = rf"_:[{_PN_CHARS_U}0-9](?:[{_PN_CHARS}.]*[{_PN_CHARS}])?"
_VAR = rf"[?$]{_VARNAME}"
_LANGTAG = re.compile(r"@[a-zA-Z]+(?:-[a-zA-Z0-9]+)*(?:--[a-zA-Z]+)?")  # --ltr: SPARQL 1.2
_NUMBER = re.compile(
    rf"[0-9]+\.[0-9]*{_EXPONENT}|\.[0-9]+{_EXPONENT}|[0-9]+{_EXPONENT}"  # DOUBLE
    r"|[0-9]*\.[0-9]+"  # DECIMAL
    r"|[0-9]+"  # INTEGER
)
# Keywords (matched without regard to case, 'a' excepted) are letters, digits and '_'
# (GROUP_CONCAT, SHA256); the grammar has no keyword with other characters.
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
# Punctuation, longest first: SPARQL 1.1's and SPARQL 1.2's (<<, >>, {|, |}, ~, <<( and )>>).
_PUNCTUATION = re.compile(
    r"<<\(|\)>>|<<|>>|\{\||\|\}|\|\||&&|!=|<=|>=|\^\^|[{}()\[\].,;|!=<>+\-*/^?~]"
)


@dataclass(frozen=True, slots=True)
class Token:
    """A terminal: its ``kind`` (the grammar's name, ``WORD`` for a keyword, ``PUNCT``, or
    ``ERROR``), its text as written and where it starts in the text read."""

    kind: str
    text: str
    start: int


_Terminals = tuple[tuple[str, re.Pattern[str]], ...]


@cache
def _terminals() -> tuple[dict[str, _Terminals], _Terminals]:
    """Which terminals may start with a given ASCII character, in the order to try them; and
    those that may start with any other character."""
    table: dict[str, list[tuple[str, re.Pattern[str]]]] = {}
    pname = re.compile(_PNAME)

    def add(chars: str, *pairs: tuple[str, re.Pattern[str]]) -> None:
        for char in chars:
            table.setdefault(char, []).extend(pairs)

    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
    add(letters + ":", ("PNAME", pname))
    add(letters, ("WORD", _WORD))
    add("<", ("IRIREF", _IRIREF))
    add("?$", ("VAR", re.compile(_VAR)))
    add("_", ("BLANK_NODE_LABEL", re.compile(_BLANK)))
    add("@", ("LANGTAG", _LANGTAG))
    add("0123456789.", ("NUMBER", _NUMBER))
    for opening, pattern in _STRINGS.items():  # long strings first
        add(opening[0], ("STRING", pattern))
    add("{}()[].,;|&!=<>+-*/^?~", ("PUNCT", _PUNCTUATION))
    by_first = {char: tuple(pairs) for char, pairs in table.items()}
    return by_first, (("PNAME", pname),)  # a prefix may start with any PN_CHARS_BASE


def tokens(text: str) -> Iterator[Token]:
    """The tokens of ``text`` in order; white space and comments are passed over."""
    by_first, non_ascii = _terminals()
    at, end = 0, len(text)
    while at < end:
        char = text[at]
        if char in " \t\r\n":
            at = _WS.match(text, at).end()  # type: ignore[union-attr]
            continue
        if char == "#":
            at = _COMMENT.match(text, at).end()  # type: ignore[union-attr]
            continue
        candidates = by_first.get(char) or (non_ascii if char > "\x7f" else ())
        for kind, pattern in candidates:
            match = pattern.match(text, at)
            if match is not None and match.end() > at:
                yield Token(kind, match.group(), at)
                at = match.end()
                break
        else:
            yield Token("ERROR", char, at)
            at += 1


# --- codepoint escapes (§19.2) ------------------------------------------------------------------

_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


def has_escapes(text: str) -> bool:
    """Whether the text holds a codepoint escape (``\\u`` or ``\\U`` with its hex digits)."""
    return _ESCAPE.search(text) is not None


def escapes_processed(text: str) -> str:
    """The text with every codepoint escape replaced by its character, as §19.2 says is done
    before parsing (an escape beyond U+10FFFF is left as written: it names no character)."""

    def replace(match: re.Match[str]) -> str:
        code = int(match.group(1) or match.group(2), 16)
        return chr(code) if code <= 0x10FFFF else match.group()

    return _ESCAPE.sub(replace, text)


def position(text: str, offset: int) -> tuple[int, int]:
    """The line and column (both from 1) of an offset; a CR LF or a lone CR ends a line too."""
    before = text[:offset]
    line = before.count("\n") + before.count("\r") - before.count("\r\n") + 1
    last = max(before.rfind("\n"), before.rfind("\r"))
    return line, offset - last
