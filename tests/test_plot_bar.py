"""kind="bar" in the kernel (pandas) and what every engine's bars are ranked with: the bars
equal a pandas groupby of every row (top N by value, the rest as one "other" reduced over
its own rows, missing x as one "(null)" bar), clear errors for bad input, and the views a
user sees (text, PNG, SVG still, the Bokeh bars) - zooms move the window, nothing more."""

from __future__ import annotations

import base64
import io
import math
from typing import Any

import numpy as np
import pandas as pd
import pytest

import lazyscope
from lazyscope._errors import LazyscopeError
from lazyscope.plotting._widget import PLOT_MIME

CATEGORIES = 37


def frame(rows: int = 6000, seed: int = 0) -> pd.DataFrame:
    """Skewed categories (a few large, many small: a real top-N), some x missing, some v
    missing; one category whose values are all missing (its mean is NaN, its sum 0)."""
    rng = np.random.default_rng(seed)
    weights = 1.0 / np.arange(1, CATEGORIES + 1)
    codes = rng.choice(CATEGORIES, rows, p=weights / weights.sum())
    df = pd.DataFrame(
        {
            "k": np.array([f"c{i:02d}" for i in range(CATEGORIES)], dtype=object)[codes],
            "n": codes * 10 + 3,  # integer categories
            "v": rng.normal(loc=codes % 7, scale=2.0, size=rows).round(3),
            "s": rng.choice(["a", "b", None], rows),  # a string column: counted only
        }
    )
    df.loc[rng.random(rows) < 0.03, "k"] = None
    df.loc[rng.random(rows) < 0.05, "v"] = np.nan
    df.loc[df.k == "c05", "v"] = np.nan
    return df


def _reduce(rows: pd.DataFrame, y: str | None, agg: str) -> float:
    if agg == "count":
        return float(len(rows) if y is None else rows[y].notna().sum())
    return float(getattr(rows[y], agg)())  # pandas: sum of no values 0, mean/min/max NaN


def reference(
    df: pd.DataFrame, x: str, y: str | None, agg: str, top: int
) -> tuple[list[str], list[float], list[int]]:
    """(names, heights, rows) of the bars, straight from the rows: each category reduced
    with pandas, sorted by height (NaN last, ties by category, missing x last), the first
    `top` kept and the rest reduced again over all of their rows as "other (k)"."""
    keys = df[x].astype(object)
    missing = keys.isna()
    groups: list[tuple[Any, pd.DataFrame]] = [(k, df[keys == k]) for k in keys[~missing].unique()]
    if missing.any():
        groups.append((None, df[missing]))
    bars = [(_reduce(rows, y, agg), k, rows) for k, rows in groups]

    def order(bar: tuple[float, Any, pd.DataFrame]) -> tuple[Any, ...]:
        height, key = bar[0], bar[1]
        tallest_first = 0.0 if math.isnan(height) else -height
        return (math.isnan(height), tallest_first, key is None, 0 if key is None else key)

    bars.sort(key=order)
    shown, rest = bars[:top], bars[top:]
    names = ["(null)" if k is None else str(k) for _, k, _ in shown]
    heights = [h for h, _, _ in shown]
    counts = [len(rows) for _, _, rows in shown]
    if rest:
        other = pd.concat([rows for _, _, rows in rest])
        names.append(f"other ({len(rest)})")
        heights.append(_reduce(other, y, agg))
        counts.append(len(other))
    return names, heights, counts


def check_bars(agg: Any, df: pd.DataFrame, x: str, y: str | None, kind: str, top: int) -> None:
    names, heights, counts = reference(df, x, y, kind, top)
    dim = agg["value"].dims[0]
    assert [str(n) for n in agg[dim].values] == names
    assert agg["rows"].values.tolist() == counts
    np.testing.assert_allclose(agg["value"].values, heights, rtol=1e-12, equal_nan=True)
    assert agg.attrs["rows"] == len(df)


@pytest.mark.parametrize("top", [1, 10, 20, 100])
def test_counts_are_pandas_groupby_counts_top_and_other(top: int) -> None:
    df = frame()
    p = lazyscope.plot(df, "k", kind="bar", top=top)
    check_bars(p.aggregate, df, "k", None, "count", top)
    agg = p.aggregate
    assert agg.attrs["categories"] == CATEGORIES + 1  # and the (null) bar
    assert "(null)" in agg["k"].values.tolist() or top < CATEGORIES + 1
    if top >= CATEGORIES + 1:  # every category drawn: no other bar
        assert agg.attrs["other"] == 0
        assert len(agg["k"]) == CATEGORIES + 1
    else:
        assert agg["members"].values[-1] == CATEGORIES + 1 - top


