"""kind="line" in the kernel (pandas) and what every engine's line is drawn with: per-column
M4 states equal to sorting every row, the picture equal to drawing every segment of the
full polyline, spikes kept where a sample loses them, zooms re-aggregated, clear errors."""

from __future__ import annotations

import base64
import io

import numpy as np
import pandas as pd
import pytest

import lazyscope
from lazyscope._errors import LazyscopeError
from lazyscope.plotting._line import line_mask
from tests._line_ref import check_line, polyline_pixels, series, to_ns

WIDTHS = (1, 37, 101, 255)


@pytest.mark.parametrize("width", WIDTHS)
def test_columns_hold_the_exact_min_max_first_last(width: int) -> None:
    df = series(3000, seed=width)
    p = lazyscope.plot(df, "x", "y", kind="line", width=width, height=40)
    check_line(p.aggregate, df.x.to_numpy(), df.y.to_numpy())
    assert p.aggregate.attrs["rows"] == int(df[["x", "y"]].notna().all(axis=1).sum())
    if width > 30:  # the empty stretch [3, 4) of x is a run of empty columns
        assert (p.aggregate["count"].values == 0).any()


def test_by_gives_one_series_per_category() -> None:
    df = series(4000, seed=3)
    p = lazyscope.plot(df, "x", "y", kind="line", by="c", width=61, height=30)
    assert list(p.aggregate.c.values) == ["p", "q", "r"]
    for cat in "pqr":
        part = df[df.c == cat]
        check_line(p.aggregate, part.x.to_numpy(), part.y.to_numpy(), c=cat)


def test_datetime_x_is_binned_as_nanoseconds() -> None:
    df = series(2000, seed=11)
    start = pd.Timestamp("2024-03-01")
    df["t"] = start + pd.to_timedelta(df.x.fillna(-1) * 3600, unit="s")
    df.loc[df.x.isna(), "t"] = pd.NaT
    p = lazyscope.plot(df, "t", "y", kind="line", width=45, height=30)
    agg = p.aggregate
    assert agg.attrs["time_x"]
    assert agg["t"].dtype.kind == "M"
    check_line(agg, to_ns(df.t).astype(float) * np.where(df.t.isna(), np.nan, 1), df.y.to_numpy())
    # ranges may be given as datetimes, and zooms too
    window = (start + pd.Timedelta(hours=1), start + pd.Timedelta(hours=2))
    q = lazyscope.plot(df, "t", "y", kind="line", width=45, height=30, x_range=window)
    assert q.aggregate.attrs["x_range"] == (float(window[0].value), float(window[1].value))
    p.zoom(window, agg.attrs["y_range"])
    np.testing.assert_array_equal(p.aggregate["max"].values, q.aggregate["max"].values)
    assert p.figure.fig.xaxis[0].__class__.__name__ == "DatetimeAxis"
    assert ">2024-03-01 01:" in p._repr_mimebundle_()["image/svg+xml"]  # dated still ticks


@pytest.mark.parametrize(("seed", "width", "height"), [(1, 37, 23), (2, 101, 61), (3, 9, 5)])
def test_picture_is_the_full_polyline(seed: int, width: int, height: int) -> None:
    df = series(1500, seed=seed)
    # a window that cuts the line in y too: rows above and below steer it off-screen
    view = ((1.0, 9.0), (float(df.y.quantile(0.2)), float(df.y.quantile(0.9))), width, height)
    p = lazyscope.plot(
        df, "x", "y", kind="line", x_range=view[0], y_range=view[1], width=width, height=height
    )
    shown = np.asarray(p._shaded(p.aggregate).values) != 0
    want = polyline_pixels(df.x.to_numpy(), df.y.to_numpy(), view)
    np.testing.assert_array_equal(shown, want)


def test_mask_of_a_steep_step_splits_at_half_way() -> None:
    # column 0 ends at row 0, column 1 starts at row 5: rows 0-2 left, 3-5 right
    n, lo, hi = np.array([1, 1]), np.array([0.5, 5.5]), np.array([0.5, 5.5])
    mask = line_mask(n, lo, hi, hi, lo, (0.0, 6.0), 6)
    assert mask[:, 0].tolist() == [True, True, True, False, False, False]
    assert mask[:, 1].tolist() == [False, False, False, True, True, True]


