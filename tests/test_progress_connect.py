"""Live progress on a real Spark Connect server on loopback (registerProgressHandler)."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from lazyscope._errors import LazyscopeError
from lazyscope.spark._connect_progress import ConnectProgress
from lazyscope.views.progress import ProgressRun
from tests._progress import when_started

pytestmark = pytest.mark.connect


@pytest.fixture(scope="module")
def connect(spark_connect_url: str) -> Iterator[Any]:
    # The Connect builder itself: pyspark's generic builder refuses a remote session
    # while the test run's classic session exists, and would flip the process into
    # Connect mode (SPARK_CONNECT_MODE_ENABLED) for every later test.
    from pyspark.sql.connect.session import SparkSession

    session = SparkSession.builder.remote(spark_connect_url).getOrCreate()
    yield session
    session.stop()


def watch(session: Any) -> ProgressRun:
    return ProgressRun([ConnectProgress(session)], live=False)


def sleepy(session: Any, tasks: int, seconds: float) -> list[Any]:
    """A query of `tasks` tasks that each sleep (a Python UDF on the server)."""
    from pyspark.sql.connect.functions import udf
    from pyspark.sql.types import LongType

    # A type, not "long": parsing a type string needs a classic SparkContext (which
    # exists only when other tests ran first in this process).
    nap = udf(lambda x: time.sleep(seconds) or x, LongType())
    return list(session.range(0, tasks, 1, tasks).select(nap("id")).collect())


def test_query_progress_gives_a_complete_summary(connect: Any) -> None:
    with watch(connect) as run:
        rows = sleepy(connect, 6, 1.0)  # long enough for the server's 2 s progress reports
    assert len(rows) == 6
    summary = run.summary
    assert summary is not None
    assert summary.outcome == "done"
    assert summary.done == summary.total == 6
    assert "(collect at test_progress_connect.py:" in "\n".join(summary.details())


def test_an_operation_that_ends_before_any_report_is_still_listed(connect: Any) -> None:
    # A command runs no stage, so the server never reports on it; a short query often
    # ends before the first report too (failed before: the summary left it out).
    with watch(connect) as run:
        connect.sql("SET spark.sql.shuffle.partitions=4")
    summary = run.summary
    assert summary is not None
    assert summary.line().startswith("Spark Connect: 0/0 tasks, 1 job,"), summary.line()
    lines = [line.strip() for line in summary.details()]
    assert len(lines) == 2, lines
    assert lines[0].startswith("operation "), lines
    assert re.fullmatch(
        r"sql at test_progress_connect\.py:\d+: done, no task counts reported", lines[1]
    ), lines


def test_a_short_query_shows_its_task_counts_every_time(connect: Any) -> None:
    # About a third of sub-second queries end before the server reports their stages
    # (seen in CI: "0/0 tasks", and no executed DAG); their counts come from the UI.
    from pyspark.sql.connect import functions as sf

    df = connect.range(0, 20_000, 1, 4).withColumn("k", sf.col("id") % 3)
    for _ in range(6):
        with watch(connect) as run:
            df.groupBy("k").count().collect()
        summary = run.summary
        assert summary is not None
        details = "\n".join(summary.details())
        assert "no task counts reported" not in details, details
        assert summary.total >= 5, summary.line()
        assert summary.done == summary.total, summary.line()
        assert re.search(
            r"^\s*stage \d+ \(collect at test_progress_connect\.py:\d+\)", details, re.M
        )


def test_failing_query_shows_in_the_summary(connect: Any) -> None:
    run = watch(connect)
    with pytest.raises(Exception, match="lazyscope test failure"), run:
        connect.range(0, 8, 1, 4).selectExpr(
            "assert_true(id < 5, 'lazyscope test failure')"
        ).collect()
    summary = run.summary
    assert summary is not None
    assert summary.outcome == "failed"
    assert summary.error is not None
    assert "lazyscope test failure" in summary.error


def test_cancel_interrupts_a_long_query_and_the_session_stays_usable(connect: Any) -> None:
    run = watch(connect)
    when_started(run, run.cancel)
    began = time.monotonic()
    with pytest.raises(LazyscopeError, match="Cancelled from the progress view"), run:
        sleepy(connect, 2, 300.0)
    assert time.monotonic() - began < 120
    assert run.summary is not None
    assert run.summary.outcome == "cancelled"
    assert connect.range(10).count() == 10


def test_two_threads_queries_are_not_mixed(connect: Any) -> None:
    both_running = threading.Barrier(2)
    summaries: dict[int, Any] = {}

    def cell(tasks: int) -> None:
        with watch(connect) as run:
            both_running.wait(timeout=60)  # both tags and handlers are in place
            sleepy(connect, tasks, 1.0)
            both_running.wait(timeout=180)
        summaries[tasks] = run.summary

    threads = [threading.Thread(target=cell, args=(n,)) for n in (3, 5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert {n: (s.done, s.total) for n, s in summaries.items()} == {3: (3, 3), 5: (5, 5)}
