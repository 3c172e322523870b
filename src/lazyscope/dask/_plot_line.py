"""The one Dask computation behind a line plot: each partition's per-column M4 states
(`grids._m4`) in numpy where the partition lives, merged in a tree on the workers; one
(categories x width) set of states reaches the kernel.

The merge is associative and commutative (min of mins, max of maxes, the first of two
firsts by (x, y), the last by (x, y)), so neither the partitions' order nor the data's
order within them matters. Closures and `_m4` are shipped by value: workers need numpy
and pandas, not lazyscope (nor Datashader, for a line).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lazyscope.grids import _m4
from lazyscope.grids._spec import Spec, View

from ._plot_tasks import per_partition, tree

__all__ = ["line_states"]

States = dict[str, Any]


def _partition_states(spec: Spec, view: View, categories: tuple[Any, ...]) -> Callable[..., States]:
    x, y, by, layers = spec.x, spec.y, spec.by, list(categories)
    x_range, width = view.x_range, view.width

    def states(part: Any) -> States:
        import numpy as np
        import pandas as pd

        codes = None
        if by:  # a row's layer by value: each partition's own category codes differ
            codes = np.asarray(pd.Categorical(part[by], categories=layers).codes)
        xs = part[x].to_numpy(dtype=np.float64, na_value=np.nan)
        ys = part[y].to_numpy(dtype=np.float64, na_value=np.nan)
        return _m4.column_states(xs, ys, codes, max(len(layers), 1), x_range, width)

    return states


def _merger() -> Callable[..., States]:
    """The tree's merge, as a closure: cloudpickle ships closures by value, where a
    module-level function would be pickled by reference (workers importing lazyscope)."""

    def merged(*parts: States) -> States:
        acc = {k: a.copy() for k, a in parts[0].items()}
        for part in parts[1:]:
            _m4.merge(acc, part)
        return acc

    return merged


def line_states(
    frame: Any,
    spec: Spec,
    view: View,
    categories: tuple[Any, ...],
    name: str,
    boxes: Any = None,
) -> States:
    """The states of every row of `frame` in view's x range, shaped (categories, width);
    tasks called `name`. With `boxes` (each partition's x0, x1, y0, y1), partitions whose
    x lies outside the window are skipped (a line ignores y: rows off-screen still steer
    it)."""
    import cloudpickle  # type: ignore[import-untyped]  # no type information shipped
    import dask

    layers = max(len(categories), 1)
    parts = frame.to_delayed()
    if boxes is not None and len(boxes) == len(parts):
        (x0, x1) = view.x_range
        parts = [p for p, b in zip(parts, boxes, strict=True) if b[0] <= x1 and b[1] >= x0]
    if not parts:  # nothing in the window: no work for the cluster
        merged = _m4.empty(layers * view.width)
    else:
        cloudpickle.register_pickle_by_value(_m4)  # workers need not have lazyscope
        fn = _partition_states(spec, view, categories)
        level = per_partition(fn, parts, name, "line", spec, view, categories)
        merged = dask.compute(tree(level, _merger(), name))[0]
    return {k: a.reshape(layers, view.width) for k, a in merged.items()}
