"""A Dask scheduler that dies or stops answering mid-cell: the cell ends with one paragraph
in the user's words, and the kernel runs the next cell. Real `dask scheduler` / `dask worker`
processes (signalled for real) and a real kernel."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests import _processes as procs
from tests._kernel import Kernel, lazyscope_kernel

pytestmark = [pytest.mark.dask, pytest.mark.kernel]

# 400 half-second tasks on one worker thread: 200 s of work, so only a hang or our own
# ending of the wait can end the cell before the timeout below.
LONG_CELL = """%%dask
import time
futures = client.map(lambda i: time.sleep(0.5) or i, range(400), pure=False)
total = sum(client.gather(futures))
"""


@contextmanager
def scheduler_and_worker(logs: Path) -> Iterator[tuple[str, Any]]:
    port = procs.free_port()
    address = f"tcp://127.0.0.1:{port}"
    scheduler = procs.dask_cmd(
        "scheduler", "--host", "127.0.0.1", "--port", str(port), "--dashboard-address", ":0"
    )
    worker = procs.dask_cmd(
        "worker", address, "--nthreads", "1", "--host", "127.0.0.1", "--no-dashboard"
    )
    with (
        procs.running(scheduler, port, logs / f"scheduler-{port}.log") as proc,
        procs.running(worker, port, logs / f"worker-{port}.log"),
    ):
        try:
            yield address, proc
        finally:
            os.killpg(proc.pid, signal.SIGCONT)  # a stopped process cannot take its SIGTERM


def run_cell(kernel: Kernel, code: str, timeout: float = 120) -> tuple[str, list[str]]:
    """What the cell showed as text, and the traceback lines of its error (if any)."""
    shown: list[str] = []
    traceback: list[str] = []

    def hook(msg: dict[str, Any]) -> None:
        content = msg["content"]
        if msg["msg_type"] == "stream":
            shown.append(content["text"])
        elif msg["msg_type"] in ("execute_result", "display_data", "update_display_data"):
            shown.append(content["data"].get("text/plain", ""))
        elif msg["msg_type"] == "error":
            traceback.extend(content["traceback"])

    kernel.client.execute_interactive(code, timeout=timeout, output_hook=hook)
    return "\n".join(shown), traceback


@pytest.fixture(scope="module")
def kernel() -> Iterator[Kernel]:
    with lazyscope_kernel() as kernel:
        yield kernel


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGSTOP], ids=["killed", "stopped"])
def test_a_scheduler_that_dies_or_goes_silent_ends_the_cell(
    kernel: Kernel, tmp_path: Path, sig: int
) -> None:
    with scheduler_and_worker(tmp_path) as (address, scheduler):
        assert "attached" in kernel.run(f"%dask connect {address} --restart")
        # Signal once the cell's tasks run (some have finished), as a crash would come.
        began = time.monotonic()
        timer = threading.Timer(6, os.kill, args=(scheduler.pid, sig))
        timer.start()
        try:
            shown, traceback = run_cell(kernel, LONG_CELL)
        finally:
            timer.cancel()
        took = time.monotonic() - began
        assert took < 60, f"the cell waited {took:.0f} s"  # 200 s of tasks were left
        error = "\n".join(traceback)
        assert f"The Dask scheduler at {address} stopped answering" in error
        assert "of 400 tasks had finished" in error
        assert len(traceback) == 1  # one paragraph: no traceback through distributed
        assert "distributed" not in error
        assert "stopped answering" in shown  # the summary says it too
        assert kernel.run("1 + 1").strip() == "2"  # the next cell runs
