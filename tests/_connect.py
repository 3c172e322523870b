"""A Spark Connect session for tests that keeps the test process classic."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

__all__ = ["connect_session"]


@contextmanager
def connect_session(url: str) -> Iterator[Any]:
    """A session on the Connect server at `url`, stopped afterwards. Connect's own builder:
    the generic one refuses a remote session while the test run's classic session exists
    (see test_progress_connect), so the process stays classic."""
    from pyspark.sql.connect.session import SparkSession

    session = SparkSession.builder.remote(url).getOrCreate()
    try:
        yield session
    finally:
        session.stop()
