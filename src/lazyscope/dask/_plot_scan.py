"""The Dask pass that finds what a plot does not know yet: each partition's row count and
bounding box (the data extent), and the values of `by` when the frame does not list them.
One task per partition; a few numbers and at most MAX_CATEGORIES + 1 values come back."""

from __future__ import annotations

from typing import Any

from lazyscope.grids._spec import MAX_CATEGORIES, Spec
from lazyscope.grids._work import Work

from ._plot_tasks import per_partition

__all__ = ["scan_partitions"]

BOUNDS = ("rows", "x0", "x1", "y0", "y1")


def scan_partitions(
    frame: Any, spec: Spec, work: Work, extent: bool, by: str | None
) -> tuple[Any, list[Any]]:
    """(one row of BOUNDS per partition, or None; the distinct non-null values of `by`)."""
    import dask
    import pandas as pd

    xy = (spec.x, spec.y) if extent else ()
    columns = [*xy, *([by] if by is not None else [])]
    what = ["x/y ranges"] if extent else []
    if by is not None:
        what.append(f"categories of {by}")
    scan = _scanner(xy, by, MAX_CATEGORIES + 1)
    name = work.name(" and ".join(what))
    (found,) = dask.compute(per_partition(scan, frame[columns], name, columns))
    bounds = pd.DataFrame([f[0] for f in found], columns=list(BOUNDS)) if extent else None
    values = list(dict.fromkeys(v for f in found for v in f[1]))  # in order, each once
    return bounds, values


def _scanner(xy: tuple[str, ...], by: str | None, limit: int) -> Any:
    """partition -> (rows, min/max of x and y; up to `limit` distinct values of by). A
    closure, so Dask ships it by value and the workers need not have lazyscope installed."""

    def scan(part: Any) -> tuple[list[float], list[Any]]:
        import numpy as np

        bounds = [float(len(part))]
        for col in xy:
            v = part[col].to_numpy(dtype="float64", na_value=np.nan)
            low = high = np.nan
            if v.size:
                low, high = v.min(), v.max()  # fast, but NaN when any value is NaN
                if np.isnan(low) or np.isnan(high):  # skip NaN: 3x slower on strided columns
                    low, high = np.fmin.reduce(v), np.fmax.reduce(v)  # all NaN gives NaN
            bounds += [float(low), float(high)]
        values = [] if by is None else part[by].dropna().unique()[:limit].tolist()
        return bounds, values

    return scan
