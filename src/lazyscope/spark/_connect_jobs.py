"""The stages of Spark Connect operations that no progress report named, read from the
server's Spark UI: all of an operation that ended before the server's first report, or the
last ones of an operation whose final report came before its listener saw them.

The server sends a report at most every couple of seconds, and the one that ends an
operation often comes before its own listener has seen the stages: about a third of
sub-second operations end with no counts at all. Every job of an operation carries the
tag `SparkConnect_OperationTag_..._Operation_<id>` (REST `jobs`, `jobTags`), so its
stages can be found once the job is done. The UI learns of jobs from the listener bus,
a few milliseconds behind the result, hence the short retry.
"""

from __future__ import annotations

import time
import urllib.error
from collections.abc import Set
from dataclasses import replace
from typing import Any

from ._rest import SparkUi, newest_attempts

__all__ = ["operation_stages"]

# The UI learns of a job's end milliseconds after the result: a job not ended yet is read
# again, up to `_READS` times. An operation with no job found is not waited for: it is
# most likely a command, which runs none (and the UI has long seen a job's start by the
# time it ends), and each read of a busy server's ~1,000 jobs costs ~20 ms.
_READS, _PAUSE = 3, 0.05
# An operation known to have run a job (the server reported its stages) is waited for up
# to `_LAG_READS` reads: on a loaded server the UI's listener can be that far behind.
_LAG_READS = 40
_TIMEOUT = 10.0  # a cell's end waits this long at most for one UI request
_TERMINAL = ("SUCCEEDED", "FAILED")
_FAILED = (OSError, ValueError, urllib.error.URLError)


def operation_stages(
    ui: SparkUi | None,
    operations: set[str],
    known: Set[int] = frozenset(),
    ran: Set[str] = frozenset(),
) -> dict[str, list[dict[str, Any]]]:
    """Each operation's stages (REST fields, newest attempt), oldest first, but those in
    `known` (not read again: one request per stage); operations whose jobs the UI does not
    show (no UI, a command that ran no job) or with no other stage are left out. Those in
    `ran` ran a job for sure: the UI is given longer to show it."""
    if ui is None or not operations or not ui.reachable():
        return {}
    ui = replace(ui, timeout=_TIMEOUT)
    try:
        jobs = _finished_jobs(ui, operations, ran)
        found = {op: newest_attempts(ui, ids - known) for op, ids in jobs.items()}
        return {op: stages for op, stages in found.items() if stages}
    except _FAILED:
        return {}


def _finished_jobs(ui: SparkUi, operations: set[str], ran: Set[str]) -> dict[str, set[int]]:
    """The stage ids of each operation's jobs, once every job found has ended and every
    operation in `ran` has one."""
    found: dict[str, set[int]] = {}
    for attempt in range(_LAG_READS):
        found, settled = {}, True
        for job in ui.get("jobs"):
            op = _operation(job.get("jobTags") or ())
            if op in operations:
                found.setdefault(op, set()).update(job.get("stageIds", []))
                settled = settled and job.get("status") in _TERMINAL
        lagging = bool(ran & operations - found.keys())
        if not lagging and (settled or attempt >= _READS - 1):
            break
        if attempt < _LAG_READS - 1:
            time.sleep(_PAUSE)
    return found


def _operation(tags: Any) -> str | None:
    for tag in tags:
        if tag.startswith("SparkConnect_OperationTag_") and "_Operation_" in tag:
            return str(tag.rsplit("_Operation_", 1)[1])
    return None
