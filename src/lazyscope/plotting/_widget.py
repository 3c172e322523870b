"""`PlotWidget`: what `lazyscope.plot` returns - a live, zoomable plot and its Python API.

The Bokeh figure lives in an ipywidget (jupyter_bokeh's BokehModel), so the browser's
range changes reach the kernel. Each change (re)starts a short debounce; then one worker
thread re-aggregates the visible range at full resolution, a newer request cancelling an
older one, while a spinner shows above the plot. The figure is built when the plot is
first displayed (or `.widget` / `.figure` is used): a script that only wants `.aggregate`
pays for no shading and no Bokeh document.
"""

from __future__ import annotations

import base64
import threading
import time
from collections import OrderedDict
from typing import Any

from lazyscope._errors import LazyscopeError, short_engine_message
from lazyscope.grids._requests import Latest, Token
from lazyscope.grids._spec import View, check_range

from ._backend import Backend
from ._bar import bar_image, bar_summary, bar_text, bar_ticks
from ._display import SPINNER, error_line, load_bokehjs, summary
from ._inspect import INSPECTED, Inspection, Inspector, grid_view
from ._line import line_image, line_values
from ._line_args import as_numbers, time_text
from ._shade import png, shade, values_of
from ._still import still_svg

__all__ = ["PLOT_MIME", "PlotWidget"]

# Marks our plot's output for the lab extension, which shows the saved still until the
# widget model is known to be alive (ipywidgets' own renderer says "model not found" in
# a notebook reopened without its kernel) and keeps the still in step with the view.
PLOT_MIME = "application/vnd.lazyscope.plot+json"
_CACHED_VIEWS = 4  # reset and back-and-forth zooms are served from here, for every engine


