"""The magics in a real kernel: a small notebook, announcements, and no process left behind."""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from pathlib import Path
from typing import Any

import psutil
import pytest

from tests._kernel import Kernel
from tests.test_failures_scheduler import run_cell

pytestmark = [pytest.mark.kernel, pytest.mark.spark, pytest.mark.dask, pytest.mark.slow]


def test_notebook_with_errors_then_sessions(run_notebook: Any) -> None:
    outputs = run_notebook(
        [
            "%load_ext lazyscope",
            "%spark stop",
            "%dask stop",
            "%spark start --master local[1] --name nb-test",
            "%%spark\nspark.range(100).count()",
            "%%spark --sql -o q\nSELECT 1 AS one",
            "%%spark --sql\nSELEC oops",
            "q.first().one",
            "%%dask --workers 1\nimport dask.bag as db\n"
            "db.from_sequence(range(10), npartitions=2).sum().compute()",
            "%spark?",
        ]
    )
    assert "No Spark session is running" in outputs[1]
    assert "No Dask session is running" in outputs[2]
    for text in [*outputs[1:3], outputs[6]]:
        assert "Traceback" not in text
        assert "\tat " not in text
        assert len(text.strip().splitlines()) <= 6
    assert "local[1]" in outputs[3]
    assert outputs[4].strip().endswith("100")
    assert "PARSE_SYNTAX_ERROR" in outputs[6]
    assert outputs[7].strip() == "1"  # the kernel stays usable after an error
    assert outputs[8].strip().endswith("45")


def running(proc: psutil.Process) -> bool:
    try:
        return proc.status() != psutil.STATUS_ZOMBIE  # a zombie has exited; only unreaped
    except psutil.Error:
        return False


def children(pid: int) -> list[psutil.Process]:
    return [p for p in psutil.Process(pid).children(recursive=True) if running(p)]


def command(proc: psutil.Process) -> str:
    try:
        return " ".join(proc.cmdline())
    except psutil.Error:  # exited meanwhile
        return ""


def wait_gone(procs: list[psutil.Process], timeout: float = 60) -> list[psutil.Process]:
    _gone, alive = psutil.wait_procs(procs, timeout=timeout)
    return [p for p in alive if running(p)]


@pytest.mark.parametrize("how", ["shutdown", "kill"])
def test_kernel_exit_leaves_no_jvm_or_dask_process(how: str, runtime_dir: Path) -> None:
    kernel = Kernel()
    try:
        kernel.run("%load_ext lazyscope")
        kernel.run("%spark start --master local[1]")
        kernel.run("%dask start --workers 2 --threads 1")
        kids = children(kernel.pid)
        commands = [command(p) for p in kids]
        assert any("java" in c for c in commands)  # the Spark JVM
        assert sum("python" in c for c in commands) >= 2  # the Dask workers
        announced = json.loads(
            (runtime_dir / f"lazyscope-kernel-{kernel.km.kernel_id}.json").read_text()
        )
        assert {s["engine"] for s in announced["sessions"]} == {"spark", "dask"}
        assert announced["pid"] == kernel.pid
    finally:
        if how == "kill":
            os.kill(kernel.pid, signal.SIGKILL)
            time.sleep(1)
        kernel.shutdown(now=how == "kill")
    assert wait_gone(kids) == []
    if how == "shutdown":  # a clean exit also withdraws the announcement
        assert not (runtime_dir / f"lazyscope-kernel-{kernel.km.kernel_id}.json").exists()


