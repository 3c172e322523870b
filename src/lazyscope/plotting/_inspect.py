"""Inspect a plot: what one pixel shows (its count or value, from the grid on screen) and
up to a few of the rows under it, which the back-end fetches from where the data is.

`PlotWidget.inspect(x, y)` is the Python call; a click on the figure runs the same through
`Inspector`, off the kernel's main thread (a newer click supersedes an older one), and shows
the answer under the plot. Hovering needs no engine: the figure's tooltip reads the grid the
browser already holds.
"""

from __future__ import annotations

import html
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from lazyscope._errors import LazyscopeError, short_engine_message
from lazyscope.grids._bar_pick import bar_at
from lazyscope.grids._inspect import MAX_ROWS, Pixel, pixel_at
from lazyscope.grids._requests import Latest, Token
from lazyscope.grids._spec import Range, View

from ._line_args import as_numbers, time_text

if TYPE_CHECKING:
    import pandas as pd

    from ._backend import Backend

__all__ = ["INSPECTED", "Inspection", "Inspector", "grid_view", "inspect_pixel"]

INSPECTED = ("points", "line", "bar")  # the kinds a click inspects
ROWS = 5  # rows a click shows: enough to see what a pixel is made of, quick to fetch
# Our HTML holds user data: never typeset it as TeX (JupyterLab's and nbconvert's MathJax).
_BOX = '<div class="lazyscope-inspect tex2jax_ignore mathjax_ignore" style="margin-top:4px">'


@dataclass(frozen=True)
class Inspection:
    """One pixel of a plot and the rows under it.

    `x_range`/`y_range`: the pixel's data interval (half-open; the last pixel also holds the
    upper edge); `y_range` is None for a line, whose pixels are whole columns. `count`: rows
    in the pixel, from the grid (None when the grid holds another reduction); `values`: what
    the grid shows there, by name. `rows`: up to the number asked for, every column."""

    x: str
    y: str
    pixel: tuple[int, int | None]
    x_range: Range
    y_range: Range | None
    count: int | None
    values: dict[str, float] = field(repr=False)
    rows: pd.DataFrame = field(repr=False)
    engine: str = ""
    elapsed: float = 0.0
    time_x: bool = False
    category: str | None = None  # a bar's name: the bar is its x, not an interval

    @property
    def message(self) -> str:
        """One line: where, how many, how long."""
        where = f"{self.x} {self._span(self.x_range, self.time_x)}"
        if self.category is not None:
            where = f"{self.x} = {self.category}"
        elif self.y_range is not None:
            where += f", {self.y} {self._span(self.y_range, False)}"
        if self.count == 0 or not len(self.rows):
            found = "no rows"
        elif self.count is not None and self.count > len(self.rows):
            found = f"{self.count:,} rows, showing {len(self.rows)}"
        else:
            found = f"{len(self.rows)} row{'s' if len(self.rows) != 1 else ''}"
        shown = [f"{k} {_number(v)}" for k, v in self.values.items() if k != "count"]
        extra = f" ({', '.join(shown)})" if shown else ""
        return f"{where}: {found}{extra} \u00b7 {self.engine} {self.elapsed:.2f} s"

    @staticmethod
    def _span(rng: Range, time_x: bool) -> str:
        if time_x:
            return f"{time_text(rng[0])}..{time_text(rng[1])}"
        return f"{rng[0]:.6g}..{rng[1]:.6g}"

    def html(self) -> str:
        """The message and the rows as an HTML table, every value escaped."""
        out = [_BOX, f"<div>{html.escape(self.message)}</div>"]
        if len(self.rows):
            head = "".join(f"<th>{html.escape(str(c))}</th>" for c in self.rows.columns)
            body = "".join(
                "<tr>" + "".join(f"<td>{html.escape(_text(v))}</td>" for v in row) + "</tr>"
                for row in self.rows.itertuples(index=False, name=None)
            )
            out.append(
                '<table class="lazyscope-inspect-rows" style="font-size:12px">'
                f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
            )
        return "".join(out) + "</div>"

    def _repr_html_(self) -> str:
        return self.html()

    def __repr__(self) -> str:
        shown = self.rows.to_string(index=False, max_colwidth=40) if len(self.rows) else ""
        return f"{self.message}\n{shown}".rstrip()


def _text(v: object) -> str:
    """A cell: floats to 10 significant digits (a readout, not 17 digits of noise)."""
    return f"{v:.10g}" if isinstance(v, float) else str(v)


def _number(v: float) -> str:
    return "NaN" if isinstance(v, float) and math.isnan(v) else f"{v:.6g}"


def check_rows(rows: object) -> int:
    if not isinstance(rows, int) or isinstance(rows, bool) or not 1 <= rows <= MAX_ROWS:
        raise LazyscopeError(f"rows must be a whole number from 1 to {MAX_ROWS}, not {rows!r}.")
    return rows


