"""One exception type for everything a user did wrong or an engine refused.

`%load_ext lazyscope` registers a handler that shows it as one line, without a
traceback: a data scientist sees the message, not our call stack.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Callable

__all__ = [
    "LazyscopeError",
    "add_rewriter",
    "interrupt_behind",
    "short_engine_message",
    "survived",
]

_log = logging.getLogger("lazyscope")
if not _log.handlers:
    # The kernel's own log (its stderr before ipykernel redirects it: the terminal or log
    # of the Jupyter server), not the cell: Python's fallback handler writes warnings to
    # sys.stderr, which in a kernel is the running cell's output.
    _handler = logging.StreamHandler(sys.__stderr__)
    _handler.setFormatter(logging.Formatter("[lazyscope %(levelname)s] %(message)s"))
    _log.addHandler(_handler)


class LazyscopeError(Exception):
    """A short, user-facing error; the kernel stays usable."""


_JAVA_FRAME = re.compile(r"^\s*(at |\.\.\. \d+ more|Caused by:|JVM stacktrace:)")
_PY4J_PREFIX = re.compile(r"^An error occurred while calling [\w.$]+\.\s*:\s*", re.M)


_rewriters: list[Callable[[str], str]] = []


def add_rewriter(rewrite: Callable[[str], str]) -> None:
    """An engine's way to put its error texts in the user's words (before lines are cut)."""
    if rewrite not in _rewriters:
        _rewriters.append(rewrite)


def short_engine_message(exc: BaseException, max_lines: int = 6) -> str:
    """The first lines of an engine error, without Java frames or py4j plumbing."""
    text = str(exc).strip() or type(exc).__name__
    text = _PY4J_PREFIX.sub("", text)
    for rewrite in _rewriters:
        text = rewrite(text)
    kept: list[str] = []
    for line in text.splitlines():
        if _JAVA_FRAME.match(line):
            break
        if line.strip():
            kept.append(line.rstrip())
        if len(kept) >= max_lines:
            break
    return "\n".join(kept)


def survived(what: str) -> None:
    """Log the exception being handled, one we chose to survive: never dropped silently,
    never in the user's cell. Call it from an `except` block."""
    _log.warning("%s", what, exc_info=True)


def interrupt_behind(exc: BaseException | None) -> KeyboardInterrupt | None:
    """The interrupt that raised `exc` or, through py4j, led to it.

    An interrupt landing while py4j waits for the JVM drops that connection; pyspark's
    clean-up call then fails with "Answer from Java side is empty", hiding the interrupt.
    """
    for _ in range(5):
        if isinstance(exc, KeyboardInterrupt):
            return exc
        if exc is None or not type(exc).__module__.startswith(("py4j", "pyspark")):
            return None
        exc = exc.__context__
    return None
