"""Live progress on the shared Dask LocalCluster (spans) and on Dask's local schedulers
(callbacks), plus Cancel through a real kernel, as the browser's button sends it."""

from __future__ import annotations

import operator
import pickle
import subprocess
import sys
import threading
import time
import warnings
from typing import Any

import pytest

import lazyscope
from lazyscope._errors import LazyscopeError
from tests._progress import when_started
from tests._summary import run_cell_summary

pytestmark = pytest.mark.dask


def inc(x: int) -> int:
    return x + 1


def nap(x: int) -> int:
    time.sleep(0.5)
    return x


def fail_on_three(x: int) -> int:
    if x == 3:
        raise ValueError("boom at 3")
    return x


def test_500_task_computation_gives_a_complete_summary(dask_client: Any) -> None:
    with lazyscope.progress("dask", live=False) as run:
        assert sum(dask_client.gather(dask_client.map(inc, range(500)))) == sum(range(1, 501))
    summary = run.summary
    assert summary is not None
    assert (summary.done, summary.total, summary.failed) == (500, 500, 0)
    assert summary.details()[0].startswith("  inc: 500/500 tasks")


def test_dask_cell_shows_the_summary(ipshell: Any, dask_engine: Any) -> None:
    ipshell.push(dask_engine.namespace())
    source = "%%dask\nimport dask.array as da\nda.ones(100, chunks=10).sum().compute()"
    shown = run_cell_summary(ipshell, source)
    assert shown.result.error_in_exec is None
    assert shown.result.result == 100
    assert shown.text.startswith("Dask: 15/15 tasks, ")
    assert shown.line == shown.text  # one line, in HTML and text/plain alike
    assert any(row.startswith("sum: 10/10 tasks") for row in shown.folded.splitlines())


def test_dataframe_cell_counts_its_tasks_without_a_warning(dask_client: Any) -> None:
    # dask-expr warns that annotations are ignored by query planning; ours still reach
    # the scheduler with the graph, so the warning is wrong for them and must not show.
    import dask.dataframe as dd
    import pandas as pd

    frame = dd.from_pandas(pd.DataFrame({"a": range(1000)}), npartitions=4)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with lazyscope.progress("dask", live=False) as run:
            assert frame.a.sum().compute() == sum(range(1000))
    assert [str(w.message) for w in caught] == []
    assert run.summary is not None
    assert run.summary.done == run.summary.total >= 8


def test_failing_task_shows_in_the_summary(dask_client: Any) -> None:
    run = lazyscope.progress("dask", live=False)
    with pytest.raises(ValueError, match="boom at 3"), run:
        dask_client.gather(dask_client.map(fail_on_three, range(10)))
    summary = run.summary
    assert summary is not None
    assert summary.outcome == "failed"
    assert summary.failed == 1
    assert summary.error == "ValueError: boom at 3"


def test_cancel_stops_a_long_computation_and_the_client_stays_usable(dask_client: Any) -> None:
    run = lazyscope.progress("dask", live=False)
    began = time.monotonic()
    when_started(run, run.cancel)
    with pytest.raises(LazyscopeError, match="Cancelled from the progress view"), run:
        dask_client.gather(dask_client.map(nap, range(400)))  # 100 s on 2 threads
    assert time.monotonic() - began < 60
    assert run.summary is not None
    assert run.summary.outcome == "cancelled"
    assert run.summary.done < 400
    deadline = time.monotonic() + 30  # the workers drop the cancelled tasks
    while any(dask_client.processing().values()):
        assert time.monotonic() < deadline
        time.sleep(0.2)
    assert dask_client.submit(inc, 1).result() == 2


def test_local_scheduler_progress_and_cancel() -> None:
    import dask
    import dask.bag as db

    with lazyscope.progress("dask", live=False) as run:
        bag = db.from_sequence(range(100), npartitions=25).map(inc)
        assert bag.sum().compute(scheduler="threads") == sum(range(1, 101))
    assert run.summary is not None
    assert run.summary.done == run.summary.total > 25

    slow = [dask.delayed(nap)(i) for i in range(200)]  # 50 s on 2 threads
    run = lazyscope.progress("dask", live=False)
    when_started(run, run.cancel)
    began = time.monotonic()
    with pytest.raises(LazyscopeError, match="Cancelled from the progress view"), run:
        dask.compute(*slow, scheduler="threads", num_workers=2)
    assert time.monotonic() - began < 30
    assert run.summary is not None
    assert run.summary.outcome == "cancelled"


