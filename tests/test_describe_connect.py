"""describe() on Spark Connect: schema and plan come from the server, no job runs there."""

from __future__ import annotations

from typing import Any

import pytest

from lazyscope import advise, describe
from lazyscope._errors import LazyscopeError
from tests._laziness import connect_jobs

pytestmark = [pytest.mark.connect, pytest.mark.slow]


def test_the_job_counter_counts(spark_connect_server: Any, remote: Any) -> None:
    with connect_jobs(spark_connect_server.ui) as jobs:
        remote.range(3).collect()
    assert jobs.n >= 1


def test_view_of_a_billion_rows_runs_no_job_on_the_server(
    spark_connect_server: Any, remote: Any
) -> None:
    from pyspark.sql import functions as sf

    left = remote.range(10**9)
    right = remote.range(10**9).withColumnRenamed("id", "k")
    df = (
        left.join(right, left.id == right.k)
        .groupBy((sf.col("id") % 10).alias("g"))
        .agg(sf.sum("k"))
    )
    describe(df)  # warm the server's planner; the count below is of a fresh query too
    fresh = df.filter("g > 1")
    with connect_jobs(spark_connect_server.ui) as jobs:
        view = describe(fresh)
        findings = advise(fresh)
    assert jobs.n == 0
    assert view.meta.engine == "spark-connect"
    assert [c.name for c in view.meta.columns] == ["g", "sum(k)"]
    assert view.meta.partitions == 4
    assert view.meta.cores == 2
    assert {"SortMergeJoin", "Range"} <= {item.label for item in view.meta.plan}
    assert sum(f.rule == "shuffle" for f in findings) == 3
    assert "Spark Connect DataFrame" in repr(view)


def test_a_dataframe_of_a_stopped_session(spark_connect_server: Any, remote: Any) -> None:
    from pyspark.sql import SparkSession

    own = SparkSession.builder.remote(spark_connect_server.url).create()
    df = own.range(10)
    own.stop()
    with pytest.raises(LazyscopeError, match="session that was stopped"):
        describe(df)
