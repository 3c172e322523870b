"""Live progress on the shared local Spark (classic): real jobs, counted per tag."""

from __future__ import annotations

import os
import signal
import threading
import time
from typing import Any

import pytest

import lazyscope
from lazyscope._errors import LazyscopeError
from tests._progress import run_cell, when_started
from tests._summary import run_cell_summary

pytestmark = pytest.mark.spark


def noop_write(spark: Any, tasks: int) -> None:
    """A JVM-only job of exactly `tasks` tasks (no Python workers: cheap on 2 cores)."""
    spark.range(0, tasks, 1, tasks).write.format("noop").mode("overwrite").save()


def sleepy_job(spark: Any) -> None:
    spark.sparkContext.parallelize(range(2), 2).map(lambda x: time.sleep(300)).collect()


def test_400_task_job_gives_a_complete_summary(spark: Any) -> None:
    with lazyscope.progress("spark", live=False) as run:
        noop_write(spark, 400)
    summary = run.summary
    assert summary is not None
    assert (summary.done, summary.total, summary.failed) == (400, 400, 0)
    assert summary.outcome == "done"
    assert "400/400 tasks" in repr(summary)


def test_spark_cell_shows_the_summary_with_cell_lines(ipshell: Any, spark_engine: Any) -> None:
    ipshell.push(spark_engine.namespace())
    source = "%%spark\nrows = 40\nspark.range(0, rows, 1, 4).collect()\n"
    shown = run_cell_summary(ipshell, source)
    assert shown.result.error_in_exec is None
    assert shown.text.startswith("Spark: 4/4 tasks, 1 job, ")
    assert shown.line == shown.text
    assert "(collect at cell line 3): 4/4 tasks" in shown.folded  # %%spark is line 1


def test_progress_setting_switches_the_view_off(ipshell: Any, spark_engine: Any) -> None:
    ipshell.push(spark_engine.namespace())
    ipshell.run_line_magic("config", "Lazyscope.progress = False")
    try:
        result, shown = run_cell(ipshell, "%%spark\nspark.range(0, 8, 1, 2).count()")
    finally:
        ipshell.run_line_magic("config", "Lazyscope.progress = True")
    assert result.error_in_exec is None
    assert "tasks" not in shown


def test_failing_task_shows_in_the_summary(spark: Any) -> None:
    run = lazyscope.progress("spark", live=False)
    with pytest.raises(Exception, match="lazyscope test failure"), run:
        spark.range(0, 8, 1, 4).selectExpr(
            "assert_true(id < 5, 'lazyscope test failure')"
        ).collect()
    summary = run.summary
    assert summary is not None
    assert summary.outcome == "failed"
    assert summary.failed >= 1
    assert summary.error is not None
    assert "lazyscope test failure" in summary.error
    assert "Java" not in summary.error
    assert "\tat " not in summary.error
    assert f"error: {summary.error}" in repr(summary)


def test_cancel_stops_a_long_job_and_spark_stays_usable(spark: Any) -> None:
    run = lazyscope.progress("spark", live=False)
    began = time.monotonic()
    when_started(run, run.cancel)
    with pytest.raises(LazyscopeError, match="Cancelled from the progress view"), run:
        sleepy_job(spark)
    assert time.monotonic() - began < 120  # the tasks sleep 300 s
    assert run.summary is not None
    assert run.summary.outcome == "cancelled"
    assert spark.sparkContext.parallelize(range(10), 2).sum() == 45


def test_kernel_interrupt_cancels_the_cells_jobs(spark: Any) -> None:
    sc = spark.sparkContext
    run = lazyscope.progress("spark", live=False)
    # A real SIGINT, as the kernel's interrupt sends; it lands while collect() waits.
    when_started(run, lambda: os.kill(os.getpid(), signal.SIGINT))
    with pytest.raises(KeyboardInterrupt), run:
        sleepy_job(spark)
    assert run.summary is not None
    assert run.summary.outcome == "interrupted"
    deadline = time.monotonic() + 30
    while sc.statusTracker().getActiveJobsIds() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not sc.statusTracker().getActiveJobsIds()  # Spark stopped the job too
    assert sc.parallelize(range(10), 2).sum() == 45


def test_an_interrupt_py4j_turns_into_a_lost_connection_is_still_an_interrupt(spark: Any) -> None:
    # What the SIGINT above sometimes gives: py4j drops the busy connection, and pyspark's
    # clean-up call fails on the next one, hiding the interrupt behind a network error.
    from py4j.protocol import Py4JNetworkError

    def interrupted_collect() -> None:
        try:
            raise KeyboardInterrupt
        except KeyboardInterrupt:
            raise Py4JNetworkError("Answer from Java side is empty") from None

    run = lazyscope.progress("spark", live=False)
    with pytest.raises(KeyboardInterrupt) as raised, run:
        interrupted_collect()
    assert raised.value.__cause__ is None
    assert run.summary is not None
    assert run.summary.outcome == "interrupted"


def test_two_threads_jobs_are_not_mixed(spark: Any) -> None:
    both_running = threading.Barrier(2)
    summaries: dict[int, Any] = {}

    def cell(tasks: int) -> None:
        with lazyscope.progress("spark", live=False) as run:
            both_running.wait(timeout=60)  # both tags are set before either job runs
            noop_write(spark, tasks)
            both_running.wait(timeout=120)
        summaries[tasks] = run.summary

    threads = [threading.Thread(target=cell, args=(n,)) for n in (7, 13)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert {n: (s.done, s.total) for n, s in summaries.items()} == {7: (7, 7), 13: (13, 13)}
