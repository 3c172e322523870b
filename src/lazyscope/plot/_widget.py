"""`PlotWidget`: what `lazyscope.plot` returns - a live, zoomable plot and its Python API.

The Bokeh figure lives in an ipywidget (jupyter_bokeh's BokehModel), so the browser's
range changes reach the kernel. Each change (re)starts a short debounce; then one worker
thread re-aggregates the visible range at full resolution, a newer request cancelling an
older one, while a spinner shows above the plot.
"""

from __future__ import annotations

import base64
import html
import threading
import time
from collections import OrderedDict
from typing import Any

import numpy as np

from lazyscope._errors import LazyscopeError, short_engine_message

from ._backend import Backend
from ._requests import Latest, Token
from ._shade import png, shade, values_of
from ._spec import View, check_range

__all__ = ["PlotWidget", "load_bokehjs"]

_CACHED_VIEWS = 4  # reset and back-and-forth zooms are served from here, for every engine
_SPINNER = (
    '<span class="lazyscope-plot-busy" style="display:inline-flex;gap:6px;align-items:center">'
    '<svg width="14" height="14" viewBox="0 0 50 50"><circle cx="25" cy="25" r="20" fill="none" '
    'stroke="currentColor" stroke-width="6" stroke-dasharray="90 150"><animateTransform '
    'attributeName="transform" type="rotate" from="0 25 25" to="360 25 25" dur="0.8s" '
    'repeatCount="indefinite"/></circle></svg>aggregating&#8230;</span>'
)


