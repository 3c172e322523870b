"""A real kernel's Dask cells show what the user asked for, and none of distributed's logs.

The local cluster's workers share the kernel's stderr, which ipykernel forwards to the
running cell; the scheduler, nannies and client log in the kernel itself. Both go to the
kernel's Dask log file (`%dask status` names it, `%dask log` shows its end).
"""

from __future__ import annotations

import os
import queue
import re
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import _processes as procs
from tests._kernel import Kernel

pytestmark = [pytest.mark.kernel, pytest.mark.dask, pytest.mark.slow]

LOG_LEVELS = re.compile(r" - (ERROR|CRITICAL) - ")
_HEARTBEAT_RACE = (
    "distributed.worker - ERROR - Failed to communicate with scheduler during heartbeat."
)


class Cells(Kernel):
    """A kernel whose every stderr line counts, whichever cell it is addressed to.

    Output that a kernel's child process writes reaches Jupyter a moment later, often
    after its cell has ended; JupyterLab then adds it to that cell (or to the one running).
    """

    def __init__(self) -> None:
        super().__init__()  # in a user's environment: child processes' output reaches cells
        self.stray: list[str] = []  # stderr that arrived for a cell already finished

    def shown(self, code: str, wait: float = 0.0) -> dict[str, str]:
        """What the cell showed, by kind (stdout, stderr, result, error); then `wait`
        seconds more for stderr that arrives late."""
        msg_id = self.client.execute(code)
        shown: dict[str, str] = {}
        done = False
        deadline = None
        while True:
            timeout = 300.0 if deadline is None else deadline - time.monotonic()
            if timeout <= 0:
                break
            try:
                msg = self.client.get_iopub_msg(timeout=timeout)
            except queue.Empty:
                if deadline is None:
                    raise
                break
            content, kind = msg["content"], msg["msg_type"]
            mine = msg["parent_header"].get("msg_id") == msg_id
            if kind == "stream" and content["name"] == "stderr" and (not mine or done):
                self.stray.append(content["text"])
            elif not mine:
                continue
            elif kind == "stream":
                shown[content["name"]] = shown.get(content["name"], "") + content["text"]
            elif kind in ("execute_result", "display_data"):
                shown["result"] = shown.get("result", "") + content["data"].get("text/plain", "")
            elif kind == "error":
                shown["error"] = f"{content['ename']}: {content['evalue']}"
            elif kind == "status" and content["execution_state"] == "idle":
                done, deadline = True, time.monotonic() + wait
        self.client.get_shell_msg(timeout=60)  # the execute reply
        return shown


@pytest.fixture(scope="module")
def cells() -> Iterator[Cells]:
    kernel = Cells()
    kernel.shown("%load_ext lazyscope")
    yield kernel
    kernel.shutdown()


def test_start_compute_fail_stop_leave_nothing_in_red(cells: Cells) -> None:
    assert "No Dask log" in cells.shown("%dask log")["error"]
    started = cells.shown("%dask start --workers 2 --threads 1", wait=2)
    assert "stderr" not in started, started["stderr"]
    assert cells.stray == []
    found = re.search(r"log\s+(\S+) \(%dask log shows its end\)", started["result"])
    assert found, started["result"]
    log = Path(found.group(1))

    job = cells.shown("import dask.array as da\nint(da.ones(1000, chunks=100).sum().compute())")
    assert job == {"result": "1000"}
    # A result that cannot be pickled: the worker logs an ERROR with three tracebacks and
    # the client a CRITICAL one; the cell shows the exception alone.
    failed = cells.shown("import threading\nclient.submit(threading.Lock).result()", wait=2)
    assert "stderr" not in failed, failed["stderr"]
    assert "serialize" in failed["error"]
    assert cells.stray == []
    assert cells.shown("int(da.ones(10, chunks=5).sum().compute())") == {"result": "10"}

    before_stop = log.read_text()
    stopped = cells.shown("%dask stop", wait=3)  # a worker outliving its scheduler logs soon
    assert "stderr" not in stopped, stopped["stderr"]
    assert stopped["stdout"].startswith("Stopped the dask session")
    assert cells.stray == []

    text = log.read_text()
    # The worker's lines (it failed to pickle the result) and the kernel's (the client,
    # the scheduler) are in the log instead.
    assert "distributed.protocol.pickle - ERROR - Failed to serialize" in before_stop
    assert "distributed.protocol.core - CRITICAL - Failed to deserialize" in before_stop
    assert "distributed.scheduler - INFO - Receive client connection" in before_stop
    # Workers retire before their scheduler goes away: the stop itself logs no error, but
    # for one line from a race inside distributed (seen once, in a CI run). A retiring
    # worker's heartbeat can reach the scheduler after it dropped the worker's stream, and
    # `Worker.heartbeat` logs that OSError as an ERROR. It stays in the log, never a cell.
    during_stop = text[len(before_stop) :]
    assert "Scheduler closing all comms" in during_stop
    errors = [
        line
        for line in during_stop.splitlines()
        if LOG_LEVELS.search(line) and _HEARTBEAT_RACE not in line
    ]
    assert not errors, during_stop

    tail = cells.shown("%dask log")
    assert "stderr" not in tail
    assert tail["stdout"].rstrip("\n").splitlines() == text.rstrip("\n").splitlines()[-40:]


def test_a_second_cluster_logs_to_the_same_file_and_stays_quiet(cells: Cells) -> None:
    cell = "%%dask --workers 1 --threads 1\nint(da.ones(4, chunks=2).sum().compute())"
    ran = cells.shown(cell, wait=2)
    assert "stderr" not in ran, ran["stderr"]
    assert ran["result"].endswith("4")  # after the progress view
    status = cells.shown("%dask status")["result"]
    log = Path(re.search(r"log\s+(\S+) \(%dask log", status).group(1))  # type: ignore[union-attr]
    assert log.read_text().count("Scheduler closing all comms") == 1  # the first cluster's
    stopped = cells.shown("%dask stop", wait=3)
    assert "stderr" not in stopped, stopped["stderr"]
    assert cells.stray == []


def test_a_lost_scheduler_is_in_the_log_not_in_the_cells(cells: Cells, tmp_path: Path) -> None:
    # The client retries for connect_timeout seconds, then logs an ERROR (formerly into
    # whichever cell ran at that moment, 10-30 s after the loss).
    port = procs.free_port()
    scheduler = procs.dask_cmd(
        "scheduler", "--host", "127.0.0.1", "--port", str(port), "--dashboard-address", ":0"
    )
    with procs.running(scheduler, port, tmp_path / "scheduler.log") as proc:
        cells.shown("%config Lazyscope.connect_timeout = 3")
        attached = cells.shown(f"%dask connect tcp://127.0.0.1:{port}", wait=1)
        assert "stderr" not in attached, attached["stderr"]
        log = Path(re.search(r"log\s+(\S+) \(%dask log", attached["result"]).group(1))  # type: ignore[union-attr]
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    deadline = time.monotonic() + 60
    while "Failed to reconnect to scheduler" not in log.read_text():
        assert time.monotonic() < deadline, log.read_text()[-2000:]
        waited = cells.shown("import time; time.sleep(1)")
        assert "stderr" not in waited, waited["stderr"]
        assert cells.stray == []  # e.g. in the cell that connected
    stopped = cells.shown("%dask stop", wait=1)
    assert "stderr" not in stopped, stopped["stderr"]
    assert cells.stray == []
