"""Driver-side work on grids of per-pixel states: coarsen, crop, finalise.

States are dense arrays shaped (categories, rows, columns); see `_partials` for their
meaning. Coarsening 2^k x 2^k blocks of a fine grid gives exactly the grid Datashader would
compute at the coarse resolution: the pixel scale doubles per level and x * 2s + 2t is
exactly 2 (x * s + t) in floating point, so int() of it halves consistently.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._frames import finish
from ._spec import Spec, View

__all__ = ["coarsen", "crop", "finalize", "to_dataarray"]

States = dict[str, np.ndarray]


def coarsen(agg: str, states: States, f: int) -> States:
    """Combine f x f blocks of pixels (f a power of two dividing both sides)."""
    if f == 1:
        return states
    c, h, w = states["n"].shape
    blocks = {k: a.reshape(c, h // f, f, w // f, f) for k, a in states.items()}
    out = {"n": blocks["n"].sum(axis=(2, 4))}
    if "s" in blocks:
        out["s"] = blocks["s"].sum(axis=(2, 4))
    if "lo" in blocks:
        out["lo"] = blocks["lo"].min(axis=(2, 4))
    if "hi" in blocks:
        out["hi"] = blocks["hi"].max(axis=(2, 4))
    if agg == "std":  # parallel variance: own deviations plus each block's offset from the mean
        n = blocks["n"]
        with np.errstate(invalid="ignore", divide="ignore"):
            mean_i = np.where(n > 0, blocks["s"] / n, 0.0)
            mean = out["s"] / out["n"]
            mean_b = np.where(out["n"] > 0, mean, 0.0)[:, :, None, :, None]
            spread = np.where(n > 0, n * (mean_i - mean_b) ** 2, 0.0)
        out["m2"] = blocks["m2"].sum(axis=(2, 4)) + spread.sum(axis=(2, 4))
    return out


def crop(states: States, rows: slice, cols: slice) -> States:
    return {k: a[:, rows, cols] for k, a in states.items()}


def finalize(agg: str, states: States) -> np.ndarray:
    """Pixel values as Datashader gives them: unsigned counts, NaN where nothing fell."""
    n = states["n"]
    if agg == "count":
        return n.astype(np.uint32 if n.size == 0 or n.max() < 2**32 else np.uint64)
    with np.errstate(invalid="ignore", divide="ignore"):
        if agg == "sum":
            value = states["s"]
        elif agg == "mean":
            value = states["s"] / n
        elif agg in ("min", "max"):
            value = states["lo" if agg == "min" else "hi"]
        else:  # std, population (ddof=0) as Datashader's
            value = np.sqrt(np.maximum(states["m2"], 0.0) / n)
    return np.where(n > 0, value, np.nan)


def to_dataarray(
    values: np.ndarray,
    view: View,
    spec: Spec,
    categories: tuple[Any, ...],
    engine: str,
    source: str,
) -> Any:
    """(categories, rows, columns) values as Datashader's DataArray: dims (y, x[, by])."""
    import xarray as xr

    xs, ys = view.centres()
    coords: dict[str, Any] = {spec.x: xs, spec.y: ys}
    if spec.by is None:
        agg = xr.DataArray(values[0], coords=coords, dims=(spec.y, spec.x))
    else:
        coords[spec.by] = list(categories)
        agg = xr.DataArray(
            np.moveaxis(values, 0, -1), coords=coords, dims=(spec.y, spec.x, spec.by)
        )
    return finish(agg, spec, view, engine, source)
