"""The progress sources of a cell on Dask: the threaded scheduler's, and the running
client's (ours, else the user's default client), found only if dask is already imported."""

from __future__ import annotations

import sys
from typing import Any

from lazyscope._sessions import current
from lazyscope.model import ProgressSource

__all__ = ["progress_sources"]


def progress_sources() -> list[ProgressSource]:
    if "dask" not in sys.modules:
        return []
    from ._local_progress import DaskLocalProgress

    sources: list[ProgressSource] = [DaskLocalProgress()]
    client: Any = getattr(current("dask"), "client", None)
    if client is None and "distributed" in sys.modules:
        from distributed import default_client

        try:
            client = default_client()
        except ValueError:  # no client in this process
            client = None
    if client is not None and client.status == "running" and not client.asynchronous:
        from ._progress import DaskProgress

        sources.append(DaskProgress(client))
    return sources