def test_interrupt_leaves_the_local_clusters_working() -> None:
    """JupyterLab's interrupt is a SIGINT to the kernel's process group, local Dask
    workers and the Spark JVM included: they must survive it, only the cell stops."""
    kernel = Kernel()
    try:
        kernel.run("%load_ext lazyscope")
        kernel.run("%spark start --master local[2]")
        kernel.run("%dask start --workers 1 --threads 2")
        cells = [
            "import time\nclient.submit(time.sleep, 120, pure=False).result()",
            # %%spark: its progress view cancels the cell's tagged jobs.
            "%%spark\nspark.range(2).rdd.map(lambda i: __import__('time').sleep(120)).count()",
            # A plain cell: plain pyspark would leave this job running, holding both cores
            # for two minutes; the extension's per-cell tag cancels it.
            "spark.range(2).rdd.map(lambda i: __import__('time').sleep(120)).count()",
        ]
        for cell in cells:
            interrupt = threading.Timer(8, kernel.km.interrupt_kernel)
            interrupt.start()
            began = time.monotonic()
            assert "KeyboardInterrupt" in kernel.run(cell, timeout=90)
            assert time.monotonic() - began < 60
        check = "len(client.scheduler_info()['workers']), client.submit(sum, [1, 2]).result(30)"
        assert kernel.run(check, timeout=60).strip() == "(1, 3)"
        assert kernel.run("spark.range(10).count()", timeout=60).strip() == "10"  # not queued
    finally:
        kernel.shutdown()


def test_a_kernel_put_through_failures_still_runs_spark_and_dask() -> None:
    """The failures of issue 15 in a row, in one kernel: each is one paragraph, and
    Spark and Dask still run at the end."""
    kernel = Kernel()
    try:
        kernel.run("%load_ext lazyscope\nimport lazyscope")
        kernel.run("%spark start --master local[1]")
        kernel.run("old = spark.range(10).selectExpr('id AS x', 'id * 2 AS y')")
        kernel.run("%spark start --master local[1] --restart")
        for call in (
            "lazyscope.describe(old)",
            "lazyscope.dag(old)",
            "lazyscope.plot(old, 'x', 'y')",
        ):
            shown = kernel.run(call)
            assert "belongs to a Spark session that has stopped" in shown
            assert "AttributeError" not in shown
        assert "needs a Python variable name" in kernel.run("%%spark --sql -o 1bad\nSELECT 1")

        # Dask started after Spark, two threads per worker: the order that lost workers.
        kernel.run("%dask start --workers 1 --threads 2")
        shown = kernel.run("%%dask\nclient.submit(lambda: 1 / 0).result()")
        assert "Dask task lambda-" in shown
        assert "ZeroDivisionError" in shown
        assert "Traceback" not in shown
        plot = (
            "import dask.dataframe as dd, pandas as pd\n"
            "kinds = pd.Categorical(['a', 'b'] * 500)\n"
            "frame = pd.DataFrame({'x': range(1000), 'y': range(1000), 'k': kinds})\n"
            "int(lazyscope.plot(dd.from_pandas(frame, npartitions=4), 'x', 'y', by='k')"
            ".aggregate.sum())"
        )
        assert kernel.run(plot, timeout=240).strip() == "1000"

        # A cluster without workers: the cell's progress says so, and the cell can end.
        kernel.run("from lazyscope import engines\nengines.current('dask').cluster.scale(0)")
        kernel.run(
            "import time\nwhile client.scheduler_info()['workers']: time.sleep(0.2)", timeout=60
        )
        interrupt = threading.Timer(20, kernel.km.interrupt_kernel)
        interrupt.start()
        shown, traceback = run_cell(kernel, "%%dask\nclient.submit(sum, [1, 2]).result()", 90)
        assert "no workers: the scheduler at tcp://127.0.0.1:" in shown  # the summary
        assert "interrupted" in shown
        assert "KeyboardInterrupt" in "".join(traceback)
        kernel.run("engines.current('dask').cluster.scale(1)\nclient.wait_for_workers(1, 60)")

        assert kernel.run("spark.range(100).count()", timeout=120).strip() == "100"
        assert kernel.run("client.submit(sum, [1, 2]).result(60)", timeout=90).strip() == "3"
    finally:
        kernel.shutdown()
