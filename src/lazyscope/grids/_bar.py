"""What the back-ends share for `kind="bar"`: the schema rule, the ranking of per-category
states into the top N bars plus "other", and the Dataset a bar chart's `.aggregate` is.

The engines reduce rows to one set of states per category (`_bar_states`); everything
after that is here, on the driver, identical for every engine: which categories are
drawn, in which order, and what the "other" bar holds.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from lazyscope._errors import LazyscopeError

from ._bar_states import FIELDS
from ._spec import Spec, View, _names

__all__ = ["NULL_LABEL", "bar_dataset", "check_bar_schema", "other_label"]

NULL_LABEL = "(null)"  # the bar of the rows whose x is missing


def other_label(members: int) -> str:
    """The last bar's name: it says how many categories it folds together."""
    return f"other ({members:,})"


def check_bar_schema(types: Mapping[str, str], spec: Spec) -> None:
    """x holds categories (strings, integers, booleans; numbers are taken as they are);
    the reduced column is numeric unless it is only counted."""
    for col in spec.columns:
        if col not in types:
            raise LazyscopeError(
                f"Column {col!r} is not in the DataFrame. Columns: {_names(types)}."
            )
    if types[spec.x] == "other":
        raise LazyscopeError(
            f"Column {spec.x!r} (x) must hold categories: strings, integers or booleans."
        )
    if spec.value is not None and spec.agg != "count" and types[spec.value] != "numeric":
        raise LazyscopeError(
            f"Column {spec.value!r} is not numeric: agg={spec.agg!r} needs numbers."
        )


def _values(agg: str, counted: bool, states: Mapping[str, np.ndarray]) -> np.ndarray:
    """The bar heights from states: count is of rows, or of values when a column is given;
    the sum of no values is 0 (as pandas'); mean, min and max of no values are NaN."""
    n = states["n"].astype(np.float64)
    if agg == "count":
        return n if counted else states["rows"].astype(np.float64)
    if agg == "sum":
        return np.where(n > 0, states["sum"], 0.0)
    if agg == "mean":
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(n > 0, states["sum"] / np.maximum(n, 1), np.nan)
    return np.where(n > 0, states["lo" if agg == "min" else "hi"], np.nan)


def _key_ranks(keys: Sequence[Any]) -> np.ndarray:
    """Each key's place in ascending order (ties between bars of equal height go in this
    order); a missing key after every other."""
    present = [i for i, k in enumerate(keys) if k is not None]
    ranks = np.full(len(keys), len(keys), np.int64)
    if present:
        values = [keys[i] for i in present]
        try:
            order = sorted(range(len(values)), key=values.__getitem__)
        except TypeError:  # an object column of mixed types: by their text
            order = sorted(range(len(values)), key=lambda i: str(values[i]))
        ranks[np.asarray(present)[order]] = np.arange(len(order))
    return ranks


def _finite(v: float) -> float:
    """fmin/fmax of only NaN (no values): NaN, not the reduction's starting infinity."""
    return float(v) if np.isfinite(v) else np.nan


def _missing(key: Any) -> bool:
    try:
        return bool(key != key) or key is None  # NaN and None; pandas' NA raises
    except TypeError:
        return True


def bar_dataset(
    keys: Sequence[Any],
    states: Mapping[str, np.ndarray],
    spec: Spec,
    view: View,
    engine: str,
    source: str,
) -> Any:
    """The bars as an xarray.Dataset over dim spec.x (labels: the categories as text,
    "(null)", "other (k)"): `value` (the reduction), `rows`, `members` (categories per bar),
    and the coordinate `key`: each bar's category as the data holds it (None for "(null)"
    and "other").

    Bars are sorted by value, largest first (NaN last; ties by category); the first
    `spec.top` are drawn and the rest fold into one "other" bar, last, whose value is the
    reduction over all of its rows."""
    import xarray as xr

    keys = [None if _missing(k) else k for k in keys]
    states = {name: np.asarray(states[name]) for name in FIELDS}
    if int(states["rows"].sum()) == 0:
        raise LazyscopeError("The DataFrame has no rows: there is nothing to plot.")
    counted = spec.value is not None
    heights = _values(spec.agg, counted, states)
    nan = np.isnan(heights)
    order = np.lexsort((_key_ranks(keys), np.where(nan, 0.0, -heights), nan))
    shown, rest = order[: spec.top], order[spec.top :]
    labels = [NULL_LABEL if keys[i] is None else str(keys[i]) for i in shown]
    drawn = [keys[i] for i in shown]  # the categories themselves (inspect filters by them)
    bars = {name: states[name][shown] for name in FIELDS}
    members = np.ones(len(shown), np.int64)
    if rest.size:
        other = {
            "rows": states["rows"][rest].sum(),
            "n": states["n"][rest].sum(),
            "sum": states["sum"][rest][states["n"][rest] > 0].sum(),
            "lo": _finite(np.fmin.reduce(states["lo"][rest], initial=np.inf)),
            "hi": _finite(np.fmax.reduce(states["hi"][rest], initial=-np.inf)),
        }
        bars = {name: np.append(bars[name], other[name]) for name in FIELDS}
        members = np.append(members, rest.size)
        labels.append(other_label(int(rest.size)))
        drawn.append(None)
    values = _values(spec.agg, counted, bars)
    dim = spec.x if spec.x not in ("value", "rows", "members", "key") else "category"
    out = xr.Dataset(
        {
            "value": ((dim,), values),
            "rows": ((dim,), bars["rows"].astype(np.int64)),
            "members": ((dim,), members),
        },
        coords={dim: labels, "key": ((dim,), np.array(drawn, dtype=object))},
    )
    finite = values[np.isfinite(values)]
    low, high = min(0.0, float(finite.min(initial=0.0))), max(0.0, float(finite.max(initial=0.0)))
    if low == high:
        high = 1.0
    pad = 0.05 * (high - low)  # a little air above the tallest bar (below the lowest)
    out.attrs.update(
        x_range=(-0.5, len(labels) - 0.5),
        y_range=(low - (pad if low < 0 else 0.0), high + (pad if high > 0 else 0.0)),
        agg=spec.agg,
        engine=engine,
        source=source,
        kind="bar",
        by="",
        x=spec.x,
        value=spec.value or "",
        label=spec.label,
        top=spec.top,
        categories=len(keys),
        other=int(rest.size),
        rows=int(states["rows"].sum()),
        width=view.width,
        height=view.height,
    )
    return out
