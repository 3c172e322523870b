"""Brute-force answers for line plots, written independently of lazyscope's M4 code: the
per-column min/max/first/last by sorting every row, and the picture by drawing every
segment of the full polyline pixel by pixel."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

__all__ = ["check_line", "columns_of", "polyline_pixels", "reference", "series", "to_ns"]


def series(n: int, seed: int, gaps: bool = True) -> pd.DataFrame:
    """x in [0, 10) unsorted with NaN, some ties, and empty stretches (gaps); y a random
    walk with NaN; c a 3-way category."""
    rng = np.random.default_rng(seed)
    x = rng.random(n) * 10
    if gaps:  # no rows in [3, 4) nor [6.5, 6.6): whole pixel columns empty
        x = x[((x < 3) | (x >= 4)) & ((x < 6.5) | (x >= 6.6))]
    x = np.concatenate([x, np.round(x[: len(x) // 10], 1)])  # ties at equal x
    rng.shuffle(x)
    y = np.cumsum(rng.standard_normal(len(x)))
    df = pd.DataFrame({"x": x, "y": y, "c": rng.choice(["p", "q", "r"], len(x))})
    df.loc[::41, "y"] = np.nan
    df.loc[::59, "x"] = np.nan
    return df


def to_ns(values: Any) -> np.ndarray:
    return np.asarray(pd.Series(values).astype("int64"), dtype=np.float64)


def columns_of(x: np.ndarray, x_range: tuple[float, float], width: int) -> np.ndarray:
    """Datashader's binning, written out: int(x*s + t), the upper edge in the last column."""
    s = width / (x_range[1] - x_range[0])
    t = -x_range[0] * s
    return np.array([min(int(v * s + t), width - 1) for v in x], dtype=np.int64)


def reference(
    x: np.ndarray, y: np.ndarray, x_range: tuple[float, float], width: int
) -> dict[str, np.ndarray]:
    """Per column: count, min, max, first, last of y, rows sorted by (x, y); NaN if empty."""
    ok = ~np.isnan(x) & ~np.isnan(y) & (x >= x_range[0]) & (x <= x_range[1])
    df = pd.DataFrame({"x": x[ok], "y": y[ok]}).sort_values(["x", "y"], kind="mergesort")
    df["col"] = columns_of(df.x.to_numpy(), x_range, width)
    g = df.groupby("col").y
    out = {}
    for name, values in (
        ("count", g.size()),
        ("min", g.min()),
        ("max", g.max()),
        ("first", g.first()),
        ("last", g.last()),
    ):
        out[name] = values.reindex(range(width)).to_numpy(dtype=np.float64)
    out["count"] = np.nan_to_num(out["count"])
    return out


def check_line(agg: Any, x: np.ndarray, y: np.ndarray, **select: Any) -> None:
    """The line Dataset `agg` (one layer of it with `select`) holds the reference states."""
    layer = agg.sel(select) if select else agg
    want = reference(x, y, tuple(agg.attrs["x_range"]), agg.attrs["width"])
    for name, values in want.items():
        np.testing.assert_array_equal(layer[name].values.astype(np.float64), values, err_msg=name)


def _row(v: float, y_range: tuple[float, float], height: int) -> int:
    s = height / (y_range[1] - y_range[0])
    r = float(np.floor(np.clip(v * s - y_range[0] * s, -(2.0**40), 2.0**40)))
    if r >= height and v <= y_range[1]:
        r = height - 1
    if r < 0 and v >= y_range[0]:
        r = 0
    return int(r)


def polyline_pixels(
    x: np.ndarray, y: np.ndarray, view: tuple[tuple[float, float], tuple[float, float], int, int]
) -> np.ndarray:
    """Every pixel the polyline through all rows (sorted by (x, y)) lights: a segment within
    one column lights the rows between its ends; a segment to the next column lights, row by
    row, the column nearer to that row's place on it (ties to the left); a segment that
    skips a column is a gap. (height, width) bools, rows bottom-up."""
    x_range, y_range, width, height = view
    ok = ~np.isnan(x) & ~np.isnan(y) & (x >= x_range[0]) & (x <= x_range[1])
    order = np.lexsort((y[ok], x[ok]))
    xs, ys = x[ok][order], y[ok][order]
    cols = columns_of(xs, x_range, width)
    rows = [_row(v, y_range, height) for v in ys]
    lit = np.zeros((height, width), bool)

    def light(c: int, r: int) -> None:
        if 0 <= r < height:
            lit[r, c] = True

    for i in range(len(xs)):
        light(cols[i], rows[i])
        if i == 0:
            continue
        c0, r0, c1, r1 = cols[i - 1], rows[i - 1], cols[i], rows[i]
        d = r1 - r0
        for r in range(max(min(r0, r1), -1), min(max(r0, r1), height) + 1):
            if c1 == c0:
                light(c0, r)
            elif c1 == c0 + 1:
                light(c0 if 2 * abs(r - r0) <= abs(d) else c1, r)
    return lit
