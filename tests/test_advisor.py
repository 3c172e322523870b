"""One test per advisor rule, each on a real Spark or Dask object."""

from __future__ import annotations

import html
from typing import Any

import numpy as np
import pandas as pd
import pytest

from lazyscope import advise
from lazyscope.views._rules import RULES


def rules(obj: Any) -> dict[str, list[Any]]:
    found: dict[str, list[Any]] = {}
    for finding in advise(obj):
        found.setdefault(finding.rule, []).append(finding)
    return found


def test_every_rule_has_a_test_below() -> None:
    names = {rule.__name__ for rule in RULES}
    tested = {name.removeprefix("test_") for name in globals() if name.startswith("test_")}
    assert names <= tested


@pytest.mark.spark
def test_python_udf(spark: Any) -> None:
    from pyspark.sql import functions as sf

    row_udf = sf.udf(lambda x: x + 1, "long", useArrow=False)
    pandas_udf = sf.pandas_udf(lambda s: s + 1, "long")
    found = rules(spark.range(10).select(row_udf("id").alias("a"), pandas_udf("id").alias("b")))
    [finding] = found["python-udf"]  # the pandas UDF is what the advice recommends
    assert finding.severity == "warning"
    assert "BatchEvalPython" in finding.message
    assert "pandas_udf" in finding.fix


@pytest.mark.spark
def test_rdd(spark: Any) -> None:
    [finding] = rules(spark.sparkContext.parallelize(range(10)).map(str))["rdd"]
    assert finding.severity == "warning"
    assert "DataFrame API" in finding.fix
    [from_list] = rules(spark.createDataFrame([(1,)], "x long"))["rdd"]
    assert from_list.severity == "info"  # a local list: a one-off cost, bounded by the driver
    computed = spark.range(10).rdd.map(lambda r: (r.id, r.id * 2)).toDF("a long, b long")
    [from_rdd] = rules(computed)["rdd"]  # tutorial 03's RDD way: ~20x the DataFrame way
    assert from_rdd.severity == "warning"
    assert "pandas_udf" in from_rdd.fix


@pytest.mark.spark
def test_findings_are_graded_by_cost_and_ordered_by_severity(spark: Any) -> None:
    """Tutorial 03's ways: row-at-a-time Python warns, the shuffle a groupBy needs informs."""
    from pyspark.sql import functions as sf

    readings = spark.range(1000).withColumn("sensor", sf.col("id") % 10)
    arrow_udf = sf.udf(lambda t: (t - 32) * 5 / 9, "double", useArrow=True)
    by_sensor = readings.groupBy("sensor")
    udf_way = by_sensor.agg(sf.avg(arrow_udf("id")).alias("c"))
    rdd_way = readings.rdd.map(lambda r: (r.sensor, r.id * 5 / 9)).toDF("sensor long, c double")
    df_way = by_sensor.agg(sf.avg((sf.col("id") - 32) * 5 / 9).alias("c"))
    graded = {
        name: [(f.rule, f.severity) for f in advise(frame)]
        for name, frame in {"udf": udf_way, "rdd": rdd_way, "df": df_way}.items()
    }
    assert graded["udf"][0] == ("python-udf", "warning")  # Arrow batches; one call per row
    assert ("shuffle", "info") in graded["udf"]
    assert ("rdd", "warning") in graded["rdd"]
    assert {severity for _, severity in graded["df"]} == {"info"}  # the shuffle it needs
    for found in graded.values():
        order = [severity for _, severity in found]
        assert order == sorted(order, key=["warning", "info"].index)


@pytest.mark.spark
def test_cross_join(spark: Any) -> None:
    [finding] = rules(spark.range(10**6).crossJoin(spark.range(10**6)))["cross-join"]
    assert "CartesianProduct" in finding.where or "NestedLoop" in finding.where


@pytest.mark.spark
def test_large_collect(spark: Any) -> None:
    [finding] = rules(spark.range(10**9))["large-collect"]
    assert "7.5 GiB" in finding.message
    assert "toPandas" in finding.message
    assert "large-collect" not in rules(spark.range(1000))


