"""dag() on a classic Spark session: logical and physical plans without a job, and the
executed plan with metrics and stages (Spark UI REST API) once a DataFrame has run."""

from __future__ import annotations

import re
from typing import Any
from xml.etree import ElementTree

import jsonschema
import pytest

from lazyscope import dag
from lazyscope._errors import LazyscopeError
from lazyscope.model import schema
from lazyscope.views.dag import MIME_TYPE
from tests._laziness import spark_jobs

pytestmark = pytest.mark.spark

XSS = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def query(spark: Any) -> Any:
    """A join with a small (broadcast) side, a filter, an aggregate, a Python UDF, a sort."""
    from pyspark.sql import functions as sf

    big = spark.range(10**9).withColumn("k", sf.col("id") % 10)
    names = spark.createDataFrame([(i, f"n{i}") for i in range(10)], ["k", XSS])
    shout = sf.udf(lambda s: s.upper())
    return (
        big.join(names, "k")
        .filter(sf.col("id") > 5)
        .groupBy(XSS)
        .agg(sf.sum("id").alias("total"))
        .withColumn("loud", shout(XSS))
        .orderBy("total")
    )


def _kinds(view: Any) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for node in view.model.nodes:
        found.setdefault(node.kind, set()).add(node.label)
    return found


def test_plans_of_a_billion_row_join_run_no_job(spark: Any, query: Any) -> None:
    dag(query, "parsed")  # warm the planner; the count below covers every level anyway
    with spark_jobs(spark) as jobs:
        analyzed = dag(query, "analyzed")
        optimized = dag(query, "optimized")
        physical = dag(query)  # auto: it has not run, so the physical plan
        bundle = physical._repr_mimebundle_()
    assert jobs.n == 0
    assert physical.model.level == "physical"
    assert analyzed.model.notes[0].startswith("Output: ")
    assert {"Join", "Aggregate", "Filter"} <= {n.label for n in analyzed.model.nodes}
    assert "ArrowEvalPython" in _kinds(optimized)["udf"]  # the optimizer pulled the UDF out
    kinds = _kinds(physical)
    assert {"Range", "Scan ExistingRDD"} <= kinds["scan"]
    assert kinds["shuffle"] == {"Exchange"}
    assert kinds["join"] == {"SortMergeJoin"}  # the local list's size is unknown: no broadcast
    assert kinds["aggregate"] == {"HashAggregate"}
    join = next(n for n in physical.model.nodes if n.kind == "join")
    assert join.attrs["strategy"].startswith("sort-merge join")
    exchange = next(n for n in physical.model.nodes if n.label == "Exchange")
    assert exchange.detail.startswith("rangepartitioning(total ASC")  # no #12L expression ids
    # data flows from the scans up to the root
    ids = {n.label: n.id for n in physical.model.nodes}
    targets = {e.target for e in physical.model.edges}
    assert ids["Range"] not in targets
    assert ids["AdaptiveSparkPlan"] in targets
    jsonschema.validate(bundle[MIME_TYPE], schema())
    svg = bundle["image/svg+xml"]
    ElementTree.fromstring(svg)
    assert XSS not in svg
    # the advisor's findings (Python UDF, RDD source, shuffles) mark their operators
    marked = {n.label for n in physical.model.nodes if n.findings}
    assert {"ArrowEvalPython", "Scan ExistingRDD", "Exchange"} <= marked
    shuffle = next(f for f in physical.model.findings if f["where"].startswith("Exchange range"))
    assert [n.label for n in physical.model.nodes if n.id in shuffle["nodes"]] == ["Exchange"]
    assert "⚠" in svg


def test_executed_plan_has_metrics_and_stages_and_reading_it_runs_nothing(spark: Any) -> None:
    from pyspark.sql import functions as sf

    counted = spark.range(10_000).withColumn("k", sf.col("id") % 10).groupBy("k").count()
    counted.collect()
    with spark_jobs(spark) as jobs:
        view = dag(counted)  # auto: it has run
    assert jobs.n == 0
    model = view.model
    assert model.level == "executed"
    assert "Matched to its execution by query id." in model.notes
    rng = next(n for n in model.nodes if n.label == "Range")
    assert rng.counts == {"rows": 10_000}
    stages = {g.id: g for g in model.groups}
    assert stages
    assert all(g.kind == "stage" and g.expanded for g in stages.values())
    assert rng.group in stages
    assert stages[rng.group].counts["tasks"] >= 1
    aggregates = [n for n in model.nodes if n.label == "HashAggregate"]
    final = next(n for n in aggregates if n.counts.get("rows") == 10)
    assert "ms" in final.counts  # its "time in aggregation build"
    assert final.group in stages
    # the same post-run view as a live DAG's end: operators filled with their stage's tasks
    assert rng.progress is not None
    assert rng.progress.done == rng.progress.total == stages[rng.group].counts["tasks"]
    assert final.group != rng.group  # the aggregate after the shuffle runs in a later stage
    assert model.stats["stages"] >= 2
    # the header reads as a person would say it: "2 stages, 0.4 s, 5 tasks" (not "duration ms")
    assert re.fullmatch(r"  \d+ stages, \d+(\.\d)? s, [\d,]+ tasks", repr(view).splitlines()[1])
    jsonschema.validate(view.to_json(), schema())


def test_executed_level_of_a_dataframe_that_never_ran(spark: Any) -> None:
    fresh = spark.range(7).selectExpr("id * 3 AS tripled")
    with pytest.raises(LazyscopeError, match="run an action on it first"):
        dag(fresh, "executed")
    with pytest.raises(LazyscopeError, match="Unknown level 'tasks'"):
        dag(fresh, "tasks")


def test_spark_cell_magic_dag_flag(spark: Any, ipshell: Any) -> None:
    with spark_jobs(spark) as jobs:
        shown = ipshell.run_cell_magic(
            "spark", "--dag optimized", "spark.range(10).filter('id > 3')"
        )
        sql = ipshell.run_cell_magic("spark", "--sql --dag", "SELECT id % 2 AS odd FROM range(5)")
    assert jobs.n == 0
    assert shown.model.level == "optimized"
    assert {"Filter", "Range"} <= {n.label for n in shown.model.nodes}
    assert sql.model.level == "physical"
    with pytest.raises(LazyscopeError, match="--dag only applies"):
        ipshell.run_line_magic("spark", "status --dag")
