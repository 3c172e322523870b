"""What lies under one pixel of a plot: the pixel (`Pixel`), found from a data coordinate
with the binning every back-end uses (`View.scale`), and the test that picks its rows.

A pixel's rows are the rows that make it up: in its pixel (Datashader's rule, int(v * s + t)
with the upper edge in the last pixel), with a category of the plot's `by` and a value when
the reduction needs one; for a line, the rows of its pixel column that have a y. Every
back-end applies the same arithmetic, so the rows agree with the count the grid shows.
`picker` is that test on a pandas frame (or one partition); it imports only numpy and pandas,
so an engine can ship it to workers by value.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from lazyscope._errors import LazyscopeError

from ._spec import Range, Spec, View

__all__ = ["MAX_ROWS", "Picked", "Pixel", "picker", "pixel_at"]

MAX_ROWS = 100  # rows an inspection may ask for: a readout, not an export
_CHUNK = 1 << 20  # rows tested at a time: a pixel's rows are often all in the first chunk
# (the first matching rows of one frame, up to the limit; its bounding box (x0, x1, y0, y1)
# of the plotted columns, NaN where it holds no number or none was asked for)
Picked = tuple[Any, tuple[float, float, float, float]]


@dataclass(frozen=True)
class Pixel:
    """One pixel of `view`: column `col` from the left, row `row` from the bottom (None for a
    line, whose pixels are whole columns: rows at any y)."""

    view: View
    col: int
    row: int | None

    @property
    def x_range(self) -> Range:
        """The pixel's x interval: half-open, but the last column includes the upper edge."""
        return _interval(self.view.x_range, self.view.width, self.col)

    @property
    def y_range(self) -> Range | None:
        if self.row is None:
            return None
        return _interval(self.view.y_range, self.view.height, self.row)

    def widened(self) -> tuple[Range, Range | None]:
        """x (and y) ranges a quarter pixel wider on each side, clipped to the view: a cheap
        prefilter (partition statistics, pushed-down filters) that can only keep more rows
        than the exact test, whatever the rounding."""
        x = _wide(self.x_range, self.view.x_range)
        y = self.y_range
        return x, None if y is None else _wide(y, self.view.y_range)

    @property
    def last(self) -> tuple[bool, bool]:
        """Whether the pixel is the last column / row (the one holding the upper edge)."""
        return self.col == self.view.width - 1, self.row == self.view.height - 1


def _interval(rng: Range, n: int, i: int) -> Range:
    step = (rng[1] - rng[0]) / n
    return rng[0] + i * step, (rng[1] if i == n - 1 else rng[0] + (i + 1) * step)


def _wide(inner: Range, outer: Range) -> Range:
    pad = (inner[1] - inner[0]) / 4
    return max(inner[0] - pad, outer[0]), min(inner[1] + pad, outer[1])


def _coordinate(name: str, value: object) -> float:
    try:
        number = float(value)  # type: ignore[arg-type]  # anything float() takes
    except (TypeError, ValueError):
        raise LazyscopeError(f"{name} must be a number, not {value!r}.") from None
    if not math.isfinite(number):
        raise LazyscopeError(f"{name} must be a finite number, not {value!r}.")
    return number


def _index(name: str, value: float, rng: Range, n: int, scale: float, shift: float) -> int:
    if not rng[0] <= value <= rng[1]:
        raise LazyscopeError(
            f"{name}={value:.6g} is outside the plot ({rng[0]:.6g}..{rng[1]:.6g}): "
            "inspect a point inside the window on screen."
        )
    return min(int(value * scale + shift), n - 1)


def pixel_at(view: View, x: object, y: object, line: bool) -> Pixel:
    """The pixel of `view` that holds the data point (x, y), binned as the grid bins rows;
    for a line only x matters (y is still checked, as the point clicked)."""
    fx, fy = _coordinate("x", x), _coordinate("y", y)
    sx, tx, sy, ty = view.scale()
    col = _index("x", fx, view.x_range, view.width, sx, tx)
    row = _index("y", fy, view.y_range, view.height, sy, ty)
    return Pixel(view, col, None if line else row)


def picker(
    spec: Spec,
    pixel: Pixel,
    categories: tuple[Any, ...],
    time_x: bool,
    rows: int,
    box: bool = False,
) -> Callable[[Any], Picked]:
    """pandas frame (the user's columns) -> its first `rows` rows under the pixel, and with
    `box` its bounding box (else NaN). A closure over plain values: shipped by value."""
    x, y, value, by = spec.x, spec.y, spec.value, spec.by
    (vx0, vx1), (vy0, vy1) = pixel.view.x_range, pixel.view.y_range
    (wx0, wx1), wide_y = pixel.widened()
    width, height, col, row = pixel.view.width, pixel.view.height, pixel.col, pixel.row
    sx, tx, sy, ty = pixel.view.scale()
    cats = list(categories)
    line = row is None
    needs_value = value is not None and spec.agg != "count"

    def numbers(series: Any, time: bool) -> Any:
        import numpy as np

        if time:  # as the grids bin a time: nanoseconds since the epoch (zones in UTC)
            if getattr(series.dtype, "tz", None) is not None:
                series = series.dt.tz_convert("UTC").dt.tz_localize(None)
            stamps = series.astype("datetime64[ns]")
            ns = stamps.to_numpy().astype("int64").astype("float64")
            return np.where(stamps.isna().to_numpy(), np.nan, ns)
        return series.to_numpy(dtype="float64", na_value=np.nan)

    def bounds(v: Any) -> tuple[float, float]:
        import numpy as np

        if not v.size or np.isnan(v).all():
            return math.nan, math.nan
        return float(np.nanmin(v)), float(np.nanmax(v))

    def exact(part: Any, at: Any, xs: Any, ys: Any) -> Any:
        """Which of the candidate rows `at` (positions) are in the pixel."""
        import numpy as np

        keep = (xs >= vx0) & (xs <= vx1)
        keep &= np.minimum(np.where(keep, xs * sx + tx, 0).astype(np.int64), width - 1) == col
        if line:
            keep &= ~np.isnan(ys)
        else:
            keep &= (ys >= vy0) & (ys <= vy1)
            cell = np.where(keep, ys * sy + ty, 0).astype(np.int64)
            keep &= np.minimum(cell, height - 1) == row
        if by is not None:
            keep &= part[by].iloc[at].isin(cats).to_numpy(dtype=bool, na_value=False)
        if needs_value:
            keep &= ~np.isnan(numbers(part[value].iloc[at], False))
        return at[keep]

    def pick(part: Any) -> Picked:
        import numpy as np

        xs, ys = numbers(part[x], time_x), numbers(part[y], False)
        found: list[Any] = []
        taken = 0
        # A cheap range test first, then the exact one on the few rows it keeps; a chunk at
        # a time, stopping once enough rows are found (NaN compares false: in no pixel).
        for start in range(0, len(xs), _CHUNK):
            cx, cy = xs[start : start + _CHUNK], ys[start : start + _CHUNK]
            near = (cx >= wx0) & (cx <= wx1)
            if wide_y is not None:
                near &= (cy >= wide_y[0]) & (cy <= wide_y[1])
            at = np.flatnonzero(near)
            if len(at):
                hits = exact(part, at + start, cx[at], cy[at])
                found.append(hits)
                taken += len(hits)
            if taken >= rows:
                break
        where = np.concatenate(found)[:rows] if found else np.zeros(0, np.int64)
        nan = (math.nan,) * 4
        return part.iloc[where], ((*bounds(xs), *bounds(ys)) if box else nan)

    return pick
