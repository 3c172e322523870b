"""Inspect a pixel of a plot (pandas, in the kernel): the rows it returns are exactly the rows a
pandas filter on the pixel's data range finds, its count is the grid's, edges belong where
the grid puts them, an empty pixel says so, bad coordinates get one short line, and a click
on the figure shows the rows, escaped, under the plot."""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import pandas as pd
import pytest

import lazyscope
from lazyscope._errors import LazyscopeError
from lazyscope.grids._inspect import MAX_ROWS
from tests._mathsafe import root_classes, typeset_text


@pytest.fixture(scope="module")
def df() -> pd.DataFrame:
    rng = np.random.default_rng(28)
    n = 20_000
    frame = pd.DataFrame(
        {
            "x": rng.normal(size=n),
            "y": rng.normal(size=n),
            "v": rng.random(n),
            "c": rng.choice(["a", "b", "c"], n),
            "note": [f"<b>row {i}</b> costs $5 and $6" for i in range(n)],
        }
    )
    frame.loc[::97, "v"] = np.nan
    frame.loc[::89, "x"] = np.nan
    return frame


def in_range(values: pd.Series, rng: tuple[float, float], last: bool) -> pd.Series:
    """A pixel's half-open interval; the last pixel also holds the upper edge."""
    return (values >= rng[0]) & ((values <= rng[1]) if last else (values < rng[1]))


def size(p: Any) -> tuple[int, int]:
    """(width, height) of the grid on screen."""
    agg = p.aggregate
    if "width" in agg.attrs:  # a line's Dataset
        return int(agg.attrs["width"]), int(agg.attrs["height"])
    return int(agg.shape[1]), int(agg.shape[0])


def reference(df: pd.DataFrame, p: Any, found: Any, x: str = "x", y: str = "y") -> pd.DataFrame:
    """The rows a pandas filter on the inspected pixel's data range finds."""
    (col, row), (width, height) = found.pixel, size(p)
    keep = in_range(df[x], found.x_range, col == width - 1)
    if found.y_range is not None:
        keep &= in_range(df[y], found.y_range, row == height - 1)
    else:  # a line's pixel: its column, the rows with a y
        keep &= df[y].notna()
    return df[keep]


def inspect(p: Any, x: float, y: float, rows: int = MAX_ROWS) -> Any:
    return p.inspect(x, y, rows=rows)


def centre(p: Any, col: int, row: int) -> tuple[float, float]:
    xs, ys = p.home.x_range, p.home.y_range
    w, h = p.home.width, p.home.height
    return (
        xs[0] + (col + 0.5) * (xs[1] - xs[0]) / w,
        ys[0] + (row + 0.5) * (ys[1] - ys[0]) / h,
    )


def test_rows_are_exactly_the_pixels_rows(df: pd.DataFrame) -> None:
    p = lazyscope.plot(df, "x", "y", width=50, height=40)
    counts = p.aggregate.values
    checked = 0
    for row in range(0, 40, 3):
        for col in range(0, 50, 3):
            found = inspect(p, *centre(p, col, row))
            ref = reference(df, p, found)
            assert found.pixel == (col, row)
            assert found.count == counts[row, col] == len(ref)
            assert len(found.rows) == min(len(ref), MAX_ROWS)
            # the first rows in the frame's order, every column, the same values
            pd.testing.assert_frame_equal(found.rows, ref.head(MAX_ROWS).reset_index(drop=True))
            checked += len(ref) > 0
    assert checked > 50  # most of these pixels hold rows: the comparison is not vacuous


def test_five_rows_by_default_and_the_message_says_how_many(df: pd.DataFrame) -> None:
    p = lazyscope.plot(df, "x", "y", width=20, height=20)
    found = p.inspect(0.01, 0.01)
    assert len(found.rows) == 5
    assert found.count is not None
    assert found.count > 5
    assert f"{found.count:,} rows, showing 5" in found.message
    assert list(found.rows.columns) == list(df.columns)
    assert "showing 5" in repr(found)


def test_edges_belong_where_the_grid_puts_them() -> None:
    # x and y on pixel boundaries (exact in binary): a boundary value is in the pixel above
    # it, and the upper edge of the window in the last pixel.
    values = np.arange(0.0, 8.5, 0.5)  # 0, 0.5, ..., 8
    frame = pd.DataFrame({"x": values, "y": values, "i": np.arange(len(values))})
    p = lazyscope.plot(frame, "x", "y", width=16, height=16, x_range=(0, 8), y_range=(0, 8))
    np.testing.assert_array_equal(np.diag(p.aggregate.values)[:-1], 1)
    assert p.aggregate.values[15, 15] == 2  # 7.5 and the edge 8.0
    first = p.inspect(0.0, 0.0)
    assert first.pixel == (0, 0)
    assert first.rows.i.tolist() == [0]
    boundary = p.inspect(3.0, 3.0)  # 3.0 starts pixel 6
    assert boundary.pixel == (6, 6)
    assert boundary.rows.i.tolist() == [6]
    last = p.inspect(8.0, 8.0)
    assert last.pixel == (15, 15)
    assert last.x_range == (7.5, 8.0)
    assert last.count == 2
    assert last.rows.i.tolist() == [15, 16]
    assert p.inspect(7.75, 7.9).rows.i.tolist() == [15, 16]  # anywhere in the pixel


def test_an_empty_pixel_says_no_rows(df: pd.DataFrame) -> None:
    p = lazyscope.plot(df, "x", "y", width=50, height=40)
    agg = p.aggregate.values
    row, col = np.argwhere(agg == 0)[0]
    found = p.inspect(*centre(p, int(col), int(row)))
    assert found.count == 0
    assert found.rows.empty
    assert list(found.rows.columns) == list(df.columns)
    assert "no rows" in found.message
    assert "no rows" in found.html()


