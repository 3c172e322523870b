"""Where Spark applications keep their event logs, so that one stays inspectable after it
ended (`%spark stop`, a kernel restart, a dead kernel): the Jupyter server's History Server
(`spark/_history`) reads this folder.

One folder per user, in the user's Jupyter data directory (the runtime directory may be
memory, and is emptied at logout): ``<data dir>/lazyscope/spark-events``, private (mode
700), shared by the user's kernels and their server (the same user, the same
``JUPYTER_DATA_DIR``). Bounded: logs are compressed (zstd), and every session start
prunes the oldest applications beyond ``KEEP_APPS`` or ``KEEP_BYTES`` in all. A log still
being written (``.inprogress``) is pruned only once it has not changed for
``STALE_SECONDS``: its driver may still run, in another kernel. Each application's log
is a folder of rolling files (``eventlog_v2_<app id>/``) of at most 32 MiB each.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import time
from pathlib import Path

__all__ = ["KEEP_APPS", "KEEP_BYTES", "folder", "prune", "session_conf"]

KEEP_APPS = 30
KEEP_BYTES = 256 * 2**20
STALE_SECONDS = 24 * 3600
_INPROGRESS = ".inprogress"


def folder() -> Path:
    """This user's event log folder (not created here)."""
    from jupyter_core.paths import jupyter_data_dir

    return Path(jupyter_data_dir()) / "lazyscope" / "spark-events"


def _ensure(events: Path) -> Path:
    events.mkdir(parents=True, exist_ok=True)
    for path in (events.parent, events):  # the user's alone, whatever the umask
        if stat.S_IMODE(path.stat().st_mode) != 0o700:
            path.chmod(0o700)
    return events


def session_conf() -> dict[str, str]:
    """The event log settings of a session whose driver runs here (local, standalone
    client mode), after pruning the folder. A user's own ``spark.eventLog.*`` settings
    are merged over these by the caller, key by key."""
    events = _ensure(folder())
    prune(events)
    return {
        "spark.eventLog.enabled": "true",
        "spark.eventLog.dir": events.as_uri(),
        "spark.eventLog.compress": "true",
        # Spark 4's default, said here: a folder per application, in files of at most this.
        "spark.eventLog.rolling.enabled": "true",
        "spark.eventLog.rolling.maxFileSize": "32m",
    }


def _facts(path: Path) -> tuple[float, int, bool]:
    """(last written, bytes, still being written) of one application's log: a rolling log
    (Spark 4's default) is a folder ``eventlog_v2_<app id>`` of ``events_<n>_<app id>``
    files beside ``appstatus_<app id>[.inprogress]``; an older one a single file."""
    files = [p for p in path.iterdir() if p.is_file()] if path.is_dir() else [path]
    stats = [p.stat() for p in files] or [path.stat()]
    inprogress = any(p.name.endswith(_INPROGRESS) for p in files)
    return max(s.st_mtime for s in stats), sum(s.st_size for s in stats), inprogress


def prune(
    events: Path, keep_apps: int = KEEP_APPS, keep_bytes: int = KEEP_BYTES,
    now: float | None = None,
) -> list[Path]:  # fmt: skip
    """Delete the oldest application logs beyond ``keep_apps`` applications or
    ``keep_bytes`` in all; return what went. Recent ``.inprogress`` logs stay."""
    now = time.time() if now is None else now
    entries = []
    for path in events.iterdir():
        if path.name.startswith("."):
            continue  # Spark's own temporary files (".<name>.crc" and the like)
        try:
            entries.append((*_facts(path), path))
        except OSError:  # renamed by its writer meanwhile (.inprogress at stop)
            continue
    entries.sort(reverse=True)  # newest first
    removed: list[Path] = []
    kept_apps = kept_bytes = 0
    full = False  # once one does not fit, every older one goes too
    for mtime, size, inprogress, path in entries:
        live = inprogress and now - mtime < STALE_SECONDS
        full = full or kept_apps >= keep_apps or kept_bytes + size > keep_bytes
        if live or not full:
            kept_apps, kept_bytes = kept_apps + 1, kept_bytes + size
            continue
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path)
        removed.append(path)
    return removed
