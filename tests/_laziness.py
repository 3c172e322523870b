"""Count what a view runs: Spark jobs (classic and Connect) and Dask tasks.

Laziness is the contract of the metadata views, so the tests measure it instead of
trusting it; every counter also has a positive control in the tests that use it.
"""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from distributed.diagnostics.plugin import SchedulerPlugin


@dataclass
class Count:
    n: int = 0


@contextmanager
def spark_jobs(spark: Any) -> Iterator[Count]:
    """Jobs submitted by a classic session: the DAG scheduler's next job id is exact and
    synchronous (the status tracker and UI learn about jobs later, through the listener bus)."""
    scheduler = spark.sparkContext._jsc.sc().dagScheduler()
    count, start = Count(), int(scheduler.nextJobId())
    yield count
    count.n = int(scheduler.nextJobId()) - start


def _rest(url: str) -> Any:
    # The UI answers slowly on a busy machine.
    with urllib.request.urlopen(url, timeout=60) as response:
        return json.load(response)


def _connect_jobs(ui: str) -> int:
    apps = _rest(f"{ui}/api/v1/applications")
    return sum(len(_rest(f"{ui}/api/v1/applications/{app['id']}/jobs")) for app in apps)


@contextmanager
def connect_jobs(ui: str, settle: float = 1.5) -> Iterator[Count]:
    """Jobs run by a Spark Connect server, from its UI's REST API (updated asynchronously,
    hence the settle time before the second reading)."""
    count, start = Count(), _connect_jobs(ui)
    yield count
    time.sleep(settle)
    count.n = _connect_jobs(ui) - start


class GraphCounter(SchedulerPlugin):  # type: ignore[misc]
    """Counts graphs submitted to the scheduler (any compute/persist submits one)."""

    name = "lazyscope-test-graph-counter"

    def __init__(self) -> None:
        self.graphs = 0

    def update_graph(self, scheduler: Any, **kwargs: Any) -> None:
        self.graphs += 1


def _graphs(dask_scheduler: Any) -> int:
    return int(dask_scheduler.plugins[GraphCounter.name].graphs)


@contextmanager
def dask_tasks(client: Any, guard: bool = True) -> Iterator[Count]:
    """Graphs run on the cluster plus graphs run by local schedulers; with `guard`, any
    attempt to materialize a dask-expr task graph fails the test (the expensive part)."""
    import dask._expr
    from dask.callbacks import Callback
    from dask.dataframe.dask_expr._collection import FrameBase

    if GraphCounter.name not in client.run_on_scheduler(
        lambda dask_scheduler: list(dask_scheduler.plugins)
    ):
        client.register_plugin(GraphCounter())

    def forbidden(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a metadata view materialized a Dask task graph")

    count, local = Count(), Count()
    start = client.run_on_scheduler(_graphs)

    def started(dsk: Any) -> None:
        local.n += 1

    with pytest.MonkeyPatch.context() as patch, Callback(start=started):
        if guard:
            patch.setattr(dask._expr.Expr, "__dask_graph__", forbidden)
            patch.setattr(FrameBase, "__dask_graph__", forbidden)
        yield count
    count.n = client.run_on_scheduler(_graphs) - start + local.n
