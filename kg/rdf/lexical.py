"""The lexical forms flywheel accepts for values typed by people (named-query parameters,
workbook cells): one definition each, used everywhere.

An IRI is checked by pyoxigraph's IRI parser (RFC 3987) after a stricter look at its characters:
no white space of any script (U+3000 included: a typing slip, never meant) and no control or
format character anywhere, though RFC 3987 allows some of them.
"""

from __future__ import annotations

import re
import unicodedata

import pyoxigraph as ox

__all__ = ["DAY", "DECIMAL", "INTEGER", "MONTH", "YEAR", "is_absolute_iri"]

DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")  # YYYY-MM-DD (is it a real day: datetime says)
MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
YEAR = re.compile(r"^\d{4}$")
INTEGER = re.compile(r"^[+-]?\d+$")
DECIMAL = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$")  # a whole number is a decimal too
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")


def is_absolute_iri(text: str) -> bool:
    """Whether the text is an absolute IRI (a scheme, then what RFC 3987 allows), with no white
    space, control or format character in it."""
    if not _SCHEME.match(text):
        return False
    if any(c.isspace() or unicodedata.category(c) in ("Cc", "Cf") for c in text):
        return False
    try:
        ox.NamedNode(text)
    except ValueError:
        return False
    return True
