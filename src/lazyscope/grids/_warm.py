"""Start-up costs paid once per process and overlapped with other work, never at import.

Importing Datashader and the widget stack takes seconds: a plot starts them in the
background (`local_imports`) while its engine computes. The engines warm their own workers
(in their plot back-ends).
"""

from __future__ import annotations

import importlib
import threading

__all__ = ["import_modules", "local_imports", "once"]

_lock = threading.Lock()
_seen: set[object] = set()


def once(key: object) -> bool:
    """True the first time `key` is seen in this process."""
    with _lock:
        if key in _seen:
            return False
        _seen.add(key)
        return True


def local_imports() -> None:
    """The kernel imports the shading and widget stack in a background thread."""
    if once("local"):
        modules = ("datashader.transfer_functions", "bokeh.plotting")
        threading.Thread(
            target=import_modules, args=modules, name="lazyscope-warm", daemon=True
        ).start()


def import_modules(*modules: str) -> None:
    for name in modules:
        importlib.import_module(name)
