"""lazyscope.plot on Spark: aggregation in the executors, exact, and no rows to the driver."""

from __future__ import annotations

import json
import re
import threading
import time
import urllib.request
from typing import Any

import numpy as np
import pandas as pd
import pytest

import lazyscope
from lazyscope._errors import LazyscopeError
from lazyscope.grids._requests import SupersededError, Token
from lazyscope.grids._spec import Spec, View
from lazyscope.spark._plot import SparkBackend
from tests._plot_categories import CATEGORY_CASES, categories_frame, check_categories, plain
from tests._plot_data import BAD_INPUTS, in_window, points
from tests._plot_names import GRID, check_names, names, run_plot_cell

pytestmark = pytest.mark.spark

SMALL = {"width": 40, "height": 30}


@pytest.fixture(scope="module")
def pdf() -> pd.DataFrame:
    return points()


@pytest.fixture(scope="module")
def sdf(spark: Any, pdf: pd.DataFrame) -> Any:
    frame = spark.createDataFrame(pdf).cache()
    frame.count()
    return frame


def test_total_and_zooms_are_exact(sdf: Any, pdf: pd.DataFrame) -> None:
    p = lazyscope.plot(sdf, "x", "y", **SMALL)
    home = p.aggregate.attrs["x_range"], p.aggregate.attrs["y_range"]
    assert int(p.aggregate.sum()) == len(in_window(pdf, *home))
    jobs = p.backend.jobs

    p.zoom((-0.5, 0.75), (0.0, 2.5))  # within the pyramid: no new Spark job
    agg = p.aggregate
    assert agg.attrs["source"] == "spark pyramid"
    assert p.backend.jobs == jobs
    x0, x1 = agg.attrs["x_range"]
    assert x0 <= -0.5
    assert x1 >= 0.75
    assert agg.shape[1] >= SMALL["width"]  # ... at least one per screen pixel
    assert int(agg.sum()) == len(in_window(pdf, agg.attrs["x_range"], agg.attrs["y_range"]))

    p.zoom((0.0, 0.05), (0.5, 0.6))  # more resolution than the pyramid holds: one job
    assert p.aggregate.attrs["source"] == "spark job"
    assert p.backend.jobs == jobs + 1
    assert p.aggregate.attrs["x_range"] == (0.0, 0.05)
    assert int(p.aggregate.sum()) == len(in_window(pdf, (0.0, 0.05), (0.5, 0.6)))

    p.zoom((0.01, 0.04), (0.52, 0.58))  # inside that job's own pyramid: no job again
    assert p.aggregate.attrs["source"] == "spark pyramid"
    assert p.backend.jobs == jobs + 1
    assert int(p.aggregate.sum()) == len(
        in_window(pdf, p.aggregate.attrs["x_range"], p.aggregate.attrs["y_range"])
    )


@pytest.mark.parametrize(
    ("agg", "value", "by"),
    [
        ("count", None, None),
        ("mean", "v", None),
        ("std", "v", None),
        ("min", "v", None),
        ("max", "v", None),
        ("sum", "v", None),
        ("count", "v", None),  # rows with a value only
        ("count", None, "c"),
        ("mean", "v", "c"),
        ("std", "v", "c"),
    ],
)
def test_same_grid_as_datashader_on_pandas(
    sdf: Any, pdf: pd.DataFrame, agg: str, value: str | None, by: str | None
) -> None:
    window = {"x_range": (-2.0, 2.0), "y_range": (-3.0, 5.0)}
    on_spark = lazyscope.plot(
        sdf, "x", "y", agg=agg, value=value, by=by, **SMALL, **window
    ).aggregate
    on_pandas = lazyscope.plot(
        pdf, "x", "y", agg=agg, value=value, by=by, **SMALL, **window
    ).aggregate
    assert on_spark.dims == on_pandas.dims
    np.testing.assert_array_equal(on_spark.coords["x"].values, on_pandas.coords["x"].values)
    np.testing.assert_allclose(
        on_spark.values.astype(float), on_pandas.values.astype(float), rtol=1e-9, atol=1e-12
    )


