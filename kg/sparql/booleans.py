"""Which variables a query binds to a boolean, read from its tokens: for a SPARQL server that
sends a computed boolean back as a number (Virtuoso answers ``BIND(BOUND(?x) AS ?b)`` with
``"1"^^xsd:integer``), the columns whose numbers stand for ``true`` and ``false``.

An expression given a name (``(expression AS ?v)`` in a projection or in ``BIND``) is boolean
when, at its own level, it compares (``=``, ``!=``, ``<``, ``>``, ``<=``, ``>=``, ``IN``,
``NOT IN``), combines (``&&``, ``||``) or negates (``!``); when it is ``true`` or ``false``,
``EXISTS`` or ``NOT EXISTS``, a call of a function that returns a boolean (``BOUND``,
``isIRI``, ``REGEX``, ``STRSTARTS``…), or a variable already found boolean; or when it is
``IF`` whose two branches are boolean, ``COALESCE`` whose every argument is, or ``MIN``,
``MAX`` or ``SAMPLE`` of one that is. Anything else (numbers, strings, dates, terms) is not.
"""

from __future__ import annotations

from functools import lru_cache

from kg.sparql.lexer import Token, tokens

__all__ = ["boolean_variables"]

_OPEN = {"(": ")", "{": "}", "[": "]"}
_CLOSE = {")", "}", "]"}
_RELATIONS = {"=", "!=", "<", ">", "<=", ">=", "&&", "||"}
_BOOLEAN_CALLS = {
    "BOUND",
    "ISIRI",
    "ISURI",
    "ISBLANK",
    "ISLITERAL",
    "ISNUMERIC",
    "REGEX",
    "LANGMATCHES",
    "SAMETERM",
    "STRSTARTS",
    "STRENDS",
    "CONTAINS",
}
_PASSING = {"MIN", "MAX", "SAMPLE"}  # an aggregate whose value is one of its argument's


def _punct(token: Token, text: str) -> bool:
    return token.kind == "PUNCT" and token.text == text


def _word(token: Token, *words: str) -> bool:
    return token.kind == "WORD" and token.text.upper() in words


def _closing(toks: list[Token], start: int) -> int:
    """The index of the bracket that closes the one at ``start`` (the end if none does)."""
    depth = 0
    for index in range(start, len(toks)):
        token = toks[index]
        if token.kind == "PUNCT" and token.text in _OPEN:
            depth += 1
        elif token.kind == "PUNCT" and token.text in _CLOSE:
            depth -= 1
            if depth == 0:
                return index
    return len(toks) - 1


def _top_level(toks: list[Token]) -> list[Token]:
    """The tokens outside every bracket."""
    out, depth = [], 0
    for token in toks:
        if token.kind == "PUNCT" and token.text in _OPEN:
            depth += 1
        elif token.kind == "PUNCT" and token.text in _CLOSE:
            depth -= 1
        elif depth == 0:
            out.append(token)
    return out


def _arguments(toks: list[Token]) -> list[list[Token]]:
    """The arguments between a call's brackets (``toks`` without them), split at its commas."""
    parts: list[list[Token]] = [[]]
    depth = 0
    for token in toks:
        if token.kind == "PUNCT" and token.text in _OPEN:
            depth += 1
        elif token.kind == "PUNCT" and token.text in _CLOSE:
            depth -= 1
        if depth == 0 and _punct(token, ","):
            parts.append([])
        else:
            parts[-1].append(token)
    return parts


def _is_boolean(expression: list[Token], known: set[str]) -> bool:
    if not expression:
        return False
    top = _top_level(expression)
    if any(t.kind == "PUNCT" and t.text in _RELATIONS for t in top) or any(
        _word(t, "IN") for t in top
    ):
        return True
    first = expression[0]
    if _punct(first, "!") or _word(first, "EXISTS") or _word(first, "NOT"):
        return True
    if len(expression) == 1:
        if first.kind == "VAR":
            return first.text[1:] in known
        return _word(first, "TRUE", "FALSE")
    if _punct(first, "(") and _closing(expression, 0) == len(expression) - 1:
        return _is_boolean(expression[1:-1], known)
    if first.kind == "WORD" and _punct(expression[1], "("):
        if _closing(expression, 1) != len(expression) - 1:
            return False  # a call and more: arithmetic or a cast of something else
        name = first.text.upper()
        arguments = _arguments(expression[2:-1])
        if name in _BOOLEAN_CALLS:
            return True
        if name == "IF" and len(arguments) == 3:
            return _is_boolean(arguments[1], known) and _is_boolean(arguments[2], known)
        if name == "COALESCE":
            return all(_is_boolean(argument, known) for argument in arguments)
        if name in _PASSING and len(arguments) == 1:
            argument = arguments[0]
            if argument and _word(argument[0], "DISTINCT"):
                argument = argument[1:]
            return _is_boolean(argument, known)
    return False


def _named_expressions(toks: list[Token]) -> list[tuple[str, list[Token]]]:
    """Every ``(expression AS ?v)``: the variable's name and the expression's tokens."""
    found = []
    for index, token in enumerate(toks):
        if not (
            _word(token, "AS")
            and index + 2 < len(toks)
            and toks[index + 1].kind == "VAR"
            and _punct(toks[index + 2], ")")
        ):
            continue
        depth = 0
        for start in range(index - 1, -1, -1):
            here = toks[start]
            if here.kind == "PUNCT" and here.text in _CLOSE:
                depth += 1
            elif here.kind == "PUNCT" and here.text in _OPEN:
                if depth == 0:
                    found.append((toks[index + 1].text[1:], toks[start + 1 : index]))
                    break
                depth -= 1
    return found


@lru_cache(maxsize=256)
def boolean_variables(query: str) -> frozenset[str]:
    """The names (without ``?``) of the variables the query binds to a boolean expression."""
    named = _named_expressions(list(tokens(query)))
    known: set[str] = set()
    changed = True
    while changed:  # a variable may be boolean because another one is
        changed = False
        for name, expression in named:
            if name not in known and _is_boolean(expression, known):
                known.add(name)
                changed = True
    return frozenset(known)
