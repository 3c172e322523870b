"""What the back-ends share for `kind="line"`: the schema rule (x may be a time), times as
numbers, and the Dataset a line plot's `.aggregate` is.

A time x is binned as int64 nanoseconds since the epoch, held as float64 like every other
x, so the view's ranges are plain numbers in every engine (and the widget shows dates).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from ._m4 import States
from ._spec import Spec, View, check_schema

__all__ = ["check_line_schema", "time_ns", "to_dataset"]


def check_line_schema(types: Mapping[str, str], spec: Spec, time_x: bool) -> None:
    """check_schema, with a time x taken as a number for a line."""
    if spec.kind == "line" and time_x:
        types = {**types, spec.x: "numeric"}
    check_schema(types, spec)


def time_ns(series: Any) -> Any:
    """A datetime Series of the pandas API (pandas', or an engine's partitioned one) as
    float64 nanoseconds since the epoch, NaN for NaT (any unit; a zone-aware one in UTC)."""
    if getattr(series.dtype, "tz", None) is not None:
        series = series.dt.tz_convert("UTC").dt.tz_localize(None)
    series = series.astype("datetime64[ns]")
    # notnull, not notna: partitioned Series lack notna
    return series.astype("int64").astype("float64").where(series.notnull())


def to_dataset(
    states: States,
    view: View,
    spec: Spec,
    categories: tuple[Any, ...],
    engine: str,
    source: str,
    time_x: bool = False,
) -> Any:
    """(categories, columns) states as the line's xarray.Dataset, dims (x[, by]): per pixel
    column `count`, `min`, `max`, `first`, `last` (NaN where empty), `first_x`, `last_x`."""
    import xarray as xr

    n = states["n"]
    empty = n == 0
    names = {"min": "lo", "max": "hi", "first": "fy", "last": "ly"}
    arrays: dict[str, np.ndarray] = {"count": n}
    arrays.update({k: np.where(empty, np.nan, states[v]) for k, v in names.items()})
    for k, v in (("first_x", "fx"), ("last_x", "lx")):
        arrays[k] = np.where(empty, np.nan, states[v])
        if time_x:  # whole nanoseconds held as floats; NaT where the column is empty
            arrays[k] = _times(arrays[k])
    xs = view.centres()[0]
    coords: dict[str, Any] = {spec.x: _times(xs) if time_x else xs}
    dims: tuple[str, ...] = (spec.x,)
    if spec.by is None:
        data = {k: (dims, a[0]) for k, a in arrays.items()}
    else:
        dims = (spec.x, spec.by)
        coords[spec.by] = list(categories)
        data = {k: (dims, a.T) for k, a in arrays.items()}
    out = xr.Dataset(data, coords=coords)
    out.attrs.update(  # as `finish` annotates a points grid, plus what a Dataset lacks
        x_range=view.x_range,
        y_range=view.y_range,
        agg=spec.agg,
        engine=engine,
        source=source,
        kind="line",
        by=spec.by or "",
        width=view.width,
        height=view.height,
        time_x=time_x,
        rows=int(n.sum()),
    )
    return out


def _times(ns: np.ndarray) -> np.ndarray:
    out = np.full(ns.shape, np.datetime64("NaT"), dtype="datetime64[ns]")
    ok = np.isfinite(ns)
    out[ok] = np.round(ns[ok]).astype(np.int64).astype("datetime64[ns]")
    return out