@pytest.mark.parametrize("agg", ["count", "sum", "mean", "min", "max", "std"])
@pytest.mark.parametrize(("width", "height"), [(37, 23), (8, 6), (1, 1)])
def test_jvm_states_equal_numpy_binning(
    sdf: Any, pdf: pd.DataFrame, agg: str, width: int, height: int
) -> None:
    """The Spark aggregate (pixels in blocks, sides not a multiple of the block) gives the
    states that binning the same rows in numpy gives, for every reduction and category."""
    from lazyscope.grids._partials import partial
    from lazyscope.spark._plot_job import grid_states

    value = None if agg == "count" else "v"
    view = View((-1.5, 2.0), (-2.0, 4.0), width, height)
    backend = SparkBackend(sdf, Spec("x", "y", agg, value, "c"))
    got = grid_states(backend, view, "lazyscope-test", Token())
    cats = backend.categories
    rows = in_window(pdf, view.x_range, view.y_range)
    sx, tx, sy, ty = view.scale()
    col = np.minimum((rows.x.to_numpy() * sx + tx).astype(int), width - 1)
    row = np.minimum((rows.y.to_numpy() * sy + ty).astype(int), height - 1)
    layer = np.array([cats.index(c) for c in rows.c])
    idx = (layer * height + row) * width + col
    v = None if value is None else rows[value].to_numpy()
    want = partial(agg, len(cats) * height * width, idx, v)
    assert set(got) == set(want)
    n = want["n"].reshape(len(cats), height, width)
    np.testing.assert_array_equal(got["n"], n)
    for name, states in want.items():
        shaped = states.reshape(n.shape)
        np.testing.assert_allclose(got[name][n > 0], shaped[n > 0], rtol=1e-9, atol=1e-12)
        np.testing.assert_array_equal(got[name][n == 0], shaped[n == 0])  # neutral


@pytest.mark.parametrize("ansi", ["true", "false"])
@pytest.mark.parametrize(("column", "heavy"), [(0, 70_000), (3, 40_000), (3, 70_000)])
def test_a_pixel_past_its_packed_field_is_still_counted_exactly(
    spark: Any, column: int, heavy: int, ansi: str
) -> None:
    """Counts travel four to a long, 16 bits each: 70,000 rows in a block's first pixel
    carry into the next field; 40,000 in its fourth overflow the long, which ANSI mode
    raises and otherwise wraps; 70,000 there lose the top field's carry. Every time the
    grid is the exact count."""
    from pyspark.sql import functions as f

    from lazyscope.spark._plot_job import grid_states

    spread = 8 * 4 * 10  # ten rows in every pixel besides
    ids = f.col("id")
    frame = spark.range(heavy + spread, numPartitions=3).select(
        f.when(ids < heavy, column + 0.5).otherwise(ids % 8 + 0.5).alias("x"),
        f.when(ids < heavy, 0.5).otherwise(f.floor(ids / 8) % 4 + 0.5).alias("y"),
    )
    view = View((0.0, 8.0), (0.0, 4.0), 8, 4)
    was = spark.conf.get("spark.sql.ansi.enabled")
    spark.conf.set("spark.sql.ansi.enabled", ansi)
    try:
        got = grid_states(SparkBackend(frame, Spec("x", "y")), view, "lazyscope-test", Token())
    finally:
        spark.conf.set("spark.sql.ansi.enabled", was)
    want = np.full((1, 4, 8), 10)
    want[0, 0, column] += heavy
    np.testing.assert_array_equal(got["n"], want)


def test_a_window_without_rows_is_an_empty_grid(sdf: Any) -> None:
    from lazyscope.spark._plot_job import grid_states

    backend = SparkBackend(sdf, Spec("x", "y", "max", "v"))
    got = grid_states(backend, View((50.0, 60.0), (50.0, 60.0), 5, 4), "t", Token())
    assert got["n"].shape == (1, 4, 5)
    assert not got["n"].any()
    assert np.isneginf(got["hi"]).all()