@pytest.mark.parametrize("agg", ["count", "sum", "mean", "min", "max"])
def test_every_reduction_equals_pandas(agg: str) -> None:
    df = frame(seed=2)
    p = lazyscope.plot(df, "k", "v", kind="bar", agg=agg, top=8)
    check_bars(p.aggregate, df, "k", "v", agg, 8)
    q = lazyscope.plot(df, "n", "v", kind="bar", agg=agg, top=5)  # integer categories
    check_bars(q.aggregate, df, "n", "v", agg, 5)


def test_other_is_the_mean_of_its_rows_not_a_mean_of_means() -> None:
    # "b" has one row of 100, "c" a thousand rows of 0: their rows' mean is ~0.1, the mean
    # of the two means 50.
    keys = ["a"] * 5 + ["b"] + ["c"] * 1000
    df = pd.DataFrame({"k": keys, "v": [1000.0] * 5 + [100.0] + [0.0] * 1000})
    p = lazyscope.plot(df, "k", "v", kind="bar", agg="mean", top=1)
    agg = p.aggregate
    assert agg["k"].values.tolist() == ["a", "other (2)"]
    assert agg["value"].values[1] == pytest.approx(100.0 / 1001)
    assert agg["rows"].values.tolist() == [5, 1001]
    assert agg["members"].values.tolist() == [1, 2]


def test_counting_a_column_counts_its_values_and_takes_any_type() -> None:
    df = frame(seed=3)
    p = lazyscope.plot(df, "k", "s", kind="bar", top=6)  # strings: counted, not reduced
    check_bars(p.aggregate, df, "k", "s", "count", 6)
    assert p.aggregate.attrs["label"] == "count of s"


def test_value_is_the_same_as_y() -> None:
    df = frame(seed=4)
    by_y = lazyscope.plot(df, "k", "v", kind="bar", agg="sum", top=7).aggregate
    by_value = lazyscope.plot(df, "k", kind="bar", agg="sum", value="v", top=7).aggregate
    assert by_y.identical(by_value)


def test_keys_of_every_category_type() -> None:
    df = frame(seed=5)
    df["cat"] = df.k.astype("category")
    df["nullable"] = pd.array(np.where(df.k.isna(), None, df.n), dtype="Int64")
    df["flag"] = df.n % 3 == 0
    for x in ("cat", "nullable", "flag"):
        p = lazyscope.plot(df, x, "v", kind="bar", agg="mean", top=6)
        check_bars(p.aggregate, df, x, "v", "mean", 6)


def test_all_values_missing_is_a_nan_bar_last() -> None:
    df = frame(seed=6)
    p = lazyscope.plot(df, "k", "v", kind="bar", agg="mean", top=CATEGORIES + 1)
    agg = p.aggregate
    assert agg["k"].values.tolist()[-1] == "c05"  # its mean is NaN: sorted last
    assert np.isnan(agg["value"].values[-1])
    total = lazyscope.plot(df, "k", "v", kind="bar", agg="sum", top=CATEGORIES + 1).aggregate
    assert total["value"].sel(k="c05").item() == 0.0  # the sum of no values


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"x": "nope"}, "Column 'nope' is not in the DataFrame"),
        ({"y": "nope"}, "Column 'nope' is not in the DataFrame"),
        ({"y": "s", "agg": "mean"}, "Column 's' is not numeric: agg='mean' needs numbers."),
        ({"y": "s", "agg": "sum"}, "Column 's' is not numeric"),
        ({"top": 0}, "top must be a whole number of bars, 1..1000, not 0."),
        ({"top": True}, "top must be a whole number of bars"),
        ({"top": 2.5}, "top must be a whole number of bars"),
        ({"agg": "std", "y": "v"}, "kind='bar' takes agg= one of count, sum, mean, min, max"),
        ({"agg": "mean"}, "agg='mean' needs the numeric column to reduce"),
        ({"by": "s"}, "by= (stacked or grouped bars) is not offered"),
        ({"y": "v", "value": "n"}, "give it as y or as value=, not both"),
        ({"y": "k"}, "x and y are both 'k'"),
        ({"x_range": (0, 1)}, "kind='bar' sets its own axes"),
        ({"x": "t"}, "Column 't' (x) must hold categories"),
    ],
)
def test_bad_input_is_one_clear_sentence(kwargs: dict[str, Any], message: str) -> None:
    df = frame(200)
    df["t"] = pd.Timestamp("2024-01-01")
    args = {"x": "k", **kwargs}
    with pytest.raises(LazyscopeError) as caught:
        lazyscope.plot(df, kind="bar", **args)
    text = str(caught.value)
    assert message in text
    assert "\n" not in text
    assert "Traceback" not in text
    check_bars(lazyscope.plot(df, "k", kind="bar").aggregate, df, "k", None, "count", 20)


