"""Case names: what a case's short name is, when two names are the same name, and which IRIs
cannot name a case at all. The rules are here; the store (:meth:`kg.store.CaseStore.check_names`)
enforces them on every write that brings a case in, and the readers (:mod:`kg.rdf.read`) use them
to refuse a bad name before anything is validated.

**The short name** (:func:`case_id`) of a case is the last segment of its IRI's path: the IRI
without its query (``?…``) and fragment (``#…``), trailing slashes removed, after the last
``/``. ``https://w3id.org/dataflywheel/case/hangzhou``, ``…/hangzhou/`` and ``…/hangzhou#v2`` all
go by ``hangzhou``; an IRI with no path goes by its host (``https://hangzhou/`` → ``hangzhou``).
``/cases/{id}``, ``/compare?case=`` and the command line find a case by it.

**One case, one name.** A store gives each short name to one case IRI. Two short names are the
same name when they are equal after percent-decoding (repeated: ``%2568`` is ``%68`` is ``h``),
Unicode NFKC normalisation and case folding, with invisible characters dropped
(:func:`name_key`): ``hangzhou``, ``Hangzhou``, ``HANGZHOU``, ``%68angzhou`` and the full-width
``ｈａｎｇｚｈｏｕ`` are one name. Replacing a case under the same IRI keeps its name.

**IRIs that cannot name a case** (:func:`case_iri_problem`):

* an IRI holding an invisible or control character, written as it is or percent-encoded:
  Unicode categories Cc (controls), Cf (format: bidi controls, zero-width characters, the byte
  order mark, …), Zs/Zl/Zp but the plain space, which shows as a gap (no-break and
  ideographic spaces, line and paragraph separators), Co (private use), Cs (surrogates) and
  Cn (unassigned), the characters Unicode calls default-ignorable (Hangul fillers, variation
  selectors, the combining grapheme joiner, tags, …) and U+2800 BRAILLE PATTERN BLANK;
* a short name that mixes letters of Latin, Greek, Cyrillic or another alphabet whose letters
  look alike (``hangzhou`` written with a Cyrillic ``a``, U+0430): one name would pass for
  another. A name written wholly in another alphabet is a name of its own, even where it
  looks like a Latin one (Unicode's confusable skeletons are not applied);
* flywheel's own graph names and what lies under them (:data:`RESERVED`): the catalog, the
  ontology IRI with its version IRI and its terms, and the shapes graph. They are compared
  ignoring letter case, ``http``/``https``, a default port, percent-encoding and a trailing
  ``/``, ``#`` or ``?``.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from urllib.parse import unquote

from kg.vocab import RESERVED

# Unicode's Default_Ignorable_Code_Point (DerivedCoreProperties.txt): characters that render as
# nothing. Those of category Cf or Cn are refused by category as well.
_IGNORABLE = (
    (0x00AD, 0x00AD),
    (0x034F, 0x034F),
    (0x061C, 0x061C),
    (0x115F, 0x1160),
    (0x17B4, 0x17B5),
    (0x180B, 0x180F),
    (0x200B, 0x200F),
    (0x202A, 0x202E),
    (0x2060, 0x206F),
    (0x3164, 0x3164),
    (0xFE00, 0xFE0F),
    (0xFEFF, 0xFEFF),
    (0xFFA0, 0xFFA0),
    (0xFFF0, 0xFFF8),
    (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A),
    (0xE0000, 0xE0FFF),
)
_BLANK = (0x2800, 0x2800)  # BRAILLE PATTERN BLANK: a letter-like symbol that shows nothing
_IGNORABLE_SET = frozenset(c for low, high in (*_IGNORABLE, _BLANK) for c in range(low, high + 1))
_INVISIBLE_CATEGORIES = {"Cc", "Cf", "Co", "Cs", "Cn", "Zs", "Zl", "Zp"}
# Alphabets with letters that look like Latin letters (and like each other's).
_LOOKALIKE_SCRIPTS = ("LATIN", "GREEK", "CYRILLIC", "ARMENIAN", "CHEROKEE", "COPTIC", "GEORGIAN")


def is_invisible(char: str) -> bool:
    """Whether a character shows nothing, or something that passes for nothing (see the module
    docstring for the list). The plain space is not counted: it shows as a gap (and an IRI
    cannot hold one unless percent-encoded)."""
    code = ord(char)
    if 0x20 <= code < 0x7F:  # printable ASCII, the space included
        return False
    return code in _IGNORABLE_SET or unicodedata.category(char) in _INVISIBLE_CATEGORIES


def describe(char: str) -> str:
    """A character by code point and name: ``U+202E RIGHT-TO-LEFT OVERRIDE``."""
    name = unicodedata.name(char, "")
    if not name:
        category = unicodedata.category(char)
        name = {
            "Cc": "a control character",
            "Co": "a private-use character",
            "Cs": "a surrogate",
            "Cn": "an unassigned code point",
        }.get(category, f"category {category}")
        return f"U+{ord(char):04X} ({name})"
    return f"U+{ord(char):04X} {name}"


def shown(text: str) -> str:
    """Text safe to print: every invisible character written as its escape (``\\u202e``), so
    that a message about a bidi override does not itself reverse the line it is printed in."""
    return "".join(
        (f"\\u{ord(c):04x}" if ord(c) <= 0xFFFF else f"\\U{ord(c):08x}") if is_invisible(c) else c
        for c in text
    )


def case_id(iri: str) -> str:
    """The short name a case goes by (``hangzhou``): the last segment of its IRI's path, without
    query, fragment or trailing slashes (see the module docstring)."""
    return iri.split("#", 1)[0].split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]


def _decoded(text: str) -> str:
    """Percent-decoded until nothing changes (at most a few rounds)."""
    for _ in range(5):
        decoded = unquote(text, errors="replace")
        if decoded == text:
            break
        text = decoded
    return text


@lru_cache(maxsize=1 << 16)  # every write compares with every name in the store
def name_key(name: str) -> str:
    """The form in which two short names are compared: percent-decoded, NFKC-normalised, case
    folded, invisible characters dropped, and cut to its last segment again (a decoded ``%2F``
    or a full-width ``／`` is a slash). Equal keys mean the same name."""
    if name.isascii() and name.isprintable() and "%" not in name:  # the same, quicker
        text = name.lower().strip()
        return case_id(text) or text
    text = name
    for _ in range(5):
        folded = _decoded(text)
        folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", folded).casefold())
        folded = "".join(c for c in folded if not is_invisible(c)).strip()
        folded = case_id(folded) or folded
        if folded == text:
            break
        text = folded
    return text


# scheme, user information, host (a trailing dot dropped) and a default port
_AUTHORITY = re.compile(
    r"^(?:https?:)?//(?:[^/?#@]*@)?(?P<host>[^/?#:]*?)\.?(?::(?:80|443)?)?(?=[/?#]|$)"
)


def _iri_key(iri: str) -> str:
    """An IRI as flywheel's own names are compared: decoded, NFKC, case folded, invisible
    characters dropped, ``http``/``https``, user information, a default port and a trailing dot
    after the host ignored, no trailing ``/``, ``#`` or ``?``."""
    text = unicodedata.normalize("NFKC", _decoded(iri)).casefold()
    text = "".join(c for c in text if not is_invisible(c))
    authority = _AUTHORITY.match(text)
    if authority:
        text = authority.group("host") + text[authority.end() :]
    return text.rstrip("/#?")


