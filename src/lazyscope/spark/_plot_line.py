"""The one Spark job behind a line plot: rows grouped by pixel column in the JVM, four
aggregates per column (M4), one row per non-empty column back to the driver.

Each row's column is computed in the JVM as `grids._m4.pixel_columns` computes it in numpy
(int(x * s + t), the upper edge in the last column; Java doubles round as numpy's). Per
column: count, min and max of y, and the first and last rows in (x, y) order as
min/max of struct(x, y) - a total order on values, so the result does not depend on how
the rows are partitioned or ordered (min_by(y, x) would pick any of the rows tied at x).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from lazyscope.grids import _m4
from lazyscope.grids._line import to_dataset
from lazyscope.grids._spec import View

from ._connect import functions_for

if TYPE_CHECKING:
    from lazyscope.grids._requests import Token

    from ._plot import SparkBackend

__all__ = ["line_dataset", "line_table", "time_type", "x_number"]

_DAY_MICROS = 86_400_000_000
# Each time type of Spark as microseconds since the epoch, exactly and whatever the session's
# time zone: TIMESTAMP an instant; TIMESTAMP_NTZ a wall clock, read as UTC (unix_micros
# does), as pandas and the plot's axis read a naive time; DATE its midnight, read so too.
_MICROS = {
    "TimestampType": lambda f, col: f.unix_micros(col),
    "TimestampNTZType": lambda f, col: f.unix_micros(col),
    "DateType": lambda f, col: f.unix_date(col).cast("long") * f.lit(_DAY_MICROS),
}


def time_type(data_type: Any) -> str | None:
    """The name of x's Spark type if it is a time, else None."""
    name = type(data_type).__name__
    return name if name in _MICROS else None


def x_number(f: Any, name: str, time: str | None) -> Any:
    """x as a double; a time (`time_type`) as nanoseconds since the epoch (exact:
    microseconds x 1000 is rounded once, as numpy rounds int64 ns to float64); NaN as null."""
    if time is not None:
        return (_MICROS[time](f, f.col(name)) * f.lit(1000)).cast("double")
    col = f.col(name).cast("double")
    return f.when(~f.isnan(col), col)


def line_table(backend: SparkBackend, view: View, tag: str, token: Token) -> Any:
    """The one Spark job (tagged `tag`): one Arrow row per non-empty column (`_query`)."""
    from ._plot_job import tagged

    with tagged(backend.session, tag, token):
        return _query(backend, view).toArrow()


def line_dataset(backend: SparkBackend, table: Any, view: View) -> Any:
    """The line's Dataset from `line_table`'s rows."""
    layers = max(len(backend.categories), 1)
    states = _scatter(table, layers * view.width)
    states = {k: a.reshape(layers, view.width) for k, a in states.items()}
    spec, cats = backend.spec, backend.categories
    return to_dataset(states, view, spec, cats, backend.engine, "spark job", backend.time_x)


def _query(backend: SparkBackend, view: View) -> Any:
    f = functions_for(backend.df)
    spec, cats = backend.spec, backend.categories
    x = x_number(f, spec.x, backend.x_time)
    y = f.col(spec.y).cast("double")
    y = f.when(~f.isnan(y), y)
    keep = x.between(*view.x_range) & y.isNotNull()  # rows off-screen in y still count
    sx, tx = view.scale()[:2]
    key = f.least((x * f.lit(sx) + f.lit(tx)).cast("int"), f.lit(view.width - 1))
    if spec.by is not None:
        code = f.array_position(f.array(*[f.lit(c) for c in cats]), f.col(spec.by)) - 1
        keep = keep & (code >= 0)
        key = code.cast("int") * view.width + key
    rows = backend.df.where(keep).select(key.alias("k"), x.alias("x"), y.alias("y"))
    pair = f.struct(f.col("x"), f.col("y"))
    columns = rows.groupBy("k").agg(
        f.count(f.lit(1)).alias("n"),
        f.min("y").alias("lo"),
        f.max("y").alias("hi"),
        f.min(pair).alias("first"),
        f.max(pair).alias("last"),
    )
    return columns.select(
        "k", "n", "lo", "hi", "first.x", "first.y", "last.x", "last.y"
    )  # flat columns: Arrow hands them over as numpy arrays


def _scatter(table: Any, cells: int) -> dict[str, np.ndarray]:
    """Dense states from one row per non-empty column (key, then the states in order)."""
    out = _m4.empty(cells)
    keys = table.column(0).to_numpy().astype(np.int64)
    for i, field in enumerate(_m4.FIELDS, start=1):
        out[field][keys] = table.column(i).to_numpy(zero_copy_only=False)
    return out
