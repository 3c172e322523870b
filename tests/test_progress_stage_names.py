"""Spark stages are named after the user's call, not the JVM's: `show at cell line 3`,
`LogisticRegression.fit at cell line 6`, never `$anonfun$withThreadLocalCaptured$1 at
CompletableFuture.java:1768` or `treeAggregate at RDDLossFunction.scala:61`. Real local
Spark (classic, in a %%spark cell) and a real Spark Connect server."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

import lazyscope
from lazyscope.spark._connect_progress import ConnectProgress
from lazyscope.views.progress import ProgressRun
from tests._connect import connect_session
from tests._summary import run_cell_summary

# What Spark names stages when nobody tells it better: JVM frames.
_JVM_NAME = re.compile(r"anonfun|\.java:|\.scala:|NativeMethodAccessor")

_ML = (
    "from pyspark.ml import Pipeline",
    "from pyspark.ml.classification import LogisticRegression",
    "from pyspark.ml.feature import StringIndexer, VectorAssembler",
    'indexer = StringIndexer(inputCol="label", outputCol="y")',
    'features = VectorAssembler(inputCols=["x"], outputCol="f")',
    'model = LogisticRegression(featuresCol="f", labelCol="y", maxIter=1)',
)


def labels(folded: str) -> set[str]:
    """The call sites of the stage lines: "stage 3 (show at cell line 3): ..." -> "show at...",
    and of Connect operations that ended before any report: "show at ...: done, no task..."."""
    stages = re.findall(r"^stage \d+ \((.*)\): ", folded, re.M)
    unreported = re.findall(r"^(.*): done, no task counts reported$", folded, re.M)
    return set(stages + unreported)


@pytest.mark.spark
def test_classic_stages_name_the_action_and_the_cell_line(ipshell: Any, spark_engine: Any) -> None:
    ipshell.push(spark_engine.namespace())
    cell = "\n".join(
        [
            "%%spark",
            'df = spark.range(0, 40, 1, 2).selectExpr("cast(id % 2 as double) as label", '
            '"cast(id as double) as x")',
            "df.show(1)",
            "rows = df.count()",
            'df.write.format("noop").mode("overwrite").save()',
            *_ML,
            "fitted = Pipeline(stages=[indexer, features, model]).fit(df)",
        ]
    )
    shown = run_cell_summary(ipshell, cell)
    assert shown.result.error_in_exec is None
    # A dozen jobs still leave one line (text/plain and HTML alike), the rest folded.
    assert re.fullmatch(r"Spark: (\d+)/\1 tasks, \d\d jobs, \d+\.\d s", shown.text), shown.text
    assert shown.line == shown.text
    assert not shown.is_open
    assert not _JVM_NAME.search(shown.folded), shown.folded
    names = labels(shown.folded)
    assert {"show at cell line 3", "count at cell line 4", "save at cell line 5"} <= names
    assert "StringIndexer.fit in Pipeline.fit at cell line 12" in names
    assert "LogisticRegression.fit in Pipeline.fit at cell line 12" in names
    # Jobs after the cell, outside any view, are not named after it.
    assert spark_engine.session.sparkContext.getLocalProperty("callSite.short") is None


@pytest.mark.spark
def test_a_call_site_set_by_the_user_is_kept(spark: Any) -> None:
    sc = spark.sparkContext
    sc.setLocalProperty("callSite.short", "nightly load")
    try:
        with lazyscope.progress("spark", live=False) as run:
            spark.range(0, 8, 1, 2).count()
    finally:
        sc.setLocalProperty("callSite.short", None)
    assert run.summary is not None
    assert labels("\n".join(line.strip() for line in run.summary.details())) == {"nightly load"}


@pytest.fixture(scope="module")
def connect(spark_connect_url: str) -> Iterator[Any]:
    with connect_session(spark_connect_url) as session:
        yield session


@pytest.mark.connect
def test_connect_stages_name_the_action_and_the_mllib_call(
    connect: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pyspark.ml import Pipeline
    from pyspark.ml.classification import LogisticRegression
    from pyspark.ml.feature import StringIndexer, VectorAssembler

    # pyspark.ml builds and fits Connect models only in Connect mode (an environment variable).
    monkeypatch.setenv("SPARK_CONNECT_MODE_ENABLED", "1")
    df = connect.range(0, 40, 1, 2).selectExpr(
        "cast(id % 2 as double) as label", "cast(id as double) as x"
    )
    pipeline = Pipeline(
        stages=[
            StringIndexer(inputCol="label", outputCol="y"),
            VectorAssembler(inputCols=["x"], outputCol="f"),
            LogisticRegression(featuresCol="f", labelCol="y", maxIter=1),
        ]
    )
    run = ProgressRun([ConnectProgress(connect)], live=False)
    with run:
        df.show(1)
        pipeline.fit(df)
    assert run.summary is not None
    folded = "\n".join(line.strip() for line in run.summary.details())
    assert not _JVM_NAME.search(folded), folded
    here = r"at test_progress_stage_names\.py:\d+"
    names = labels(folded)
    for call in (
        "show",
        "StringIndexer.fit in Pipeline.fit",
        "LogisticRegression.fit in Pipeline.fit",
    ):
        assert any(re.fullmatch(f"{re.escape(call)} {here}", name) for name in names), names
