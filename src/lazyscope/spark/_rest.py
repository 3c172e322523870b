"""The executed plan of a DataFrame that has run, with metrics and stages, from the Spark
UI's REST API (`/api/v1/applications/{app}/sql` and `/stages`). Reading it runs nothing.

Which execution belongs to a DataFrame: classic sessions record the query id of the
DataFrame's QueryExecution; Spark Connect records the client's session id and root plan
id in the description. Failing both (e.g. `show()` wraps the plan in a new one), the
newest execution whose plan contains every operator of the DataFrame's plan is taken.
"""

from __future__ import annotations

import json
import re
import socket
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from ._explain import clean

__all__ = [
    "Execution",
    "SparkUi",
    "execution_stages",
    "find_execution",
    "newest_attempts",
    "ui_of",
]

_RECENT = 20  # executions compared by plan text when no id matches
_BLOCK = re.compile(r"^\(\d+\) ", re.M)
_IDENTIFYING = (
    "Arguments",
    "Condition",
    "Keys",
    "Functions",
    "Left keys",
    "Right keys",
    "Join type",
    "Location",
    "ReadSchema",
    "PushedFilters",
    "Format",
)
_SKIPPED = (
    "AdaptiveSparkPlan",
    "ResultQueryStage",
    "ShuffleQueryStage",
    "BroadcastQueryStage",
    "AQEShuffleRead",
)  # AQE's wrappers exist only after a run
_NUMBERS = re.compile(r"\(\d+\)|\[codegen id : \d+\]|MapPartitionsRDD\[\d+\]")


@dataclass(frozen=True)
class SparkUi:
    base: str  # http://host:port of the driver's UI
    app: str
    # Generous: the UI's first REST call initializes its servlet, seconds on a busy driver.
    timeout: float = 30.0

    def reachable(self) -> bool:
        """A quick TCP check, so an unreachable (firewalled) UI costs one second, not 30."""
        url = urlsplit(self.base)
        try:
            socket.create_connection(
                (url.hostname or "localhost", url.port or 80), timeout=1
            ).close()
        except OSError:
            return False
        return True

    def get(self, path: str) -> Any:
        url = f"{self.base.rstrip('/')}/api/v1/applications/{self.app}/{path}"
        with urllib.request.urlopen(url, timeout=self.timeout) as reply:  # noqa: S310  # http(s) UI URL
            return json.load(reply)


def ui_of(session: Any, ui_url: str | None = None) -> SparkUi | None:
    """The Spark UI of a classic or Connect session (the server's, for Connect), if any."""
    from ._connect import is_connect

    if not is_connect(session):
        sc = getattr(session, "sparkContext", session)  # a SparkSession or SparkContext
        base, app = ui_url or sc.uiWebUrl, sc.applicationId
    else:
        host = getattr(getattr(session.client, "_builder", None), "host", None) or "localhost"
        port = session.conf.get("spark.ui.port", "4040")
        base, app = ui_url or f"http://{host}:{port}", session.conf.get("spark.app.id", None)
    return SparkUi(base, app) if base and app else None


@dataclass
class Execution:
    data: dict[str, Any]  # the REST API's execution, with nodes, edges and metrics
    stages: list[dict[str, Any]]  # the newest attempt of each stage of its jobs
    matched_by: str


def _blocks(formatted: str) -> set[str]:
    """What identifies each operator of a formatted plan: its name and arguments, without
    ids or the Input/Output lists (a `show()` adds projections that change those)."""
    body = formatted.split("===== Subqueries =====")[0]
    found = set()
    for part in _BLOCK.split(body)[1:]:
        lines = part.strip().splitlines()
        if not lines or lines[0].startswith(_SKIPPED):
            continue
        kept = [lines[0]] + [line for line in lines[1:] if line.startswith(_IDENTIFYING)]
        found.add("\n".join(_NUMBERS.sub("", clean(line)).strip() for line in kept))
    return found


def find_execution(
    ui: SparkUi,
    *,
    query_id: str | None,
    connect_ids: tuple[str, int] | None,
    formatted: str,
    by_plan: bool,
) -> Execution | None:
    """The newest execution of this DataFrame's query, or None (never ran, UI gone).

    `by_plan` allows the fallback on plan text, which also matches an execution of a
    DataFrame built on this one: asked for explicitly only (level="executed")."""
    try:
        listed = ui.get("sql?details=false&planDescription=false&offset=0&length=100000")
    except (OSError, ValueError, urllib.error.URLError):
        return None
    newest = sorted(listed, key=lambda e: -int(e["id"]))
    chosen, how = None, ""
    for execution in newest:
        if query_id and execution.get("queryId") == query_id:
            chosen, how = execution, "query id"
            break
        if connect_ids and _connect_match(execution.get("description", ""), *connect_ids):
            chosen, how = execution, "Spark Connect plan id"
            break
    if chosen is None and by_plan:
        wanted = _blocks(formatted)
        for execution in newest[:_RECENT]:
            full = ui.get(f"sql/{execution['id']}?details=false&planDescription=true")
            if wanted and wanted <= _blocks(full.get("planDescription", "")):
                chosen, how = execution, "plan (an execution that contains this plan)"
                break
    if chosen is None:
        return None
    data = ui.get(f"sql/{chosen['id']}?details=true&planDescription=false")
    return Execution(data, execution_stages(ui, data), how)


def _connect_match(description: str, session_id: str, plan_id: int) -> bool:
    root = re.search(r"root \{\s*common \{\s*plan_id: (\d+)", description)
    if root is None or int(root.group(1)) != plan_id:
        return False
    return f'session_id: "{session_id}"' in description


def execution_stages(ui: SparkUi, execution: dict[str, Any]) -> list[dict[str, Any]]:
    jobs = [
        *execution.get("successJobIds", []),
        *execution.get("failedJobIds", []),
        *execution.get("runningJobIds", []),
    ]
    stage_ids: set[int] = set()
    for job in jobs:
        stage_ids.update(ui.get(f"jobs/{job}").get("stageIds", []))
    return newest_attempts(ui, stage_ids)


def newest_attempts(ui: SparkUi, stage_ids: set[int]) -> list[dict[str, Any]]:
    """The newest attempt of each stage (REST fields), by stage id."""
    stages = []
    for stage_id in sorted(stage_ids):
        attempts = ui.get(f"stages/{stage_id}?details=false")
        if attempts:
            stages.append(max(attempts, key=lambda a: int(a.get("attemptId", 0))))
    return stages
