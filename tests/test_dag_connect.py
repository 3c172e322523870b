"""dag() on Spark Connect: plans come from the server's explain, executed plans from its
UI's REST API (matched by the client's session and plan ids), and no job runs for a view."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest

from lazyscope import dag
from lazyscope.model import schema
from tests._laziness import connect_jobs

pytestmark = [pytest.mark.connect, pytest.mark.slow]


def test_plans_come_from_the_server_without_a_job(spark_connect_server: Any, remote: Any) -> None:
    from pyspark.sql import functions as sf

    left = remote.range(10**9)
    right = remote.range(10**9).withColumnRenamed("id", "k")
    df = left.join(right, left.id == right.k).groupBy((sf.col("id") % 10).alias("g")).count()
    dag(df, "physical")  # warm the server's planner
    with connect_jobs(spark_connect_server.ui) as jobs:
        physical = dag(df)  # auto: never ran, so the physical plan
        optimized = dag(df, "optimized")
    assert jobs.n == 0
    assert physical.model.engine == "spark-connect"
    assert physical.model.level == "physical"
    kinds = {n.label: n.kind for n in physical.model.nodes}
    assert kinds["SortMergeJoin"] == "join"
    assert kinds["Exchange"] == "shuffle"
    assert kinds["Range"] == "scan"
    assert {"Join", "Aggregate"} <= {n.label for n in optimized.model.nodes}
    jsonschema.validate(physical.to_json(), schema())


def test_executed_plan_is_matched_by_plan_id(spark_connect_server: Any, remote: Any) -> None:
    df = remote.range(5000).selectExpr("id % 5 AS g").groupBy("g").count()
    df.collect()
    other = remote.range(5000).selectExpr("id % 5 AS g").groupBy("g").count()  # same plan text
    with connect_jobs(spark_connect_server.ui) as jobs:
        view = dag(df)
        unrun = dag(other)
    assert jobs.n == 0
    model = view.model
    assert model.level == "executed"
    assert "Matched to its execution by Spark Connect plan id." in model.notes
    assert next(n for n in model.nodes if n.label == "Range").counts == {"rows": 5000}
    assert any(g.kind == "stage" for g in model.groups)
    assert unrun.model.level == "physical"  # auto never guesses from plan text
