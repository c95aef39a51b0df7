"""Process pools whose workers end with the process that started them.

A :class:`concurrent.futures.ProcessPoolExecutor`'s workers wait for work on a queue whose pipe
each of them also holds open for writing, so when the process that started them is killed
(SIGKILL, the out-of-memory killer) they never see it end, and wait for ever: measured, a
``flywheel load`` killed part way through left its two validation workers behind. Each worker
of flywheel's pools therefore watches its parent and ends when it does.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from multiprocessing.connection import wait

# the exit code of a worker whose parent ended (as a process killed by SIGHUP would say)
ORPHANED = 129


def end_with_parent() -> None:
    """In a pool worker (call it from the pool's initializer): end this process as soon as the
    process that started it ends. Does nothing in a process that was not started by
    :mod:`multiprocessing`."""
    parent = multiprocessing.parent_process()
    if parent is None or parent.sentinel is None:
        return
    sentinel = parent.sentinel

    def watch() -> None:
        wait([sentinel])  # ready only when the parent has ended
        os._exit(ORPHANED)

    threading.Thread(target=watch, name="end-with-parent", daemon=True).start()
