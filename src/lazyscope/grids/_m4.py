"""Per-pixel-column states of a line plot (M4), which combine in any order.

For each pixel column (of each category) a line keeps: n rows, the min `lo` and max `hi`
of y, and the first and last row in x order as (fx, fy) and (lx, ly). Rows are ordered
by x, ties by y: "first" is the smallest (x, y) pair, "last" the largest. That order is a
total one on values, so every engine (numpy here, an aggregate of a SQL engine, partitions
merged in any tree) finds the same first and last rows, whatever the order of the data.

Shipped to an engine's workers by value (it imports only numpy): they need no lazyscope.
"""

from __future__ import annotations

import numpy as np

__all__ = ["FIELDS", "column_states", "empty", "merge", "partial", "pixel_columns"]

FIELDS = ("n", "lo", "hi", "fx", "fy", "lx", "ly")
# What a column holds where no row fell: merging it changes nothing.
_NEUTRAL = {"lo": np.inf, "hi": -np.inf, "fx": np.inf, "fy": np.inf, "lx": -np.inf, "ly": -np.inf}

States = dict[str, np.ndarray]
CHUNK = 1 << 18  # rows per step of `column_states`: 2 MB per float column
# min and max of y, then the first and last x: (state, reduction, of which column)
_REDUCE = (
    ("lo", np.minimum, "y"),
    ("hi", np.maximum, "y"),
    ("fx", np.minimum, "x"),
    ("lx", np.maximum, "x"),
)


def pixel_columns(
    x: np.ndarray, x_range: tuple[float, float], width: int
) -> tuple[np.ndarray, np.ndarray]:
    """(rows kept, their pixel column): Datashader's binning of the points plot, int(x*s+t)
    with the upper edge in the last column (`View.scale`); NaN and rows outside drop."""
    sx = width / (x_range[1] - x_range[0])
    tx = -x_range[0] * sx
    keep = (x >= x_range[0]) & (x <= x_range[1])
    inside = x if keep.all() else x[keep]  # no copy when every row is in the window
    col = np.minimum((inside * sx + tx).astype(np.int64), width - 1)
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
    one layer) over `layers` x `width` columns, flat. Rows without a y take no part.

    Taken CHUNK rows at a time: the temporaries then stay in the allocator's heap and the
    cache. Arrays the size of the data are fresh pages for every call, and touching them
    cost more than the arithmetic (10M rows: 0.2-0.6 s of CPU, chunked 0.06-0.12 s)."""
    acc = empty(layers * width)
    for start in range(0, len(x), CHUNK):
        part = slice(start, start + CHUNK)
        chunk_codes = None if codes is None else codes[part]
        merge(acc, _chunk_states(x[part], y[part], chunk_codes, layers, x_range, width))
    return acc


def _chunk_states(
    x: np.ndarray,
    y: np.ndarray,
    codes: np.ndarray | None,
    layers: int,
    x_range: tuple[float, float],
    width: int,
) -> States:
    ok = ~np.isnan(y)
    if codes is not None:
        ok &= codes >= 0
    if not ok.all():  # copies only when some rows drop (each costs ~50 ms per 10M rows)
        x, y, codes = x[ok], y[ok], None if codes is None else codes[ok]
    keep, idx = pixel_columns(x, x_range, width)
    if not keep.all():
        x, y, codes = x[keep], y[keep], None if codes is None else codes[keep]
    if codes is not None:
        idx = idx + codes.astype(np.int64) * width
    return partial(layers * width, idx, x, y)


def empty(cells: int) -> States:
    out = {"n": np.zeros(cells, np.int64)}
    for name, fill in _NEUTRAL.items():
        out[name] = np.full(cells, fill)
    return out


def partial(cells: int, idx: np.ndarray, x: np.ndarray, y: np.ndarray) -> States:
    """States over `cells` columns of rows at column `idx` (no NaN in x or y)."""
    out = empty(cells)
    if idx.size and bool(np.all(idx[1:] >= idx[:-1])):  # x sorted, as most series are
        # each column's run of rows (np.diff with prepend is 10x slower than this)
        starts = np.concatenate(([0], np.flatnonzero(idx[1:] != idx[:-1]) + 1))
        at = idx[starts]
        out["n"][at] = np.diff(starts, append=idx.size)
        for name, ufunc, v in _REDUCE:  # about 4x faster than the .at calls below
            out[name][at] = ufunc.reduceat(x if v == "x" else y, starts)
    else:
        out["n"] += np.bincount(idx, minlength=cells)
        for name, ufunc, v in _REDUCE:  # unbuffered: fast since numpy 2 (0.2 s, 10M rows)
            ufunc.at(out[name], idx, x if v == "x" else y)
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
