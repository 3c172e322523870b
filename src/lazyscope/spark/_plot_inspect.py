"""The rows under one pixel of a Spark plot: a filtered limit query, one small job.

The filter is the pixel's test of `grids._inspect` written as Spark columns (the same
int(v * s + t) as the grid job, Java doubles rounding as numpy's), behind a plain range
test on the x column that a data source can push down. The rows come back as Arrow: the
query's limit then runs as one job whose tasks each stop after `rows` matches (a plain
collect() of a limit may run several jobs, scanning more partitions each time).
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from lazyscope._errors import LazyscopeError
from lazyscope.grids._inspect import Pixel
from lazyscope.grids._requests import SupersededError

from ._connect import functions_for
from ._plot_job import tagged
from ._plot_line import x_number

if TYPE_CHECKING:
    from lazyscope.grids._requests import Token

    from ._plot import SparkBackend

__all__ = ["inspect_query", "inspect_rows"]


def _cell(f: Any, v: Any, rng: tuple[float, float], n: int, i: int) -> Any:
    """v in [low, high] and in pixel i of n: int(v * s + t), the upper edge in the last
    (the index is computed only inside the range: a cast of a far value could overflow)."""
    s = n / (rng[1] - rng[0])
    t = -rng[0] * s
    inside = v.between(*rng)
    index = f.when(inside, f.least((v * f.lit(s) + f.lit(t)).cast("int"), f.lit(n - 1)))
    return inside & (index == f.lit(i))


def inspect_query(backend: SparkBackend, pixel: Pixel, rows: int) -> Any:
    """The DataFrame of up to `rows` rows under `pixel`, every column (nothing runs)."""
    f = functions_for(backend.df)
    spec, view = backend.spec, pixel.view
    x = x_number(f, spec.x, backend.time_x)
    keep = _cell(f, x, view.x_range, view.width, pixel.col)
    if not backend.time_x:  # on the column itself: a source can skip files and row groups
        wide = pixel.widened()[0]
        keep = f.col(spec.x).between(*wide) & keep
    y = f.col(spec.y).cast("double")
    y = f.when(~f.isnan(y), y)
    if pixel.row is None:  # a line's pixel is a column: its rows with a y
        keep = keep & y.isNotNull()
    else:
        keep = keep & _cell(f, y, view.y_range, view.height, pixel.row)
    if spec.by is not None:
        keep = keep & f.col(spec.by).isin(list(backend.categories))
    if spec.value is not None and spec.agg != "count":  # rows without a value add nothing
        v = f.col(spec.value).cast("double")
        keep = keep & v.isNotNull() & ~f.isnan(v)
    return backend.df.where(keep).limit(rows)


def inspect_rows(backend: SparkBackend, pixel: Pixel, rows: int, token: Token, name: str) -> Any:
    """Run `inspect_query` as one job called `name`, which `token` can interrupt; the rows
    as a pandas DataFrame."""
    from ._plot import run_spark

    query = inspect_query(backend, pixel, rows)
    tag = f"lazyscope-inspect-{uuid.uuid4().hex[:12]}"

    def fetch() -> Any:
        with tagged(backend.session, tag, token):
            return query.toArrow()

    token.check()
    try:
        table = run_spark("fetch the rows under the pixel", fetch, backend.session, name)
    except LazyscopeError:
        if token.cancelled:
            raise SupersededError from None
        raise
    return table.to_pandas()
