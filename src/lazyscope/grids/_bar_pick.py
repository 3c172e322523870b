"""The rows of one bar of a bar chart: what inspecting a bar fetches where the data is.

A bar holds the rows whose x is its category; the "other" bar holds those whose x is none
of the drawn categories (a missing x among them, unless "(null)" is drawn). `mask` is that
test on a pandas Series: the kernel's bars use it, and an engine whose workers run pandas
ships it to them by value (it needs pandas only); an engine with its own expressions builds
the same test from `keys` and `inside`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from lazyscope._errors import LazyscopeError

__all__ = ["BarPick", "bar_at", "mask"]


@dataclass(frozen=True)
class BarPick:
    """Bar `index` (left to right), called `label`: the rows whose x is one of `keys`
    (None: x missing), or with `inside` False (the "other" bar) none of them."""

    index: int
    label: str
    keys: tuple[Any, ...]
    inside: bool = True

    @property
    def known(self) -> list[Any]:
        """The keys that are values (not the missing one)."""
        return [k for k in self.keys if k is not None]

    def mask(self, series: Any) -> Any:
        """Which rows of a pandas Series of x are in the bar (a boolean Series)."""
        return mask(series, self.keys, self.inside)


def mask(series: Any, keys: tuple[Any, ...], inside: bool) -> Any:
    """`BarPick.mask` from plain values (what a task shipped to a worker carries)."""
    hit = series.isin([k for k in keys if k is not None])
    if None in keys:
        hit = hit | series.isna()
    return hit if inside else ~hit


def bar_at(agg: Any, x: object) -> BarPick:
    """The bar of the bars Dataset `agg` at x: its name as the axis shows it, or a position
    on the axis (bars stand at 0, 1, 2, ...; a point between two is in the nearer)."""
    dim = agg["value"].dims[0]
    labels = [str(v) for v in agg[dim].values]
    if isinstance(x, str):
        if x not in labels:
            shown = ", ".join(repr(v) for v in labels[:8]) + (", ..." if len(labels) > 8 else "")
            raise LazyscopeError(f"No bar is called {x!r}. The bars: {shown}.")
        index = labels.index(x)
    else:
        at = _position(x)
        index = math.floor(at + 0.5)
        if not 0 <= index < len(labels):
            raise LazyscopeError(
                f"x={x!r} is beside the bars: they stand at 0 to {len(labels) - 1}, "
                "or give a bar's name."
            )
    keys = agg["key"].values.tolist()
    if agg.attrs["other"] and index == len(labels) - 1:
        return BarPick(index, labels[index], tuple(keys[:-1]), inside=False)
    return BarPick(index, labels[index], (keys[index],))


def _position(x: object) -> float:
    if isinstance(x, bool) or not isinstance(x, (int, float)) or not math.isfinite(x):
        raise LazyscopeError(f"A bar is picked by its name or its position on the axis, not {x!r}.")
    return float(x)
