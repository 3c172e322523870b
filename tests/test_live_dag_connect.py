"""The live DAG on a real Spark Connect server on loopback: the server's SQL executions
that ran the cell's stages, operators filled with their stage's tasks."""

from __future__ import annotations

from typing import Any

import pytest

from lazyscope.spark._connect_progress import ConnectProgress
from lazyscope.views.progress import ProgressRun

pytestmark = pytest.mark.connect


def test_an_aggregation_on_connect_fills_its_operators(remote: Any) -> None:
    from pyspark.sql.connect import functions as sf

    df = remote.range(0, 50_000, 1, 4).withColumn("k", sf.col("id") % 5)
    with ProgressRun([ConnectProgress(remote)], live=False, dag=True) as run:
        rows = df.groupBy("k").agg(sf.sum("id").alias("s")).collect()
    assert sorted(r["k"] for r in rows) == [0, 1, 2, 3, 4]
    summary = run.summary
    assert summary is not None
    stages = {f"S:{s.key}": s for sec in summary.sections for s in sec.ran}
    (model,) = run.dags
    assert model.engine == "spark-connect"
    assert model.level == "executed"
    filled = [n for n in model.nodes if n.group]
    assert {"Range", "HashAggregate", "Exchange"} <= {n.label for n in filled}
    for node in filled:
        stage = stages[node.group or ""]
        assert node.progress is not None
        assert (node.progress.done, node.progress.total) == (stage.total, stage.total)
    assert sum(stages[g].total for g in {n.group for n in filled}) == summary.total
