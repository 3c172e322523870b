"""Down-sampled, zoomable plots of big DataFrames: `lazyscope.plot` and `lazyscope.hist`
(the package is `plotting`, so it never shadows the function `lazyscope.plot`).

Every point is aggregated (exact counts, not a sample) by the engine that holds the data
(its package's `plot_backend`: where its partitions live), Datashader in process for pandas.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from lazyscope.engines import check
from lazyscope.grids._spec import Spec, View, check_range, check_size

if TYPE_CHECKING:
    from ._hist import Histogram
    from ._widget import PlotWidget

__all__ = ["hist", "plot"]


def plot(
    df: Any,
    x: str,
    y: str | None = None,
    *,
    kind: str = "points",
    agg: str = "count",
    value: str | None = None,
    by: str | None = None,
    width: int = 800,
    height: int = 600,
    x_range: tuple[float, float] | None = None,
    y_range: tuple[float, float] | None = None,
    how: str = "eq_hist",
    cmap: str | Sequence[str] | None = None,
    top: int = 20,
) -> PlotWidget:
    """A zoomable plot of every row of `df` (an engine's DataFrame or pandas'), reduced per pixel.

    kind="points" (default): agg is one of count, sum, mean, min, max, std (all but count
    need `value`); `by` gives one colour per category, with a legend. `how` is Datashader's
    colour scaling (eq_hist, linear, log, cbrt); `cmap` a colorcet or Bokeh palette name or
    a colour list.

    kind="line": y against x as a line (x numeric or datetime; rows in any order, taken in
    x order, ties by y), one per category with `by`. Each pixel column keeps the exact min,
    max, first and last y of its rows (M4), computed by the engine, so the picture is the
    one every point's polyline draws, spikes included; no line crosses an empty column.
    `.aggregate` is then an xarray.Dataset with dims (x[, by]) and variables count, min,
    max, first, last, first_x, last_x (NaN/NaT where a column is empty); the x labels are
    pixel-column centres. A datetime x is binned as int64 nanoseconds, so its ranges (here
    and in `.zoom()`) are numbers of nanoseconds since the epoch, or datetimes. `cmap` is the
    line colours (default: a blue line; Datashader's category colours with `by`).

    kind="bar": one bar per category of x (strings, integers, booleans), with agg one of
    count, sum, mean, min, max of the column y (value= is accepted for it too). Without y,
    count counts rows; with y, its values that are not missing (as pandas' groupby
    count). The engine reduces each category in one pass (partial states per partition,
    merged where the data is) and only one row per category reaches the kernel. Bars are
    sorted by value, largest first (NaN last, ties by category); the `top` largest are
    drawn, and the rest fold into one grey "other (k)" bar, last, reduced over all of its
    rows (its mean is the mean of its rows, not a mean of means; sum of no values is 0,
    mean/min/max of none NaN). Rows whose x is missing make one "(null)" bar, ranked as
    any category. by=, x_range and y_range are not taken; zooming moves the window over
    the same bars (no engine job). `.aggregate` is an xarray.Dataset over dim x (the
    bars' names) with variables value, rows and members (categories in the bar); `cmap`
    is the bars' colour.

    Without x_range / y_range the data's own extent is used (one pass over the data,
    cached). The result shows in Jupyter; `.zoom()`, `.reset()`, `.aggregate` and `.image`
    script it.
    """
    from lazyscope._errors import LazyscopeError
    from lazyscope.grids._work import Work

    from ._backend import open_backend
    from ._line_args import LINE_COLOR, as_numbers, line_colors
    from ._shade import category_colors, check_how, palette
    from ._widget import PlotWidget

    check(df)  # a DataFrame of a stopped session: one clear paragraph
    work = Work.here("lazyscope.plot")  # names our engine work after the user's call
    spec = Spec.checked(x, y, agg, value, by, kind, top)
    width, height = check_size(width, height)
    if kind == "bar":
        if x_range is not None or y_range is not None:
            raise LazyscopeError(
                "kind='bar' sets its own axes: leave out x_range and y_range (zoom instead)."
            )
        color = line_colors(cmap)[0] if cmap is not None else LINE_COLOR
        bars = open_backend(df, spec, work)  # checks columns and types: no job yet
        return PlotWidget(bars, View((-0.5, 0.5), (0.0, 1.0), width, height), how, [color])
    xr = check_range("x_range", as_numbers(x_range))
    yr = check_range("y_range", y_range)
    check_how(how)
    if by is None and kind == "line":
        colors = line_colors(cmap)[:1] if cmap is not None else [LINE_COLOR]
    elif by is None:
        colors = palette(cmap if cmap is not None else "viridis")
    backend = open_backend(df, spec, work)  # checks columns and types from metadata: no job yet
    if xr is None or yr is None:
        ex, ey = backend.extent()
        xr, yr = xr or ex, yr or ey
    if by is not None:
        n = len(backend.categories)
        colors = palette(cmap)[:n] if cmap is not None else category_colors(n)
        if len(colors) < n:
            raise LazyscopeError(f"cmap has {len(colors)} colours for {n} categories of {by!r}.")
    return PlotWidget(backend, View(xr, yr, width, height), how, colors)


def hist(
    df: Any, column: str, *, bins: int = 50, range: tuple[float, float] | None = None
) -> Histogram:  # numpy's name
    """Exact counts of one numeric column in `bins` equal bins, computed by the engine.

    Without `range` the column's min..max is used (one pass, cached). Counts follow
    numpy.histogram: bins are half-open except the last, which includes its upper edge.
    """
    from lazyscope._errors import LazyscopeError
    from lazyscope.grids._work import Work

    from ._backend import histogram
    from ._hist import Histogram

    if not isinstance(bins, int) or isinstance(bins, bool) or not 1 <= bins <= 10_000:
        raise LazyscopeError("bins must be a whole number from 1 to 10000.")
    check(df)
    work = Work.here("lazyscope.hist")  # names our engine work after the user's call
    counts, edges = histogram(df, column, bins, check_range("range", range), work)
    from ._backend import engine_of

    return Histogram(column, counts, edges, engine_of(df))