@pytest.mark.parametrize("case", CATEGORY_CASES)
def test_categories_are_labelled_and_coloured_as_the_rows_say(spark: Any, case: str) -> None:
    df = categories_frame(case)
    frame = spark.createDataFrame(plain(df)).repartition(4)
    if case == "in some partitions":  # rows in order: no partition holds all three
        frame = spark.createDataFrame(plain(df)).coalesce(4)
    check_categories(frame, df)


def test_progress_names_the_work_of_a_plot_and_a_histogram(ipshell: Any, spark: Any) -> None:
    frame = spark.createDataFrame(plain(categories_frame("unsorted")))
    # The user's own action on the plot's line: both must name the same cell line.
    progress = "lazyscope.progress('spark', live=False)"
    run = run_plot_cell(ipshell, progress, "; frame.repartition(2).collect()", frame=frame)
    shown = "\n".join(names(run))
    line = re.search(r"collect at cell line (\d+)", shown)
    assert line is not None, shown
    plot, hist = f"at cell line {line.group(1)}", f"at cell line {int(line.group(1)) + 1}"
    check_names(
        run,
        [
            f"lazyscope.plot: x/y ranges {plot}",
            f"lazyscope.plot: categories of kind {plot}",
            f"lazyscope.plot: {GRID} {plot}",
            f"lazyscope.hist: range of y {hist}",
            f"lazyscope.hist: 12 bins of y {hist}",
        ],
    )


def _result_bytes(spark: Any, since: int) -> tuple[int, int]:
    """(jobs, bytes of task results sent to the driver) of the jobs after job id `since`."""
    sc = spark.sparkContext
    base = f"{sc.uiWebUrl}/api/v1/applications/{sc.applicationId}"
    with urllib.request.urlopen(f"{base}/jobs") as reply:
        jobs = [j for j in json.load(reply) if j["jobId"] > since]
    total = 0
    for job in jobs:
        for stage in job["stageIds"]:
            with urllib.request.urlopen(f"{base}/stages/{stage}") as reply:
                total += sum(attempt["resultSize"] for attempt in json.load(reply))
    return len(jobs), total


def _last_job(spark: Any) -> int:
    sc = spark.sparkContext
    with urllib.request.urlopen(
        f"{sc.uiWebUrl}/api/v1/applications/{sc.applicationId}/jobs"
    ) as reply:
        return max((j["jobId"] for j in json.load(reply)), default=-1)


def test_no_rows_reach_the_driver(spark: Any) -> None:
    from pyspark.sql import functions as f

    rows = 200_000
    frame = (
        spark.range(rows, numPartitions=4)
        .select(f.randn(1).alias("x"), f.randn(2).alias("y"))
        .cache()
    )
    frame.count()
    last = _last_job(spark)
    p = lazyscope.plot(frame, "x", "y", width=20, height=15)
    assert int(p.aggregate.sum()) == rows
    jobs, sent = _result_bytes(spark, last)
    # extent and grid, each a shuffle map stage and its result (AQE runs them as two jobs);
    # never one per partition
    assert jobs <= 4
    (home,) = p.backend.pyramids
    finest = home.grid(home.levels)["n"].size
    parallelism = spark.sparkContext.defaultParallelism
    assert sent <= parallelism * finest * 16 + 64 * 1024  # grid-sized partials at most
    assert sent < rows * 16 / 4  # far below the rows' own 16 bytes each


@pytest.mark.parametrize(("kwargs", "words"), BAD_INPUTS[:2] + BAD_INPUTS[4:6] + BAD_INPUTS[7:8])
def test_bad_input_is_one_clear_error(
    sdf: Any, kwargs: dict[str, object], words: list[str]
) -> None:
    with pytest.raises(LazyscopeError) as info:
        lazyscope.plot(sdf, **{"x": "x", "y": "y", **SMALL, **kwargs})
    assert "\n" not in str(info.value)
    for word in words:
        assert word in str(info.value)


