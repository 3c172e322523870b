"""The one Dask computation behind a grid: Datashader on each partition where it lives, the
per-pixel states (`_partials`) merged in a tree on the workers; one grid reaches the kernel.

Why not `Canvas.points` on the Dask DataFrame itself: it pickles Datashader's generated
Numba functions into every graph, which costs the kernel about 0.2 s per call - more than
aggregating 20M points on two workers takes. Here the graph holds one small closure, and
each worker compiles Datashader's kernels once. Binning is Datashader's own, with the same
ranges, so every point lands in the pixel `Canvas.points` would give it.

The closures are shipped by value (with `_partials`), so workers need Datashader but not
lazyscope.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from lazyscope.grids import _partials
from lazyscope.grids._spec import Spec, View

from ._plot_tasks import per_partition, tree

__all__ = ["dask_states", "partition_states"]

States = dict[str, Any]


def partition_states(
    spec: Spec, view: View, categories: tuple[Any, ...] = ()
) -> Callable[[Any], States]:
    """pandas partition -> dense states, shaped (categories, rows, columns): layer i holds
    the rows whose `by` value is categories[i] (without categories: the partition's own)."""
    names, neutral = _partials.STATES[spec.agg], _partials.NEUTRAL  # plain values, shipped
    x, y, value, by = spec.x, spec.y, spec.value, spec.by
    width, height, x_range, y_range = view.width, view.height, view.x_range, view.y_range
    layers = list(categories)

    def states(part: Any) -> States:
        import datashader as ds
        import numpy as np
        import pandas as pd

        if by and layers:
            # Datashader's layers follow the column's category codes, and those are each
            # partition's own: unknown categories hold only the values a partition has, and
            # known ones keep the user's order (astype cannot reorder them: pandas calls
            # unordered dtypes with the same values equal). Recode by value, every time.
            part = part.assign(**{by: pd.Categorical(part[by], categories=layers)})
            if part[by].isna().any():  # no category, no layer (Datashader: the last one)
                part = part[part[by].notna()]

        method = {"n": "count", "s": "sum", "lo": "min", "hi": "max", "m2": "var"}
        reductions = {}
        for name in names:
            red = getattr(ds, method[name])(value)
            reductions[name] = ds.by(by, red) if by else red
        canvas = ds.Canvas(width, height, x_range=x_range, y_range=y_range)
        grids = canvas.points(part, x, y, agg=ds.summary(**reductions))
        out = {}
        for name in names:
            a = grids[name].values
            out[name] = np.moveaxis(a, -1, 0) if by else a[None]
        n = out["n"]  # Datashader's uint32 (a partition of 4G rows in one pixel is not real)
        empty = n == 0  # Datashader leaves NaN where nothing fell; states hold neutral values
        if "m2" in out:  # population variance -> sum of squared deviations
            out["m2"] = out["m2"] * n
        for name in names[1:]:
            out[name] = np.where(empty, neutral[name], out[name])
        return out

    return states


def _merger(agg: str) -> Callable[..., States]:
    def merged(*parts: States) -> States:
        import numpy as np

        acc = {k: a.astype(np.int64 if k == "n" else a.dtype) for k, a in parts[0].items()}
        for part in parts[1:]:
            _partials.merge(agg, acc, slice(None), part)
        return acc

    return merged


def dask_states(
    frame: Any,
    spec: Spec,
    view: View,
    categories: tuple[Any, ...],
    name: str,
    boxes: Any = None,
) -> States:
    """Every point of `view` in `frame`, as the summed states of its partitions, one layer
    per category in `categories` order; the tasks are called `name`. `boxes`, each
    partition's (x0, x1, y0, y1) if known, lets the partitions outside `view` be skipped."""
    import cloudpickle  # type: ignore[import-untyped]  # no type information shipped
    import dask

    parts = frame.to_delayed()
    if boxes is not None and len(boxes) == len(parts):
        parts = [part for part, box in zip(parts, boxes, strict=True) if _meets(box, view)]
    if not parts:  # nothing in the window: no work for the cluster
        shape = (max(len(categories), 1), view.height, view.width)
        return {k: a.reshape(shape) for k, a in _partials.empty(spec.agg, math.prod(shape)).items()}
    cloudpickle.register_pickle_by_value(_partials)  # workers need not have lazyscope
    states = partition_states(spec, view, categories)
    level = per_partition(states, parts, name, spec, view, categories)
    merged: States = dask.compute(tree(level, _merger(spec.agg), name))[0]
    return merged


def _meets(box: Any, view: View) -> bool:
    """Can a partition with this bounding box hold a point of `view`? (NaN: no points.)"""
    x0, x1, y0, y1 = box
    (vx0, vx1), (vy0, vy1) = view.x_range, view.y_range
    return bool(x0 <= vx1 and x1 >= vx0 and y0 <= vy1 and y1 >= vy0)
