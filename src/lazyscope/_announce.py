"""Tell the Jupyter server which sessions this kernel runs.

One small JSON file per kernel in the Jupyter runtime directory; the server's
Clusters panel reads them (it never imports kernel code). Removed when the last
session stops and at interpreter exit.
"""

from __future__ import annotations

import functools
import json
import os
from pathlib import Path
from typing import Any

__all__ = ["announcement_path", "kernel_id", "write_announcement"]

PREFIX = "lazyscope-kernel-"


def kernel_id() -> str | None:
    """The Jupyter kernel id, read from the connection file name (kernel-<id>.json)."""
    try:
        from ipykernel.connect import get_connection_file

        name = Path(get_connection_file()).stem
    except Exception:  # not in a kernel (plain IPython, scripts)
        return None
    return name[len("kernel-") :] if name.startswith("kernel-") else None


@functools.cache  # fixed for the kernel's life; at exit the kernel app may be gone already
def announcement_path() -> Path:
    from jupyter_core.paths import jupyter_runtime_dir

    return Path(jupyter_runtime_dir()) / f"{PREFIX}{kernel_id() or os.getpid()}.json"


def write_announcement(sessions: list[dict[str, Any]]) -> None:
    path = announcement_path()
    if not sessions:
        path.unlink(missing_ok=True)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {"kernel_id": kernel_id(), "pid": os.getpid(), "sessions": sessions}
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(payload, indent=1))
    tmp.replace(path)  # atomic: the server never reads half a file
