"""Progress of a Dask distributed client: the tasks this cell submitted, by key prefix.

The body runs under `dask.annotate(lazyscope=<cell id>)`: every graph it submits
(compute, persist, submit, map) carries the annotation, from this thread only
(annotations are a context variable), so other cells, threads and notebooks on the
same cluster are never counted. A small scheduler plugin (`_scheduler_plugin`) picks the
annotated new tasks up in `update_graph` and keeps per-prefix counters in `transition`,
so one poll is one round trip returning at most `_MAX_PREFIXES` rows, whatever the
task count. (Spans would be simpler, but a span owns whole task groups: a second
`client.map(f, ...)` in another cell lands in the first cell's span.)
"""

from __future__ import annotations

import contextlib
import threading
import time
import uuid
import warnings
from typing import Any

from lazyscope.model import ProgressBoard, StageProgress

from ._plugin import OP, prefix_counts, scheduler_plugin

__all__ = ["DaskProgress"]

_MIN_INTERVAL, _MAX_INTERVAL, _DUTY = 0.25, 2.0, 40  # as in spark_progress
_MAX_PREFIXES = 50
_ANSWER = 3.0  # seconds one poll waits for the scheduler's reply
# Seconds without a reply before the cell is told and its wait ended: a healthy scheduler
# answers in milliseconds, and distributed itself warns at 3 s of a blocked event loop.
_SILENT = 10.0
_NO_WORKERS = 10.0  # seconds of waiting tasks on a cluster without workers before we say so


