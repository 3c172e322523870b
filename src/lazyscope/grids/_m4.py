"""Per-pixel-column states of a line plot (M4), which combine in any order.

For each pixel column (of each category) a line keeps: n rows, the min `lo` and max `hi`
of y, and the first and last row in x order as (fx, fy) and (lx, ly). Rows are ordered
by x, ties by y: "first" is the smallest (x, y) pair, "last" the largest. That order is a
total one on values, so every engine (numpy here, a Spark aggregate, Dask partitions
merged in any tree) finds the same first and last rows, whatever the order of the data.

Shipped to Dask workers by value (it imports only numpy): they need no lazyscope.
"""

from __future__ import annotations

import numpy as np

__all__ = ["FIELDS", "column_states", "empty", "merge", "partial", "pixel_columns"]

FIELDS = ("n", "lo", "hi", "fx", "fy", "lx", "ly")
# What a column holds where no row fell: merging it changes nothing.
_NEUTRAL = {"lo": np.inf, "hi": -np.inf, "fx": np.inf, "fy": np.inf, "lx": -np.inf, "ly": -np.inf}

States = dict[str, np.ndarray]


def pixel_columns(
    x: np.ndarray, x_range: tuple[float, float], width: int
) -> tuple[np.ndarray, np.ndarray]:
    """(rows kept, their pixel column): Datashader's binning of the points plot, int(x*s+t)
    with the upper edge in the last column (`View.scale`); NaN and rows outside drop."""
    sx = width / (x_range[1] - x_range[0])
    tx = -x_range[0] * sx
    keep = (x >= x_range[0]) & (x <= x_range[1])
    col = np.minimum((x[keep] * sx + tx).astype(np.int64), width - 1)
    return keep, col


def column_states(
    x: np.ndarray,
    y: np.ndarray,
    codes: np.ndarray | None,
    layers: int,
    x_range: tuple[float, float],
    width: int,
) -> States:
    """States of rows (x, y as float64; codes: each row's layer, -1 for none, or None for
    one layer) over `layers` x `width` columns, flat. Rows without a y take no part."""
    ok = ~np.isnan(y)
    if codes is not None:
        ok &= codes >= 0
    x, y = x[ok], y[ok]
    keep, idx = pixel_columns(x, x_range, width)
    if codes is not None:
        idx = idx + codes[ok][keep].astype(np.int64) * width
    return partial(layers * width, idx, x[keep], y[keep])


def empty(cells: int) -> States:
    out = {"n": np.zeros(cells, np.int64)}
    for name, fill in _NEUTRAL.items():
        out[name] = np.full(cells, fill)
    return out


def partial(cells: int, idx: np.ndarray, x: np.ndarray, y: np.ndarray) -> States:
    """States over `cells` columns of rows at column `idx` (no NaN in x or y)."""
    out = empty(cells)
    out["n"] += np.bincount(idx, minlength=cells)
    np.minimum.at(out["lo"], idx, y)  # unbuffered: fast since numpy 2 (0.2 s for 10M rows)
    np.maximum.at(out["hi"], idx, y)
    np.minimum.at(out["fx"], idx, x)
    np.maximum.at(out["lx"], idx, x)
    at = x == out["fx"][idx]  # the rows at their column's smallest x: the least y of them
    np.minimum.at(out["fy"], idx[at], y[at])
    at = x == out["lx"][idx]
    np.maximum.at(out["ly"], idx[at], y[at])
    return out


def merge(acc: States, part: States) -> States:
    """acc and part combined (acc is updated and returned)."""
    acc["n"] += part["n"]
    np.minimum(acc["lo"], part["lo"], out=acc["lo"])
    np.maximum(acc["hi"], part["hi"], out=acc["hi"])
    first = (part["fx"] < acc["fx"]) | ((part["fx"] == acc["fx"]) & (part["fy"] < acc["fy"]))
    last = (part["lx"] > acc["lx"]) | ((part["lx"] == acc["lx"]) & (part["ly"] > acc["ly"]))
    for name, take in (("fx", first), ("fy", first), ("lx", last), ("ly", last)):
        acc[name] = np.where(take, part[name], acc[name])
    return acc
