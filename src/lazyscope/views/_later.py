"""Actions due some seconds from now, run by one daemon thread for the whole kernel.

A finished progress widget keeps its comm a while (a Cancel click queued behind the cell is
still handled); a `threading.Timer` per cell was a thread per cell, so a kernel running a
cell a second held 30 sleeping threads (1,000 quick cells: 35 -> 90 threads)."""

from __future__ import annotations

import contextlib
import heapq
import itertools
import threading
import time
from collections.abc import Callable

__all__ = ["run_later"]

_due: list[tuple[float, int, Callable[[], object]]] = []
_order = itertools.count()  # equal times keep their order; actions never get compared
_changed = threading.Condition()
_thread: threading.Thread | None = None


def run_later(seconds: float, action: Callable[[], object]) -> None:
    """Run ``action`` in about ``seconds``, on the one thread (started the first time)."""
    global _thread
    with _changed:
        heapq.heappush(_due, (time.monotonic() + seconds, next(_order), action))
        if _thread is None or not _thread.is_alive():
            _thread = threading.Thread(target=_run, name="lazyscope-later", daemon=True)
            _thread.start()
        _changed.notify()


def _run() -> None:
    while True:
        with _changed:
            while not _due or _due[0][0] > time.monotonic():
                _changed.wait(_due[0][0] - time.monotonic() if _due else None)
            action = heapq.heappop(_due)[2]
        # A late close of something already gone must not end the thread for the others.
        with contextlib.suppress(Exception):
            action()
