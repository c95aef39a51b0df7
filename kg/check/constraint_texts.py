"""pySHACL's check of a SHACL-SPARQL constraint's text, made once per text and not once per
focus node.

Before it runs a SPARQL-based constraint for a focus node, pySHACL 0.40 checks the constraint's
text with regular expressions (no MINUS, VALUES or SERVICE; the pre-bound variables selected by a
nested SELECT; none of them bound again with AS). The answer depends only on the text, on whether
a value node is bound and on the extra pre-bound variables, not on the focus node; but it is
checked again for every focus node, and the expressions take time that grows with the square of
the text's lines. For a synthetic city (about 280 checks of the same few texts) that was about a
quarter of its validation. :func:`check_each_text_once` makes pySHACL remember each text that
passed, in this process; a text that fails is checked, and refused, every time, as before.
"""

from __future__ import annotations

import functools
import inspect
import threading
from collections.abc import Callable, Iterable
from typing import Any

from pyshacl.helper.sparql_query_helper import SPARQLQueryHelper

# the check as pySHACL 0.40 defines it: (self, sparql_text, valuenode=None, extravars=None)
_PARAMETERS = ["self", "sparql_text", "valuenode", "extravars"]

_passed: set[tuple[str, bool, frozenset[str]]] = set()
_lock = threading.Lock()


def check_each_text_once() -> bool:
    """Make pySHACL check each SPARQL constraint's text once per process (see the module's
    docstring). True once done (doing it again changes nothing); False, and pySHACL left as it
    is, when its check does not have the parameters this was written for (another version)."""
    with _lock:
        current = SPARQLQueryHelper.check_invalid_sparql
        if getattr(current, "checks_each_text_once", False):
            return True
        if list(inspect.signature(current).parameters) != _PARAMETERS:
            return False
        SPARQLQueryHelper.check_invalid_sparql = _once(current)  # type: ignore[method-assign]
        return True


def _once(check: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(check)  # pySHACL's own check stays reachable as __wrapped__
    def check_once(
        self: SPARQLQueryHelper,
        sparql_text: str,
        valuenode: object = None,
        extravars: Iterable[str] | None = None,
    ) -> Any:
        key = (sparql_text, valuenode is not None, frozenset(extravars or ()))
        if key in _passed:
            return True
        result = check(self, sparql_text, valuenode=valuenode, extravars=extravars)
        _passed.add(key)  # reached only when the check raised nothing
        return result

    check_once.checks_each_text_once = True  # type: ignore[attr-defined]
    return check_once
