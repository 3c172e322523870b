"""What the magics do for every engine, as plain functions of plain arguments (no parsing
here): keep one session per engine, show its status, stop it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from . import engines
from ._errors import LazyscopeError
from .views.status import StatusView

__all__ = ["ensure", "session_status", "stop_session"]


def ensure(
    name: str, wanted: dict[str, Any], restart: bool, start: Callable[[], engines.Engine]
) -> engines.Engine:
    """The running session of `name`, or `start()`'s (registered as the kernel's); a running
    one that differs from what `wanted` asks for explicitly is refused."""
    engine = engines.current(name)
    if engine is not None and restart:
        engines.stop(name)
        engine = None
    if engine is None:
        return engines.register(start())
    conflicts = engine.conflicts(wanted)
    if conflicts:
        raise LazyscopeError(
            f"A {engines.title(name)} session is already running, and this asks for something "
            "else: "
            + "; ".join(conflicts)
            + ". Add --restart to replace it, or run %"
            + f"{name} stop first."
        )
    return engine


def session_status(name: str) -> StatusView:
    engine = engines.current(name)
    if engine is None:
        hint = engines.package_named(name).STATUS.start
        raise LazyscopeError(f"No {engines.title(name)} session is running. Start one with {hint}.")
    return StatusView(engine.status())


def stop_session(name: str, user_ns: dict[str, Any]) -> str:
    engine = engines.current(name)
    names = engine.namespace() if engine is not None else {}
    info = engines.stop(name)
    for var, value in names.items():  # drop the session's names only if they are still ours
        if user_ns.get(var) is value:
            del user_ns[var]
    return info.stopped()
