"""A bar chart's views: the Bokeh figure (vbar, category names on the x axis, a hover
readout per bar), its picture for the PNG and SVG stills, and its lines of text.

Bars stand at x = 0, 1, 2, ... on a plain numeric axis whose ticks are renamed to the
categories: the figure's ranges are then numbers like every other plot's, so the widget's
zoom, reset and saved-window text work unchanged (a zoom re-draws, it computes nothing).
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable
from typing import Any

import numpy as np

from lazyscope.grids._spec import Spec, View

from ._figure import on_tap

__all__ = ["OTHER_COLOR", "BarFigure", "bar_image", "bar_summary", "bar_text", "bar_ticks"]

OTHER_COLOR = "#9e9e9e"  # the "other" bar: grey, so it does not read as one more category
_HALF = 0.4  # half a bar's width, in category slots
_LABEL = 24  # characters of a category name shown on the axis (the hover shows all)


def bar_text(agg: Any) -> str:
    """ "count of rows per k (pandas), top 20 of 143 + other" - title and text line."""
    a = agg.attrs
    head = f"{a['label']} per {a['x']} ({a['engine']})"
    if a["other"]:
        shown = a["categories"] - a["other"]
        return f"{head}, top {shown} of {a['categories']:,} + other"
    return f"{head}, {a['categories']:,} categor{'y' if a['categories'] == 1 else 'ies'}"


def bar_summary(agg: Any, elapsed: float | None) -> str:
    """The status line under the bars (HTML-escaped)."""
    a = agg.attrs
    timing = "from the kernel's cache" if elapsed is None else f"{elapsed:.2f} s"
    parts = [a["source"], f"{a['rows']:,} rows in {a['categories']:,} categories", timing]
    return html.escape(" \u00b7 ".join(parts))


def _short(label: str, chars: int = _LABEL) -> str:
    return label if len(label) <= chars else label[: chars - 1] + "\u2026"


def bar_ticks(agg: Any, fit: bool = False) -> list[tuple[float, str]]:
    """(position, category name) of each bar; with `fit`, names cut to their bar's slot
    of the view (a still's labels are level: long ones would run into each other)."""
    chars = _LABEL
    if fit:
        (x0, x1), width = agg.attrs["x_range"], agg.attrs["width"]
        chars = max(2, int(width / (x1 - x0) / 6.5))  # 11px sans-serif: ~6.5px a character
    labels = agg.indexes[_dim(agg)]
    return [(float(i), _short(str(label), chars)) for i, label in enumerate(labels)]


def _dim(agg: Any) -> str:
    return str(agg["value"].dims[0])


def _colors(agg: Any, colors: list[str]) -> list[str]:
    n = agg.sizes[_dim(agg)]
    other = bool(agg.attrs["other"])
    return [OTHER_COLOR if other and i == n - 1 else colors[0] for i in range(n)]


def bar_image(agg: Any, colors: list[str]) -> Any:
    """The bars as an RGBA image of the view (Datashader's Image: uint32, rows bottom-up),
    each bar 0.8 of its slot wide, from 0 to its value; NaN bars are not drawn."""
    from datashader.colors import rgb
    from datashader.transfer_functions import Image

    a = agg.attrs
    view = View(tuple(a["x_range"]), tuple(a["y_range"]), a["width"], a["height"])
    sx, tx, sy, ty = view.scale()
    out = np.zeros((view.height, view.width), np.uint32)
    values = agg["value"].values
    for i, (value, color) in enumerate(zip(values, _colors(agg, colors), strict=True)):
        if not np.isfinite(value) or value == 0:
            continue
        lo, hi = sorted((0.0, float(value)))
        c0 = math.floor((i - _HALF) * sx + tx)
        c1 = max(math.floor((i + _HALF) * sx + tx), c0 + 1)  # at least a pixel wide
        r0 = math.floor(lo * sy + ty)
        r1 = max(math.floor(hi * sy + ty), r0 + 1)
        c0, c1 = (min(max(c, 0), view.width) for c in (c0, c1))  # off-screen parts dropped
        r0, r1 = (min(max(r, 0), view.height) for r in (r0, r1))
        r, g, b = rgb(color)
        out[r0:r1, c0:c1] = r | (g << 8) | (b << 16) | (255 << 24)
    return Image(out, dims=["y", "x"])


class BarFigure:
    """The Bokeh figure of a bar chart, with the interface of `Figure` the widget uses."""

    def __init__(self, spec: Spec, home: View, colors: list[str], title: str, agg: Any) -> None:
        from bokeh.models import ColumnDataSource, FixedTicker, HoverTool, Range1d
        from bokeh.plotting import figure

        self.spec, self.colors = spec, colors
        (x0, x1), (y0, y1) = home.x_range, home.y_range
        self.fig = figure(
            frame_width=home.width,
            frame_height=home.height,
            title=title,
            tools="pan,wheel_zoom,box_zoom,reset",
            active_scroll="wheel_zoom",
            active_drag="pan",
            toolbar_location="above",
            x_range=Range1d(x0, x1, reset_start=x0, reset_end=x1),
            y_range=Range1d(y0, y1, reset_start=y0, reset_end=y1),
            x_axis_label=spec.x,
            y_axis_label=spec.label,
        )
        self.fig.xgrid.visible = False
        self.source = ColumnDataSource(data=self._data(agg))
        bars = self.fig.vbar(
            x="x", width=2 * _HALF, top="top", bottom=0, color="color", source=self.source
        )
        ticks = bar_ticks(agg)
        self.fig.xaxis.ticker = FixedTicker(ticks=[t for t, _ in ticks])
        self.fig.xaxis.major_label_overrides = {int(t): label for t, label in ticks}
        if len(ticks) > 8:  # many names side by side overlap: slant them
            self.fig.xaxis.major_label_orientation = math.pi / 4
        self.fig.add_tools(
            HoverTool(
                renderers=[bars],
                tooltips=[
                    (spec.x, "@label"),
                    (spec.label, "@value{0,0.[######]}"),
                    ("rows", "@rows{0,0}"),
                ],
            )
        )

    def _data(self, agg: Any) -> dict[str, list[Any]]:
        values = agg["value"].values.astype(np.float64)
        return {
            "x": list(range(len(values))),
            "top": np.where(np.isfinite(values), values, 0.0).tolist(),
            "value": values.tolist(),
            "rows": agg["rows"].values.tolist(),
            "label": [str(v) for v in agg.indexes[_dim(agg)]],
            "color": _colors(agg, self.colors),
        }

    def show_bars(self, agg: Any) -> None:
        """The bars of agg (the same bars after a zoom: only the window moved)."""
        data = self._data(agg)
        if data != self.source.data:
            self.source.data = data

    def on_tap(self, callback: Callable[[float, float], None]) -> None:
        """callback(x, y) with the data point of every click on the bars."""
        on_tap(self.fig, callback)

    def ranges(self) -> tuple[tuple[float, float], tuple[float, float]]:
        xr, yr = self.fig.x_range, self.fig.y_range
        return (float(xr.start), float(xr.end)), (float(yr.start), float(yr.end))

    def set_ranges(self, view: View) -> None:
        self.fig.x_range.update(start=view.x_range[0], end=view.x_range[1])
        self.fig.y_range.update(start=view.y_range[0], end=view.y_range[1])
