"""One exception type for everything a user did wrong or an engine refused.

`%load_ext lazyscope` registers a handler that shows it as one line, without a
traceback: a data scientist sees the message, not our call stack.
"""

from __future__ import annotations

import logging
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


_rewriters: list[Callable[[str], str]] = []
_carriers: list[str] = []  # modules whose errors may stand for an interrupt


def add_rewriter(rewrite: Callable[[str], str]) -> None:
    """An engine's way to put its error texts in the user's words, its plumbing and stack
    frames cut (before lines are counted)."""
    if rewrite not in _rewriters:
        _rewriters.append(rewrite)


def add_interrupt_carrier(*modules: str) -> None:
    """An engine's libraries (module prefixes) whose errors may be what an interrupt left
    behind: a connection to the engine that the interrupt dropped (`interrupt_behind`)."""
    _carriers.extend(m for m in modules if m not in _carriers)


def short_engine_message(exc: BaseException, max_lines: int = 6) -> str:
    """The first lines of an engine error, in the user's words: each engine's rewriter
    (`add_rewriter`) drops its own plumbing and stack frames."""
    text = str(exc).strip() or type(exc).__name__
    for rewrite in _rewriters:
        text = rewrite(text)
    kept: list[str] = []
    for line in text.splitlines():
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
    """The interrupt that raised `exc` or, through an engine's library, led to it.

    An interrupt landing while an engine's client waits for its server can drop that
    connection; the client's clean-up call then fails with an error of its own, hiding
    the interrupt. The engines name their libraries (`add_interrupt_carrier`).
    """
    for _ in range(5):
        if isinstance(exc, KeyboardInterrupt):
            return exc
        if exc is None or not type(exc).__module__.startswith(tuple(_carriers)):
            return None
        exc = exc.__context__
    return None