def test_points_and_lines_still_need_y() -> None:
    with pytest.raises(LazyscopeError, match="kind='points' needs y="):
        lazyscope.plot(frame(100), "v")


def test_empty_frame_says_so() -> None:
    with pytest.raises(LazyscopeError, match="no rows"):
        lazyscope.plot(frame(100).iloc[:0], "k", kind="bar")


def test_what_the_user_sees() -> None:
    df = frame(seed=7)
    p = lazyscope.plot(df, "k", kind="bar", top=20, width=500, height=300)
    others = CATEGORIES + 1 - 20
    text = f"lazyscope bar: count of rows per k (pandas), top 20 of {CATEGORIES + 1} + other"
    assert repr(p) == text
    bundle = p._repr_mimebundle_()
    assert bundle["text/plain"] == text
    # The lab extension writes the same line when it saves (labextension/plotText.ts).
    assert bundle[PLOT_MIME]["title"] == text.removeprefix("lazyscope bar: ")
    assert bundle[PLOT_MIME]["kind"] == "bar"
    svg = bundle["image/svg+xml"]
    names = p.aggregate["k"].values.tolist()
    assert f">{names[0]}</text>" in svg  # category names under the bars
    # 21 bars in 500 pixels: names are cut to their bar's slot (the hover shows all)
    assert ">ot\u2026</text>" in svg
    assert f"other ({others})" not in svg
    assert ">count of rows</text>" in svg  # the y axis says what the bars are
    from PIL import Image

    image = np.asarray(Image.open(io.BytesIO(base64.b64decode(bundle["image/png"]))))
    assert image.shape[:2] == (300, 500)
    drawn = image[..., 3] > 0
    # the first bar is the tallest: it reaches the top 5% padding line, the others lower
    tallest = np.flatnonzero(drawn.any(axis=1))[0]
    assert tallest == pytest.approx(300 * (1 - 1 / 1.05), abs=2)
    columns = np.flatnonzero(drawn.any(axis=0))
    assert columns[0] == pytest.approx(500 / 21 * 0.1, abs=2)  # bar 0 from 0.1 of its slot
    # The Bokeh figure: one vbar per category and "other" in grey, names on the axis.
    fig = p.figure.fig
    source = p.figure.source.data
    assert source["label"] == names
    assert source["color"][-1] == "#9e9e9e"
    assert len(set(source["color"][:-1])) == 1
    assert fig.xaxis[0].major_label_overrides[0] == names[0]
    assert "Re-aggregation failed" not in p.status.value
    assert "6,000 rows in 38 categories" in p.status.value


def test_zoom_moves_the_window_and_computes_nothing() -> None:
    df = frame(seed=8)
    p = lazyscope.plot(df, "k", "v", kind="bar", agg="max", top=12)
    before, runs = p.aggregate, p.requests.runs
    p.zoom((-0.5, 3.5), (0.0, 5.0))
    assert p.aggregate.attrs["x_range"] == (-0.5, 3.5)
    assert p.aggregate.attrs["y_range"] == (0.0, 5.0)
    np.testing.assert_array_equal(p.aggregate["value"].values, before["value"].values)
    assert p.requests.runs == runs + 1  # one request, served from the bars it has
    svg = p._repr_mimebundle_()["image/svg+xml"]
    names = before["k"].values.tolist()
    assert f">{names[3]}</text>" in svg
    assert f">{names[4]}</text>" not in svg  # out of view
    p.reset()
    assert p.aggregate.attrs["x_range"] == before.attrs["x_range"]
