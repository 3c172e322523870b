"""Per-pixel states of a grid, which combine: what an engine's workers merge in a tree, or
what an engine's own aggregate (in its runtime) is scattered into on the driver.

This module is shipped to the workers by value (it imports only numpy), so lazyscope
need not be installed on a cluster. The states of a pixel:

    count: n          sum/mean: n, s          min: n, lo          max: n, hi
    std:   n, s, m2   (m2 = sum of squared deviations from the pixel's own mean)

n counts the rows with a value (all rows for a plain count), exactly as Datashader does.
"""

from __future__ import annotations

import numpy as np

__all__ = ["NEUTRAL", "STATES", "empty", "merge", "partial"]

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
