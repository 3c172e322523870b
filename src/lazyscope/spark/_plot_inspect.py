"""The rows under one pixel of a Spark plot: a filtered limit query, one small job.

The filter is the pixel's test of `grids._inspect` written as Spark columns (the same
int(v * s + t) as the grid job, Java doubles rounding as numpy's), with plain range tests
on the columns that a data source can push down. The rows come back as Arrow: the
query's limit then runs as one job whose tasks each stop after `rows` matches (a plain
collect() of a limit may run several jobs, scanning more partitions each time).
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from lazyscope.grids._inspect import Pixel
from lazyscope.grids._spec import Range

from ._connect import functions_for
from ._plot_job import tagged
from ._plot_line import x_number

if TYPE_CHECKING:
    from lazyscope.grids._requests import Token

    from ._plot import SparkBackend

__all__ = ["inspect_query", "inspect_rows"]


def _cell(f: Any, v: Any, wide: Range, rng: Range, n: int, i: int) -> Any:
    """v in pixel i of n over rng: int(v * s + t) == i, the upper edge in the last pixel,
    written as comparisons of v * s + t with whole numbers (exact: int() truncates, so
    pixel i >= 1 is [i, i + 1) and pixel 0 (-1, 1)). No cast and no branch: the query's
    generated code stays small, as its compilation is most of an inspection's time.
    `wide` (the pixel a quarter pixel wider, inside rng) keeps the rest of the view out."""
    s = n / (rng[1] - rng[0])
    t = -rng[0] * s
    at = v * f.lit(s) + f.lit(t)
    keep = v.between(f.lit(wide[0]), f.lit(wide[1]))  # NaN and null are in no pixel
    if i > 0:
        keep = keep & (at >= f.lit(float(i)))
    if i < n - 1:
        keep = keep & (at < f.lit(float(i + 1)))
    return keep


def inspect_query(backend: SparkBackend, pixel: Pixel, rows: int) -> Any:
    """The DataFrame of up to `rows` rows under `pixel`, every column (nothing runs)."""
    f = functions_for(backend.df)
    spec, view = backend.spec, pixel.view
    # A number column itself (not NaN-guarded): a source can skip files, row groups and
    # cached batches by its statistics; NaN fails `between` in Spark's order anyway.
    x = x_number(f, spec.x, backend.x_time) if backend.x_time else f.col(spec.x).cast("double")
    wide_x, wide_y = pixel.widened()
    keep = _cell(f, x, wide_x, view.x_range, view.width, pixel.col)
    y = f.col(spec.y).cast("double")
    if pixel.row is None or wide_y is None:  # a line's pixel is a column: its rows with a y
        keep = keep & y.isNotNull() & ~f.isnan(y)
    else:
        keep = keep & _cell(f, y, wide_y, view.y_range, view.height, pixel.row)
    if spec.by is not None:
        keep = keep & f.col(spec.by).isin(list(backend.categories))
    if spec.value is not None and spec.agg != "count":  # rows without a value add nothing
        v = f.col(spec.value).cast("double")
        keep = keep & v.isNotNull() & ~f.isnan(v)
    return backend.df.where(keep).limit(rows)


def inspect_rows(backend: SparkBackend, pixel: Pixel, rows: int, token: Token) -> Any:
    """Run `inspect_query` as one job, which `token` can interrupt; the rows as a pandas
    DataFrame. (The caller names the job and words its errors: `SparkBackend.inspect`.)"""
    query = inspect_query(backend, pixel, rows)
    tag = f"lazyscope-inspect-{uuid.uuid4().hex[:12]}"
    token.check()
    with tagged(backend.session, tag, token):
        table = query.toArrow()
    return table.to_pandas()
