"""Temporary folders named after the process that owns them, so that a later process can
remove those of owners that died without running their exit handlers (a killed kernel or
server). Used by kernels (engine logs) and by the server (its clusters' files)."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

__all__ = ["new_folder", "sweep"]


def new_folder(prefix: str) -> Path:
    """A new temporary folder ``<prefix><this pid>-...``, for ``sweep`` to recognise."""
    return Path(tempfile.mkdtemp(prefix=f"{prefix}{os.getpid()}-"))


def sweep(prefix: str) -> list[Path]:
    """Remove the folders ``new_folder`` made for processes that have died; return them.
    A folder whose owner is alive, or is not ours to see, stays."""
    removed = []
    for folder in Path(tempfile.gettempdir()).glob(f"{prefix}*"):
        pid = folder.name.removeprefix(prefix).split("-", 1)[0]
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    return True
