"""Per-kernel log files for the processes an engine starts (its driver, its local cluster).

Their output would otherwise reach whatever cell runs, in red: a kernel's child processes
share its stderr, which ipykernel forwards to the running cell. Each log lives in its own
folder named after the kernel's pid, removed when the kernel exits; a later kernel removes
the folders of kernels that died without running their exit handlers.
"""

from __future__ import annotations

import atexit
import shutil
from pathlib import Path

from ._pidfolders import new_folder, sweep

__all__ = ["new_log", "tail"]

_TAIL_BYTES = 256 * 1024  # enough for the last few dozen lines, however long the log grew


def _prefix(tag: str) -> str:
    return f"lazyscope-{tag}-log-"


def new_log(tag: str, name: str) -> Path:
    """A fresh, empty log file for this kernel, e.g. new_log(tag, "cluster.log"); `tag`
    (what writes the log: a driver, a local cluster) goes into its folder's name."""
    # Kernels that were killed, or that the kernel manager killed when stopping their
    # engines outlasted its patience, leave their folders behind.
    sweep(_prefix(tag))
    folder = new_folder(_prefix(tag))
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
