"""Progress of a Spark Connect session, from the server's progress reports.

`registerProgressHandler` hands us every operation of the session; the client calls
the handler on the thread that runs the operation, so we keep the calls made on the
cell's thread, which is also the thread our tag (`addTag`, thread-local in the Connect
client) applies to: Cancel interrupts exactly that tag. Connect reports stages without
names or times, so each operation is labelled with the call that started it ("show at
cell line 2", "LogisticRegression.fit at cell line 5"), read once from the Python stack,
and no per-stage time is claimed.
"""

from __future__ import annotations

import sys
import threading
import time
import uuid
from typing import Any

from lazyscope.model import OWN_WORK, ProgressBoard, StageProgress

from ._call_site import call_site

__all__ = ["ConnectProgress"]


class ConnectProgress:
    def __init__(self, session: Any) -> None:
        self._session = session
        self.tag = f"lazyscope-{uuid.uuid4().hex[:12]}"
        self.board = ProgressBoard("Spark Connect")
        self._thread = threading.get_ident()
        self._where: dict[str, str] = {}  # operation id -> "collect at cell line 3"
        self._open: dict[int, StageProgress] = {}  # stages not reported done yet
        self._final: set[int] = set()
        self._seen: set[int] = set()  # every stage a report named
        self._reported: set[str] = set()  # operations with at least one stage report
        self._unreported: set[str] = set()  # operations that ended before any report
        self._live: Any = None  # the live DAG's reader, made when first asked
        self._ui: Any = False  # the server's Spark UI, asked once (two config round trips)

    def start(self) -> None:
        self._thread = threading.get_ident()
        self._session.addTag(self.tag)
        self._session.registerProgressHandler(self._on_progress)

    def poll(self) -> None:
        """Nothing to pull: the server pushes reports to `_on_progress`."""

    def cancel(self) -> None:
        self._session.interruptTag(self.tag)

    def stop(self, error: BaseException | None) -> None:
        try:
            self._session.removeProgressHandler(self._on_progress)
        finally:
            self._session.removeTag(self.tag)
        # Reports arrive every few seconds, so the last one may predate the end. When
        # the cell succeeded, every stage that ran has completed (a Spark job only
        # succeeds that way), and one that never started was skipped by adaptive
        # execution; after an error, unfinished stages stay as last reported.
        now = time.time()
        for stage in self._open.values():
            if error is None:
                stage.skipped = stage.done == 0
                stage.done = 0 if stage.skipped else stage.total
            stage.running = 0
            stage.ended = None if stage.skipped else now
            self.board.put(stage)
        self._open.clear()
        self._backfill(error, now)

    def _backfill(self, error: BaseException | None, now: float) -> None:
        """Stages no report named, as the server's UI has them: those of operations that
        ended before any report (in place of the line without counts, kept when the UI
        cannot tell), and, after a success, the last stages of reported ones: an
        operation's final report lists the stages its listener had seen by then, and a
        short last stage can end before that (a 4-task shuffle read as "4/4 tasks")."""
        from ._connect_jobs import operation_stages

        reported = self._reported if error is None else set()
        ops = self._unreported | reported
        found = operation_stages(self._server_ui(), ops, known=self._seen, ran=reported)
        for op, stages in found.items():  # only operations with stages
            parts = [_from_rest(rest, self._where[op], op, error, now) for rest in stages]
            if op in self._unreported:
                self.board.split(f"operation {op}", parts)
            else:
                for part in parts:
                    self.board.put(part)
        self._unreported.clear()
        self._reported.clear()

    def dags(self, final: bool) -> list[Any]:
        """The server's SQL executions that ran the cell's stages, filled by stage."""
        from ._live_dag import LiveExecutions

        self._live = self._live or LiveExecutions(self._server_ui(), "spark-connect")
        return list(self._live.dags(self.board.stages(), final, None))

    def _server_ui(self) -> Any:
        if self._ui is False:
            from ._rest import ui_of

            self._ui = ui_of(self._session)
        return self._ui

    def _on_progress(
        self,
        *,
        stages: Any = None,
        inflight_tasks: int = 0,
        operation_id: str | None = None,
        done: bool = False,
        **_: Any,
    ) -> None:
        if threading.get_ident() != self._thread:
            return  # an operation of another thread, hence of another tag
        op = operation_id or ""
        where = self._where.get(op)
        if where is None:
            # lazyscope's own work (a plot's passes) is named by what it does, not our frames
            own = OWN_WORK.get()
            where = self._where[op] = own or call_site(sys._getframe(1)) or "operation"
        now = time.time()
        if done and not stages and op not in self._reported:
            # It ended before the server's first report (every few seconds): the
            # operation still ran, say so rather than drop it from the summary.
            self.board.put(_unreported(op, where, now))
            self._unreported.add(op)
            return
        if stages:
            self._reported.add(op)
        running = inflight_tasks
        for info in stages or ():
            sid = info.stage_id
            self._seen.add(sid)
            if sid in self._final:
                continue
            finished = bool(info.done)
            stage = StageProgress(
                key=str(sid),
                label=f"stage {sid} ({where})",
                total=info.num_tasks,
                done=info.num_tasks if finished else info.num_completed_tasks,
                running=0 if finished else running,
                job=f"operation {op[:8]}",
                ended=now if finished else None,
            )
            if finished:
                self._final.add(sid)
                self._open.pop(sid, None)
            else:
                running = 0  # in-flight tasks are counted once, on the first open stage
                self._open[sid] = stage
            self.board.put(stage)


def _unreported(operation: str, where: str, ended: float) -> StageProgress:
    """An operation that ended before any progress report: listed, without counts."""
    return StageProgress(
        key=f"operation {operation}",
        label=where,
        total=0,
        job=f"operation {operation[:8]}",
        ended=ended,
    )


def _from_rest(
    rest: dict[str, Any], where: str, op: str, error: BaseException | None, ended: float
) -> StageProgress:
    """A stage as the UI lists it. Its listener may lag the result: once the cell has
    succeeded, a stage that started has completed (see `stop`)."""
    sid, status = rest["stageId"], rest.get("status")
    total, done = int(rest.get("numTasks", 0)), int(rest.get("numCompleteTasks", 0))
    skipped = status == "SKIPPED" or (status == "PENDING" and done == 0)
    if error is None and status in ("ACTIVE", "COMPLETE"):
        done = total
    return StageProgress(
        key=str(sid),
        label=f"stage {sid} ({where})",
        total=total,
        done=done,
        failed=int(rest.get("numFailedTasks", 0)),
        job=f"operation {op[:8]}",
        ended=None if skipped else ended,
        skipped=skipped,
    )
