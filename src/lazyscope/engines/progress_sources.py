"""Which progress sources watch a cell: one per engine that is running in this kernel.

Sessions started through the magics come first; outside the magics, a session the user
built directly (SparkSession.builder, distributed.Client) is found too, but only if its
library is already imported: looking must never import pyspark or dask.
"""

from __future__ import annotations

import sys
from typing import Any

from lazyscope.model import ProgressSource
from lazyscope.spark._connect import is_connect

from . import current

__all__ = ["sources_for"]


def sources_for(kind: str | None) -> list[ProgressSource]:
    """Sources for "spark", "dask", or (None) every engine in use."""
    if kind not in (None, "spark", "dask"):
        from lazyscope._errors import LazyscopeError

        raise LazyscopeError(f"progress() watches 'spark' or 'dask', not {kind!r}.")
    sources: list[ProgressSource] = []
    if kind in (None, "spark"):
        sources += _spark()
    if kind in (None, "dask"):
        sources += _dask()
    return sources


def _spark() -> list[ProgressSource]:
    session: Any = getattr(current("spark"), "session", None)
    if session is None and "pyspark" in sys.modules:
        session = _user_session()
    if session is None:
        return []
    if is_connect(session):
        from lazyscope.spark._connect_progress import ConnectProgress

        return [ConnectProgress(session)]
    if getattr(session, "sparkContext", session)._jsc is None:  # stopped
        return []
    from lazyscope.spark._progress import SparkProgress

    return [SparkProgress(session)]


def _user_session() -> Any:
    """A session the user built; sessions are per thread, contexts per process."""
    from pyspark import SparkContext

    if SparkContext._active_spark_context is not None:
        return SparkContext._active_spark_context
    connect = sys.modules.get("pyspark.sql.connect.session")
    if connect is not None:
        return (
            connect.SparkSession.getActiveSession() or connect.SparkSession._get_default_session()
        )
    return None


def _dask() -> list[ProgressSource]:
    if "dask" not in sys.modules:
        return []
    from lazyscope.dask._local_progress import DaskLocalProgress

    sources: list[ProgressSource] = [DaskLocalProgress()]
    client: Any = getattr(current("dask"), "client", None)
    if client is None and "distributed" in sys.modules:
        from distributed import default_client

        try:
            client = default_client()
        except ValueError:  # no client in this process
            client = None
    if client is not None and client.status == "running" and not client.asynchronous:
        from lazyscope.dask._progress import DaskProgress

        sources.append(DaskProgress(client))
    return sources
