"""One word per idea: an operator has the same kind in the describe card's brief plan and in
the DAG (one classifier, `spark/_kinds`); a broadcast exchange is a "shuffle" in both, and a
cached scan "cache"."""

from __future__ import annotations

from typing import Any

import pytest

import lazyscope

pytestmark = pytest.mark.spark


def test_describe_and_dag_agree_on_every_operator_kind(spark: Any) -> None:
    from pyspark.sql import functions as sf

    small = spark.range(10).withColumnRenamed("id", "k")
    big = spark.range(1000)
    joined = big.join(sf.broadcast(small), big.id == small.k)
    query = joined.groupBy("k").count().orderBy("k")
    plan = {item.label: item.kind for item in lazyscope.describe(query).meta.plan}
    nodes = {n.label: n.kind for n in lazyscope.dag(query, "physical").model.nodes}
    assert plan["BroadcastExchange"] == nodes["BroadcastExchange"] == "shuffle"
    shared = set(plan) & set(nodes)
    assert {"BroadcastHashJoin", "HashAggregate", "Sort"} <= shared
    assert {label: plan[label] for label in shared} == {label: nodes[label] for label in shared}


def test_a_cached_scan_is_cache_in_both(spark: Any) -> None:
    cached = spark.range(100).withColumnRenamed("id", "v").cache()
    try:
        cached.count()  # the cache is filled: the plan reads it (InMemoryTableScan)
        query = cached.filter("v > 3")
        plan = {item.label: item.kind for item in lazyscope.describe(query).meta.plan}
        nodes = {n.label: n.kind for n in lazyscope.dag(query, "physical").model.nodes}
        assert plan["InMemoryTableScan"] == nodes["InMemoryTableScan"] == "cache"
    finally:
        cached.unpersist()
