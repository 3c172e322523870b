"""What to plot (`Spec`), which window at which resolution (`View`), and argument checks.

Everything here is engine-neutral and cheap: it runs before any engine is touched, so a
typo costs a one-line error, not an engine job.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from lazyscope._errors import LazyscopeError

if TYPE_CHECKING:
    import numpy as np

__all__ = [
    "AGGS",
    "BAR_AGGS",
    "HOWS",
    "KINDS",
    "MAX_CATEGORIES",
    "MAX_TOP",
    "Range",
    "Spec",
    "View",
    "check_column",
    "check_range",
    "check_schema",
    "check_size",
    "column_range",
    "finish_extent",
]

AGGS = ("count", "sum", "mean", "min", "max", "std")
KINDS = ("points", "line", "bar")  # "line": per pixel column M4; "bar": per category of x
BAR_AGGS = ("count", "sum", "mean", "min", "max")  # reductions whose "other" bar is exact
HOWS = ("eq_hist", "linear", "log", "cbrt")
MAX_CATEGORIES = 64  # a legend longer than this is unreadable and the grids grow by that factor
MAX_TOP = 1000  # bars: more than this is no longer a chart anyone reads
MAX_PIXELS = 4096  # per side: a grid bigger than a screen is memory spent on nothing
Range = tuple[float, float]


@dataclass(frozen=True)
class Spec:
    """Columns and reduction of one plot. `value` is None only for a plain row count.
    A bar chart (kind "bar") has no y axis column: y is "", `value` is the column reduced
    per category of x, and `top` the number of categories drawn before "other"."""

    x: str
    y: str
    agg: str = "count"
    value: str | None = None
    by: str | None = None
    kind: str = "points"
    top: int = 20

    @property
    def columns(self) -> list[str]:
        names = [self.x, self.y, self.value, self.by]
        return list(dict.fromkeys(n for n in names if n))

    @property
    def label(self) -> str:
        if self.kind == "line":
            return "line"
        if self.kind == "bar":
            return f"{self.agg} of {self.value or 'rows'}"
        return self.agg if self.value is None else f"{self.agg}({self.value})"

    @classmethod
    def checked(
        cls,
        x: str,
        y: str | None,
        agg: str,
        value: str | None,
        by: str | None,
        kind: str = "points",
        top: int = 20,
    ) -> Spec:
        if kind not in KINDS:
            raise LazyscopeError(f"Unknown kind={kind!r}; use one of {', '.join(KINDS)}.")
        if kind == "bar":
            return cls._bars(x, y, agg, value, by, top)
        if y is None:
            raise LazyscopeError(f"kind={kind!r} needs y=<numeric column> for its y axis.")
        if kind == "line" and (agg != "count" or value is not None):
            raise LazyscopeError(
                f"kind='line' draws y itself: leave agg='count' and value=None (got agg={agg!r})."
            )
        if agg not in AGGS:
            raise LazyscopeError(f"Unknown agg={agg!r}; use one of {', '.join(AGGS)}.")
        if agg != "count" and value is None:
            raise LazyscopeError(f"agg={agg!r} needs value=<numeric column> to reduce.")
        for name, col in (("x", x), ("y", y), ("value", value), ("by", by)):
            if col is not None and (not isinstance(col, str) or not col):
                raise LazyscopeError(f"{name} must be a column name (a string), not {col!r}.")
        if x == y:
            raise LazyscopeError(f"x and y are both {x!r}: plot needs two different columns.")
        return cls(x, y, agg, value, by, kind)

    @classmethod
    def _bars(
        cls, x: str, y: str | None, agg: str, value: str | None, by: str | None, top: int
    ) -> Spec:
        """A bar chart's spec: y (or value=, the same thing) is the column reduced."""
        if by is not None:
            raise LazyscopeError(
                "kind='bar' draws one bar per category of x: by= (stacked or grouped bars) "
                "is not offered; filter the rows of each group, or make x the category."
            )
        if agg not in BAR_AGGS:
            raise LazyscopeError(
                f"kind='bar' takes agg= one of {', '.join(BAR_AGGS)}, not {agg!r}."
            )
        if y is not None and value is not None and y != value:
            raise LazyscopeError(
                f"kind='bar' reduces one column: give it as y or as value=, not both "
                f"(got y={y!r}, value={value!r})."
            )
        measured = y if y is not None else value
        for name, col in (("x", x), ("y", measured)):
            if col is not None and (not isinstance(col, str) or not col):
                raise LazyscopeError(f"{name} must be a column name (a string), not {col!r}.")
        if agg != "count" and measured is None:
            raise LazyscopeError(
                f"agg={agg!r} needs the numeric column to reduce: "
                f"lazyscope.plot(df, {x!r}, <column>, kind='bar', agg={agg!r})."
            )
        if x == measured:
            raise LazyscopeError(
                f"x and y are both {x!r}: a bar chart reduces another column per category of x."
            )
        if not isinstance(top, int) or isinstance(top, bool) or not 1 <= top <= MAX_TOP:
            raise LazyscopeError(f"top must be a whole number of bars, 1..{MAX_TOP}, not {top!r}.")
        return cls(x, "", agg, measured, None, "bar", top)


