"""The kernel's running sessions, one per engine (by its package's NAME), behind one
interface, and the engine packages (`packages()`, found through entry points).

Magics and views call these plain functions; what an engine does is its package's.
"""

from __future__ import annotations

import atexit
import contextlib
from typing import Any

from lazyscope._announce import write_announcement
from lazyscope._engine_packages import (
    package_for,
    package_named,
    packages,
    register_package,
    title,
    unregister_package,
)
from lazyscope._errors import LazyscopeError, survived
from lazyscope._sessions import Engine, EnginePackage, SessionInfo, _sessions, current

__all__ = [
    "Engine",
    "EnginePackage",
    "SessionInfo",
    "check",
    "current",
    "package_for",
    "package_named",
    "packages",
    "register",
    "register_package",
    "stop",
    "stop_all",
    "title",
    "unregister_package",
]


def register(engine: Engine) -> Engine:
    """Make `engine` the kernel's running session of its engine (and announce it)."""
    _sessions[engine.name] = engine
    _announce()
    # atexit runs handlers last-in first-out: re-registering after the engine's own
    # imports makes ours run first, before the kernel manager loses patience.
    atexit.unregister(stop_all)
    atexit.register(stop_all)
    return engine


def _announce() -> None:
    with contextlib.suppress(OSError):  # a read-only runtime dir must not break a session
        write_announcement([e.info.to_json() for e in _sessions.values()])


def check(obj: Any) -> None:
    """Refuse, in one paragraph, an object of a session that has stopped (each engine
    knows its own); anything else passes."""
    for package in packages():
        package.check(obj)


def stop(name: str, *, at_exit: bool = False) -> SessionInfo:
    """Stop the session of `name`. At the kernel's exit, an engine with a `leave` method
    (a session of a kept cluster that outlives the kernel) is left that way."""
    engine = _sessions.pop(name, None)
    if engine is None:
        raise LazyscopeError(f"No {title(name)} session is running in this kernel.")
    try:
        leave = getattr(engine, "leave", None) if at_exit else None
        (leave or engine.stop)()
    finally:
        _announce()
    return engine.info


def stop_all() -> None:
    """Stop every session we started (the kernel is exiting)."""
    # Withdraw first: stopping an engine's runtime can outlast the kernel manager's patience.
    with contextlib.suppress(OSError):
        write_announcement([])
    for name in list(_sessions):
        try:
            stop(name, at_exit=True)
        except Exception:  # the kernel exits anyway; the other sessions must still stop
            survived(f"stopping the {name} session failed")