def inspect_pixel(
    backend: Backend, agg: Any, x: object, y: object, rows: int, token: Token
) -> Inspection:
    """The pixel of the grid `agg` (the one on screen) at data point (x, y): its readout from
    the grid and up to `rows` of its rows, fetched by the back-end."""
    rows = check_rows(rows)
    spec = backend.spec
    if spec.kind == "bar":
        return _inspect_bar(backend, agg, x, rows, token)
    if isinstance(x, (tuple, list)):
        raise LazyscopeError(f"x must be a number, not {x!r}.")
    x = as_numbers((x, x))[0]  # a datetime for a time x: nanoseconds, as the grid holds it
    pixel = pixel_at(grid_view(agg), x, y, spec.kind == "line")
    count, values = _readout(agg, pixel, spec.kind, spec.label)
    start = time.perf_counter()
    found = _fetch(backend)(pixel, rows, token)
    return Inspection(
        spec.x,
        spec.y,
        (pixel.col, pixel.row),
        pixel.x_range,
        pixel.y_range,
        count,
        values,
        found.reset_index(drop=True),
        backend.engine,
        time.perf_counter() - start,
        bool(agg.attrs.get("time_x")),
    )


def _inspect_bar(backend: Backend, agg: Any, x: object, rows: int, token: Token) -> Inspection:
    """The bar at x (its name or its position on the axis): its value and its first rows."""
    spec = backend.spec
    pick = bar_at(agg, x)
    value = float(agg["value"].values[pick.index])
    start = time.perf_counter()
    found = _fetch(backend)(pick, rows, token)
    return Inspection(
        spec.x,
        spec.y,
        (pick.index, None),
        (pick.index - 0.5, pick.index + 0.5),
        None,
        int(agg["rows"].values[pick.index]),
        {} if spec.value is None else {spec.label: value},  # a count of rows: the count
        found.reset_index(drop=True),
        backend.engine,
        time.perf_counter() - start,
        category=pick.label,
    )


def _fetch(backend: Backend) -> Callable[[Any, int, Token], Any]:
    # Not in `Backend`: what an engine's back-end of each kind fetches its rows with.
    fetch = getattr(backend, "inspect", None)
    if fetch is None:
        raise LazyscopeError(f"The {backend.engine} plot back-end cannot inspect its plots.")
    return fetch  # type: ignore[no-any-return]  # getattr of a protocol-less back-end


def grid_view(agg: Any) -> View:
    """The window and size the grid on screen was aggregated for (as the widget reads it)."""
    if "height" in agg.attrs:  # a line's Dataset: its grid has no y dimension
        width, height = agg.attrs["width"], agg.attrs["height"]
    else:
        height, width = agg.shape[:2]
    return View(tuple(agg.attrs["x_range"]), tuple(agg.attrs["y_range"]), width, height)


def _readout(agg: Any, pixel: Pixel, kind: str, label: str) -> tuple[int | None, dict[str, float]]:
    """(rows in the pixel if the grid counts them, what the grid holds there by name)."""
    import numpy as np

    if kind == "line":  # a Dataset of per-column states, dims (x[, by])
        counts = agg["count"].values[pixel.col]
        by = agg.attrs.get("by")
        if by:  # one line per category: the rows of each
            cats = agg[by].values
            return int(counts.sum()), {str(c): float(n) for c, n in zip(cats, counts, strict=True)}
        names = ("count", "min", "max", "first", "last")
        return int(counts), {k: float(agg[k].values[pixel.col]) for k in names}
    at = agg.values[pixel.row, pixel.col]
    counted = agg.attrs.get("agg") == "count"
    if np.ndim(at):  # by=: one value per category
        values = {str(c): float(v) for c, v in zip(agg[agg.dims[2]].values, at, strict=True)}
        return (int(np.nansum(at)) if counted else None), values
    return (int(at) if counted else None), {label: float(at)}


class Inspector:
    """Clicks on a plot's figure -> inspections shown in `output` (an ipywidgets HTML)."""

    def __init__(self, backend: Backend, grid: Callable[[], Any], output: Any) -> None:
        self._backend, self._grid, self._output = backend, grid, output
        self.last: Inspection | None = None  # what the last click showed (`PlotWidget.inspected`)
        self._runner: Latest[tuple[float, float]] = Latest(
            self._work, self._apply, self._busy, self._failed, debounce=0.0
        )

    def tap(self, x: float, y: float) -> None:
        """A click at data point (x, y); returns at once (Bokeh calls it from the comm)."""
        self._runner.submit((x, y), delay=0.0)

    def _work(self, req: tuple[float, float], token: Token) -> Inspection:
        return inspect_pixel(self._backend, self._grid(), req[0], req[1], ROWS, token)

    def _apply(self, _req: tuple[float, float], result: Inspection) -> None:
        self.last = result
        self._output.value = result.html()

    def _busy(self, busy: bool) -> None:
        if busy:
            self._output.value = f"{_BOX}looking up the rows under the pixel&#8230;</div>"

    def _failed(self, _req: tuple[float, float], exc: BaseException) -> None:
        text = str(exc) if isinstance(exc, LazyscopeError) else short_engine_message(exc, 3)
        self._output.value = (
            f'{_BOX}<span style="color:#b00">Inspect failed: {html.escape(text)}</span></div>'
        )
