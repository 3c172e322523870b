"""Sessions that kernels announced in the Jupyter runtime directory.

The kernel side (``lazyscope._announce``) writes one ``lazyscope-kernel-*.json``
per kernel. A file is only a claim, and the proxy acts on it, so it counts only when
its kernel id is a kernel of this server, its writer process is alive and older than
the file (a kernel that crashed cannot remove its file, and its pid may be reused), and
a session's dashboard is kept only where ``checked_dashboard`` allows it (an http(s)
URL on the host of the session's own address). Plain functions, no tornado: the HTTP
layer stays a thin wrapper and this logic is testable on its own.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Container
from pathlib import Path
from typing import Any

import psutil

from lazyscope._clusters import checked_dashboard

__all__ = ["ENGINES", "PATTERN", "announced_sessions", "read_announcement"]

log = logging.getLogger(__name__)

PATTERN = "lazyscope-kernel-*.json"
ENGINES = frozenset({"spark", "spark-connect", "dask"})


def _runtime_dir() -> Path:
    # Resolved per call, not at import: kernels inherit the server's environment,
    # and JUPYTER_RUNTIME_DIR may change after import (tests, nested servers).
    from jupyter_core.paths import jupyter_runtime_dir

    return Path(jupyter_runtime_dir())


def _writer_alive(pid: int, written_at: float) -> bool:
    """Is the process that wrote a file at ``written_at`` still running?

    A bare pid check is not enough: after a crash the pid can be reused by an
    unrelated process, which would then have started *after* the file was written.
    """
    try:
        proc = psutil.Process(pid)
        if proc.status() == psutil.STATUS_ZOMBIE:
            return False
        # 1 s of slack: create_time and mtime come from different clocks/rounding.
        return bool(proc.create_time() <= written_at + 1.0)
    except (psutil.NoSuchProcess, psutil.AccessDenied, ValueError):
        # AccessDenied: not our process, hence not a kernel of this server.
        return False


def _valid_session(session: Any) -> bool:
    return (
        isinstance(session, dict)
        and isinstance(session.get("id"), str)
        and session.get("engine") in ENGINES
    )


# Refusals already logged: the panel lists every few seconds, the log says it once.
_refused: set[tuple[str, str, str]] = set()


def _with_checked_dashboard(session: dict[str, Any], path: Path, logger: Any) -> dict[str, Any]:
    dashboard = session.get("dashboard")
    checked = checked_dashboard(session["engine"], session.get("address"), dashboard)
    key = (path.name, session["id"], repr(dashboard))
    if dashboard is not None and checked is None and key not in _refused:
        _refused.add(key)
        logger.warning(
            "lazyscope: session %s announced in %s has a dashboard %r that is not an "
            "http(s) URL on the host of its address %r; it is listed without a dashboard",
            session["id"], path.name, dashboard, session.get("address"),
        )  # fmt: skip
    return {**session, "dashboard": checked}


def read_announcement(
    path: Path, kernel_ids: Container[str], logger: Any = log
) -> list[dict[str, Any]]:
    """The sessions of one announcement file, each with ``kernel_id``, ``pid`` and
    ``source`` added; ``[]`` for a corrupt, unreadable or stale file, or one whose kernel
    id is not in ``kernel_ids`` (the kernels of this server)."""
    try:
        written_at = path.stat().st_mtime
        payload = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        # The file may vanish between glob and read (kernel stopped): not an error.
        log.debug("lazyscope: ignoring unreadable announcement %s: %s", path, exc)
        return []
    if not isinstance(payload, dict):
        return []
    pid, kernel_id, sessions = payload.get("pid"), payload.get("kernel_id"), payload.get("sessions")
    if (
        not isinstance(pid, int)
        or isinstance(pid, bool)
        or not isinstance(kernel_id, str)
        or not isinstance(sessions, list)
    ):
        log.debug("lazyscope: ignoring malformed announcement %s", path)
        return []
    # Plain IPython and kernels of other servers share the runtime dir: not ours to list.
    if kernel_id not in kernel_ids or not _writer_alive(pid, written_at):
        return []
    # Unknown keys pass through, so new kernel-side fields reach the lab unchanged.
    return [
        {**_with_checked_dashboard(s, path, logger), "kernel_id": kernel_id, "pid": pid,
         "source": "kernel"}
        for s in sessions
        if _valid_session(s)
    ]  # fmt: skip


def announced_sessions(
    kernel_ids: Container[str], runtime_dir: Path | None = None, logger: Any = log
) -> list[dict[str, Any]]:
    """Every session announced by a live kernel of this server, oldest first."""
    folder = _runtime_dir() if runtime_dir is None else runtime_dir
    sessions = [
        s
        for path in sorted(folder.glob(PATTERN))
        for s in read_announcement(path, kernel_ids, logger)
    ]
    sessions.sort(key=lambda s: (_started(s), s["id"]))
    return sessions


def _started(session: dict[str, Any]) -> float:
    started = session.get("started")
    return float(started) if isinstance(started, int | float) else 0.0
