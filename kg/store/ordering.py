"""SPARQL's ORDER BY, applied to rows put together from several cases' kept rows
(:mod:`kg.store.results`): a query's final ORDER BY read from its tokens, and a sort that follows
SPARQL's order of terms."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pyoxigraph as ox

from kg.sparql.lexer import tokens

Cell = ox.NamedNode | ox.BlankNode | ox.Literal | None  # a value in a row: a term, or unbound
Row = tuple[Cell, ...]  # a row's values, in the order of its columns

_NUMERIC = {
    "http://www.w3.org/2001/XMLSchema#" + t
    for t in ("integer", "decimal", "double", "float", "long", "int", "nonNegativeInteger")
}
_BOOLEAN = "http://www.w3.org/2001/XMLSchema#boolean"


@dataclass(frozen=True)
class OrderKey:
    """One ORDER BY condition: a variable, whether it is asked as ``!BOUND(?v)``, descending."""

    variable: str
    not_bound: bool = False
    descending: bool = False


def order_keys(text: str) -> list[OrderKey] | None:
    """The query's final ORDER BY, read from its tokens, as keys this module can evaluate
    (``?v``, ``ASC(?v)``, ``DESC(?v)``, ``(!BOUND(?v))``); None when it has another form."""
    found = list(tokens(text))
    words = [t.text.upper() if t.kind == "WORD" else t.text for t in found]
    starts = [i for i in range(len(words) - 1) if words[i] == "ORDER" and words[i + 1] == "BY"]
    if not starts:
        return []
    rest, keys, i = words[starts[-1] + 2 :], [], 0
    kinds = [t.kind for t in found[starts[-1] + 2 :]]
    while i < len(rest):
        if kinds[i] == "VAR":
            keys.append(OrderKey(rest[i][1:]))
            i += 1
        elif rest[i] in ("ASC", "DESC") and rest[i + 1 : i + 2] == ["("] and i + 3 < len(rest):
            if kinds[i + 2] != "VAR" or rest[i + 3] != ")":
                return None
            keys.append(OrderKey(rest[i + 2][1:], descending=rest[i] == "DESC"))
            i += 4
        elif rest[i : i + 4] == ["(", "!", "BOUND", "("] and i + 6 < len(rest):
            if kinds[i + 4] != "VAR" or rest[i + 5 : i + 7] != [")", ")"]:
                return None
            keys.append(OrderKey(rest[i + 4][1:], not_bound=True))
            i += 7
        else:
            return None
    return keys


def rank(term: object) -> tuple:
    """A term's place in SPARQL's ORDER BY: unbound, blank nodes, IRIs, then literals, numbers
    by value, booleans false before true, dates and other literals by their lexical form."""
    if term is None:
        return (0,)
    if isinstance(term, ox.BlankNode):
        return (1, term.value)
    if isinstance(term, ox.NamedNode):
        return (2, term.value)
    assert isinstance(term, ox.Literal)
    datatype = term.datatype.value
    if datatype in _NUMERIC:
        return (3, 0, float(term.value), "")
    if datatype == _BOOLEAN:
        return (3, 1, float(term.value in ("true", "1")), "")
    return (3, 2, 0.0, datatype, term.value)


def sorted_rows(rows: list[Row], keys: Sequence[OrderKey], columns: Sequence[str]) -> list[Row]:
    """Rows (their values in the order of ``columns``) in the order of ``keys``, as far as they
    name columns: a stable sort, so the rows of one case keep the order the query gave them
    within that case. The rows are sorted once, by a tuple of whole numbers: each key's place
    of the row's term among the terms that key sees (negated for a descending key)."""
    usable: list[OrderKey] = []
    for key in keys:
        if key.variable not in columns:
            break
        usable.append(key)
    if not usable:
        return list(rows)
    places = [_places(rows, columns.index(key.variable), key) for key in usable]
    composite = places[0] if len(places) == 1 else list(zip(*places, strict=True))
    return [rows[i] for i in sorted(range(len(rows)), key=composite.__getitem__)]


def _places(rows: list[Row], at: int, key: OrderKey) -> list[int]:
    """Each row's place under one ORDER BY key (on the rows' value ``at``), as a whole
    number: 1 where it is unbound (else 0) for ``!BOUND``, or the place of its term's rank
    among the ranks of the terms the rows have (terms of equal rank share a place); negated
    when the key is descending."""
    values = [row[at] for row in rows]
    if key.not_bound:
        found = [int(value is None) for value in values]
    else:
        ranks = {value: rank(value) for value in set(values)}
        places: dict[object, int] = {}
        last, place = None, -1
        for value in sorted(ranks, key=ranks.__getitem__):
            if ranks[value] != last:
                last, place = ranks[value], place + 1
            places[value] = place
        found = list(map(places.__getitem__, values))
    return [-p for p in found] if key.descending else found
