"""The progress sources of a cell on Spark: the running session's, else one the user built
directly (SparkSession.builder), found only if pyspark is already imported."""

from __future__ import annotations

import sys
from typing import Any

from lazyscope._sessions import current
from lazyscope.model import ProgressSource

from ._connect import is_connect

__all__ = ["progress_sources"]


def progress_sources() -> list[ProgressSource]:
    session: Any = getattr(current("spark"), "session", None)
    if session is None and "pyspark" in sys.modules:
        session = _user_session()
    if session is None:
        return []
    if is_connect(session):
        from ._connect_progress import ConnectProgress

        return [ConnectProgress(session)]
    if getattr(session, "sparkContext", session)._jsc is None:  # stopped
        return []
    from ._progress import SparkProgress

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