@pytest.mark.parametrize(
    ("x", "y", "rows", "says"),
    [
        (100.0, 0.0, 5, "x=100 is outside the plot"),
        (0.0, -50.0, 5, "y=-50 is outside the plot"),
        (float("nan"), 0.0, 5, "x must be a finite number"),
        ("left", 0.0, 5, "x must be a number"),
        ((0.0, 1.0), 0.0, 5, "x must be a number"),
        (0.0, None, 5, "y must be a number"),
        (0.0, 0.0, 0, "rows must be a whole number from 1 to 100"),
        (0.0, 0.0, True, "rows must be a whole number"),
        (0.0, 0.0, 1000, "rows must be a whole number from 1 to 100"),
    ],
)
def test_bad_coordinates_are_one_short_line(
    df: pd.DataFrame, x: Any, y: Any, rows: Any, says: str
) -> None:
    p = lazyscope.plot(df, "x", "y", width=30, height=30)
    with pytest.raises(LazyscopeError) as err:
        p.inspect(x, y, rows=rows)
    assert says in str(err.value)
    assert "\n" not in str(err.value)
    assert len(str(err.value)) < 160


def test_value_reductions_and_categories_take_the_rows_the_pixel_is_made_of(
    df: pd.DataFrame,
) -> None:
    mean = lazyscope.plot(df, "x", "y", agg="mean", value="v", width=25, height=20)
    found = inspect(mean, 0.05, 0.05)
    ref = reference(df, mean, found)
    ref = ref[ref.v.notna()]  # a row without a value is not part of a mean
    assert found.count is None  # the grid holds means, not counts
    assert found.values["mean(v)"] == pytest.approx(ref.v.mean())
    pd.testing.assert_frame_equal(found.rows, ref.head(MAX_ROWS).reset_index(drop=True))
    assert "mean(v) " in found.message

    sub = df[df.c != "c"]
    by = lazyscope.plot(sub, "x", "y", by="c", width=25, height=20)
    found = inspect(by, 0.05, 0.05)
    ref = reference(sub, by, found)
    assert set(found.values) == {"a", "b"}
    assert found.values["a"] == (ref.c == "a").sum()
    assert found.count == len(ref)
    pd.testing.assert_frame_equal(found.rows, ref.head(MAX_ROWS).reset_index(drop=True))


def test_a_line_pixel_is_its_column(df: pd.DataFrame) -> None:
    frame = df.copy()
    frame.loc[::7, "y"] = np.nan  # no y: not part of the line
    p = lazyscope.plot(frame, "x", "y", kind="line", width=60, height=30)
    found = inspect(p, 0.3, 0.0)
    ref = reference(frame, p, found)
    assert found.y_range is None
    assert found.count == int(p.aggregate["count"].values[found.pixel[0]]) == len(ref)
    assert found.values["max"] == ref.y.max()
    pd.testing.assert_frame_equal(found.rows, ref.head(MAX_ROWS).reset_index(drop=True))
    assert found.pixel[1] is None
    # every y of the column, wherever the click was in it
    assert inspect(p, 0.3, 2.5).rows.equals(found.rows)


def test_a_time_x_takes_datetimes() -> None:
    start = pd.Timestamp("2024-03-01")
    frame = pd.DataFrame({"t": start + pd.to_timedelta(np.arange(600), unit="min")})
    frame["y"] = np.sin(np.arange(600) / 50)
    window = (start, start + pd.Timedelta(minutes=600))
    p = lazyscope.plot(frame, "t", "y", kind="line", width=60, height=20, x_range=window)
    found = p.inspect(start + pd.Timedelta(minutes=125), 0.0, rows=20)
    assert found.count == 10  # 600 minutes in 60 columns
    assert found.rows.t.tolist() == list(start + pd.to_timedelta(range(120, 130), unit="min"))
    assert "2024-03-01 02:00:00..2024-03-01 02:10:00" in found.message


def test_inspect_follows_the_zoom(df: pd.DataFrame) -> None:
    p = lazyscope.plot(df, "x", "y", width=40, height=40)
    p.zoom((0.0, 0.4), (0.0, 0.4))
    found = inspect(p, 0.005, 0.005)
    assert found.x_range == pytest.approx((0.0, 0.01))
    assert found.count == len(reference(df, p, found))


def test_a_click_shows_the_rows_under_the_plot_escaped(df: pd.DataFrame) -> None:
    from bokeh.events import Tap

    p = lazyscope.plot(df, "x", "y", width=30, height=30)
    box = p.widget.children[-1]
    assert box.value == ""  # nothing until a click
    assert p.inspected is None
    fig = p.figure.fig
    fig._trigger_event(Tap(fig, x=0.01, y=0.01))
    deadline = time.monotonic() + 10
    while "<table" not in box.value and time.monotonic() < deadline:
        time.sleep(0.02)
    html = box.value
    assert "<table" in html, html
    assert "&lt;b&gt;row" in html  # user data escaped
    assert "<b>row" not in html
    assert {"tex2jax_ignore", "mathjax_ignore"} <= root_classes(html)
    assert typeset_text(html, "mathjax_ignore") == []  # "$5 and $6" stays text
    assert "rows, showing 5" in html
    # The click's result stays on the plot, for code to go on with.
    clicked = p.inspected
    assert clicked is not None
    assert clicked.html() == html
    assert clicked.rows.equals(p.inspect(0.01, 0.01).rows)
    fig._trigger_event(Tap(fig, x=100.0, y=0.0))  # off the data: a short error, not a trace
    deadline = time.monotonic() + 10
    while "outside" not in box.value and time.monotonic() < deadline:
        time.sleep(0.02)
    assert "Inspect failed: x=100 is outside the plot" in box.value
