"""An interrupted plain cell (no %%spark) has its classic Spark jobs cancelled."""

from __future__ import annotations

import os
import signal
import threading
import time
from typing import Any

import pytest

from lazyscope._errors import interrupt_behind
from lazyscope.spark import _interrupts

pytestmark = pytest.mark.spark

SLOW_JOB = "spark.range(2).rdd.map(lambda i: __import__('time').sleep(120)).count()"


def test_an_interrupted_cell_has_its_spark_jobs_cancelled(ipshell: Any, spark: Any) -> None:
    ipshell.user_ns["spark"] = spark
    tracker = spark.sparkContext.statusTracker()
    # As in a kernel: ipykernel runs each cell with Python's own SIGINT handler, which
    # replaces pyspark's (that one would cancel every job of the context itself).
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    interrupt = threading.Timer(6, os.kill, (os.getpid(), signal.SIGINT))
    try:
        interrupt.start()
        began = time.monotonic()
        result = ipshell.run_cell(SLOW_JOB)
        interrupt.join()
    finally:
        signal.signal(signal.SIGINT, previous)
    assert interrupt_behind(result.error_in_exec) is not None
    assert time.monotonic() - began < 60
    deadline = time.monotonic() + 30
    while list(tracker.getActiveJobsIds()) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert list(tracker.getActiveJobsIds()) == []  # cancelled, not sleeping on for 2 minutes
    assert ipshell.run_cell("spark.range(10).count()").result == 10


def test_a_finished_cell_leaves_no_tag_behind(ipshell: Any, spark: Any) -> None:
    ipshell.user_ns["spark"] = spark
    assert ipshell.run_cell("spark.range(3).count()").result == 3
    assert _interrupts._cell == {}
    assert not any(t.startswith("lazyscope-cell-") for t in spark.sparkContext.getJobTags())


def test_loading_twice_registers_the_hooks_once(ipshell: Any) -> None:
    _interrupts.register(ipshell)
    callbacks = ipshell.events.callbacks
    assert callbacks["pre_run_cell"].count(_interrupts.before_cell) == 1
    assert callbacks["post_run_cell"].count(_interrupts.after_cell) == 1
