"""kind="bar" where the data is: Dask partitions and Spark (classic and Connect) give the
same bars as a pandas groupby of every row (counts and a mean, top N and "other" exactly),
in one graph or one aggregate job; a zoom runs nothing, and bad input is one clear
sentence that runs no job and leaves the session working."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

import lazyscope
from lazyscope._errors import LazyscopeError
from tests._laziness import connect_jobs, dask_tasks, spark_jobs
from tests.test_plot_bar import check_bars, frame
from tests.test_plot_bar_inspect import check_inspect, check_missing_x


@pytest.fixture(scope="module")
def df() -> pd.DataFrame:
    data = frame(4000, seed=31)
    data["flag"] = data.n % 3 == 0  # boolean categories
    data["half"] = (data.n / 2).where(data.k.notna())  # float categories, NaN as missing
    return data


def check_engine(data: Any, df: pd.DataFrame, engine: str) -> None:
    """Counts of rows and of values, a mean and a max, on string and integer categories,
    equal to pandas; a zoom keeps the bars."""
    p = lazyscope.plot(data, "k", kind="bar", top=10)
    assert p.aggregate.attrs["engine"] == engine
    check_bars(p.aggregate, df, "k", None, "count", 10)
    counted = lazyscope.plot(data, "k", "s", kind="bar", top=7)  # values of a string column
    check_bars(counted.aggregate, df, "k", "s", "count", 7)
    mean = lazyscope.plot(data, "k", "v", kind="bar", agg="mean", top=6)
    check_bars(mean.aggregate, df, "k", "v", "mean", 6)
    check_bars(
        lazyscope.plot(data, "n", "v", kind="bar", agg="max", top=50).aggregate,
        df,
        "n",
        "v",
        "max",
        50,
    )
    assert repr(p) == f"lazyscope bar: count of rows per k ({engine}), top 10 of 38 + other"
    for x in ("flag", "half"):
        bars = lazyscope.plot(data, x, kind="bar")
        check_bars(bars.aggregate, df, x, None, "count", 20)
        check_inspect(bars, df, x, every=False)  # booleans; floats, NaN as missing
    check_inspect(p, df, "k", every=False)
    check_inspect(mean, df, "k", rows=2, every=False)


def check_errors(data: Any) -> None:
    """Bad input, whole sentences: judged from the schema, before any engine work."""
    cases = [
        ({"x": "nope"}, "Column 'nope' is not in the DataFrame. Columns: k, n, v, s, flag, half."),
        ({"x": "k", "y": "s", "agg": "sum"}, "Column 's' is not numeric: agg='sum' needs numbers."),
        ({"x": "k", "top": 0}, "top must be a whole number of bars, 1..1000, not 0."),
    ]
    for kwargs, message in cases:
        with pytest.raises(LazyscopeError) as caught:
            lazyscope.plot(data, kind="bar", **kwargs)
        assert str(caught.value) == message


@pytest.mark.dask
def test_dask_bars_are_pandas_bars_in_one_graph(dask_client: Any, df: pd.DataFrame) -> None:
    import dask.dataframe as dd
    from distributed import wait

    data = dd.from_pandas(df, npartitions=6).persist()
    wait(data)  # the persist's own graph reaches the scheduler before we count
    check_engine(data, df, "dask")
    check_missing_x(lambda frame: dd.from_pandas(frame, npartitions=2))
    with dask_tasks(dask_client, guard=False) as graphs:
        p = lazyscope.plot(data, "k", "v", kind="bar", agg="mean", top=5)
    assert graphs.n == 1  # per-partition groupbys and their merge tree: one graph
    with dask_tasks(dask_client, guard=False) as graphs:
        p.inspect("other (33)")
    assert graphs.n == 1  # a bar's rows: a head of each partition, one graph
    check_bars(p.aggregate, df, "k", "v", "mean", 5)
    with dask_tasks(dask_client, guard=False) as graphs:
        p.zoom((-0.5, 2.5), (0.0, 10.0))
    assert graphs.n == 0
    with dask_tasks(dask_client) as graphs:  # checked from the metadata: no graph at all
        check_errors(data)
    assert graphs.n == 0
    check_bars(lazyscope.plot(data, "k", kind="bar").aggregate, df, "k", None, "count", 20)


_WORKER = """
import pickle, sys
sys.modules["lazyscope"] = None  # a worker without lazyscope: any import of it fails
import pandas as pd
states, merged = pickle.loads(sys.stdin.buffer.read())
part = pd.DataFrame({"k": ["a", "b", "a", None], "v": [1.0, 2.0, 3.0, 4.0]})
table = merged(states(part), states(part.iloc[:2]))
print(sorted(zip(table.key.astype(str), table.rows, table["sum"])))
"""


@pytest.mark.dask
def test_dask_tasks_need_no_lazyscope_on_workers(dask_client: Any, df: pd.DataFrame) -> None:
    import subprocess
    import sys

    import cloudpickle  # type: ignore[import-untyped]
    import dask.dataframe as dd

    from lazyscope.dask._plot_bar import _merger, _partition_states

    data = dd.from_pandas(df, npartitions=2)
    p = lazyscope.plot(data, "k", "v", kind="bar", agg="sum")  # as the tasks are shipped
    shipped = cloudpickle.dumps((_partition_states(p.spec), _merger()))
    run = subprocess.run(
        [sys.executable, "-c", _WORKER], input=shipped, capture_output=True, check=False
    )
    assert run.returncode == 0, run.stderr.decode()
    assert run.stdout.decode().strip() == "[('a', 3, 5.0), ('b', 2, 4.0), ('nan', 1, 4.0)]"


@pytest.mark.spark
def test_spark_bars_are_pandas_bars_in_one_job(spark: Any, df: pd.DataFrame) -> None:
    data = spark.createDataFrame(df).cache()
    data.count()
    check_engine(data, df, "spark")
    check_missing_x(spark.createDataFrame)
    # One aggregate: our one action, which Spark runs as the same number of scheduler jobs
    # as any groupBy aggregate collected (adaptive execution runs the shuffle's map stage as
    # a job of its own).
    with spark_jobs(spark) as plain:
        data.groupBy("k").count().toArrow()
    with spark_jobs(spark) as jobs:
        p = lazyscope.plot(data, "k", "v", kind="bar", agg="mean", top=5)
    assert p.backend.jobs == 1
    assert jobs.n == plain.n <= 2
    check_bars(p.aggregate, df, "k", "v", "mean", 5)
    with spark_jobs(spark) as jobs:
        p.zoom((-0.5, 2.5), (0.0, 10.0))
    assert jobs.n == 0
    p.inspect("other (33)")
    assert p.backend.jobs == 2  # a bar's rows: one filtered limit query
    with spark_jobs(spark) as jobs:  # checked from the analysed schema: no job
        check_errors(data)
    assert jobs.n == 0
    check_bars(lazyscope.plot(data, "k", kind="bar").aggregate, df, "k", None, "count", 20)
    data.unpersist()


@pytest.mark.connect
@pytest.mark.slow
def test_spark_connect_bars_are_pandas_bars_in_one_job(
    connect: Any, spark_connect_server: Any, df: pd.DataFrame
) -> None:
    data = connect.createDataFrame(df)
    check_engine(data, df, "spark")
    check_missing_x(connect.createDataFrame)
    with connect_jobs(spark_connect_server.ui) as plain:
        data.groupBy("k").count().toArrow()
    with connect_jobs(spark_connect_server.ui) as jobs:
        p = lazyscope.plot(data, "k", "v", kind="bar", agg="mean", top=5)
    assert p.backend.jobs == 1
    assert jobs.n == plain.n <= 2  # as any groupBy collected: see the classic test
    check_bars(p.aggregate, df, "k", "v", "mean", 5)
    check_errors(data)
    check_bars(lazyscope.plot(data, "k", kind="bar").aggregate, df, "k", None, "count", 20)
