"""The live DAG on real local Spark: the cell's SQL executions, operators mapped to the
stages that ran them, each filled with its stage's tasks, reaching the summary's totals.

No `from __future__ import annotations`: a pandas UDF reads its type hints at definition."""

from typing import Any

import pytest

import lazyscope
from lazyscope.model import Dag, Node
from lazyscope.views.dag import MIME_TYPE

pytestmark = pytest.mark.spark


def _stage_nodes(model: Dag) -> dict[str, list[Node]]:
    found: dict[str, list[Node]] = {}
    for node in model.nodes:
        if node.group:
            found.setdefault(node.group, []).append(node)
    return found


def _check_fills(run: Any) -> list[Dag]:
    """Every operator's fill is its stage's counts, complete, and the stages the DAGs
    show account for every task of the progress summary."""
    summary = run.summary
    stages = {f"S:{s.key}": s for sec in summary.sections for s in sec.ran}
    shown: set[str] = set()
    for model in run.dags:
        assert model.level == "executed"
        for group, nodes in _stage_nodes(model).items():
            stage = stages[group]
            for node in nodes:
                assert node.progress is not None
                assert (node.progress.done, node.progress.total) == (stage.done, stage.total)
            shown.add(group)
    assert sum(stages[g].total for g in shown) == summary.total
    assert summary.done == summary.total
    for model in run.dags:
        _check_slowest(model)
    return list(run.dags)


def _check_slowest(model: Dag) -> None:
    """The slowest mark names a stage in the header and marks at most one operator: the
    one of that stage that reports the most time of its own."""
    for finding in model.findings:
        if finding["rule"] != "slowest":
            continue
        stage = finding["message"].split("stage ")[1].split(" ")[0]
        members = _stage_nodes(model)[f"S:{stage}"]
        timed = [n.counts["ms"] for n in members if n.counts.get("ms")]
        marked = [n for n in model.nodes if n.id in finding["nodes"]]
        assert len(marked) == (1 if timed else 0), finding
        if timed:
            assert marked[0] in members
            assert marked[0].counts["ms"] == max(timed)


def _boom_at_7(v: int) -> int:
    if v == 7:
        raise ValueError("boom at 7")
    return v


def _labels(nodes: list[Node]) -> set[str]:
    return {n.label.split(" ")[0] for n in nodes}


def test_an_aggregation_maps_its_two_stages(spark: Any) -> None:
    from pyspark.sql import functions as sf

    df = spark.range(0, 100_000, numPartitions=6).withColumn("k", sf.col("id") % 5)
    with lazyscope.progress("spark", live=False, dag=True) as run:
        rows = df.groupBy("k").agg(sf.sum("id").alias("s")).collect()
    assert len(rows) == 5
    (model,) = _check_fills(run)
    groups = [_labels(nodes) for nodes in _stage_nodes(model).values()]
    assert any({"Range", "HashAggregate"} <= g for g in groups)  # the map side
    assert any("HashAggregate" in g and "Range" not in g for g in groups)  # the reduce side
    assert model.title.startswith("Spark execution ")
    assert [f["rule"] for f in model.findings] == ["slowest"]  # two stages: one took most


def test_a_join_and_a_pandas_udf_map_to_their_stages(spark: Any) -> None:
    import pandas as pd
    from pyspark.sql import functions as sf

    @sf.pandas_udf("long")
    def double(v: pd.Series) -> pd.Series:
        return v * 2

    left = spark.range(0, 20_000, numPartitions=4).withColumn("k", sf.col("id") % 100)
    right = spark.range(0, 100, numPartitions=2).withColumnRenamed("id", "k")
    spark.conf.set("spark.sql.autoBroadcastJoinThreshold", "-1")  # a shuffle join
    try:
        with lazyscope.progress("spark", live=False, dag=True) as run:
            total = left.join(right, "k").select(double("id").alias("d")).agg(sf.sum("d"))
            assert total.collect()[0][0] == 2 * sum(range(20_000))
    finally:
        spark.conf.unset("spark.sql.autoBroadcastJoinThreshold")
    models = _check_fills(run)
    mapped = {
        label
        for model in models
        for nodes in _stage_nodes(model).values()
        for label in _labels(nodes)
    }
    assert {"SortMergeJoin", "ArrowEvalPython", "Range"} <= mapped