class PlotWidget:
    def __init__(
        self, backend: Backend, home: View, how: str, colors: list[str], debounce: float = 0.2
    ) -> None:
        from ipywidgets import HTML, VBox
        from jupyter_bokeh import BokehModel

        from ._figure import Figure

        self.backend, self.spec, self.home, self.how = backend, backend.spec, home, how
        self._colors = colors
        self._lock = threading.Lock()
        self._cache: OrderedDict[View, Any] = OrderedDict()
        self._quiet = False
        self._summary = ""
        start = time.perf_counter()
        self._agg = backend.aggregate(home, Token())
        self._cache[home] = self._agg
        title = f"{self.spec.label} of {self.spec.y} vs {self.spec.x} ({backend.engine})"
        self.figure = Figure(self.spec, home, colors, backend.categories, title)
        self.status = HTML()
        self._show(self._agg, time.perf_counter() - start)  # before the Bokeh document is sent
        self._bokeh = BokehModel(self.figure.fig)
        self.widget = VBox([self.status, self._bokeh])
        self._runner: Latest[View | None] = Latest(
            self._work, self._apply, self._busy, self._failed, debounce
        )
        for rng in (self.figure.fig.x_range, self.figure.fig.y_range):
            rng.on_change("start", self._on_range)
            rng.on_change("end", self._on_range)

    # ---------------------------------------------------------------- Python API
    @property
    def aggregate(self) -> Any:
        """The grid on screen, as an xarray.DataArray (dims y, x[, by])."""
        return self._agg

    @property
    def image(self) -> bytes:
        """The grid on screen, shaded by Datashader, as PNG bytes."""
        return png(shade(self._agg, self.how, self._colors, bool(self.spec.by)))

    @property
    def requests(self) -> Latest[View | None]:
        """The request runner (counts of runs and cancellations)."""
        return self._runner

    def zoom(self, x_range: tuple[float, float], y_range: tuple[float, float]) -> None:
        """Show and aggregate this window (every point in it, at full resolution)."""
        xr, yr = check_range("x_range", x_range), check_range("y_range", y_range)
        assert xr is not None
        assert yr is not None
        view = View(xr, yr, self.home.width, self.home.height)
        self._quiet = True  # our own range change must not queue a second request
        try:
            self.figure.set_ranges(view)
        finally:
            self._quiet = False
        ticket = self._runner.submit(view, delay=0.0)
        ticket.done.wait()
        if ticket.error is not None:
            raise ticket.error

    def reset(self) -> None:
        self.zoom(self.home.x_range, self.home.y_range)

    def close(self) -> None:
        self.widget.close()

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
        if cached is not None:
            return req, cached, None
        start = time.perf_counter()
        agg = self.backend.aggregate(req, token)
        return req, agg, time.perf_counter() - start

    def _apply(self, _req: View | None, result: tuple[View, Any, float | None]) -> None:
        req, agg, elapsed = result
        with self._lock:  # cached under the window asked for (a pyramid may cover a bit more)
            self._cache[req] = agg
            self._cache.move_to_end(req)
            while len(self._cache) > _CACHED_VIEWS:
                self._cache.popitem(last=False)
            self._show(agg, elapsed)
            self._agg = agg  # last: who sees the new grid sees its picture and status too

    def _busy(self, busy: bool) -> None:
        self.status.value = _SPINNER if busy else self._summary

    def _failed(self, req: View | None, exc: BaseException) -> None:
        text = str(exc) if isinstance(exc, LazyscopeError) else short_engine_message(exc, 3)
        self.status.value = (
            f'<span style="color:#b00">Re-aggregation failed: {html.escape(text)}</span>'
        )

    def _show(self, agg: Any, elapsed: float | None) -> None:
        categorical = bool(self.spec.by)
        values = values_of(agg, categorical)
        rgba = shade(agg, self.how, self._colors, categorical).values
        self.figure.show(_view_of(agg), rgba, values, self.how)
        self._summary = html.escape(_summary(agg, values, elapsed))
        self.status.value = self._summary

    # ---------------------------------------------------------------- display
    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        load_bokehjs()
        # A new view starts from the bundled document: bundle the current one, not the first.
        with self._lock:
            self._bokeh.update_from_model(self.figure.fig)
        bundle: dict[str, Any] = dict(
            self.widget._repr_mimebundle_(include=include, exclude=exclude) or {}
        )
        bundle["image/png"] = base64.b64encode(self.image).decode("ascii")
        bundle["text/plain"] = repr(self)
        return bundle

    def __repr__(self) -> str:
        (x0, x1), (y0, y1) = self._agg.attrs["x_range"], self._agg.attrs["y_range"]
        return (
            f"<lazyscope plot: {self.spec.label} of {self.spec.y} vs {self.spec.x} "
            f"({self.backend.engine}), x {x0:.6g}..{x1:.6g}, y {y0:.6g}..{y1:.6g}, "
            f"grid {self._agg.shape}>"
        )


_bokehjs_loaded = False


def load_bokehjs() -> None:
    """jupyter_bokeh draws with the page's BokehJS, which a kernel must publish once. Inline
    (no CDN: notebooks work offline), core only (1.3 MB; we use no Bokeh widgets)."""
    global _bokehjs_loaded
    from IPython import get_ipython

    if _bokehjs_loaded or getattr(get_ipython(), "kernel", None) is None:
        return  # already sent, or no Jupyter frontend to send it to
    from bokeh.io.notebook import load_notebook
    from bokeh.resources import Resources

    load_notebook(Resources(mode="inline", components=["bokeh"]), hide_banner=True)
    _bokehjs_loaded = True


def _view_of(agg: Any) -> View:
    return View(
        tuple(agg.attrs["x_range"]), tuple(agg.attrs["y_range"]), agg.shape[1], agg.shape[0]
    )


def _summary(agg: Any, values: np.ndarray, elapsed: float | None) -> str:
    parts = [str(agg.attrs.get("source", agg.attrs.get("engine", "")))]
    if agg.attrs.get("agg") == "count":
        parts.append(f"{int(np.nansum(values)):,} points in view")
    if elapsed is not None:
        parts.append(f"{elapsed:.2f} s")
    else:
        parts.append("from the kernel's cache")
    return " \u00b7 ".join(parts)
