"""The Bokeh figure of a plot: the shaded image, an invisible value layer for the hover
readout, real axes in data coordinates, the zoom tools, and a colour bar or a legend.

A time x (a line's, held as nanoseconds since the epoch) is drawn on Bokeh's datetime
axis, whose unit is the millisecond: the figure's x is ours divided by 1e6, converted
back wherever ranges cross (`ranges`, `set_ranges`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from lazyscope.grids._spec import Spec, View

from ._shade import TICKS, colorbar_labels

__all__ = ["Figure", "on_tap"]

_TOOLS = "pan,wheel_zoom,box_zoom,reset"
_CLEAR = "#00000000"


class Figure:
    def __init__(
        self,
        spec: Spec,
        home: View,
        colors: list[str],
        categories: tuple[Any, ...],
        title: str,
        time_x: bool = False,
    ) -> None:
        from bokeh.models import (
            BasicTickFormatter,
            ColorBar,
            ColumnDataSource,
            FixedTicker,
            HoverTool,
            LinearColorMapper,
            Range1d,
        )
        from bokeh.plotting import figure

        self.spec = spec
        self.x_unit = 1e-6 if time_x else 1.0  # figure x per data x
        x0, x1 = (v * self.x_unit for v in home.x_range)
        y0, y1 = home.y_range
        self.fig = figure(
            frame_width=home.width,
            frame_height=home.height,
            title=title,
            tools=_TOOLS,
            active_scroll="wheel_zoom",
            active_drag="pan",
            toolbar_location="above",
            x_range=Range1d(x0, x1, reset_start=x0, reset_end=x1),
            y_range=Range1d(y0, y1, reset_start=y0, reset_end=y1),
            x_axis_label=spec.x,
            x_axis_type="datetime" if time_x else "linear",
            y_axis_label=spec.y,
        )
        self.fig.grid.visible = False
        # Plain numbers up to a trillion (Bokeh's default writes 60,000 as 6.000e+4 once a
        # tick reaches 100,000); scientific only for tinier or larger values.
        for axis in [self.fig.yaxis] if time_x else [self.fig.xaxis, self.fig.yaxis]:
            axis.formatter = BasicTickFormatter(power_limit_high=12)
        self.source = ColumnDataSource(
            data=self._data(home, np.zeros((1, 1), np.uint32), np.zeros((1, 1)))
        )
        line = spec.kind == "line"
        place = {"x": "x", "y": "y", "dw": "dw", "dh": "dh", "source": self.source}
        self.fig.image_rgba(image="rgba", **place)
        # Same pixels, fully transparent: what the hover tool reads the aggregate from.
        values = self.fig.image(
            image="value",
            color_mapper=LinearColorMapper(palette=[_CLEAR, _CLEAR]),
            global_alpha=0.0,
            **place,
        )
        x_tip = ("$x{%F %T}", "datetime") if time_x else ("$x{%.6g}", "printf")
        self.fig.add_tools(
            HoverTool(
                renderers=[values],
                formatters={"$x": x_tip[1], "$y": "printf"},
                tooltips=[
                    (spec.x, x_tip[0]),
                    (spec.y, "$y{%.6g}"),
                    ("rows in column" if line else spec.label, "@value"),
                ],
            )
        )
        self.colorbar: Any = None
        if categories:
            self._legend(categories, colors)
        elif not line:  # a line's colour says nothing: no colour bar
            self.colorbar = ColorBar(
                color_mapper=LinearColorMapper(palette=colors, low=0.0, high=1.0),
                ticker=FixedTicker(ticks=list(TICKS)),
                title=spec.label,
                width=12,
            )
            self.fig.add_layout(self.colorbar, "right")

    def _legend(self, categories: tuple[Any, ...], colors: list[str]) -> None:
        from bokeh.models import Legend, LegendItem

        items = []
        for cat, color in zip(categories, colors, strict=False):
            # One point at NaN: drawn nowhere, but it gives the legend its swatch.
            swatch = self.fig.scatter(x=[np.nan], y=[np.nan], marker="square", size=10, color=color)
            items.append(LegendItem(label=str(cat), renderers=[swatch]))
        self.fig.add_layout(Legend(items=items, title=self.spec.by), "right")

    def _data(self, view: View, rgba: np.ndarray, values: np.ndarray) -> dict[str, list[Any]]:
        (x0, x1), (y0, y1) = (v * self.x_unit for v in view.x_range), view.y_range
        return {
            "rgba": [np.ascontiguousarray(rgba, dtype=np.uint32)],
            "value": [
                np.ascontiguousarray(values, dtype=np.float32)
            ],  # a readout: float32 halves the bytes
            "x": [x0],
            "y": [y0],
            "dw": [x1 - x0],
            "dh": [y1 - y0],
        }

    def show(self, view: View, rgba: np.ndarray, values: np.ndarray, how: str) -> None:
        """Replace the picture (in place: the browser patches one data source)."""
        self.source.data = self._data(view, rgba, values)
        if self.colorbar is not None:
            labels = colorbar_labels(values, how, counts=self.spec.agg == "count")
            self.colorbar.major_label_overrides = {t: labels.get(t, "") for t in TICKS}

    def on_tap(self, callback: Callable[[float, float], None]) -> None:
        """callback(x, y) with the data point of every click on the plot."""
        on_tap(self.fig, callback, self.x_unit)

    def ranges(self) -> tuple[tuple[float, float], tuple[float, float]]:
        xr, yr = self.fig.x_range, self.fig.y_range
        x0, x1 = (float(v) / self.x_unit for v in (xr.start, xr.end))
        return (x0, x1), (float(yr.start), float(yr.end))

    def set_ranges(self, view: View) -> None:
        x0, x1 = (v * self.x_unit for v in view.x_range)
        self.fig.x_range.update(start=x0, end=x1)
        self.fig.y_range.update(start=view.y_range[0], end=view.y_range[1])


def on_tap(fig: Any, callback: Callable[[float, float], None], x_unit: float = 1.0) -> None:
    """callback(x, y) with the data point of every click on the Bokeh figure `fig` (x in
    the plot's unit: the axis of a time shows milliseconds)."""
    from bokeh.events import Tap

    def tapped(event: Any) -> None:
        if event.x is not None and event.y is not None:
            callback(float(event.x) / x_unit, float(event.y))

    fig.on_event(Tap, tapped)