def test_empty_frame_and_all_nan_column(sdf: Any) -> None:
    with pytest.raises(LazyscopeError, match="no rows"):
        lazyscope.plot(sdf.limit(0), "x", "y", **SMALL)
    with pytest.raises(LazyscopeError, match="'nan' has only missing"):
        lazyscope.plot(sdf, "nan", "y", **SMALL)


def test_a_newer_request_interrupts_the_running_job(spark: Any) -> None:
    from pyspark.sql import functions as f

    @f.pandas_udf("double")  # type: ignore[call-overload]
    def slow(v: pd.Series) -> pd.Series:
        time.sleep(60)
        return v

    frame = spark.range(8, numPartitions=2).select(
        slow(f.col("id").cast("double")).alias("x"), f.col("id").cast("double").alias("y")
    )
    backend = SparkBackend(frame, Spec("x", "y"))
    token, outcome = Token(), []

    def run() -> None:
        try:
            backend.aggregate(View((0.0, 8.0), (0.0, 8.0), 4, 4), token)
        except BaseException as exc:
            outcome.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    deadline = time.monotonic() + 60
    while not spark.sparkContext.statusTracker().getActiveJobsIds() and time.monotonic() < deadline:
        time.sleep(0.2)
    started = time.monotonic()
    token.cancel()
    thread.join(30)
    assert not thread.is_alive()
    assert time.monotonic() - started < 30
    assert len(outcome) == 1
    assert isinstance(outcome[0], SupersededError)


@pytest.mark.connect
@pytest.mark.slow
def test_spark_connect_plots_and_counts_exactly(connect: Any, pdf: pd.DataFrame) -> None:
    frame = connect.createDataFrame(pdf[["x", "y", "v"]])
    p = lazyscope.plot(frame, "x", "y", **SMALL)
    assert p.aggregate.attrs["engine"] == "spark"
    assert int(p.aggregate.sum()) == pdf[["x", "y"]].notna().all(axis=1).sum()
    p.zoom((0.0, 0.05), (0.5, 0.6))
    assert p.aggregate.attrs["source"] == "spark job"
    assert int(p.aggregate.sum()) == len(in_window(pdf, (0.0, 0.05), (0.5, 0.6)))
    counts = lazyscope.hist(frame, "v", bins=7).counts
    np.testing.assert_array_equal(counts, np.histogram(pdf.v.dropna(), bins=7)[0])


@pytest.mark.connect
@pytest.mark.slow
@pytest.mark.parametrize("case", CATEGORY_CASES)
def test_spark_connect_categories_are_labelled_and_coloured_as_the_rows_say(
    connect: Any, case: str
) -> None:
    df = categories_frame(case)
    frame = connect.createDataFrame(plain(df))
    check_categories(frame, df)


@pytest.mark.connect
@pytest.mark.slow
def test_spark_connect_progress_names_the_work_of_a_plot_and_a_histogram(
    ipshell: Any, connect: Any
) -> None:
    from lazyscope.spark._connect_progress import ConnectProgress
    from lazyscope.views.progress import ProgressRun

    run = run_plot_cell(
        ipshell,
        "ProgressRun([ConnectProgress(session)], live=False)",
        session=connect,
        frame=connect.createDataFrame(plain(categories_frame("unsorted"))),
        ProgressRun=ProgressRun,
        ConnectProgress=ConnectProgress,
    )
    check_names(
        run,
        [
            "lazyscope.plot: x/y ranges at cell line 2",
            "lazyscope.plot: categories of kind at cell line 2",
            f"lazyscope.plot: {GRID} at cell line 2",
            "lazyscope.hist: range of y at cell line 3",
            "lazyscope.hist: 12 bins of y at cell line 3",
        ],
        every=False,  # Connect reports no stages for some quick operations
    )
