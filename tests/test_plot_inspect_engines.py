"""Inspect where the data is: on Dask partitions and Spark (classic and Connect), the rows under
a pixel are exactly the rows a pandas filter on its data range finds, the count is the
grid's, and one small job (Spark) or the tasks of the partitions that can hold the pixel
(Dask) fetch them."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

import lazyscope
from lazyscope.grids._inspect import MAX_ROWS
from tests._laziness import connect_jobs, spark_jobs

SIZE = {"width": 50, "height": 40}


@pytest.fixture(scope="module")
def df() -> pd.DataFrame:
    """x sorted (partitions then hold stretches of x), y normal, a category, values with
    gaps, and an id to compare rows by."""
    rng = np.random.default_rng(2028)
    n = 24_000
    frame = pd.DataFrame(
        {
            "i": np.arange(n),
            "x": np.sort(rng.normal(size=n)),
            "y": rng.normal(size=n),
            "v": rng.random(n),
            "c": rng.choice(["a", "b"], n),
        }
    )
    frame.loc[::97, "v"] = np.nan
    frame.loc[::89, "y"] = np.nan
    return frame


def _in(values: pd.Series, rng: tuple[float, float], last: bool) -> pd.Series:
    return (values >= rng[0]) & ((values <= rng[1]) if last else (values < rng[1]))


def reference(df: pd.DataFrame, p: Any, found: Any) -> pd.DataFrame:
    """The rows a pandas filter on the inspected pixel's data range finds."""
    agg = p.aggregate
    line = "width" in agg.attrs
    width = agg.attrs["width"] if line else agg.shape[1]
    height = agg.attrs["height"] if line else agg.shape[0]
    (col, row), spec = found.pixel, p.spec
    keep = _in(df.x, found.x_range, col == width - 1)
    if line:
        keep &= df.y.notna()
    else:
        keep &= _in(df.y, found.y_range, row == height - 1)
    if spec.value is not None and spec.agg != "count":
        keep &= df[spec.value].notna()
    return df[keep]


def centre(p: Any, col: int, row: int) -> tuple[float, float]:
    (x0, x1), (y0, y1) = p.aggregate.attrs["x_range"], p.aggregate.attrs["y_range"]
    return x0 + (col + 0.5) * (x1 - x0) / SIZE["width"], y0 + (row + 0.5) * (y1 - y0) / SIZE[
        "height"
    ]


def check_rows(df: pd.DataFrame, p: Any, found: Any, engine: str) -> int:
    ref = reference(df, p, found)
    assert found.engine == engine
    if found.count is not None:
        assert found.count == len(ref)
    ids = sorted(found.rows.i.tolist())
    assert len(ids) == min(len(ref), MAX_ROWS) == len(set(ids))
    assert set(ids) <= set(ref.i.tolist())  # only rows of the pixel, each once
    if len(ref) <= MAX_ROWS:
        assert ids == sorted(ref.i.tolist())
    assert list(found.rows.columns) == list(df.columns)  # every column
    got = found.rows.sort_values("i").reset_index(drop=True)
    want = df.set_index("i").loc[ids].reset_index()
    np.testing.assert_array_equal(got.x.to_numpy(), want.x.to_numpy())  # the values
    return len(ref)


def check_engine(frame: Any, df: pd.DataFrame, engine: str) -> None:
    p = lazyscope.plot(frame, "x", "y", **SIZE)
    counts = p.aggregate.values
    pixels = [(25, 20), (24, 19), (0, 0), (49, 39), (5, 30), (45, 8)]
    row, col = np.argwhere((counts > 0) & (counts <= 3))[0]
    pixels.append((int(col), int(row)))  # a sparse pixel
    row, col = np.argwhere(counts == 0)[0]
    pixels.append((int(col), int(row)))  # an empty one
    sizes = []
    for col, row in pixels:
        found = p.inspect(*centre(p, col, row), rows=MAX_ROWS)
        assert found.pixel == (col, row)
        assert found.count == counts[row, col]
        sizes.append(check_rows(df, p, found, engine))
    assert max(sizes) > MAX_ROWS  # a dense pixel, a sparse one and an empty one
    assert 0 < min(s for s in sizes if s) <= 3
    assert 0 in sizes
    edge = p.inspect(*p.aggregate.attrs["x_range"][1:], p.aggregate.attrs["y_range"][1])
    assert edge.pixel == (49, 39)  # the upper edges: in the last pixel
    assert "no rows" in p.inspect(*centre(p, *pixels[-1])).message

    mean = lazyscope.plot(frame, "x", "y", agg="mean", value="v", by="c", **SIZE)
    found = mean.inspect(*centre(mean, 25, 20), rows=MAX_ROWS)
    assert set(found.values) == {"a", "b"}
    check_rows(df, mean, found, engine)

    line = lazyscope.plot(frame, "x", "y", kind="line", **SIZE)
    found = line.inspect(*centre(line, 30, 0), rows=MAX_ROWS)
    assert found.y_range is None
    check_rows(df, line, found, engine)


