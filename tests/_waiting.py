"""Polling for what other threads or event loops settle a moment later."""

from __future__ import annotations

import time
from collections.abc import Callable

__all__ = ["wait_for"]


def wait_for(condition: Callable[[], bool], timeout: float, every: float = 0.02) -> bool:
    """Poll `condition` until it holds or `timeout` seconds pass; whether it came to hold."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() >= deadline:
            return False
        time.sleep(every)
    return True
