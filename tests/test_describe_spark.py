"""describe() on classic Spark: rich metadata, and not a single job."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from lazyscope import advise, describe
from lazyscope._errors import LazyscopeError
from tests._laziness import spark_jobs

pytestmark = pytest.mark.spark

XSS = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def billion(spark: Any) -> Any:
    """10^9 rows joined twice and aggregated, with a row-at-a-time Python UDF."""
    from pyspark.sql import functions as sf

    @sf.udf("long", useArrow=False)
    def plus_one(x: int) -> int:
        return x + 1

    left = spark.range(10**9)
    right = spark.range(10**9).withColumnRenamed("id", "k")
    joined = left.join(right, left.id == right.k).groupBy((sf.col("id") % 10).alias("g"))
    return joined.agg(sf.count("*").alias("n"), sf.sum("k").alias("total")).withColumn(
        "p", plus_one("g")
    )


def test_the_job_counter_counts(spark: Any) -> None:
    with spark_jobs(spark) as jobs:
        spark.range(3).count()
    assert jobs.n >= 1


def test_view_of_a_billion_rows_with_joins_and_aggregates_runs_no_job(
    spark: Any, billion: Any, ipshell: Any
) -> None:
    with spark_jobs(spark) as jobs:
        view = describe(billion)
        bundle = view._repr_mimebundle_()
        findings = advise(billion)
        shown, _ = ipshell.display_formatter.format(billion)  # what a plain cell would show
    assert jobs.n == 0
    meta = view.meta
    assert [c.name for c in meta.columns] == ["g", "n", "total", "p"]
    assert meta.columns[1].nullable is False
    assert meta.partitions == 4  # spark.sql.shuffle.partitions of the test session
    assert meta.cached is False
    assert meta.cores == 2
    assert [s.keys for s in meta.facts.shuffles][1:] == [("id",), ("k",)]
    assert {"SortMergeJoin", "Range", "BatchEvalPython"} <= {item.label for item in meta.plan}
    assert "python-udf" in {f.rule for f in findings}
    assert sum(f.rule == "shuffle" for f in findings) == 3
    payload = bundle["application/vnd.lazyscope.describe+json"]
    assert json.loads(json.dumps(payload))["title"] == "Spark DataFrame"
    assert "application/vnd.lazyscope.describe+json" in shown
    assert "SortMergeJoin" in bundle["text/plain"]


def test_nested_types_escaping_and_size_estimate(spark: Any) -> None:
    df = spark.createDataFrame(
        [(1, "a", (2, ["x"]))], f"id long, `{XSS}` string, s struct<a:int, tags:array<string>>"
    ).limit(1)
    with spark_jobs(spark) as jobs:
        view = describe(df)
        html = view._repr_mimebundle_()["text/html"]
    assert jobs.n == 0
    struct = view.meta.columns[2]
    assert struct.dtype == "struct"
    assert [(c.name, c.dtype) for c in struct.children] == [("a", "int"), ("tags", "array<string>")]
    assert XSS not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert view.meta.size_bytes is not None  # a limit gives the optimizer a row count


def test_parquet_scan_shows_format_pushed_filters_and_cache(spark: Any, tmp_path: Path) -> None:
    path = str(tmp_path / "t.parquet")
    spark.range(1000).selectExpr("id", "id % 7 as m").write.parquet(path)
    df = spark.read.parquet(path).filter("m = 3").cache()
    try:
        with spark_jobs(spark) as jobs:
            view = describe(df)
        assert jobs.n == 0
        scans = [item for item in view.meta.plan if item.kind in ("scan", "cache")]
        assert view.meta.cached is True
        assert any(item.kind == "cache" for item in scans)
    finally:
        df.unpersist()
    filtered = spark.read.parquet(path).filter("m = 3")  # reading the schema may run a job
    with spark_jobs(spark) as jobs:
        fresh = describe(filtered)
    assert jobs.n == 0
    scan = next(item for item in fresh.meta.plan if item.label == "FileScan")
    assert "PushedFilters: [IsNotNull(m), EqualTo(m,3)]" in scan.detail
    assert "Parquet" in scan.detail
    assert fresh.meta.size_bytes
    assert fresh.meta.size_bytes > 0


def test_rdd_view_runs_no_job(spark: Any) -> None:
    rdd = spark.sparkContext.parallelize(range(100), 3).map(lambda x: (x % 3, x)).reduceByKey(max)
    with spark_jobs(spark) as jobs:
        view = describe(rdd)
    assert jobs.n == 0
    assert view.meta.collection == "RDD"
    assert view.meta.partitions == 3
    assert any(item.kind == "shuffle" for item in view.meta.plan)
    assert [f.rule for f in view.findings if f.severity == "warning"] == ["rdd"]


def test_describe_rejects_what_it_cannot_show() -> None:
    with pytest.raises(LazyscopeError, match=r"got int\. It reads metadata only"):
        describe(42)


def test_pandas_gets_a_pandas_summary() -> None:
    import pandas as pd

    view = describe(pd.DataFrame({"a": [1, 2, 3], XSS: ["x", "y", "z"]}))
    assert view.meta.engine == "pandas"
    assert view.meta.shape == "3 rows x 2 columns"
    assert "from_pandas" in repr(view)
    assert XSS not in view._repr_mimebundle_()["text/html"]
