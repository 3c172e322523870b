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

import threading
import time
import uuid
import warnings
from typing import Any

from lazyscope.views._progress_model import ProgressBoard, StageProgress

from ._dask_plugin import OP, scheduler_plugin

__all__ = ["DaskProgress"]

_MIN_INTERVAL, _MAX_INTERVAL, _DUTY = 0.25, 2.0, 40  # as in spark_progress
_MAX_PREFIXES = 50


class DaskProgress:
    def __init__(self, client: Any) -> None:
        self._client = client
        self.board = ProgressBoard("Dask")
        self.cell = uuid.uuid4().hex
        self._annotation: Any = None
        self._before: set[Any] = set()
        self._lock = threading.Lock()
        self._next_poll = 0.0

    def start(self) -> None:
        import dask

        _ensure_plugin(self._client)
        _quiet_expr_warning()
        self._before = set(self._client.futures)  # the client's futures before the cell
        self._annotation = dask.annotate(lazyscope=self.cell)
        self._annotation.__enter__()

    def poll(self) -> None:
        began = time.monotonic()
        if began < self._next_poll:
            return
        with self._lock:
            self._read()
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
        with self._lock:
            try:
                self._read()
            finally:  # the scheduler keeps no counters for a finished cell
                self._client.sync(getattr(self._client.scheduler, f"{OP}_forget"), cell=self.cell)

    def _read(self) -> None:
        call = getattr(self._client.scheduler, OP)
        rows = self._client.sync(call, cell=self.cell, limit=_MAX_PREFIXES)
        for name, total, done, running, erred, memory, start, stop in rows:
            finished = done + erred >= total
            self.board.put(
                StageProgress(
                    key=name,
                    label=name,
                    total=total,
                    done=done,
                    running=running,
                    failed=erred,
                    memory=memory,
                    started=start or None,
                    ended=stop if finished and stop else None,
                )
            )


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