_RESERVED_KEYS = {_iri_key(iri): (iri, what) for iri, what in RESERVED.items()}


def reserved(iri: str) -> str | None:
    """What flywheel keeps under this IRI when it is one of its own graph names or lies under
    one (``…/ontology/0.1.0``, ``…/ontology#Actor``); None for any other IRI."""
    key = _iri_key(iri)
    for reserved_key, (name, what) in _RESERVED_KEYS.items():
        if key == reserved_key or key.startswith(tuple(reserved_key + c for c in "/#?")):
            return what if key == reserved_key else f"under {what} <{name}>"
    return None


def _scripts(name: str) -> dict[str, str]:
    """The look-alike alphabets whose letters a name uses, each with its first such letter."""
    found: dict[str, str] = {}
    for char in unicodedata.normalize("NFKC", name):
        if not unicodedata.category(char).startswith("L"):
            continue
        script = unicodedata.name(char, "").split(" ", 1)[0]
        if script in _LOOKALIKE_SCRIPTS:
            found.setdefault(script, char)
    return found


def case_iri_problem(iri: str) -> str | None:
    """Why this IRI cannot name a case (invisible characters, look-alike letters of two
    alphabets in its short name, one of flywheel's own names), or None when it can."""
    hidden = [c for c in dict.fromkeys(iri) if is_invisible(c)]
    encoded = [c for c in dict.fromkeys(_decoded(iri)) if is_invisible(c) and c not in hidden]
    if hidden or encoded:
        names = [describe(c) for c in hidden] + [
            f"{describe(c)} (percent-encoded)" for c in encoded
        ]
        return (
            f"the case IRI <{shown(iri)}> contains {', '.join(names)}: a character that does "
            "not show, or shows as something else, would let one IRI pass for another; write "
            "the case's IRI in visible characters"
        )
    scripts = _scripts(_decoded(case_id(iri)))
    if len(scripts) > 1:
        letters = ", ".join(f"{script.lower()} {describe(c)}" for script, c in scripts.items())
        return (
            f"the case IRI <{iri}> has a short name '{case_id(iri)}' that mixes letters of "
            f"several alphabets ({letters}): letters that look alike would let one name pass "
            "for another; write the name in one alphabet"
        )
    what = reserved(iri)
    if what is not None:
        return (
            f"the graph name <{iri}> is reserved: it is {what}, which flywheel keeps for "
            "itself; a case cannot be stored under it (name the case with an IRI of its own, "
            "such as <https://w3id.org/dataflywheel/case/my-city>)"
        )
    return None
