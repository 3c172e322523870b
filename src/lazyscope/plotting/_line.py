"""A line plot's picture, rasterised in the kernel from its per-column M4 states.

Each pixel column with data gets a vertical span from its min to its max, and a step to the
next column joins this column's last value to that column's first when both have data
(none across an empty column: a gap stays a gap). That is every pixel the full polyline
(rows in x order, ties by y) lights at this resolution: inside a column the polyline's
segments cover exactly min..max, and between neighbours it has that one segment, which is
drawn as a line rasteriser draws a segment one column wide (rows up to the half-way point
in the left column, half-way rounded toward it, the rest in the right one).

Everything is vertical spans, so the picture is a few numpy operations on arrays the size
of the grid, whatever the number of rows. Rows are bottom-up, as Datashader's images.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["line_image", "line_mask", "line_values", "pixel_rows"]

_FAR = float(2**40)  # rows beyond this are as off-screen as infinity, and stay exact int64


def pixel_rows(y: np.ndarray, y_range: tuple[float, float], height: int) -> np.ndarray:
    """Row of each y, bottom-up: floor(y * s + t) (negative or >= height when off-screen),
    the window's edges drawn in its first and last rows."""
    sy = height / (y_range[1] - y_range[0])
    ty = -y_range[0] * sy
    rows = np.floor(np.clip(y * sy + ty, -_FAR, _FAR))
    rows = np.where((rows >= height) & (y <= y_range[1]), height - 1, rows)
    rows = np.where((rows < 0) & (y >= y_range[0]), 0, rows)
    return rows.astype(np.int64)


def line_mask(
    n: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
    first: np.ndarray,
    last: np.ndarray,
    y_range: tuple[float, float],
    height: int,
) -> np.ndarray:
    """(height, width) bools: the pixels one series lights, from its per-column states."""
    width = len(n)
    has = n > 0
    cols = np.flatnonzero(has)
    spans = [(cols, pixel_rows(lo[cols], y_range, height), pixel_rows(hi[cols], y_range, height))]
    left = np.flatnonzero(has[:-1] & has[1:])  # a segment from each of these to the next
    if left.size:
        r0 = pixel_rows(last[left], y_range, height)
        r1 = pixel_rows(first[left + 1], y_range, height)
        half = np.abs(r1 - r0) // 2
        up = r1 >= r0
        mid = np.where(up, r0 + half, r0 - half)  # the left column's last row of the segment
        spans.append((left, np.minimum(r0, mid), np.maximum(r0, mid)))
        step = np.where(up, np.minimum(mid + 1, r1), np.maximum(mid - 1, r1))
        spans.append((left + 1, np.minimum(step, r1), np.maximum(step, r1)))
    col = np.concatenate([s[0] for s in spans])
    start = np.clip(np.concatenate([s[1] for s in spans]), 0, height)
    stop = np.clip(np.concatenate([s[2] for s in spans]) + 1, 0, height)
    seen = start < stop  # spans wholly above or below the window draw nothing
    diff = np.zeros((height + 1, width), np.int64)
    np.add.at(diff, (start[seen], col[seen]), 1)
    np.add.at(diff, (stop[seen], col[seen]), -1)
    mask: np.ndarray = np.cumsum(diff, axis=0)[:height] > 0
    return mask


def _layers(agg: Any) -> list[Any]:
    """One Dataset per series: the plot's, or each category's in legend order."""
    by = agg.attrs.get("by")
    if not by:
        return [agg]
    return [agg.isel({by: i}) for i in range(agg.sizes[by])]


def line_image(agg: Any, colors: list[str]) -> Any:
    """The line's RGBA image (Datashader's Image: uint32, rows bottom-up); each series in
    its colour, later categories over earlier ones where they cross."""
    from datashader.colors import rgb
    from datashader.transfer_functions import Image

    height, width = agg.attrs["height"], agg.attrs["width"]
    out = np.zeros((height, width), np.uint32)
    for layer, color in zip(_layers(agg), colors, strict=False):
        r, g, b = rgb(color)
        mask = line_mask(
            layer["count"].values,
            layer["min"].values,
            layer["max"].values,
            layer["first"].values,
            layer["last"].values,
            tuple(agg.attrs["y_range"]),
            height,
        )
        out[mask] = r | (g << 8) | (b << 16) | (255 << 24)
    return Image(out, dims=["y", "x"])


def line_values(agg: Any) -> np.ndarray:
    """The hover readout per pixel: rows in the pixel's column (all series together)."""
    counts = np.asarray(agg["count"].values, dtype=np.float64)
    if counts.ndim == 2:
        counts = counts.sum(axis=1)
    return np.broadcast_to(counts, (agg.attrs["height"], counts.shape[0]))
