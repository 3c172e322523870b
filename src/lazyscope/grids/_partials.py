"""Per-partition partial grids, computed inside Spark's Python workers.

This module is shipped to the executors by value (it imports only numpy and pyarrow, which
every executor running Arrow UDFs has), so lazyscope need not be installed on a cluster.
Spark computes each row's pixel index in the JVM; here one partition's indices (and
values) become combinable per-pixel states, sent back as one binary row holding only the
non-empty pixels:

    count: n          sum/mean: n, s          min: n, lo          max: n, hi
    std:   n, s, m2   (m2 = sum of squared deviations from the pixel's own mean)

n counts the rows with a value (all rows for a plain count), exactly as Datashader does.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

__all__ = ["NEUTRAL", "STATES", "decode", "encode", "mapper", "partial"]

STATES: dict[str, tuple[str, ...]] = {
    "count": ("n",),
    "sum": ("n", "s"),
    "mean": ("n", "s"),
    "min": ("n", "lo"),
    "max": ("n", "hi"),
    "std": ("n", "s", "m2"),
}
# What a state holds for a pixel where nothing fell: merging it changes nothing.
NEUTRAL = {"s": 0.0, "lo": np.inf, "hi": -np.inf, "m2": 0.0}
_CHUNK = 4_000_000  # rows binned at once: bounds a Python worker's memory on big partitions


def partial(agg: str, cells: int, idx: np.ndarray, v: np.ndarray | None) -> dict[str, np.ndarray]:
    """Dense states over `cells` pixels for rows at pixel `idx` with values `v`."""
    if v is not None:
        keep = ~np.isnan(v)
        idx, v = idx[keep], v[keep]
    out = {"n": np.bincount(idx, minlength=cells)}
    if agg in ("sum", "mean", "std"):
        out["s"] = np.bincount(idx, weights=v, minlength=cells)
    if agg == "std" and v is not None:
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = out["s"] / out["n"]
        out["m2"] = np.bincount(idx, weights=(v - mean[idx]) ** 2, minlength=cells)
    if agg in ("min", "max") and v is not None:
        name, fill, ufunc = (
            ("lo", np.inf, np.minimum) if agg == "min" else ("hi", -np.inf, np.maximum)
        )
        out[name] = np.full(cells, fill)
        ufunc.at(out[name], idx, v)
    return out


def merge(
    agg: str, acc: dict[str, np.ndarray], idx: np.ndarray | slice, part: dict[str, np.ndarray]
) -> None:
    """Fold the states `part` (at pixels `idx`, each once, or all) into the dense `acc`."""
    if agg == "std":  # Chan et al.'s pairwise update of the squared deviations
        n_a, n_b = acc["n"][idx], part["n"]
        n = n_a + n_b
        with np.errstate(invalid="ignore", divide="ignore"):
            both = (n_a > 0) & (n_b > 0)
            delta = np.where(both, part["s"] / n_b - acc["s"][idx] / n_a, 0.0)
            acc["m2"][idx] += part["m2"] + np.where(n > 0, delta**2 * n_a * n_b / n, 0.0)
    acc["n"][idx] += part["n"]  # in place: no temporary the size of the grid
    if "s" in part:
        acc["s"][idx] += part["s"]
    if "lo" in part:
        acc["lo"][idx] = np.minimum(acc["lo"][idx], part["lo"])
    if "hi" in part:
        acc["hi"][idx] = np.maximum(acc["hi"][idx], part["hi"])


def empty(agg: str, cells: int) -> dict[str, np.ndarray]:
    out = {"n": np.zeros(cells, np.int64)}
    for name in STATES[agg][1:]:
        out[name] = np.full(cells, NEUTRAL[name])
    return out


def encode(agg: str, states: dict[str, np.ndarray]) -> bytes:
    """The pixels with data, compactly: header int64 (k, dense); then, unless dense, k int32
    pixel indices; then int32 counts and each float64 state for those k pixels. Dense (all
    pixels, no indices) is chosen when it is the smaller of the two."""
    n = states["n"]
    idx = np.flatnonzero(n)
    per_pixel = 4 + 8 * (len(STATES[agg]) - 1)
    dense = len(idx) * (4 + per_pixel) >= len(n) * per_pixel
    arrays = [np.array([len(n) if dense else len(idx), int(dense)], np.int64)]
    if not dense:
        arrays.append(idx.astype(np.int32))
        states = {k: a[idx] for k, a in states.items()}
    arrays.append(states["n"].astype(np.int32))
    arrays += [states[name].astype(np.float64) for name in STATES[agg][1:]]
    return b"".join(a.tobytes() for a in arrays)


def decode(agg: str, blob: Any) -> tuple[np.ndarray | slice, dict[str, np.ndarray]]:
    """(pixel indices, or slice(None) for a dense partial; states) of one partial."""
    k, dense = (int(v) for v in np.frombuffer(blob, np.int64, 2))
    at = 16
    idx: np.ndarray | slice = slice(None)
    if not dense:
        idx, at = np.frombuffer(blob, np.int32, k, at), at + 4 * k
    states = {"n": np.frombuffer(blob, np.int32, k, at)}
    at += 4 * k
    for name in STATES[agg][1:]:
        states[name], at = np.frombuffer(blob, np.float64, k, at), at + 8 * k
    return idx, states


def mapper(agg: str, cells: int, has_value: bool) -> Callable[[Iterator[Any]], Iterator[Any]]:
    """The `mapInArrow` function: Arrow batches of (c[, v]) in, one row `part` out."""

    def run(batches: Iterator[Any]) -> Iterator[Any]:
        import pyarrow as pa

        acc: dict[str, np.ndarray] | None = None
        idx: list[np.ndarray] = []
        vals: list[np.ndarray] = []
        held = 0
        for batch in batches:
            idx.append(batch.column(0).to_numpy(zero_copy_only=False))
            if has_value:
                vals.append(batch.column(1).to_numpy(zero_copy_only=False).astype(np.float64))
            held += batch.num_rows
            if held >= _CHUNK:
                acc = _fold(agg, cells, acc, idx, vals)
                held = 0
        acc = _fold(agg, cells, acc, idx, vals)
        blob = encode(agg, acc if acc is not None else empty(agg, cells))
        yield pa.RecordBatch.from_arrays([pa.array([blob], pa.binary())], ["part"])

    return run


def _fold(
    agg: str,
    cells: int,
    acc: dict[str, np.ndarray] | None,
    idx: list[np.ndarray],
    vals: list[np.ndarray],
) -> dict[str, np.ndarray] | None:
    """Bin the held rows; the first chunk's states become the partition's accumulator."""
    if not idx:
        return acc
    part = partial(agg, cells, np.concatenate(idx), np.concatenate(vals) if vals else None)
    idx.clear()
    vals.clear()
    if acc is None:
        return part
    where = np.flatnonzero(part["n"])
    merge(agg, acc, where, {k: a[where] for k, a in part.items()})
    return acc
