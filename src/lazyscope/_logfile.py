"""Per-kernel log files for the processes an engine starts (Spark's JVM, Dask's cluster).

Their output would otherwise reach whatever cell runs, in red: a kernel's child processes
share its stderr, which ipykernel forwards to the running cell. Each log lives in its own
folder named after the kernel's pid, removed when the kernel exits; a later kernel removes
the folders of kernels that died without running their exit handlers.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

__all__ = ["new_log", "tail"]

_TAIL_BYTES = 256 * 1024  # enough for the last few dozen lines, however long the log grew


def _prefix(kind: str) -> str:
    return f"lazyscope-{kind}-log-"


def new_log(kind: str, name: str) -> Path:
    """A fresh, empty log file for this kernel, e.g. new_log("dask", "dask-cluster.log")."""
    _sweep(kind)
    folder = Path(tempfile.mkdtemp(prefix=f"{_prefix(kind)}{os.getpid()}-"))
    # The log lives as long as the kernel, like the processes that write it.
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    path = folder / name
    path.touch()
    return path


def tail(path: Path, lines: int) -> str:
    """The last `lines` lines of a log (reads at most its last 256 KiB)."""
    with path.open("rb") as f:
        f.seek(max(0, path.stat().st_size - _TAIL_BYTES))
        text = f.read().decode("utf-8", "replace")
    return "\n".join(text.splitlines()[-lines:])


def _sweep(kind: str) -> None:
    """Remove the logs of kernels that died without running their exit handlers.

    A killed kernel, or one the kernel manager killed when stopping its engines
    outlasted its patience, leaves its folder behind.
    """
    prefix = _prefix(kind)
    for folder in Path(tempfile.gettempdir()).glob(f"{prefix}*"):
        pid = folder.name.removeprefix(prefix).split("-", 1)[0]
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True
