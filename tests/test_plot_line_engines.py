"""kind="line" where the data is: Dask partitions and Spark (classic and Connect) compute
the same per-column min/max/first/last as sorting every row in numpy, on odd widths, with
gaps, times and categories, re-aggregate zooms, and run one job (or graph) per grid."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

import lazyscope
from tests._laziness import connect_jobs, dask_tasks, spark_jobs
from tests._line_ref import check_line, series

WINDOW = {"x_range": (0.5, 9.5), "y_range": (-20.0, 20.0)}
_DAY_MICROS = 86_400_000_000


@pytest.fixture(scope="module")
def df() -> pd.DataFrame:
    frame = series(6000, seed=21)
    # microseconds since the epoch: a time every engine holds exactly
    frame["us"] = (1_700_000_000.0 + frame.x.fillna(-1) * 86_400) * 1e6
    frame["us"] = frame["us"].round().astype("int64")
    frame["t"] = pd.to_datetime(frame["us"], unit="us").astype("datetime64[ns]")
    frame.loc[frame.x.isna(), "t"] = pd.NaT  # missing times where x is missing
    return frame


def _time_x(df: pd.DataFrame) -> np.ndarray:
    return (df.us.to_numpy() * 1000).astype(np.float64)


def check_engine(frame: Any, df: pd.DataFrame, engine: str, time: str = "t") -> None:
    """Odd widths, by=, a time x, and a zoom, all equal to the numpy reference."""
    x, y = df.x.to_numpy(), df.y.to_numpy()
    for width in (37, 101):
        p = lazyscope.plot(frame, "x", "y", kind="line", width=width, height=30)
        assert p.aggregate.attrs["engine"] == engine
        check_line(p.aggregate, x, y)
        assert (p.aggregate["count"].values == 0).any()  # the gap is empty columns
    p = lazyscope.plot(frame, "x", "y", kind="line", by="c", width=43, height=30)
    for cat in "pqr":
        part = df[df.c == cat]
        check_line(p.aggregate, part.x.to_numpy(), part.y.to_numpy(), c=cat)
    p.zoom((2.25, 7.5), (-5.0, 5.0))
    fresh = lazyscope.plot(
        df, "x", "y", kind="line", by="c", width=43, height=30, x_range=(2.25, 7.5)
    )
    for name in ("count", "min", "max", "first", "last"):
        np.testing.assert_array_equal(p.aggregate[name].values, fresh.aggregate[name].values)
    t = lazyscope.plot(frame, time, "y", kind="line", width=53, height=30)
    assert t.aggregate.attrs["time_x"]
    check_line(t.aggregate, np.where(df.x.isna(), np.nan, _time_x(df)), y)


@pytest.mark.dask
def test_dask_line_is_exact(dask_client: Any, df: pd.DataFrame) -> None:
    import dask.dataframe as dd

    frame = dd.from_pandas(df.drop(columns="us"), npartitions=5)
    check_engine(frame, df, "dask")


@pytest.mark.dask
@pytest.mark.filterwarnings("ignore:Sending large graph")  # 1M rows from the test's memory
def test_dask_line_is_one_graph_and_keeps_every_spike(dask_client: Any) -> None:
    import dask.dataframe as dd
    from distributed import wait

    from tests.test_plot_line import _spikes, spikes_drawn

    spikes = _spikes()
    frame = dd.from_pandas(spikes, npartitions=8).persist()
    wait(frame)  # the persist's own graph reaches the scheduler before we count
    window = {"x_range": (0.0, 999_999.0), "y_range": (0.0, 100.0), "width": 800, "height": 50}
    with dask_tasks(dask_client, guard=False) as graphs:
        p = lazyscope.plot(frame, "x", "y", kind="line", **window)
    assert graphs.n == 1
    assert spikes_drawn(p, spikes) == 1000
    with dask_tasks(dask_client, guard=False) as graphs:
        p.zoom((1000.0, 5000.5), (0.0, 50.0))
    assert graphs.n == 1
    fresh = lazyscope.plot(spikes, "x", "y", kind="line", **{**window, "x_range": (1000.0, 5000.5)})
    np.testing.assert_array_equal(p.aggregate["max"].values, fresh.aggregate["max"].values)


def _spark_frame(session: Any, df: pd.DataFrame) -> Any:
    """x, y, c, and x as each time type of Spark: `t` (TIMESTAMP, an instant), `t_ntz`
    (TIMESTAMP_NTZ, the same wall clock in UTC) and `d` (DATE, its day in UTC)."""
    from lazyscope.spark._connect import functions_for

    columns = df[["x", "y", "c", "us", "t"]].rename(columns={"t": "t_ntz"})
    schema = "x double, y double, c string, us long, t_ntz timestamp_ntz"
    frame = session.createDataFrame(columns, schema)
    f = functions_for(frame)  # classic's or Connect's functions, as the frame needs
    known = ~f.isnan(f.col("x")) & f.col("x").isNotNull()
    day = f.expr(f"CAST(us div {_DAY_MICROS} AS INT)")  # integer division: exact
    return frame.withColumns(
        {"t": f.when(known, f.timestamp_micros(f.col("us"))), "d": f.date_from_unix_date(day)}
    ).withColumn("d", f.when(known, f.col("d")))


def check_spark_times(session: Any, frame: Any, df: pd.DataFrame) -> None:
    """A TIMESTAMP_NTZ x is its wall clock read as UTC and a DATE x its midnight, whatever
    the session's time zone (a zone's offset would shift every column)."""
    zone = session.conf.get("spark.sql.session.timeZone")
    session.conf.set("spark.sql.session.timeZone", "Asia/Kolkata")  # UTC+05:30
    try:
        y, gap = df.y.to_numpy(), df.x.isna().to_numpy()
        ntz = lazyscope.plot(frame, "t_ntz", "y", kind="line", width=53, height=30)
        assert ntz.aggregate.attrs["time_x"]
        check_line(ntz.aggregate, np.where(gap, np.nan, _time_x(df)), y)
        midnights = (df.us.to_numpy() // _DAY_MICROS * _DAY_MICROS * 1000).astype(np.float64)
        day = lazyscope.plot(frame, "d", "y", kind="line", width=53, height=30)
        check_line(day.aggregate, np.where(gap, np.nan, midnights), y)
    finally:
        session.conf.set("spark.sql.session.timeZone", zone)


@pytest.mark.spark
def test_spark_line_is_exact_in_one_job_per_grid(spark: Any, df: pd.DataFrame) -> None:
    frame = _spark_frame(spark, df).cache()
    frame.count()
    check_engine(frame, df, "spark")
    check_spark_times(spark, frame, df)
    # One aggregate per grid: our one action (backend.jobs), which Spark runs as the same
    # number of scheduler jobs as a points grid (adaptive execution runs the shuffle's map
    # stage as a job of its own).
    with spark_jobs(spark) as points:
        lazyscope.plot(frame, "x", "y", width=61, height=30, **WINDOW)
    with spark_jobs(spark) as jobs:
        p = lazyscope.plot(frame, "x", "y", kind="line", width=61, height=30, **WINDOW)
    assert p.backend.jobs == 1
    assert jobs.n == points.n <= 2
    with spark_jobs(spark) as jobs:
        p.zoom((1.0, 2.0), (0.0, 1.0))
    assert p.backend.jobs == 2
    assert jobs.n == points.n
    with spark_jobs(spark) as jobs:  # the same columns seen higher: no job, new picture
        p.zoom((1.0, 2.0), (-1.0, 3.0))
    assert jobs.n == 0
    assert p.aggregate.attrs["y_range"] == (-1.0, 3.0)
    check_line(p.aggregate, df.x.to_numpy(), df.y.to_numpy())
    frame.unpersist()


@pytest.mark.spark
def test_spark_line_keeps_every_spike(spark: Any) -> None:
    from tests.test_plot_line import _spikes, spikes_drawn

    spikes = _spikes(200_000, 200, seed=4)
    frame = spark.createDataFrame(spikes)
    window = {"x_range": (0.0, 199_999.0), "y_range": (0.0, 100.0), "width": 799, "height": 40}
    assert spikes_drawn(lazyscope.plot(frame, "x", "y", kind="line", **window), spikes) == 200


@pytest.mark.connect
@pytest.mark.slow
def test_spark_connect_line_is_exact_in_one_job(
    connect: Any, spark_connect_server: Any, df: pd.DataFrame
) -> None:
    frame = _spark_frame(connect, df)
    check_engine(frame, df, "spark")
    check_spark_times(connect, frame, df)
    with connect_jobs(spark_connect_server.ui) as points:
        lazyscope.plot(frame, "x", "y", width=61, height=30, **WINDOW)
    with connect_jobs(spark_connect_server.ui) as jobs:
        p = lazyscope.plot(frame, "x", "y", kind="line", width=61, height=30, **WINDOW)
    assert p.backend.jobs == 1
    assert jobs.n == points.n <= 2  # as a points grid: see the classic test
