"""lazyscope.hist: exact counts (numpy.histogram's), computed by each engine."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

import lazyscope
from lazyscope._errors import LazyscopeError
from tests._plot_data import points


@pytest.fixture(scope="module")
def pdf() -> pd.DataFrame:
    return points()


@pytest.fixture(
    params=[
        "pandas",
        pytest.param("dask", marks=pytest.mark.dask),
        # The session's Spark, asked for by name below: conftest's grouping cannot see that,
        # so the mark puts these tests with the others on it (one JVM for the suite).
        pytest.param("spark", marks=[pytest.mark.spark, pytest.mark.xdist_group("spark-session")]),
    ]
)
def frame(request: pytest.FixtureRequest, pdf: pd.DataFrame) -> Any:
    if request.param == "dask":
        import dask.dataframe as dd

        request.getfixturevalue("dask_client")
        return dd.from_pandas(pdf, npartitions=3)
    if request.param == "spark":
        return request.getfixturevalue("spark").createDataFrame(pdf)
    return pdf


def test_counts_equal_numpy(frame: Any, pdf: pd.DataFrame) -> None:
    h = lazyscope.hist(frame, "x", bins=17)
    expected, edges = np.histogram(pdf.x.dropna(), bins=17)
    np.testing.assert_array_equal(h.counts, expected)
    np.testing.assert_array_equal(h.edges, edges)
    assert h.total == pdf.x.notna().sum()


def test_range_and_integer_column(frame: Any, pdf: pd.DataFrame) -> None:
    h = lazyscope.hist(frame, "i", bins=10, range=(10, 60))
    np.testing.assert_array_equal(h.counts, np.histogram(pdf.i, bins=10, range=(10, 60))[0])


def test_bad_input(frame: Any) -> None:
    with pytest.raises(LazyscopeError, match="'nope' is not in the DataFrame"):
        lazyscope.hist(frame, "nope")
    with pytest.raises(LazyscopeError, match="'s' is not numeric"):
        lazyscope.hist(frame, "s")
    with pytest.raises(LazyscopeError, match="'nan' has only missing"):
        lazyscope.hist(frame, "nan")
    with pytest.raises(LazyscopeError, match="reversed"):
        lazyscope.hist(frame, "x", range=(1, 0))


def test_empty_frame(pdf: pd.DataFrame) -> None:
    with pytest.raises(LazyscopeError, match="no rows"):
        lazyscope.hist(pdf.iloc[:0], "x")
    with pytest.raises(LazyscopeError, match="bins"):
        lazyscope.hist(pdf, "x", bins=0)


def test_display_has_static_fallbacks(pdf: pd.DataFrame, ipshell: Any) -> None:
    data, _ = ipshell.display_formatter.format(lazyscope.hist(pdf, "v", bins=5))
    assert "application/vnd.jupyter.widget-view+json" in data
    assert data["image/svg+xml"].count("<rect") == 5
    assert data["text/plain"].startswith("histogram of v (pandas)")