class PlotWidget:
    def __init__(
        self, backend: Backend, home: View, how: str, colors: list[str], debounce: float = 0.2
    ) -> None:
        self.backend, self.spec, self.home, self.how = backend, backend.spec, home, how
        self._colors = colors
        self._lock = threading.RLock()
        self._cache: OrderedDict[View, Any] = OrderedDict()
        self._quiet = False
        self._ui: dict[str, Any] = {}  # figure, status, bokeh, widget: built on first display
        self._last_image: tuple[Any, Any] | None = None
        start = time.perf_counter()
        self._agg = backend.aggregate(home, Token())
        self._elapsed: float | None = time.perf_counter() - start
        if self.spec.kind == "bar":  # its axes come from its bars
            self.home = home = grid_view(self._agg)
        self._cache[home] = self._agg
        self._runner: Latest[View | None] = Latest(
            self._work, self._apply, self._busy, self._failed, debounce
        )

    # ---------------------------------------------------------------- Python API
    @property
    def aggregate(self) -> Any:
        """The grid on screen, as an xarray.DataArray (dims y, x[, by]); for kind="line" an
        xarray.Dataset of per-column count, min, max, first, last, first_x, last_x (dims
        x[, by]); for kind="bar" an xarray.Dataset of the bars' value, rows and members
        (see `lazyscope.plot`)."""
        return self._agg

    @property
    def image(self) -> bytes:
        """The grid on screen, shaded by Datashader, as PNG bytes."""
        return png(self._shaded(self._agg))

    def _shaded(self, agg: Any) -> Any:
        """Datashader's image of a grid; the last one is kept (display needs it twice)."""
        last = self._last_image
        if last is None or last[0] is not agg:
            if self.spec.kind == "line":  # drawn from its column states, in the kernel
                last = (agg, line_image(agg, self._colors))
            elif self.spec.kind == "bar":
                last = (agg, bar_image(agg, self._colors))
            else:
                last = (agg, shade(agg, self.how, self._colors, bool(self.spec.by)))
            self._last_image = last
        return last[1]

    @property
    def requests(self) -> Latest[View | None]:
        """The request runner (counts of runs and cancellations)."""
        return self._runner

    @property
    def widget(self) -> Any:
        return self._built()["widget"]

    @property
    def figure(self) -> Any:
        return self._built()["figure"]

    @property
    def status(self) -> Any:
        return self._built()["status"]

    def zoom(self, x_range: tuple[float, float], y_range: tuple[float, float]) -> None:
        """Show and aggregate this window (every point in it, at full resolution)."""
        xr, yr = check_range("x_range", as_numbers(x_range)), check_range("y_range", y_range)
        if xr is None or yr is None:
            raise LazyscopeError("zoom needs both x_range and y_range.")
        view = View(xr, yr, self.home.width, self.home.height)
        with self._lock:
            if self._ui:
                self._quiet = True  # our own range change must not queue a second request
                try:
                    self._ui["figure"].set_ranges(view)
                finally:
                    self._quiet = False
        ticket = self._runner.submit(view, delay=0.0)
        ticket.done.wait()
        if ticket.error is not None:
            raise ticket.error

    def reset(self) -> None:
        self.zoom(self.home.x_range, self.home.y_range)

    def inspect(self, x: Any, y: Any = None, rows: int = 5) -> Inspection:
        """The pixel of the grid on screen at data point (x, y): its count or value, and up
        to `rows` of the rows under it (every column), fetched by the engine. A click on
        the figure shows the same under the plot. Of a bar chart: the bar called x (or at
        position x on the axis), whose rows are those of its category; y is not needed."""
        from ._inspect import inspect_pixel

        return inspect_pixel(self.backend, self._agg, x, y, rows, Token())

    @property
    def inspected(self) -> Inspection | None:
        """What the last click on the plot showed (None before one): the pixel, its count
        or values, and its rows as a DataFrame (`.rows`), to go on with in code."""
        inspector = self._ui.get("inspector")
        return inspector.last if inspector is not None else None

    def close(self) -> None:
        if self._ui:
            self._ui["widget"].close()

    # ---------------------------------------------------------------- requests
    def _on_range(self, attr: str, old: Any, new: Any) -> None:
        if not self._quiet:
            self._runner.submit(None)

    def _work(self, req: View | None, token: Token) -> tuple[View, Any, float | None]:
        if req is None:  # a browser zoom: the ranges as they are once the burst is over
            x_range, y_range = self.figure.ranges()
            req = View(x_range, y_range, self.home.width, self.home.height)
        with self._lock:
            cached = self._cache.get(req)
            if cached is None and self.spec.kind in ("line", "bar"):
                cached = self._same_columns(req)
        if cached is not None:
            return req, cached, None
        start = time.perf_counter()
        agg = self.backend.aggregate(req, token)
        return req, agg, time.perf_counter() - start

    def _same_columns(self, req: View) -> Any:
        """A line's states over the same pixel columns, shown in req's y range: they hold
        every row of those columns whatever its y, so a vertical pan or zoom needs no job.
        A bar chart's bars hold every row at any window: a zoom only moves the window."""
        bars = self.spec.kind == "bar"
        for view, agg in self._cache.items():
            if bars or (view.x_range == req.x_range and view.width == req.width):
                moved = agg.copy()
                moved.attrs = {**agg.attrs, "y_range": req.y_range, "height": req.height}
                if bars:
                    moved.attrs.update(x_range=req.x_range, width=req.width)
                return moved
        return None

    def _apply(self, _req: View | None, result: tuple[View, Any, float | None]) -> None:
        req, agg, elapsed = result
        with self._lock:  # cached under the window asked for (a pyramid may cover a bit more)
            self._cache[req] = agg
            self._cache.move_to_end(req)
            while len(self._cache) > _CACHED_VIEWS:
                self._cache.popitem(last=False)
            self._elapsed = elapsed
            if self._ui:
                self._show(agg, elapsed)
                self._ui.pop("fresh", None)
            self._agg = agg  # last: who sees the new grid sees its picture and status too

    def _busy(self, busy: bool) -> None:
        # No lock: the spinner must show even while a display holds it; .get() because the
        # view may be half built at this moment (it shows the right status once built).
        status = self._ui.get("status")
        if status is not None:
            status.value = SPINNER if busy else self._ui.get("summary", "")

    def _failed(self, req: View | None, exc: BaseException) -> None:
        text = str(exc) if isinstance(exc, LazyscopeError) else short_engine_message(exc, 3)
        status = self._ui.get("status")
        if status is not None:
            status.value = error_line(text)

    # ---------------------------------------------------------------- the view
    def _built(self) -> dict[str, Any]:
        with self._lock:
            if not self._ui:
                from ipywidgets import HTML, VBox
                from jupyter_bokeh import BokehModel

                from ._bar import BarFigure
                from ._figure import Figure

                if self.spec.kind == "bar":
                    self._ui["figure"] = BarFigure(
                        self.spec, self.home, self._colors, self._title(), self._agg
                    )
                else:
                    self._ui["figure"] = Figure(
                        self.spec,
                        self.home,
                        self._colors,
                        self.backend.categories,
                        self._title(),
                        time_x=bool(self._agg.attrs.get("time_x")),
                    )
                self._ui["status"] = HTML()
                # Picture and ranges before the Bokeh document is serialised: a range set
                # after it reached the browser only as a change its view never applied (a
                # plot zoomed before it was shown kept the home axes, its image a speck).
                self._show(self._agg, self._elapsed)
                fig = self._ui["figure"].fig
                if self._ui["figure"].ranges()[0] != tuple(self._agg.attrs["x_range"]):
                    self._ui["figure"].set_ranges(grid_view(self._agg))  # zoomed before shown
                readout = []
                if self.spec.kind in INSPECTED:  # a click's rows, under the plot (`_inspect`)
                    readout.append(HTML())
                    inspector = Inspector(self.backend, lambda: self._agg, readout[0])
                    # Subscribed before the document is serialised, like the ranges above:
                    # the browser sends clicks only for events its copy lists.
                    self._ui["figure"].on_tap(inspector.tap)
                    self._ui["inspector"] = inspector
                self._ui["bokeh"] = BokehModel(fig)
                self._ui["fresh"] = True  # its bundle is current: no second serialisation
                self._ui["widget"] = VBox([self._ui["status"], self._ui["bokeh"], *readout])
                for rng in (fig.x_range, fig.y_range):
                    rng.on_change("start", self._on_range)
                    rng.on_change("end", self._on_range)
            return self._ui

    def _show(self, agg: Any, elapsed: float | None) -> None:
        if self.spec.kind == "bar":  # its own figure: bars, not an image
            self._ui["figure"].show_bars(agg)
            self._ui["summary"] = bar_summary(agg, elapsed)
            self._ui["status"].value = self._ui["summary"]
            return
        categorical = bool(self.spec.by)
        values = line_values(agg) if self.spec.kind == "line" else values_of(agg, categorical)
        rgba = self._shaded(agg).values
        self._ui["figure"].show(grid_view(agg), rgba, values, self.how)
        self._ui["summary"] = summary(agg, values, elapsed)
        self._ui["status"].value = self._ui["summary"]

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        load_bokehjs()
        ui = self._built()
        with self._lock:  # a new view starts from the bundled document: bundle the current one
            if not ui.pop("fresh", False):
                ui["bokeh"].update_from_model(ui["figure"].fig)
        bundle: dict[str, Any] = dict(
            ui["widget"]._repr_mimebundle_(include=include, exclude=exclude) or {}
        )
        image = self.image
        bundle["image/png"] = base64.b64encode(image).decode("ascii")
        bundle["image/svg+xml"] = self._still(image)  # with axes, where no widget runs
        bundle["text/plain"] = repr(self)
        view = bundle.get("application/vnd.jupyter.widget-view+json")
        if view is not None:  # what the lab extension needs to tell the live plot from a still
            bundle[PLOT_MIME] = {
                "model_id": view["model_id"],
                "title": self._title(),
                "kind": self.spec.kind,
            }
        return bundle

    def _title(self) -> str:
        if self.spec.kind == "bar":
            return bar_text(self._agg)
        return f"{self.spec.label} of {self.spec.y} vs {self.spec.x} ({self.backend.engine})"

    def _still(self, image: bytes) -> str:
        view = grid_view(self._agg)
        legend = list(zip(self.backend.categories, self._colors, strict=False))
        return still_svg(
            image,
            view.x_range,
            view.y_range,
            (view.width, view.height),
            (self._title(), self.spec.x, self.spec.y or self.spec.label),
            legend if self.spec.by else (),
            time_text if self._agg.attrs.get("time_x") else None,
            bar_ticks(self._agg, fit=True) if self.spec.kind == "bar" else None,
        )

    def __repr__(self) -> str:
        # What a reader of the saved notebook's text sees; the lab extension writes the same
        # line (labextension/plotText.ts) when it saves the view the user zoomed to.
        if self.spec.kind == "bar":
            return f"lazyscope bar: {self._title()}"
        (x0, x1), (y0, y1) = self._agg.attrs["x_range"], self._agg.attrs["y_range"]
        return f"lazyscope plot: {self._title()}, x {x0:.6g}..{x1:.6g}, y {y0:.6g}..{y1:.6g}"
