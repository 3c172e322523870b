"""`%%spark --sql`: the cell's one statement as a lazy DataFrame."""

from __future__ import annotations

from typing import Any

from lazyscope._errors import LazyscopeError, short_engine_message

from ._session import spark_errors

__all__ = ["run_sql"]


def run_sql(spark: Any, body: str, limit: int | None) -> Any:
    """`%%spark --sql`: the query as a lazy DataFrame (Spark analyses it, runs nothing)."""
    query = body.strip().rstrip(";").strip()
    if not query:
        raise LazyscopeError("The %%spark --sql cell is empty: write one SQL statement in it.")
    try:
        frame = spark.sql(query)
    except spark_errors() as exc:
        raise LazyscopeError(f"SQL error: {short_engine_message(exc, 4)}") from None
    if limit is not None:
        if limit < 0:
            raise LazyscopeError("--limit must be zero or more.")
        frame = frame.limit(limit)
    return frame