def test_two_threads_tasks_are_not_mixed(dask_client: Any) -> None:
    both_running = threading.Barrier(2)
    summaries: dict[int, Any] = {}

    def cell(tasks: int) -> None:
        with lazyscope.progress("dask", live=False) as run:
            both_running.wait(timeout=60)  # both spans are open before either submits
            dask_client.gather(dask_client.map(inc, range(tasks), key=f"inc{tasks}"))
            both_running.wait(timeout=120)
        summaries[tasks] = run.summary

    threads = [threading.Thread(target=cell, args=(n,)) for n in (7, 13)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert {n: (s.done, s.total) for n, s in summaries.items()} == {7: (7, 7), 13: (13, 13)}


def test_scheduler_plugin_needs_no_lazyscope_on_the_scheduler() -> None:
    from distributed.protocol.pickle import dumps

    from lazyscope.dask._plugin import scheduler_plugin

    code = (
        "import pickle, sys\n"
        "sys.modules['lazyscope'] = None  # as on a cluster without lazyscope\n"
        "plugin = pickle.loads(sys.stdin.buffer.read())\n"
        "print(type(plugin).__name__, plugin.name)\n"
    )
    data = dumps(scheduler_plugin())
    out = subprocess.run([sys.executable, "-c", code], input=data, capture_output=True, check=True)
    assert out.stdout.decode().split()[0] == "LazyscopeProgress"
    assert pickle.loads(data).idempotent


def test_a_scheduler_plugin_of_another_format_is_one_sentence() -> None:
    from distributed import Client, LocalCluster
    from distributed.diagnostics.plugin import SchedulerPlugin

    from lazyscope.dask._plugin import OP
    from lazyscope.dask._progress import DaskProgress
    from lazyscope.views.progress import ProgressRun

    class OldFormat(SchedulerPlugin):
        """What a scheduler shared with an older lazyscope answers: positional rows."""

        name = OP
        idempotent = True

        async def start(self, scheduler: Any) -> None:
            row = ["neg", 1, 1, 0, 0, 1, 1.0, 2.0, 0.5, 8]
            reply = {"rows": [row], "edges": [], "workers": 1, "failed_task": None, "groups": []}
            scheduler.handlers[OP] = lambda **_: reply
            scheduler.handlers[f"{OP}_forget"] = lambda **_: None

    with (
        LocalCluster(
            n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None
        ) as cl,
        Client(cl) as client,
    ):
        client.register_plugin(OldFormat(), name=OP)
        with ProgressRun([DaskProgress(client)], live=False) as run:
            assert client.submit(operator.neg, 3).result() == -3
    assert run.summary is not None
    [section] = run.summary.sections
    assert section.note == (
        "progress unavailable: The Dask scheduler's lazyscope progress plugin speaks format "
        "unknown and this kernel format 4 (two lazyscope versions share this scheduler): "
        "restart the cluster, or use the same lazyscope in every kernel."
    )


def test_progress_on_a_separate_scheduler_process(dask_scheduler_address: str) -> None:
    from distributed import Client

    from lazyscope.dask._progress import DaskProgress
    from lazyscope.views.progress import ProgressRun

    with Client(dask_scheduler_address, timeout=30) as client:
        with ProgressRun([DaskProgress(client)], live=False) as run:
            # a function the scheduler's environment can import (the tests package it can't)
            client.gather(client.map(operator.neg, range(20)))
        assert run.summary is not None
        assert (run.summary.done, run.summary.total) == (20, 20)


LONG_CELL = """%%dask
import time
futures = client.map(lambda i: time.sleep(0.5) or i, range(400), pure=False)
client.gather(futures)
"""


def execute(kc: Any, code: str, on_widget: Any = None, timeout: float = 180) -> str:
    """Run code in the kernel; what the cell shows, as text. `on_widget(comm_id)` is called
    (on a timer, as a user would click) once the progress widget appears."""
    msg_id = kc.execute(code)
    shown: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        msg = kc.get_iopub_msg(timeout=timeout)
        kind, content = msg["msg_type"], msg["content"]
        widget = content.get("data", {}).get("state", {}).get("_anywidget_id", "")
        if kind == "comm_open" and on_widget is not None and widget.endswith("ProgressWidget"):
            threading.Timer(1.0, on_widget, args=(content["comm_id"],)).start()
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        if kind in ("display_data", "update_display_data", "execute_result"):
            shown.append(content["data"].get("text/plain", ""))
        elif kind == "error":
            shown.append(f"{content['ename']}: {content['evalue']}")
        elif kind == "status" and content["execution_state"] == "idle":
            return "\n".join(shown)
    raise AssertionError(f"cell did not finish in {timeout} s: {shown}")


@pytest.mark.kernel
def test_cancel_button_and_interrupt_while_a_real_kernel_is_busy(
    dask_scheduler_address: str,
) -> None:
    from jupyter_client.manager import KernelManager

    km = KernelManager(kernel_name="python3")
    km.start_kernel()
    kc = km.client()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=120)
        # A scheduler in its own process group: the kernel's interrupt (SIGINT to the
        # kernel's group) reaches the kernel only, as with a remote cluster.
        connect = f"%load_ext lazyscope\n%dask connect {dask_scheduler_address}"
        assert "no (attached)" in execute(kc, connect)

        def click_cancel(comm_id: str) -> None:  # the message the widget's button sends
            data = {"method": "custom", "content": {"type": "cancel"}}
            kc.shell_channel.send(kc.session.msg("comm_msg", {"comm_id": comm_id, "data": data}))

        began = time.monotonic()
        shown = execute(kc, LONG_CELL, on_widget=click_cancel)
        assert time.monotonic() - began < 100  # 200 s of tasks on one thread
        assert "cancelled" in shown
        assert "LazyscopeError: Cancelled from the progress view" in shown

        shown = execute(kc, LONG_CELL, on_widget=lambda _: km.interrupt_kernel())
        assert "interrupted" in shown
        assert "KeyboardInterrupt" in shown
        assert execute(kc, "client.submit(sum, [1, 2]).result()") == "3"
    finally:
        kc.stop_channels()
        km.shutdown_kernel()
