"""Python's cycle collector, paused while many rows are made at once.

A cross-city answer read from the kept rows (:mod:`kg.store.results`) makes hundreds of thousands
of rows and RDF terms in a second, and none of them refer back to each other: reference counting
frees them all. Left running, the cycle collector walks every row made so far each time enough
have been made, again and again; at 10,000 cities that was a fifth of question 18's time and a
quarter of question 20's as whole commands (the README's figures).
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_pauses = 0  # how many pauses are under way (threads of the server may overlap)
_was_enabled = True  # whether the collector ran when the first of them began


@contextmanager
def collector_paused() -> Iterator[None]:
    """No cycle collection inside the block (unless forced with :func:`gc.collect`); once the
    last of overlapping pauses ends, the collector runs as it did before the first. Nothing is
    lost: cyclic garbage made meanwhile is collected afterwards."""
    global _pauses, _was_enabled
    with _lock:
        if _pauses == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _pauses += 1
    try:
        yield
    finally:
        with _lock:
            _pauses -= 1
            if _pauses == 0 and _was_enabled:
                gc.enable()