@pytest.mark.dask
def test_dask_rows_are_the_pixels_from_the_partitions_that_hold_them(
    dask_client: Any, df: pd.DataFrame
) -> None:
    import dask.dataframe as dd
    from distributed import get_task_stream, wait

    frame = dd.from_pandas(df, npartitions=8).persist()
    wait(frame)
    check_engine(frame, df, "dask")
    # The extent pass kept each partition's box; x is sorted, so one partition (two where
    # the pixel straddles a boundary) can hold a pixel: one task each, nothing else.
    p = lazyscope.plot(frame, "x", "y", **SIZE)
    with get_task_stream(dask_client) as stream:
        found = p.inspect(*centre(p, 25, 20))
    assert len(found.rows) == 5
    assert 1 <= len(ours(stream)) <= 2, [t["key"] for t in stream.data]
    # Ranges given: no extent pass, no boxes. The first inspection visits every partition
    # and learns their boxes; the next one needs only the partitions that can hold it.
    fresh = dd.from_pandas(df, npartitions=8).persist()
    wait(fresh)
    window = {"x_range": (-4.0, 4.0), "y_range": (-4.0, 4.0)}
    q = lazyscope.plot(fresh, "x", "y", **SIZE, **window)
    with get_task_stream(dask_client) as stream:
        q.inspect(0.01, 0.01)
    assert len(ours(stream)) == 8
    with get_task_stream(dask_client) as stream:
        q.inspect(0.01, 0.01)
    assert 1 <= len(ours(stream)) <= 2
    check_rows(df, q, q.inspect(0.01, 0.01, rows=MAX_ROWS), "dask")


def ours(stream: Any) -> list[str]:
    """The inspection's own tasks (a partition's own graph, if it is not in memory, runs
    too: only for the partitions asked for)."""
    keys = [str(t["key"]) for t in stream.data]
    return [k for k in keys if k.startswith("lazyscope.plot: rows under a pixel")]


def _spark_frame(session: Any, df: pd.DataFrame) -> Any:
    return session.createDataFrame(df)


@pytest.mark.spark
def test_spark_rows_are_the_pixels_in_one_small_job(spark: Any, df: pd.DataFrame) -> None:
    frame = _spark_frame(spark, df).repartition(4).cache()
    frame.count()
    check_engine(frame, df, "spark")
    p = lazyscope.plot(frame, "x", "y", **SIZE)
    for col, row in ((25, 20), (0, 39)):  # a dense pixel and an empty one
        with spark_jobs(spark) as jobs:
            p.inspect(*centre(p, col, row))
        assert jobs.n == 1
    frame.unpersist()


@pytest.mark.spark
def test_spark_time_line_rows_are_the_columns(spark: Any, df: pd.DataFrame) -> None:
    """A time x (a Spark timestamp, binned as nanoseconds) inspected by a datetime."""
    from pyspark.sql import functions as f

    start = pd.Timestamp("2024-03-01", tz="UTC")
    local = df.assign(t=start + pd.to_timedelta(df.i, unit="s"))
    frame = spark.createDataFrame(df).withColumn(
        "t", f.timestamp_micros(f.col("i") * 1_000_000 + int(start.value // 1000))
    )
    window = (start.tz_localize(None), (start + pd.Timedelta(seconds=len(df))).tz_localize(None))
    p = lazyscope.plot(frame, "t", "y", kind="line", width=40, height=20, x_range=window)
    # 24,000 seconds in 40 columns: column 7 is seconds [4200, 4800)
    found = p.inspect(window[0] + pd.Timedelta(seconds=4500), 0.0, rows=MAX_ROWS)
    assert found.pixel == (7, None)
    want = local[(local.i >= 4200) & (local.i < 4800) & local.y.notna()]
    assert found.count == len(want)
    assert set(found.rows.i) <= set(want.i)
    assert len(found.rows) == MAX_ROWS


@pytest.mark.connect
@pytest.mark.slow
def test_spark_connect_rows_are_the_pixels_in_one_small_job(
    connect: Any, spark_connect_server: Any, df: pd.DataFrame
) -> None:
    # Cached, as in the classic test: a frame of local rows alone is answered by the server
    # without any job, which would count nothing.
    frame = _spark_frame(connect, df).repartition(4).cache()
    frame.count()
    check_engine(frame, df, "spark")
    p = lazyscope.plot(frame, "x", "y", **SIZE)
    for col, row in ((25, 20), (0, 39)):  # a dense pixel and an empty one
        with connect_jobs(spark_connect_server.ui) as jobs:
            p.inspect(*centre(p, col, row))
        assert jobs.n == 1
    frame.unpersist()