@pytest.mark.spark
@pytest.mark.dask
def test_shuffles(spark: Any, dask_client: Any) -> None:
    import dask.dataframe as dd

    left, right = spark.range(10**9).selectExpr("id as a"), spark.range(10**9).selectExpr("id as b")
    found = rules(left.join(right, left.a == right.b))["shuffle"]
    assert [f.message.split(":")[0] for f in found] == ["Shuffle 1 of 2", "Shuffle 2 of 2"]
    assert "hash on a into 4 partitions" in found[0].message
    assert "hash on b" in found[1].message
    frame = dd.from_pandas(pd.DataFrame({"k": np.arange(100)}), npartitions=4)
    [sampled] = rules(frame.set_index("k"))["shuffle"]
    assert "samples the data" in sampled.message
    assert "divisions=" in sampled.fix


def test_a_card_gives_each_fix_once(spark: Any) -> None:
    from lazyscope import describe

    left, right = spark.range(10**9).selectExpr("id as a"), spark.range(10**9).selectExpr("id as b")
    card = describe(left.join(right, left.a == right.b))
    [fix] = {f.fix for f in card.findings if f.rule == "shuffle"}
    bundle = card._repr_mimebundle_()
    assert bundle["text/plain"].count(f"fix: {fix}") == 1
    assert bundle["text/html"].count(html.escape(fix)) == 1
    shown = [f["fix"] for f in bundle["application/vnd.lazyscope.describe+json"]["findings"]]
    assert shown.count(fix) == 1
    assert [f.fix for f in advise(left.join(right, left.a == right.b))].count(fix) == 2  # all kept


@pytest.mark.spark
def test_too_few_partitions(spark: Any) -> None:
    [finding] = rules(spark.range(0, 10**9, 1, numPartitions=1))["too-few-partitions"]
    assert "1 partition for 2 cores" in finding.message
    assert "too-few-partitions" not in rules(spark.range(0, 10**9, 1, numPartitions=6))


@pytest.mark.dask
def test_embedded_data(dask_client: Any) -> None:
    import dask.dataframe as dd

    big = pd.DataFrame({"x": np.zeros(2_000_000)})  # 16 MB in the graph
    [finding] = rules(dd.from_pandas(big, npartitions=4))["embedded-data"]
    assert "from_pandas" in finding.message
    assert "read_parquet" in finding.fix
    assert "embedded-data" not in rules(dd.from_pandas(big.head(1000), npartitions=4))


@pytest.mark.dask
def test_unaligned_join(dask_client: Any) -> None:
    import dask.dataframe as dd

    left = dd.from_pandas(pd.DataFrame({"k": np.arange(100)}), npartitions=4, sort=False)
    [finding] = rules(left.merge(left.assign(v=1), on="k"))["unknown-divisions-join"]
    assert "Merge on k" in finding.message
    assert "set_index" in finding.fix


@pytest.mark.dask
def test_tiny_partitions(dask_client: Any) -> None:
    import dask.array as da

    [finding] = rules(da.ones(10**6, chunks=1000))["tiny-partitions"]
    assert "1000 partitions of about 7.8 KiB" in finding.message
    assert "tiny-partitions" not in rules(da.ones(10**6, chunks=10**5))


@pytest.mark.dask
def test_tiny_partitions_of_a_persisted_frame(dask_client: Any) -> None:
    # Tutorial 4 repartitions persisted data into 500 pieces: the sizes are on the workers,
    # and the scheduler knows them (before, the advisor had no size and said nothing).
    import dask.dataframe as dd
    from distributed import wait

    frame = dd.from_pandas(pd.DataFrame({"v": np.arange(200_000.0)}), npartitions=2)
    held = frame.persist()
    wait(held)
    before = dask_client.run_on_scheduler(lambda dask_scheduler: len(dask_scheduler.tasks))
    [finding] = rules(held.repartition(npartitions=500))["tiny-partitions"]
    assert "500 partitions of about 3.1 KiB" in finding.message
    assert "tiny-partitions" not in rules(held)
    after = dask_client.run_on_scheduler(lambda dask_scheduler: len(dask_scheduler.tasks))
    assert after == before  # read from the scheduler's counts: no task ran
