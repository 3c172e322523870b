"""The plot widget: Bokeh axes and tools, debounced newest-wins re-aggregation, spinner,
and a static PNG in the display bundle (pandas back-end: the widget is engine-neutral)."""

from __future__ import annotations

import base64
import io
import threading
from collections.abc import Callable
from typing import Any

import pandas as pd
import pytest

import lazyscope
from lazyscope._errors import LazyscopeError
from lazyscope.grids._requests import Latest, Token
from lazyscope.plotting._widget import PLOT_MIME
from tests._plot_data import in_window, points
from tests._waiting import wait_for

SMALL = {"width": 40, "height": 30}


@pytest.fixture(scope="module")
def df() -> pd.DataFrame:
    return points()


def _until(condition: Callable[[], bool], timeout: float = 20.0) -> None:
    assert wait_for(condition, timeout), "timed out"


def _browser_zoom(p: Any, x_range: tuple[float, float], y_range: tuple[float, float]) -> None:
    """What jupyter_bokeh does with a wheel zoom: four range properties change."""
    fig = p.figure.fig
    fig.x_range.start, fig.x_range.end = x_range
    fig.y_range.start, fig.y_range.end = y_range


def test_real_axes_tools_hover_and_colour_bar(df: pd.DataFrame) -> None:
    from bokeh.models import BoxZoomTool, ColorBar, HoverTool, PanTool, ResetTool, WheelZoomTool

    p = lazyscope.plot(df, "x", "y", **SMALL)
    fig = p.figure.fig
    assert fig.xaxis[0].axis_label == "x"
    assert fig.yaxis[0].axis_label == "y"
    assert (fig.x_range.start, fig.x_range.end) == p.aggregate.attrs["x_range"]
    tools = {type(t) for t in fig.toolbar.tools}
    assert {PanTool, WheelZoomTool, BoxZoomTool, ResetTool, HoverTool} <= tools
    assert isinstance(fig.toolbar.active_scroll, WheelZoomTool)
    hover = next(t for t in fig.toolbar.tools if isinstance(t, HoverTool))
    assert ("count", "@value") in hover.tooltips
    (bar,) = [r for r in fig.right if isinstance(r, ColorBar)]
    labels = bar.major_label_overrides
    assert float(labels[1.0]) == p.aggregate.values.max()  # the top of the bar is the max


def test_a_browser_zoom_burst_is_one_aggregation(df: pd.DataFrame) -> None:
    p = lazyscope.plot(df, "x", "y", **SMALL)
    _browser_zoom(p, (-1.0, 1.0), (0.0, 3.0))
    _until(lambda: p.aggregate.attrs["x_range"] == (-1.0, 1.0))
    assert p.requests.runs == 1  # four range changes, debounced into one request
    assert p.aggregate.attrs["y_range"] == (0.0, 3.0)
    assert int(p.aggregate.sum()) == len(in_window(df, (-1.0, 1.0), (0.0, 3.0)))
    assert "points in view" in p.status.value


def test_spinner_shows_while_aggregating(df: pd.DataFrame) -> None:
    p = lazyscope.plot(df, "x", "y", **SMALL)
    with p._lock:  # the worker blocks on its cache lookup: the request is in flight
        _browser_zoom(p, (-2.0, 0.0), (-1.0, 1.0))
        _until(lambda: "lazyscope-plot-busy" in p.status.value)
    _until(lambda: "lazyscope-plot-busy" not in p.status.value)
    assert p.aggregate.attrs["x_range"] == (-2.0, 0.0)


def test_a_newer_request_cancels_the_running_one() -> None:
    release, started = threading.Event(), threading.Event()
    tokens: dict[str, Token] = {}
    applied: list[str] = []

    def work(req: str, token: Token) -> str:
        tokens[req] = token
        if req == "old":
            started.set()
            release.wait(10)
        return req

    runner: Latest[str] = Latest(
        work, lambda r, _: applied.append(r), lambda _: None, lambda *_: None
    )
    first = runner.submit("old", delay=0.0)
    started.wait(10)
    second = runner.submit("new", delay=0.0)
    assert tokens["old"].cancelled  # cancelled at once, while still running
    release.set()
    second.done.wait(10)
    first.done.wait(10)
    assert applied == ["new"]
    assert first.superseded
    assert runner.cancelled == 1


def test_reset_is_served_from_the_cache(df: pd.DataFrame) -> None:
    p = lazyscope.plot(df, "x", "y", **SMALL)
    home = p.aggregate
    p.zoom((-0.5, 0.5), (0.0, 1.0))
    p.reset()
    assert p.aggregate is home
    assert "cache" in p.status.value
    assert (p.figure.fig.x_range.start, p.figure.fig.x_range.end) == home.attrs["x_range"]


def test_display_bundle_has_a_static_png(df: pd.DataFrame, ipshell: Any) -> None:
    from PIL import Image

    p = lazyscope.plot(df, "x", "y", **SMALL)
    data, _ = ipshell.display_formatter.format(p)
    assert "application/vnd.jupyter.widget-view+json" in data
    image = Image.open(io.BytesIO(base64.b64decode(data["image/png"])))
    assert image.size == (40, 30)
    assert p.image.startswith(b"\x89PNG")
    # The lab extension's mark: the same widget model, and the title for the still.
    assert data[PLOT_MIME] == {
        "model_id": data["application/vnd.jupyter.widget-view+json"]["model_id"],
        "title": "count of y vs x (pandas)",
        "kind": "points",
    }


def test_the_text_says_what_the_plot_shows(df: pd.DataFrame, ipshell: Any) -> None:
    """text/plain (and repr) is a line a person reads: title and ranges, no object repr."""
    p = lazyscope.plot(df, "x", "y", **SMALL)
    p.zoom((-1.0, 1.0), (0.0, 2.5))
    data, _ = ipshell.display_formatter.format(p)
    line = "lazyscope plot: count of y vs x (pandas), x -1..1, y 0..2.5"
    assert data["text/plain"] == line
    assert repr(p) == line
    p.zoom((0.0, 1234567.0), (-0.0001, 0.00002))
    assert repr(p).endswith("x 0..1.23457e+06, y -0.0001..2e-05")


def test_categories_get_a_legend(df: pd.DataFrame) -> None:
    from bokeh.models import ColorBar, Legend

    p = lazyscope.plot(df, "x", "y", by="c", **SMALL)
    (legend,) = [r for r in p.figure.fig.right if isinstance(r, Legend)]
    assert [item.label.value for item in legend.items] == ["a", "b", "c"]
    assert not [r for r in p.figure.fig.right if isinstance(r, ColorBar)]


def test_zoom_checks_its_ranges(df: pd.DataFrame) -> None:
    p = lazyscope.plot(df, "x", "y", **SMALL)
    with pytest.raises(LazyscopeError, match="reversed"):
        p.zoom((1.0, 0.0), (0.0, 1.0))


def test_the_view_is_built_on_first_display(df: pd.DataFrame) -> None:
    """plot() pays for the aggregate only; zooms before display show when displayed."""
    p = lazyscope.plot(df, "x", "y", **SMALL)
    p.zoom((-1.0, 1.0), (0.0, 2.0))
    assert not p._ui
    bundle = p._repr_mimebundle_()
    assert "image/png" in bundle
    fig = p.figure.fig
    assert (fig.x_range.start, fig.x_range.end) == (-1.0, 1.0)
    assert p.requests.runs == 1  # building the view queued no request of its own
