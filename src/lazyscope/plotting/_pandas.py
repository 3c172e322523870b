"""pandas back-end: Datashader in the kernel's process."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lazyscope._errors import LazyscopeError
from lazyscope.grids._frames import canvas, check_categories, column_types, finish, reduction
from lazyscope.grids._inspect import Pixel, picker
from lazyscope.grids._line import check_line_schema, time_ns, to_dataset
from lazyscope.grids._spec import (
    Range,
    Spec,
    View,
    check_column,
    column_range,
    finish_extent,
)

if TYPE_CHECKING:
    import numpy as np
    import xarray as xr

    from lazyscope.grids._requests import Token

__all__ = ["PandasBackend", "pandas_histogram"]


def _numeric(series: Any) -> Any:
    """Nullable (extension) numbers as float64 with NaN: Datashader's kernels need numpy."""
    import numpy as np

    if series.dtype.kind in "iuf" and isinstance(series.dtype, np.dtype):
        return series
    return series.astype("float64")


class PandasBackend:
    engine = "pandas"

    def __init__(self, df: Any, spec: Spec) -> None:
        import pandas as pd

        self.time_x = spec.kind == "line" and pd.api.types.is_datetime64_any_dtype(df[spec.x])
        check_line_schema(column_types(dict(df.dtypes)), spec, self.time_x)
        self.spec, self.source = spec, df  # source: the rows an inspection shows
        cols = {  # a time x is binned as nanoseconds, as in every engine
            c: time_ns(df[c]) if self.time_x and c == spec.x else _numeric(df[c])
            for c in spec.columns
            if c != spec.by
        }
        self.categories: tuple[Any, ...] = ()
        if spec.by is not None:
            by = df[spec.by]
            values = list(by.dropna().unique())
            self.categories = check_categories(spec, values, by.dtype.kind == "f")
            # Recoded by value: astype would keep a categorical's own order (pandas calls
            # unordered dtypes with the same values equal), and the legend follows ours.
            cols[spec.by] = pd.Categorical(by, categories=list(self.categories))
        # The user's columns themselves where no conversion was needed: nothing here writes
        # to them, and a copy of 10M rows is 80 MB per column of the kernel's memory.
        self.frame = pd.DataFrame(cols, index=df.index, copy=False)
        if spec.by is not None and self.frame[spec.by].isna().any():
            # A row without a category is in no layer (as in a groupby, and on every engine);
            # Datashader would put its code -1 in the last layer.
            self.frame = self.frame[self.frame[spec.by].notna()]
        self._extent: tuple[Range, Range] | None = None

    def extent(self) -> tuple[Range, Range]:
        if self._extent is None:
            x, y = self.frame[self.spec.x], self.frame[self.spec.y]
            self._extent = finish_extent(
                self.spec, len(self.frame), [x.min(), x.max(), y.min(), y.max()]
            )
        return self._extent

    def aggregate(self, view: View, token: Token) -> xr.DataArray:
        token.check()
        if self.spec.kind == "line":
            return self._line(view)
        agg = canvas(view).points(self.frame, self.spec.x, self.spec.y, agg=reduction(self.spec))
        return finish(agg, self.spec, view, self.engine, "datashader")

    def inspect(self, pixel: Pixel, rows: int, token: Token) -> Any:
        """The pixel's test over the rows, in the kernel (`grids._inspect.picker`)."""
        token.check()
        pick = picker(self.spec, pixel, self.categories, self.time_x, rows)
        return pick(self.source)[0]

    def _line(self, view: View) -> Any:
        """The line's per-column states (`_m4`), in numpy over all rows."""
        import numpy as np

        from lazyscope.grids._m4 import column_states

        spec, layers = self.spec, max(len(self.categories), 1)
        codes = self.frame[spec.by].cat.codes.to_numpy() if spec.by else None
        x = self.frame[spec.x].to_numpy(dtype=np.float64, na_value=np.nan)
        y = self.frame[spec.y].to_numpy(dtype=np.float64, na_value=np.nan)
        states = column_states(x, y, codes, layers, view.x_range, view.width)
        states = {k: a.reshape(layers, view.width) for k, a in states.items()}
        return to_dataset(states, view, spec, self.categories, self.engine, "numpy", self.time_x)


def pandas_histogram(
    df: Any, column: str, bins: int, value_range: Range | None
) -> tuple[np.ndarray, np.ndarray]:
    import numpy as np

    check_column(column_types(dict(df.dtypes)), column)
    values = _numeric(df[column]).to_numpy()
    values = values[~np.isnan(values)] if values.dtype.kind == "f" else values
    if value_range is None:
        if len(df) == 0:
            raise LazyscopeError("The DataFrame has no rows: there is nothing to count.")
        low, high = (values.min(), values.max()) if len(values) else (None, None)
        value_range = column_range(column, low, high, "range")
    return np.histogram(values, bins=bins, range=value_range)
