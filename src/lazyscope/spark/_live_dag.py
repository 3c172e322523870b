"""A Spark cell's queries as live DAGs: the SQL executions of the cell's jobs (classic:
the jobs of its tag; Spark Connect: the jobs that ran its stages), read from the Spark
UI's REST API, operators grouped by the stage that runs them and filled with that stage's
task counts from the progress board.

Only the newest page of executions is read (their ids grow), at most every
`_MIN_INTERVAL` and never more than ~2.5 % of the time, as the progress poll does.
"""

from __future__ import annotations

import time
import urllib.error
from typing import Any

from lazyscope.model import Dag, StageProgress

from ._executed import add_executed, stage_progress
from ._rest import Execution, SparkUi, execution_stages

__all__ = ["LiveExecutions"]

_MIN_INTERVAL, _MAX_INTERVAL, _DUTY = 0.5, 4.0, 40
_PAGE = 20  # the newest executions looked at: a cell's queries are among them
_FAILED = (OSError, ValueError, urllib.error.URLError)


class LiveExecutions:
    def __init__(self, ui: SparkUi | None, engine: str) -> None:
        self._ui = ui
        self.engine = engine  # "spark" | "spark-connect", as the DAG model names it
        self._offset: int | None = None
        self._next = 0.0
        self._dags: list[Dag] = []
        self._job_stages: dict[int, set[int]] = {}  # a job's stages never change

    def dags(self, stages: list[StageProgress], final: bool, jobs: set[int] | None) -> list[Dag]:
        """One DAG per execution of the cell, oldest first (cached between reads). The
        cell's jobs are `jobs` when the source knows them, else the jobs of its stages."""
        began = time.monotonic()
        ids = {int(s.key) for s in stages if s.key.isdigit()}
        if self._ui is None or not ids or (began < self._next and not final):
            return _refilled(self._dags, stages)  # the plan as last read, today's counts
        try:
            found = self._executions(jobs, ids)
            self._dags = [self._dag(e, stages, final) for e in found]
        except _FAILED:  # the UI is busy or gone: keep the last picture
            return self._dags
        spent = time.monotonic() - began
        self._next = time.monotonic() + min(_MAX_INTERVAL, max(_MIN_INTERVAL, _DUTY * spent))
        return self._dags

    def _executions(self, jobs: set[int] | None, stage_ids: set[int]) -> list[dict[str, Any]]:
        assert self._ui is not None  # checked by the caller
        if self._offset is None:  # once a cell: how many executions came before
            listed = self._ui.get("sql?details=false&planDescription=false&length=100000")
            self._offset = max(0, len(listed) - _PAGE)
        page = self._ui.get(
            f"sql?details=false&planDescription=false&offset={self._offset}&length={_PAGE * 5}"
        )
        if jobs is not None:
            return [e for e in page if jobs & set(_jobs_of(e))]
        return [e for e in page[-_PAGE:] if stage_ids & self._stages_of(e)]

    def _stages_of(self, execution: dict[str, Any]) -> set[int]:
        assert self._ui is not None  # checked by the caller
        found: set[int] = set()
        for job in _jobs_of(execution):
            if job not in self._job_stages:
                self._job_stages[job] = set(self._ui.get(f"jobs/{job}").get("stageIds", []))
            found |= self._job_stages[job]
        return found

    def _dag(self, listed: dict[str, Any], stages: list[StageProgress], final: bool) -> Dag:
        assert self._ui is not None  # checked by the caller
        data = self._ui.get(f"sql/{listed['id']}?details=true&planDescription=false")
        # Live, the board's counts (fresher than the UI's); at the end the UI's stages,
        # which also carry run times, bytes and spill.
        found = _settled(execution_stages(self._ui, data), stages) if final else _as_rest(stages)
        dag = Dag(self.engine, "executed" if final else "live")
        add_executed(dag, Execution(data, found, "the cell's job tag"))
        return dag


def _refilled(dags: list[Dag], stages: list[StageProgress]) -> list[Dag]:
    """The board moves faster than the UI is read: give each node its stage's counts."""
    fills = {f"S:{s['stageId']}": stage_progress(s) for s in _as_rest(stages)}
    for dag in dags:
        for node in dag.nodes:
            if node.group in fills:
                node.progress = fills[node.group]
    return dags


def _jobs_of(execution: dict[str, Any]) -> list[int]:
    keys = ("runningJobIds", "successJobIds", "failedJobIds")
    return [int(j) for key in keys for j in execution.get(key, [])]


def _settled(rest: list[dict[str, Any]], stages: list[StageProgress]) -> list[dict[str, Any]]:
    """The UI's stages with the board's final counts: the UI learns of a stage's last
    tasks from its listener bus, which may lag behind the end of the cell."""
    board = {int(s.key): s for s in stages if s.key.isdigit() and s.finished}
    for stage in rest:
        known = board.get(int(stage["stageId"]))
        if known is not None and stage.get("status") != "SKIPPED":
            stage.update(numCompleteTasks=known.done, numActiveTasks=0, numTasks=known.total)
            stage["numFailedTasks"] = max(known.failed, int(stage.get("numFailedTasks") or 0))
            failed = known.failed and known.done < known.total
            stage["status"] = "SKIPPED" if known.skipped else "FAILED" if failed else "COMPLETE"
    return rest


def _as_rest(stages: list[StageProgress]) -> list[dict[str, Any]]:
    """Board records in the REST API's stage fields, which the DAG builder reads."""
    found = []
    for stage in stages:
        if not stage.key.isdigit():
            continue  # "earlier stages", folded
        status = "SKIPPED" if stage.skipped else "COMPLETE" if stage.finished else "ACTIVE"
        found.append(
            {
                "stageId": int(stage.key),
                "status": status,
                "name": stage.label,
                "numTasks": stage.total,
                "numCompleteTasks": stage.done,
                "numActiveTasks": stage.running,
                "numFailedTasks": stage.failed,
            }
        )
    return found
