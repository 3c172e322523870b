"""Name a cell's Spark work after the Python call that started it.

Spark names stages after the JVM call site of their job. PySpark passes a Python call
site for a few actions (collect, take, toPandas), not for show(), count(), writes or
MLlib, which Spark 4 calls `showString at NativeMethodAccessorImpl.java:0`,
`$anonfun$withThreadLocalCaptured$1 at CompletableFuture.java:1768` or `treeAggregate at
RDDLossFunction.scala:61`: nothing a user wrote. `call_site` reads the user's call from
the Python stack ("show at cell line 3", "LogisticRegression.fit at cell line 5"), and
`CallSites` hands it to a classic session's JVM before each py4j call of the cell's
thread, as PySpark's own `SCCallSiteSync` does for collect(); the JVM property is
per thread and Spark's SQL threads inherit it. A call site set by anyone else (PySpark,
the user, lazyscope's plots) is left alone until they clear it.
"""

from __future__ import annotations

import os
import sys
import threading
from types import FrameType
from typing import Any

from lazyscope.model import is_cell_file

__all__ = ["CallSites", "call_site"]

# Frames of these packages are library code; the first frame outside them is the user's.
_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep  # lazyscope's
_LIBRARIES = (os.sep + "pyspark" + os.sep, os.sep + "py4j" + os.sep, _PACKAGE)
_ML = (os.sep + "pyspark" + os.sep + "ml" + os.sep, os.sep + "pyspark" + os.sep + "mllib" + os.sep)
_SHORT = "callSite.short"


def call_site(frame: FrameType | None) -> str | None:
    """ "show at cell line 2", "StringIndexer.fit in Pipeline.fit at cell line 4": the
    library call the user made and, for MLlib, the estimator that is running."""
    method = ""
    ml: list[str] = []  # MLlib public calls, innermost first
    while frame is not None:
        filename = frame.f_code.co_filename
        if not any(lib in filename for lib in _LIBRARIES):
            break
        code = frame.f_code
        public = not code.co_name.startswith("_")
        if public and "<locals>" not in getattr(code, "co_qualname", ""):  # not a decorator's
            method = code.co_name
            owner = frame.f_locals.get("self") if any(p in filename for p in _ML) else None
            if owner is not None:
                ml.append(f"{type(owner).__name__}.{code.co_name}")
        frame = frame.f_back
    if frame is None or not method:
        return None
    filename = frame.f_code.co_filename
    place = (
        f"cell line {frame.f_lineno}"
        if is_cell_file(filename)
        else f"{os.path.basename(filename)}:{frame.f_lineno}"
    )
    if ml:
        method = ml[-1] if len(ml) == 1 or ml[0] == ml[-1] else f"{ml[0]} in {ml[-1]}"
    return f"{method} at {place}"


class _Thread:
    """What the JVM thread behind one Python thread has as its call site."""

    def __init__(self, jsc: Any, external: bool) -> None:
        self.jsc = jsc
        self.current: str | None = None  # what we set
        self.external = external  # someone else's call site is in force
        self.busy = False


class CallSites:
    """While open, the py4j calls of the thread that opened it carry the user's call site.

    One wrapper around the gateway client's `send_command` serves every open instance
    (one per thread); it is removed when the last one closes.
    """

    _lock = threading.Lock()
    _threads: dict[int, _Thread] = {}
    _wrapped: dict[int, Any] = {}  # id(gateway client) -> its own send_command

    def __init__(self, sc: Any) -> None:
        self._client = sc._gateway._gateway_client
        self._thread = threading.get_ident()
        preset = sc._jsc.sc().getLocalProperty(_SHORT) is not None  # the user's own
        state = _Thread(sc._jsc, external=preset)
        with self._lock:
            self._threads[self._thread] = state
            if id(self._client) not in self._wrapped:
                self._wrapped[id(self._client)] = self._client.send_command
                self._client.send_command = _wrapper(self._client.send_command)

    def close(self) -> None:
        with self._lock:
            state = self._threads.pop(self._thread, None)
            if not self._threads and id(self._client) in self._wrapped:
                del self._wrapped[id(self._client)]
                del self._client.send_command  # the class's method again
        if state is not None and state.current is not None and not state.external:
            state.jsc.setCallSite(None)  # later jobs outside the view name themselves


def _wrapper(send: Any) -> Any:
    def send_command(command: str, *args: Any, **kwargs: Any) -> Any:
        state = CallSites._threads.get(threading.get_ident())
        if state is not None and not state.busy and command.startswith("c\n"):
            try:
                _before(state, command)
            except Exception:  # naming is a bonus: the user's call must go through
                state.current = None
        return send(command, *args, **kwargs)

    return send_command


def _before(state: _Thread, command: str) -> None:
    parts = command.split("\n", 5)
    method, args = parts[2], parts[3:]
    if method == "setCallSite":
        state.external, state.current = args[0] != "n", None  # "n": a null, cleared
        return
    if method == "setLocalProperty" and args[0] == "s" + _SHORT:
        state.external, state.current = args[1] != "n", None
        return
    if state.external:
        return
    site = call_site(sys._getframe(2))  # above _before and the wrapper
    if site is None or site == state.current:
        return
    state.busy = True
    try:
        state.jsc.setCallSite(site)
        state.current = site
    finally:
        state.busy = False
