"""Per-category states of a bar chart, which combine in any order.

For each category of x (a missing x is one category of its own) a bar keeps: its number
of rows, the number `n` of its measured values that are not missing, their sum, min `lo`
and max `hi`. Every bar reduction (count, sum, mean, min, max) is a function of these, and
so is the reduction over any set of categories ("other": the mean of its rows is its sum
over its count, not a mean of means).

Partitions' tables merge by summing and taking min/max per key, in any tree. Shipped to an
engine's workers by value (it imports only numpy and pandas): they need no lazyscope.
"""

from __future__ import annotations

from typing import Any

__all__ = ["FIELDS", "measured", "merge", "partial"]

FIELDS = ("rows", "n", "sum", "lo", "hi")
_MERGE = {"rows": "sum", "n": "sum", "sum": "sum", "lo": "min", "hi": "max"}


def measured(column: Any, counted_only: bool) -> Any:
    """The measured column (a pandas Series) as float64, NaN where missing; a column only
    counted may hold anything (1.0 where it has a value)."""
    if counted_only:
        present = column.notna()
        return present.astype("float64").where(present)
    return column.astype("float64")


def partial(keys: Any, values: Any) -> Any:
    """A pandas DataFrame: one row per category of `keys` (a pandas Series), columns "key"
    and FIELDS. `values` is the measured column as float64 (NaN where missing), aligned
    with keys, or None to count rows only."""
    import numpy as np
    import pandas as pd

    keys = keys.rename("key")
    if values is None:
        rows = keys.groupby(keys, dropna=False, sort=False, observed=True).size()
        out = pd.DataFrame({"rows": rows, "n": rows, "sum": 0.0, "lo": np.nan, "hi": np.nan})
    else:
        grouped = values.rename("v").groupby(keys, dropna=False, sort=False, observed=True)
        out = grouped.agg(["size", "count", "sum", "min", "max"])
        out.columns = list(FIELDS)
    out = out.reset_index()
    out["key"] = out["key"].astype(object)  # partitions' categoricals differ: merge by value
    return out


def merge(*tables: Any) -> Any:
    """The tables of `partial` combined into one (per key: sums, min of mins, max of maxes)."""
    import pandas as pd

    kept = [t for t in tables if len(t)] or list(tables[:1])  # concat warns on empty frames
    both = pd.concat(kept, ignore_index=True) if len(kept) > 1 else kept[0]
    grouped = both.groupby("key", dropna=False, sort=False)
    out = grouped.agg({name: _MERGE[name] for name in FIELDS}).reset_index()
    out["key"] = out["key"].astype(object)
    return out
