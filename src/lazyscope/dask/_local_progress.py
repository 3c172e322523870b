"""Progress of Dask's local schedulers (threads, processes, synchronous), by key prefix.

`dask.callbacks.Callback`s are global, but the local schedulers call them on the thread
that called `compute()`, so keeping calls from the cell's thread keeps only the cell's
work. Per task we only bump one counter: the view thread turns counters into rows.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import CancelledError
from typing import Any

from lazyscope.model import ProgressBoard, StageProgress

__all__ = ["DaskLocalProgress"]


class DaskLocalProgress:
    def __init__(self) -> None:
        from dask.callbacks import Callback
        from dask.utils import key_split

        self.board = ProgressBoard("Dask (local scheduler)")
        self._key_split = key_split  # lru-cached by dask itself
        self._thread = threading.get_ident()
        self._total: dict[str, int] = {}
        self._done: dict[str, int] = {}
        self._started: dict[str, float] = {}
        self._ended: dict[str, float] = {}
        self._cancelled = False
        self._callback = Callback(
            start_state=self._start_state, posttask=self._posttask, finish=self._finish
        )

    def _group(self, key: Any) -> str:
        # All chunks of a collection share their name: split the name, not each key.
        return str(self._key_split(key[0] if type(key) is tuple else key))

    def start(self) -> None:
        self._thread = threading.get_ident()
        self._callback.register()

    def poll(self) -> None:
        for group, total in list(self._total.items()):
            done = self._done.get(group, 0)
            self.board.put(
                StageProgress(
                    key=group,
                    label=group,
                    total=total,
                    done=done,
                    started=self._started.get(group),
                    ended=self._ended.get(group),
                )
            )

    def cancel(self) -> None:
        self._cancelled = True  # the next finished task raises in the scheduler's loop

    def stop(self, error: BaseException | None) -> None:
        self._callback.unregister()
        self.poll()

    # -- callbacks, on the thread running the local scheduler
    def _start_state(self, dsk: Any, state: Any) -> None:
        if threading.get_ident() != self._thread:
            return
        cached, now = state["cache"], time.time()
        counts: dict[str, int] = {}
        for key in dsk:
            if key not in cached:  # literal data is never run as a task
                group = self._group(key)
                counts[group] = counts.get(group, 0) + 1
        for group, n in counts.items():
            # Create every counter now: posttask then never resizes a dict the view reads.
            self._done.setdefault(group, 0)
            self._started.setdefault(group, now)
            self._ended.pop(group, None)
            self._total[group] = self._total.get(group, 0) + n

    def _posttask(self, key: Any, result: Any, dsk: Any, state: Any, worker_id: Any) -> None:
        if threading.get_ident() != self._thread:
            return
        if self._cancelled:
            raise CancelledError("cancelled from the lazyscope progress view")
        group = self._group(key)
        self._done[group] = self._done.get(group, 0) + 1

    def _finish(self, dsk: Any, state: Any, failed: bool) -> None:
        if threading.get_ident() != self._thread:
            return
        now = time.time()
        for group in self._total:
            self._ended.setdefault(group, now)