def test_a_failing_task_marks_the_operators_of_its_stage(spark: Any) -> None:
    from pyspark.sql import functions as sf

    explode_on_7 = sf.udf(lambda v: _boom_at_7(v), "long")  # no hints: a row-at-a-time UDF

    df = spark.range(0, 40, numPartitions=2).select(explode_on_7("id").alias("v"))
    run = lazyscope.progress("spark", live=False, dag=True)
    with pytest.raises(Exception, match="boom at 7"), run:
        df.collect()
    failed = [n for model in run.dags for n in model.nodes if n.progress and n.progress.failed]
    assert any(label.endswith("EvalPython") for label in _labels(failed))
    (model,) = run.dags
    assert any(f["rule"] == "failed" for f in model.findings)


def test_the_spark_magic_leaves_the_executed_dag(ipshell: Any, spark_engine: Any) -> None:
    from tests.test_live_dag_dask import run_magic_cell

    ipshell.push(spark_engine.namespace())
    cell = "%%spark --dag live\nspark.range(0, 1000, 1, 3).selectExpr('sum(id)').collect()[0][0]"
    result, shown, stderr = run_magic_cell(ipshell, cell)
    assert result.error_in_exec is None
    assert result.result == sum(range(1000))
    assert stderr == ""
    dags = [b[MIME_TYPE] for b in shown if MIME_TYPE in b]
    assert len(dags) == 1
    assert dags[0]["title"].startswith("Spark execution")
    assert dags[0]["title"].endswith("at cell line 2")  # the user's call, not a file path
    assert {n["progress"]["total"] for n in dags[0]["nodes"] if "progress" in n} == {3, 1}


def test_a_sql_cell_refuses_the_live_dag_in_one_line(ipshell: Any, spark_engine: Any) -> None:
    from tests.test_live_dag_dask import run_magic_cell

    ipshell.push(spark_engine.namespace())
    result, _, stderr = run_magic_cell(ipshell, "%%spark --sql --dag live\nSELECT 1")
    assert result.error_in_exec is not None
    assert "a SQL cell is a plan, not yet run" in str(result.error_in_exec)
    assert "Traceback" not in stderr


def _nap(v: int) -> int:
    import time

    time.sleep(0.3)
    return v


def test_the_dag_fills_while_the_job_runs(spark: Any) -> None:
    import threading
    import time

    from pyspark.sql import functions as sf

    from lazyscope.spark._progress import SparkProgress

    source = SparkProgress(spark)
    seen: list[list[tuple[str, int, int]]] = []
    over = threading.Event()

    def watch() -> None:  # what the progress view's thread does, without a widget
        while not over.is_set():
            source.poll()
            for model in source.dags(final=False):
                assert model.level == "live"
                seen.append(
                    [
                        (n.label, n.progress.done, n.progress.total)
                        for n in model.nodes
                        if n.progress
                    ]
                )
            time.sleep(0.1)

    slow = sf.udf(lambda v: _nap(v), "long")  # no hints: a row-at-a-time UDF
    source.start()
    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        assert len(spark.range(0, 24, 1, 8).select(slow("id")).collect()) == 24
    finally:
        over.set()
        watcher.join()
        source.stop(None)
    part_way = [fills for fills in seen if any(0 < done < total for _, done, total in fills)]
    assert part_way, seen[-3:]  # a node was seen part-filled while its stage ran
    (final,) = source.dags(final=True)
    assert all(n.progress.done == n.progress.total == 8 for n in final.nodes if n.progress)


def test_two_queries_give_two_dags_the_earlier_folded(ipshell: Any, spark_engine: Any) -> None:
    from bs4 import BeautifulSoup

    from tests.test_live_dag_dask import run_magic_cell

    ipshell.push(spark_engine.namespace())
    cell = (
        "%%spark --dag live\n"
        "a = spark.range(0, 100, 1, 2).selectExpr('sum(id)').collect()\n"
        "b = a[0][0] + 1\n"
        "spark.range(0, 300, 1, 3).selectExpr('max(id) AS m').collect()[0].m"
    )
    result, shown, stderr = run_magic_cell(ipshell, cell)
    assert result.result == 299
    assert stderr == ""
    (folded,) = [b["text/html"] for b in shown if "lazyscope-dag-earlier" in b.get("text/html", "")]
    summaries = BeautifulSoup(folded, "html.parser").find_all("summary")
    assert len(summaries) == 1
    assert "at cell line 2" in summaries[0].get_text()
    (last,) = [b[MIME_TYPE] for b in shown if MIME_TYPE in b]
    assert last["title"].endswith("at cell line 4")
