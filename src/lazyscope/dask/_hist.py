"""Dask histogram: numpy.histogram of each partition with the same edges, summed on the
workers. Named tasks (see `_plot_tasks`), so progress shows "lazyscope.hist: 50 bins of v"
and "lazyscope.hist: range of v" instead of dask.array's internal steps."""

from __future__ import annotations

from typing import Any

import numpy as np

from lazyscope._errors import LazyscopeError
from lazyscope.grids._frames import column_types, per_object
from lazyscope.grids._spec import Range, check_column, column_range
from lazyscope.grids._work import Work

from ._plot_tasks import per_partition, tree

__all__ = ["dask_histogram"]


def dask_histogram(
    ddf: Any, column: str, bins: int, value_range: Range | None, work: Work
) -> tuple[np.ndarray, np.ndarray]:
    import dask

    check_column(column_types(dict(ddf.dtypes)), column)
    parts = ddf[column].to_delayed()
    if value_range is None:

        def scan() -> Range:
            name = work.name(f"range of {column}")
            (found,) = dask.compute(per_partition(_ranger(), parts, name, "range"))
            rows, lows, highs = np.array(found, dtype=np.float64).reshape(-1, 3).T
            if rows.sum() == 0:
                raise LazyscopeError("The DataFrame has no rows: there is nothing to count.")
            shown = ~np.isnan(lows)  # partitions with a value; fmin/fmax would warn on none
            low = float(lows[shown].min()) if shown.any() else None
            high = float(highs[shown].max()) if shown.any() else None
            return column_range(column, low, high, "range")

        value_range = per_object(ddf, ("range", column), scan)
    name = work.name(f"{bins} bins of {column}")
    level = per_partition(_counter(bins, value_range), parts, name, bins, value_range)
    (counts,) = dask.compute(tree(level, _adder(), name))
    return counts, np.linspace(value_range[0], value_range[1], bins + 1)


def _ranger() -> Any:
    """partition -> (rows, min, max); NaN min/max when it holds no value. Closures like
    this one are shipped by value: the workers need not have lazyscope installed."""

    def value_range(part: Any) -> tuple[float, float, float]:
        import numpy as np

        v = part.to_numpy(dtype="float64", na_value=np.nan)
        v = v[~np.isnan(v)]
        low, high = (float(v.min()), float(v.max())) if v.size else (np.nan, np.nan)
        return float(len(part)), low, high

    return value_range


def _counter(bins: int, value_range: Range) -> Any:
    def counts(part: Any) -> Any:
        import numpy as np

        v = part.to_numpy(dtype="float64", na_value=np.nan)
        return np.histogram(v[~np.isnan(v)], bins=bins, range=value_range)[0]

    return counts


def _adder() -> Any:
    def added(*counts: Any) -> Any:
        return sum(counts[1:], counts[0])

    return added
