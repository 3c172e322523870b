"""Progress of a classic Spark session: this cell's jobs, read from the status tracker.

The cell's thread gets its own job tag (`SparkContext.addJobTag`; with PySpark's pinned
threads a tag belongs to one Python thread), so jobs of other cells, threads or
notebooks are never counted, and Cancel cancels exactly this tag. The tracker is read
off the main thread; each tracker object is turned into JSON by Spark's own Jackson in
one py4j round trip instead of one round trip per field.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
import weakref
from typing import Any

from lazyscope.model import ProgressBoard, StageProgress, tidy_call_site

from ._call_site import CallSites

__all__ = ["SparkProgress"]

# Poll at most every 0.25 s, and never spend more than ~2.5 % of the time polling.
_MIN_INTERVAL, _MAX_INTERVAL, _DUTY = 0.25, 2.0, 40
# After the body, how long to wait for Spark's listener bus to report the jobs' ends.
_FINAL_WAIT = 5.0
_ENDED = ("SUCCEEDED", "FAILED")


class SparkProgress:
    def __init__(self, session: Any) -> None:
        self._sc = getattr(session, "sparkContext", session)  # a SparkSession or SparkContext
        self.tag = f"lazyscope-{uuid.uuid4().hex[:12]}"
        self.board = ProgressBoard("Spark")
        self._ended_jobs: set[int] = set()
        self._final_stages: set[int] = set()
        self._stage_end: dict[int, float] = {}
        self._lock = threading.Lock()  # the view thread and the final read never overlap
        self._next_poll = 0.0
        self._interval = _MIN_INTERVAL
        self._jobs: set[int] = set()  # the cell's jobs seen so far
        self._live: Any = None  # the live DAG's reader, made when first asked

    def start(self) -> None:
        self._mapper, self._by_tag, self._tracker = _handles(self._sc)
        self._sc.addJobTag(self.tag)
        self._sites = CallSites(self._sc)  # stages named after the user's call, not the JVM's

    def poll(self) -> None:
        began = time.monotonic()
        if began < self._next_poll:
            return
        with self._lock:
            self._read()
        spent = time.monotonic() - began
        self._interval = min(_MAX_INTERVAL, max(_MIN_INTERVAL, _DUTY * spent))
        self._next_poll = time.monotonic() + self._interval

    def cancel(self) -> None:
        self._sc.cancelJobsWithTag(self.tag)

    def stop(self, error: BaseException | None) -> None:
        try:
            self._sites.close()
            self._sc.removeJobTag(self.tag)
        finally:
            deadline = time.monotonic() + _FINAL_WAIT
            with self._lock:
                while not self._read() and time.monotonic() < deadline:
                    time.sleep(0.05)

    def dags(self, final: bool) -> list[Any]:
        """The SQL executions of the cell's jobs, operators filled by their stage's tasks."""
        from ._live_dag import LiveExecutions
        from ._rest import ui_of

        self._live = self._live or LiveExecutions(ui_of(self._sc), "spark")
        return list(self._live.dags(self.board.stages(), final, set(self._jobs)))

    def _json(self, java_object: Any) -> Any:
        if java_object is None:
            return None
        return json.loads(self._mapper.writeValueAsString(java_object))

    def _read(self) -> bool:
        """Refresh the board; True once every job of the tag has ended."""
        all_ended = True
        for job_id in sorted(self._json(self._by_tag.getJobIdsForTag(self.tag)) or ()):
            self._jobs.add(job_id)
            if job_id in self._ended_jobs:
                continue
            job = self._json(self._tracker.getJobInfo(job_id))
            if job is None:  # already evicted from the status store (spark.ui.retainedJobs)
                continue
            ended = job["status"] in _ENDED
            for stage_id in job["stageIds"]:
                if stage_id not in self._final_stages:
                    self._read_stage(stage_id, job_id, ended)
            if ended:
                self._ended_jobs.add(job_id)
            else:
                all_ended = False
        return all_ended

    def _read_stage(self, stage_id: int, job_id: int, job_ended: bool) -> None:
        info = self._json(self._tracker.getStageInfo(stage_id))
        if info is None:
            return
        submitted = info["submissionTime"] > 0
        skipped = job_ended and not submitted  # its shuffle output was reused
        total, done = info["numTasks"], info["numCompletedTasks"]
        finished = skipped or job_ended or done >= total
        if finished and not skipped:
            # The tracker has no end time: the first poll that sees the stage finished.
            self._stage_end.setdefault(stage_id, time.time())
        self.board.put(
            StageProgress(
                key=str(stage_id),
                label=f"stage {stage_id} ({tidy_call_site(info['name'])})",
                total=total,
                done=done,
                running=0 if finished else info["numActiveTasks"],
                failed=info["numFailedTasks"],
                job=f"job {job_id}",
                started=info["submissionTime"] / 1000 if submitted else None,
                ended=self._stage_end.get(stage_id),
                skipped=skipped,
            )
        )
        if finished:
            self._final_stages.add(stage_id)


# Per SparkContext, made once: a Jackson mapper that knows Scala classes, the Scala
# status tracker (it can list jobs by tag) and the Java one (null, not Option).
_HANDLES: weakref.WeakKeyDictionary[Any, tuple[Any, Any, Any]] = weakref.WeakKeyDictionary()


def _handles(sc: Any) -> tuple[Any, Any, Any]:
    handles = _HANDLES.get(sc)
    if handles is None:
        jvm = sc._jvm
        mapper = jvm.com.fasterxml.jackson.databind.ObjectMapper()
        scala = getattr(jvm.com.fasterxml.jackson.module.scala, "DefaultScalaModule$")
        mapper.registerModule(getattr(scala, "MODULE$"))
        handles = _HANDLES[sc] = (mapper, sc._jsc.sc().statusTracker(), sc._jsc.statusTracker())
    return handles
