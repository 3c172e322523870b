"""The rows under one pixel of a Dask plot: one task per partition that can hold them.

Each task applies the pixel's test (`grids._inspect.picker`) to its partition and sends back
at most the rows asked for, so no partition moves to the kernel. The partitions' bounding
boxes, when known (the extent pass keeps them, and the first inspection learns them), leave
out every partition whose box misses the pixel: data sorted or partitioned by x or y then
costs one or two tasks per click instead of one per partition.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lazyscope.grids._inspect import Pixel, picker

from ._plot_tasks import per_partition

if TYPE_CHECKING:
    from ._plot import DaskBackend

__all__ = ["inspect_rows"]


def inspect_rows(backend: DaskBackend, pixel: Pixel, rows: int, name: str) -> Any:
    """Up to `rows` rows under `pixel`, every column of the user's frame, in partition
    order; one computation, whose tasks are called `name`."""
    import cloudpickle  # type: ignore[import-untyped]  # no type information shipped
    import dask
    import numpy as np
    import pandas as pd

    from lazyscope.grids import _inspect

    spec, source = backend.spec, backend.source
    parts = source.to_delayed()
    key = ("boxes", spec.x, spec.y)
    cached = backend._cached()
    boxes = cached.get(key)
    learn = True
    if boxes is not None and len(boxes) == len(parts):
        learn = False
        parts = [part for part, box in zip(parts, boxes, strict=True) if _meets(box, pixel)]
    found: list[Any] = []
    if parts:
        cloudpickle.register_pickle_by_value(_inspect)  # workers need not have lazyscope
        pick = picker(spec, pixel, backend.categories, backend.time_x, rows, box=learn)
        view = pixel.view
        token = (spec, backend.categories, view.x_range, view.y_range, view.width, view.height)
        tasks = per_partition(pick, parts, name, *token, pixel.col, pixel.row, rows, learn)
        (found,) = dask.compute(tasks)
    if learn and found:  # every partition's box: later clicks and zooms skip partitions
        cached[key] = np.array([f[1] for f in found], dtype=np.float64)
    heads = [f[0] for f in found if len(f[0])]
    if not heads:
        return source._meta.copy()  # no rows, the frame's columns and dtypes
    return pd.concat(heads).head(rows)


def _meets(box: Any, pixel: Pixel) -> bool:
    """Can a partition with this bounding box (x0, x1, y0, y1) hold a row of the pixel?
    A line's pixel is a whole column: any y. (NaN bounds: no numbers, no rows.)"""
    x0, x1, y0, y1 = box
    (px0, px1), py = pixel.widened()
    if not (x0 <= px1 and x1 >= px0):
        return False
    return py is None or bool(y0 <= py[1] and y1 >= py[0])