class DaskProgress:
    def __init__(self, client: Any) -> None:
        self._client = client
        self.board = ProgressBoard("Dask")
        self.cell = uuid.uuid4().hex
        self.lost: str | None = None  # set when the scheduler is gone: the cell's error
        self.failed_task: str | None = None  # the key of the cell's first failed task
        self._address = str(client.scheduler.address)
        self._annotation: Any = None
        self._before: set[Any] = set()
        self._lock = threading.Lock()
        self._next_poll = 0.0
        self._answered = time.monotonic()  # the scheduler's last reply
        self._workers_seen = time.monotonic()  # when the cluster last had a worker
        self.edges: list[tuple[str, str]] = []  # prefix -> prefix, for the live DAG
        self.work: dict[str, tuple[float, int]] = {}  # prefix -> compute seconds, bytes

    def start(self) -> None:
        import dask

        _ensure_plugin(self._client)
        _quiet_expr_warning()
        self._before = set(self._client.futures)  # the client's futures before the cell
        self._answered = self._workers_seen = time.monotonic()
        self._annotation = dask.annotate(lazyscope=self.cell)
        self._annotation.__enter__()

    def poll(self) -> None:
        began = time.monotonic()
        if began < self._next_poll or self.lost is not None:
            return
        with self._lock:
            try:
                self._read()
            except (OSError, TimeoutError):  # CommClosedError is an OSError
                if time.monotonic() - self._answered >= _SILENT:
                    self._give_up(f"no reply for {_SILENT:g} s")
            if self._client.status not in ("running", "newly-created"):
                self._give_up("the connection was lost")
        interval = min(_MAX_INTERVAL, max(_MIN_INTERVAL, _DUTY * (time.monotonic() - began)))
        self._next_poll = time.monotonic() + interval

    def cancel(self) -> None:
        """Cancel the futures the cell created that are not finished yet."""
        from distributed import Future

        states = dict(self._client.futures)
        keys = [k for k, st in states.items() if k not in self._before and st.status == "pending"]
        if not keys:
            return
        # A gather() waiting on many futures that are cancelled at once logs one
        # "Task exception was never retrieved" per future; once it has failed on the
        # first one it watches the rest quietly.
        self._client.cancel([Future(keys[0], self._client)], reason="cancelled")
        time.sleep(0.2)
        rest = [Future(k, self._client) for k in keys[1:] if k in self._client.futures]
        if rest:
            self._client.cancel(rest, reason="cancelled")

    def stop(self, error: BaseException | None) -> None:
        annotation, self._annotation = self._annotation, None
        if annotation is not None:
            annotation.__exit__(None, None, None)
        if self._client.status not in ("running", "newly-created") and self.lost is None:
            self._give_up("the connection was lost")  # e.g. the scheduler process died
        # The poll thread waits at most _ANSWER for its reply, and then lets go.
        if self.lost is not None or not self._lock.acquire(timeout=2 * _ANSWER):
            return  # no final read: the counts are those of the last reply
        try:
            groups = self._read(groups=True)
            from ._live_dag import remember

            remember(self.board.stages(), self.edges, self.work, groups)  # level="executed"
            if error is not None and self.failed_task:  # named in the cell's error
                with contextlib.suppress(AttributeError):  # an exception without __dict__
                    error.lazyscope_task = self.failed_task  # type: ignore[attr-defined]
            # The scheduler keeps no counters for a finished cell.
            forget = getattr(self._client.scheduler, f"{OP}_forget")
            self._client.sync(forget, cell=self.cell, callback_timeout=_ANSWER)
        finally:
            self._lock.release()

    def _read(self, groups: bool = False) -> list[str]:
        """Refresh the board; with `groups`, also return the cell's task-group names."""
        call = getattr(self._client.scheduler, OP)
        reply = self._client.sync(
            call, cell=self.cell, limit=_MAX_PREFIXES, groups=groups, callback_timeout=_ANSWER
        )
        self._answered = now = time.monotonic()
        self.failed_task = reply.get("failed_task")
        self.edges = [(a, b) for a, b in reply["edges"]]
        for row in prefix_counts(reply):
            self.work[row.prefix] = (row.seconds, row.nbytes)
            finished = row.done + row.erred >= row.total
            self.board.put(
                StageProgress(
                    key=row.prefix,
                    label=row.prefix,
                    total=row.total,
                    done=row.done,
                    running=row.running,
                    failed=row.erred,
                    memory=row.memory,
                    started=row.start or None,
                    ended=row.stop if finished and row.stop else None,
                )
            )
        self._check_workers(reply["workers"], now)
        return list(reply["groups"])

    def dags(self, final: bool) -> list[Any]:
        """The cell's work as a DAG of task prefixes, filled with their task counts."""
        from ._live_dag import prefix_dag

        return [prefix_dag(self.board.stages(), self.edges, self.work, final)]

    def _check_workers(self, workers: int, now: float) -> None:
        """Tasks on a cluster without workers wait for ever: say so, on the live view."""
        waiting = any(not s.finished for s in self.board.stages())
        if workers != 0 or not waiting:
            self._workers_seen = now
            if self.board.note.startswith("no workers"):
                self.board.note = ""
        elif now - self._workers_seen >= _NO_WORKERS and not self.board.note:
            self.board.note = (
                f"no workers: the scheduler at {self._address} has had no worker for "
                f"{_NO_WORKERS:g} s, and this cell's tasks wait for one (Cancel ends the cell)"
            )

    def _give_up(self, why: str) -> None:
        """The scheduler is gone or silent: end the cell's wait, with one paragraph."""
        if self.lost is not None:
            return
        stages = self.board.stages()
        done, total = sum(s.done for s in stages), sum(s.total for s in stages)
        self.board.note = f"the scheduler at {self._address} stopped answering"
        self.lost = (
            f"The Dask scheduler at {self._address} stopped answering while this cell ran "
            f"({why}): {done} of {total} tasks had finished, and the cell's results are lost. "
            "Check that the scheduler is running, reconnect (%dask connect ADDRESS --restart, "
            "or %dask start --restart for a local cluster) and run the cell again."
        )
        _drop_connection(self._client)


def _drop_connection(client: Any) -> None:
    """Close the client's stream to the scheduler: distributed then cancels the futures
    the cell waits on (and tries to reconnect), so the cell ends instead of waiting for
    a reply that never comes. A dead connection closes at once; a silent one only here."""
    comm = getattr(getattr(client, "scheduler_comm", None), "comm", None)
    if comm is not None and not comm.closed():
        client.loop.add_callback(comm.abort)


def _quiet_expr_warning() -> None:
    # dask-expr warns that annotations are ignored by query planning, but the client still
    # sends ours with the graph and the scheduler plugin reads them. Only a warning about
    # our key alone is hidden: one naming the user's own annotations still shows.
    ours = r"Dask annotations \{'lazyscope': '[0-9a-f]+'\} detected"
    warnings.filterwarnings("ignore", message=ours, category=UserWarning)


_registered: set[tuple[str, str]] = set()  # (client id, scheduler address)


def _ensure_plugin(client: Any) -> None:
    key = (client.id, client.scheduler.address)
    if key not in _registered:
        client.register_plugin(scheduler_plugin(), name=OP)
        _registered.add(key)
