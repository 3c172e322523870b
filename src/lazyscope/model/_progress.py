"""Engine-neutral progress: counts per stage or task group, as the engine runs its work.

Engine sources (each engine package's `progress_sources`) write `StageProgress` records
into a `ProgressBoard`; the progress view reads the board from its own thread. Nothing
here knows an engine.
"""

from __future__ import annotations

import re
import threading
from contextvars import ContextVar
from dataclasses import dataclass, replace
from typing import Protocol

__all__ = [
    "OWN_WORK",
    "ProgressBoard",
    "ProgressSource",
    "StageProgress",
    "is_cell_file",
    "tidy_call_site",
]

# What lazyscope's own engine work on this thread is, in the user's words, while it runs
# ("lazyscope.plot: x/y ranges at cell line 3"): a source that names work from the Python
# stack (a remote client's) shows this instead of a call inside our package.
OWN_WORK: ContextVar[str | None] = ContextVar("lazyscope_own_work", default=None)

# Where IPython compiles cells: ipykernel `/tmp/ipykernel_<pid>/<hash>.py`, terminal
# `<ipython-input-N-hash>`. A call site in such a file is "cell line N" to a user.
_CELL_FILE = re.compile(r"(?:<ipython-input-[^>]*>|\S*ipykernel_\d+[/\\]\d+\.py):(\d+)")


# "collect at /home/me/job.py:9": engines' own call sites may carry whole paths.
_PATH = re.compile(r"(?<= at )(?:[A-Za-z]:)?(?:[^\s:]*[/\\])([^/\\\s:]+\.py:\d+)")


def tidy_call_site(text: str) -> str:
    """`collect at /tmp/ipykernel_7/123.py:5` -> `collect at cell line 5`, and any other
    file by its name alone: `collect at /home/me/job.py:9` -> `collect at job.py:9`."""
    return _PATH.sub(r"\1", _CELL_FILE.sub(r"cell line \1", text))


def is_cell_file(filename: str) -> bool:
    return _CELL_FILE.match(f"{filename}:0") is not None


@dataclass
class StageProgress:
    """Counts of one stage or one task group (key prefix) of an engine."""

    key: str  # unique within one board: "12" (stage id), "sum" (task prefix)
    label: str  # what a user reads: "stage 12 (collect at cell line 3)"
    total: int
    done: int = 0
    running: int = 0
    failed: int = 0
    job: str = ""  # the job it belongs to, "job 4"; empty for engines without jobs
    memory: int | None = None  # results currently held in worker memory, when known
    started: float | None = None  # epoch seconds, when known
    ended: float | None = None
    skipped: bool = False  # the stage's output was reused, it never ran

    @property
    def finished(self) -> bool:
        complete = self.total > 0 and self.done >= self.total
        return self.skipped or self.ended is not None or complete

    @property
    def seconds(self) -> float | None:
        if self.started is None or self.ended is None:
            return None
        return max(0.0, self.ended - self.started)


class ProgressBoard:
    """The latest counts of one source. Thread-safe, and bounded: past `limit` stages,
    the oldest finished ones are folded into one "earlier stages" record, so a cell
    running thousands of jobs keeps a constant-size board."""

    def __init__(self, title: str, limit: int = 200) -> None:
        self.title = title
        self.limit = limit
        self.note = ""  # e.g. why counts are unavailable
        self._stages: dict[str, StageProgress] = {}
        self._lock = threading.Lock()
        self.version = 0  # bumped on every change; the view redraws when it moves

    def put(self, stage: StageProgress) -> None:
        with self._lock:
            if self._stages.get(stage.key) == stage:
                return
            self._stages[stage.key] = stage
            if len(self._stages) > self.limit:
                self._fold()
            self.version += 1

    def split(self, key: str, parts: list[StageProgress]) -> None:
        """Replace a record by finer ones in its place (an operation by its stages)."""
        with self._lock:
            if key not in self._stages:
                return
            records = list(self._stages.items())
            at = [k for k, _ in records].index(key)
            finer = [(part.key, part) for part in parts]
            self._stages = dict(records[:at] + finer + records[at + 1 :])
            self.version += 1

    def stages(self) -> list[StageProgress]:
        with self._lock:
            return [replace(s) for s in self._stages.values()]

    def _fold(self) -> None:
        finished = [k for k, s in self._stages.items() if s.finished and k != "earlier"]
        old = finished[: max(1, len(finished) // 2)]
        earlier = self._stages.pop("earlier", None)
        count = int(earlier.label.split()[0]) if earlier else 0
        merged = earlier or StageProgress("earlier", "", 0)
        for key in old:
            stage = self._stages.pop(key)
            merged.total += stage.total
            merged.done += stage.done
            merged.failed += stage.failed
            count += 1
        merged.label = f"{count} earlier stages"
        self._stages = {"earlier": merged, **self._stages}


class ProgressSource(Protocol):
    """One engine's view of the work a cell does."""

    board: ProgressBoard

    def start(self) -> None:
        """Main thread, before the cell body: tag jobs / open a span / register hooks."""

    def poll(self) -> None:
        """View thread: refresh the board (a no-op for sources the engine pushes to)."""

    def cancel(self) -> None:
        """Any thread: stop this cell's work in the engine, and nobody else's."""

    def stop(self, error: BaseException | None) -> None:
        """Main thread, after the body: final counts; untag / close the span / unhook."""
