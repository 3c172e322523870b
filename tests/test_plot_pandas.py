"""lazyscope.plot on pandas: Datashader in process, exact, with clear errors."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import lazyscope
from lazyscope._errors import LazyscopeError
from tests._plot_categories import CATEGORY_CASES, categories_frame, check_categories, plain
from tests._plot_data import BAD_INPUTS, in_window, points

SMALL = {"width": 40, "height": 30}


@pytest.fixture(scope="module")
def df() -> pd.DataFrame:
    return points()


def test_every_point_is_counted_once(df: pd.DataFrame) -> None:
    p = lazyscope.plot(df, "x", "y", **SMALL)
    agg = p.aggregate
    assert agg.dims == ("y", "x")
    assert agg.shape == (30, 40)
    assert int(agg.sum()) == df[["x", "y"]].notna().all(axis=1).sum()  # NaN x are dropped
    assert agg.attrs["x_range"] == (df.x.min(), df.x.max())


def test_zoom_equals_a_pandas_filter(df: pd.DataFrame) -> None:
    p = lazyscope.plot(df, "x", "y", **SMALL)
    p.zoom((-0.5, 0.75), (0.0, 2.5))
    assert p.aggregate.attrs["x_range"] == (-0.5, 0.75)
    assert int(p.aggregate.sum()) == len(in_window(df, (-0.5, 0.75), (0.0, 2.5)))
    p.reset()
    assert int(p.aggregate.sum()) == df[["x", "y"]].notna().all(axis=1).sum()


@pytest.mark.parametrize("agg", ["sum", "mean", "min", "max", "std"])
def test_value_reductions_match_numpy(df: pd.DataFrame, agg: str) -> None:
    """One pixel covering everything: the reduction of all (non-NaN) values."""
    p = lazyscope.plot(df, "x", "y", agg=agg, value="v", width=1, height=1)
    rows = df.dropna(subset=["x", "y"]).v
    expected = {
        "sum": rows.sum(),
        "mean": rows.mean(),
        "min": rows.min(),
        "max": rows.max(),
        "std": rows.std(ddof=0),
    }[agg]
    assert float(p.aggregate.values[0, 0]) == pytest.approx(expected, rel=1e-12)


def test_by_counts_each_category(df: pd.DataFrame) -> None:
    p = lazyscope.plot(df, "x", "y", by="c", **SMALL)
    agg = p.aggregate
    assert agg.dims == ("y", "x", "c")
    assert list(agg.coords["c"].values) == ["a", "b", "c"]
    valid = df.dropna(subset=["x", "y"])
    assert agg.sum(dim=("x", "y")).values.tolist() == valid.c.value_counts().sort_index().tolist()
    with pytest.raises(LazyscopeError, match="2 colours for 3 categories"):
        lazyscope.plot(df, "x", "y", by="c", cmap=["red", "blue"], **SMALL)


def test_rows_without_a_category_are_in_no_layer() -> None:
    """As in a groupby (and on Spark): Datashader alone would count them in the last layer."""
    frame = pd.DataFrame({"x": [0.1, 0.2, 0.3, 0.4], "y": [0.1, 0.2, 0.3, 0.4]})
    frame["k"] = ["a", "b", None, "b"]
    counts = lazyscope.plot(frame, "x", "y", by="k", **SMALL).aggregate.sum(dim=("x", "y"))
    assert counts.values.tolist() == frame.groupby("k").size().tolist() == [1, 2]


@pytest.mark.parametrize(
    ("case", "form"), [*((case, "categorical") for case in CATEGORY_CASES), ("integers", "plain")]
)
def test_categories_are_labelled_and_coloured_as_the_rows_say(case: str, form: str) -> None:
    df = categories_frame(case)
    frame = df if form == "categorical" else plain(df)
    check_categories(frame, df)


@pytest.mark.parametrize(("kwargs", "words"), BAD_INPUTS)
def test_bad_input_is_one_clear_error(
    df: pd.DataFrame, kwargs: dict[str, object], words: list[str]
) -> None:
    args = {"x": "x", "y": "y", **SMALL, **kwargs}
    with pytest.raises(LazyscopeError) as info:
        lazyscope.plot(df, **args)
    message = str(info.value)
    assert "\n" not in message
    for word in words:
        assert word in message


def test_empty_frame_and_all_nan_column(df: pd.DataFrame) -> None:
    with pytest.raises(LazyscopeError, match="no rows"):
        lazyscope.plot(df.iloc[:0], "x", "y", **SMALL)
    with pytest.raises(LazyscopeError, match="'nan' has only missing"):
        lazyscope.plot(df, "nan", "y", **SMALL)


def test_not_a_dataframe() -> None:
    with pytest.raises(LazyscopeError, match="Spark, Dask or pandas DataFrame"):
        lazyscope.plot([[1, 2]], "x", "y")


def test_nullable_integers_and_one_value_columns() -> None:
    df = pd.DataFrame({"x": pd.array([1, 2, None, 4], dtype="Int64"), "y": [5.0, 5.0, 5.0, 5.0]})
    p = lazyscope.plot(df, "x", "y", width=4, height=2)
    assert int(p.aggregate.sum()) == 3
    assert p.aggregate.attrs["y_range"] == (4.5, 5.5)  # a single value gets a unit window


def test_import_stays_light() -> None:
    code = (
        "import sys, lazyscope; lazyscope.plot; lazyscope.hist; "
        "print(sorted(m for m in ('datashader', 'bokeh', 'pyspark', 'dask') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_the_plotting_package_does_not_shadow_the_function(df: pd.DataFrame) -> None:
    import lazyscope.plotting

    p = lazyscope.plot(df, "x", "y", **SMALL)
    assert int(p.aggregate.sum()) > 0
    assert np.isfinite(p.aggregate.attrs["x_range"]).all()