@dataclass(frozen=True)
class View:
    """A window in data coordinates, aggregated into width x height pixels."""

    x_range: Range
    y_range: Range
    width: int
    height: int

    def scale(self) -> tuple[float, float, float, float]:
        """(sx, tx, sy, ty) computed exactly as Datashader does, so every back-end bins a
        point into the same pixel: pixel = int(v * s + t), the upper edge inclusive."""
        sx = self.width / (self.x_range[1] - self.x_range[0])
        sy = self.height / (self.y_range[1] - self.y_range[0])
        return sx, -self.x_range[0] * sx, sy, -self.y_range[0] * sy

    def centres(self) -> tuple[np.ndarray, np.ndarray]:
        """Pixel-centre coordinates, as Datashader labels its grids."""
        import numpy as np

        sx, tx, sy, ty = self.scale()
        return (np.arange(self.width) + 0.5 - tx) / sx, (np.arange(self.height) + 0.5 - ty) / sy


def check_size(width: object, height: object) -> tuple[int, int]:
    for name, v in (("width", width), ("height", height)):
        if not isinstance(v, int) or isinstance(v, bool) or not 1 <= v <= MAX_PIXELS:
            raise LazyscopeError(f"{name} must be a whole number of pixels, 1..{MAX_PIXELS}.")
    return int(width), int(height)  # type: ignore[call-overload]  # checked just above


def check_range(name: str, value: object) -> Range | None:
    """None, or a (low, high) pair of finite numbers with low < high."""
    if value is None:
        return None
    try:
        low, high = (float(v) for v in value)  # type: ignore[attr-defined]
    except (TypeError, ValueError):
        raise LazyscopeError(
            f"{name} must be a (low, high) pair of numbers, not {value!r}."
        ) from None
    if not (math.isfinite(low) and math.isfinite(high)):
        raise LazyscopeError(f"{name} must be finite, got ({low}, {high}).")
    if low >= high:
        raise LazyscopeError(
            f"{name}=({low:g}, {high:g}) is empty or reversed: give (low, high) with low < high."
        )
    return low, high


def check_schema(types: Mapping[str, str], spec: Spec) -> None:
    """types maps every column to "numeric", "category" or "other" (from metadata only)."""
    for col in spec.columns:
        if col not in types:
            raise LazyscopeError(
                f"Column {col!r} is not in the DataFrame. Columns: {_names(types)}."
            )
    for role, name in (("x", spec.x), ("y", spec.y), ("value", spec.value)):
        if name is not None and types[name] != "numeric":
            raise LazyscopeError(
                f"Column {name!r} ({role}) is not numeric: plot needs numbers for x, y and value."
            )
    if spec.by is not None and types[spec.by] == "other":
        raise LazyscopeError(
            f"Column {spec.by!r} (by) must hold categories: strings, integers or booleans."
        )


def finish_extent(spec: Spec, rows: int, bounds: Sequence[float | None]) -> tuple[Range, Range]:
    """Turn one min/max pass (rows, xmin, xmax, ymin, ymax) into plot ranges, or say why not."""
    if rows == 0:
        raise LazyscopeError("The DataFrame has no rows: there is nothing to plot.")
    x = column_range(spec.x, bounds[0], bounds[1], "x_range")
    return x, column_range(spec.y, bounds[2], bounds[3], "y_range")


def column_range(column: str, low: float | None, high: float | None, arg: str) -> Range:
    """A column's (min, max) as a usable window; a single value gets a unit-wide one."""
    if low is None or high is None or math.isnan(low) or math.isnan(high):
        raise LazyscopeError(
            f"Column {column!r} has only missing (NaN/null) values: nothing to plot."
        )
    if math.isinf(low) or math.isinf(high):
        raise LazyscopeError(f"Column {column!r} holds infinite values: pass {arg}=(low, high).")
    if low == high:
        return float(low) - 0.5, float(high) + 0.5
    return float(low), float(high)


def check_column(types: Mapping[str, str], column: object) -> str:
    """The one numeric column a histogram counts."""
    if not isinstance(column, str):
        raise LazyscopeError(f"column must be a column name (a string), not {column!r}.")
    if column not in types:
        raise LazyscopeError(
            f"Column {column!r} is not in the DataFrame. Columns: {_names(types)}."
        )
    if types[column] != "numeric":
        raise LazyscopeError(f"Column {column!r} is not numeric: a histogram needs numbers.")
    return column


def _names(types: Mapping[str, str], limit: int = 12) -> str:
    names = list(types)
    shown = ", ".join(names[:limit])
    return shown + (f", ... ({len(names)} in all)" if len(names) > limit else "")