def _spikes(n: int = 1_000_000, spikes: int = 1000, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    y = rng.random(n)  # noise in [0, 1); spikes at 100, each one sample, far apart
    at = rng.choice(np.arange(n // spikes) * spikes + spikes // 2, spikes, replace=False)
    y[at] = 100.0
    order = rng.permutation(n)  # unsorted: the engine orders within columns
    return pd.DataFrame({"x": np.arange(n, dtype=np.float64)[order], "y": y[order]})


def spikes_drawn(plot: lazyscope.plotting.PlotWidget, df: pd.DataFrame) -> int:
    """Spikes whose own pixel (their column, the top row) the picture lights."""
    img = np.asarray(plot._shaded(plot.aggregate).values) != 0
    x = df.x[df.y == 100.0].to_numpy()
    (x0, x1), w = plot.aggregate.attrs["x_range"], plot.aggregate.attrs["width"]
    cols = np.minimum(((x - x0) * (w / (x1 - x0))).astype(int), w - 1)
    return int(img[-1, cols].sum())


def test_every_spike_is_drawn_where_a_sample_misses_most() -> None:
    df = _spikes()
    window = {"x_range": (0.0, 999_999.0), "y_range": (0.0, 100.0), "width": 800, "height": 50}
    line = lazyscope.plot(df, "x", "y", kind="line", **window)
    assert spikes_drawn(line, df) == 1000
    sample = df.iloc[::100]  # what a 1-in-100 sampler gives the same drawing
    sampled = lazyscope.plot(sample, "x", "y", kind="line", **window)
    assert spikes_drawn(sampled, df) < 100


def test_zoom_equals_a_fresh_aggregate_of_the_window() -> None:
    df = series(3000, seed=5)
    p = lazyscope.plot(df, "x", "y", kind="line", width=51, height=20)
    p.zoom((2.5, 5.25), (-3.0, 4.0))
    fresh = lazyscope.plot(
        df, "x", "y", kind="line", width=51, height=20, x_range=(2.5, 5.25), y_range=(-3.0, 4.0)
    )
    assert p.aggregate.identical(fresh.aggregate)
    p.reset()
    assert p.aggregate.attrs["x_range"] == p.home.x_range
    # a vertical zoom keeps the columns' states (every row, whatever its y): no new pass
    p.zoom(p.home.x_range, (0.0, 1.0))
    assert p._elapsed is None  # served from the kernel's cache
    assert p.aggregate.attrs["y_range"] == (0.0, 1.0)
    np.testing.assert_array_equal(p.aggregate["max"].values, fresh_home(df)["max"].values)


def fresh_home(df: pd.DataFrame) -> object:
    return lazyscope.plot(df, "x", "y", kind="line", width=51, height=20).aggregate


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"kind": "pie"}, ["kind='pie'", "points, line, bar"]),
        ({"kind": "line", "agg": "mean", "value": "y"}, ["kind='line'", "agg="]),
        ({"kind": "line", "x": "c"}, ["'c'", "not numeric"]),
    ],
)
def test_bad_kind_or_agg_is_one_clear_line(kwargs: dict[str, object], words: list[str]) -> None:
    args = {"x": "x", "y": "y", **kwargs}
    with pytest.raises(LazyscopeError) as info:
        lazyscope.plot(series(100, seed=1), **args)  # type: ignore[arg-type]
    text = str(info.value)
    assert "\n" not in text
    for word in words:
        assert word in text


def test_still_svg_and_png_show_the_line() -> None:
    df = series(2000, seed=8)
    p = lazyscope.plot(df, "x", "y", kind="line", by="c", width=41, height=21)
    bundle = p._repr_mimebundle_()
    from PIL import Image

    png = Image.open(io.BytesIO(base64.b64decode(bundle["image/png"])))
    assert png.size == (41, 21)
    lit = np.asarray(png)[..., 3] > 0
    assert lit.sum() == (np.asarray(p._shaded(p.aggregate).values) != 0).sum() > 0
    svg = bundle["image/svg+xml"]
    assert bundle["image/png"] in svg
    assert ">q</text>" in svg
    assert "line of y vs x" in svg
    assert p.figure.colorbar is None
