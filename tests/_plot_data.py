"""Small, seeded test data for the plot tests, and the pandas answers they are checked against."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

__all__ = ["BAD_INPUTS", "in_window", "points"]


def points(n: int = 4000, seed: int = 7) -> pd.DataFrame:
    """x, y normal; v uniform with some NaN; some NaN x; c a 3-way category; s text."""
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(
        {
            "x": rng.normal(size=n),
            "y": rng.normal(size=n) * 2 + 1,
            "v": rng.random(n),
            "c": rng.choice(["a", "b", "c"], n),
            "i": rng.integers(0, 100, n),
        }
    )
    df.loc[::53, "v"] = np.nan
    df.loc[::97, "x"] = np.nan
    df["s"] = df["c"] + "!"
    df["nan"] = np.nan
    return df


def in_window(df: pd.DataFrame, x_range: Any, y_range: Any) -> pd.DataFrame:
    """Rows Datashader counts in a window: both edges inclusive, NaN out."""
    (x0, x1), (y0, y1) = x_range, y_range
    return df[(df.x >= x0) & (df.x <= x1) & (df.y >= y0) & (df.y <= y1)]


# (keyword arguments, words the one-line error must contain); data-dependent cases
# (empty frame, all-NaN column) are tested separately.
BAD_INPUTS = [
    ({"x": "nope"}, ["'nope'", "not in the DataFrame"]),
    ({"x": "s"}, ["'s'", "not numeric"]),
    ({"agg": "mean"}, ["value="]),
    ({"agg": "median", "value": "v"}, ["median"]),
    ({"value": "c", "agg": "sum"}, ["'c'", "not numeric"]),
    ({"x_range": (1.0, -1.0)}, ["reversed"]),
    ({"y_range": (2.0, 2.0)}, ["empty"]),
    ({"by": "v"}, ["float"]),
    ({"how": "sqrt"}, ["how="]),
    ({"width": 0}, ["width"]),
]
