"""A kernel interrupt also stops the classic Spark jobs of the cell it interrupted.

Plain pyspark leaves an interrupted job running: the interrupt only ends the Python side's
wait, and the next job queues behind the old tasks, for minutes. With the extension loaded,
each cell's jobs carry a job tag of their own (cells run in the kernel's main thread, and a
tag belongs to the thread that added it); a cell that ends in an interrupt has its tag's
jobs cancelled. `%%spark` cells do the same through their progress view; this covers every
other cell. A cell pays two py4j calls, and only while a classic SparkContext runs.
"""

from __future__ import annotations

import contextlib
import sys
import uuid
from typing import Any

from lazyscope._errors import interrupt_behind, survived

__all__ = ["after_cell", "before_cell", "register", "unregister"]

_cell: dict[str, tuple[Any, str]] = {}  # "current": (SparkContext, tag) of the running cell


def _active_context() -> Any:
    pyspark = sys.modules.get("pyspark")  # a kernel that never imported Spark pays nothing
    if pyspark is None:
        return None
    return getattr(pyspark.SparkContext, "_active_spark_context", None)


def before_cell(info: Any = None) -> None:
    sc = _active_context()
    if sc is None:
        return
    if sc._jsc is None:  # stopped: its jobs cannot run, so there is nothing to tag
        return
    tag = f"lazyscope-cell-{uuid.uuid4().hex[:12]}"
    try:
        sc.addJobTag(tag)
        _cell["current"] = (sc, tag)
    except Exception:
        survived("could not tag the cell's Spark jobs; an interrupt will not cancel them")


def after_cell(result: Any = None) -> None:
    sc, tag = _cell.pop("current", (None, ""))
    if sc is None:
        return
    if sc._jsc is None:  # the cell stopped the context itself: no tag left to remove
        return
    try:
        if interrupt_behind(getattr(result, "error_in_exec", None)) is not None:
            sc.cancelJobsWithTag(tag)
        sc.removeJobTag(tag)
    except Exception:
        survived("could not cancel or untag the interrupted cell's Spark jobs")


def register(shell: Any) -> None:
    unregister(shell)  # a second %load_ext must not cancel twice
    shell.events.register("pre_run_cell", before_cell)
    shell.events.register("post_run_cell", after_cell)


def unregister(shell: Any) -> None:
    for event, callback in (("pre_run_cell", before_cell), ("post_run_cell", after_cell)):
        with contextlib.suppress(ValueError):  # not registered
            shell.events.unregister(event, callback)
