"""The user's Spark History Server, which the Jupyter server starts on demand: it shows the
applications whose event logs are in the user's folder (`spark/_eventlog`) after they
ended, behind the same sandboxed dashboard proxy as every other UI.

A cluster source of its own (`ClusterSource`) so the dashboard proxy reaches it like
any cluster (``lazyscope/dashboard/spark-history/...``) while the cluster list never
shows it. Started at the first request that needs it (a link to a finished application,
the list of finished applications), from pyspark's ``bin/spark-class`` on a loopback port,
in a process group of its own that dies with the server (``_processes.spawn``); stopped
with the server. It rescans the folder every second, so an application shows up there
right after it stopped.
"""

from __future__ import annotations

import asyncio
import atexit
import importlib.util
import json
import os
import shutil
import subprocess
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

from lazyscope._clusters import ClusterSource, SourceError
from lazyscope._processes import kill_group, new_folder, reserve_port, spawn, sweep

from . import _eventlog

__all__ = ["HISTORY_ID", "HistoryServer"]

HISTORY_ID = "spark-history"  # its id in the proxy's registry
_FOLDER_PREFIX = "lazyscope-history-"  # its own log, named with the server's pid
_START_TIMEOUT = 180.0  # a cold JVM on a busy machine


class HistoryServer(ClusterSource):
    name = HISTORY_ID

    def __init__(self, log: Any) -> None:
        self.log = log
        self.proc: subprocess.Popen[bytes] | None = None
        self.url: str | None = None
        self.folder: Path | None = None
        self._starting: asyncio.Lock | None = None
        sweep(_FOLDER_PREFIX, log)
        atexit.register(self.kill)  # a server that exits without stopping its extensions

    # What it does

    async def ensure(self) -> str:
        """The History Server's URL, started now unless it runs."""
        if self._starting is None:  # made in the server's loop, where it is used
            self._starting = asyncio.Lock()
        async with self._starting:
            if self.url is None or self.proc is None or self.proc.poll() is not None:
                await self._start()
        assert self.url is not None
        return self.url

    async def _start(self) -> None:
        self.kill()
        spec = importlib.util.find_spec("pyspark")  # found, never imported by the server
        if spec is None or spec.origin is None:
            raise SourceError("pyspark is not installed: there is no Spark History Server.", 404)
        home = Path(spec.origin).parent
        events = _eventlog.folder()
        events.mkdir(parents=True, exist_ok=True)
        self.folder = self.folder or new_folder(_FOLDER_PREFIX)
        held = reserve_port()
        port = int(held.getsockname()[1])
        options = {
            "spark.history.fs.logDirectory": events.as_uri(),
            "spark.history.ui.port": str(port),
            "spark.history.fs.update.interval": "1s",
            "spark.port.maxRetries": "0",  # its port, or a failed start: never another one
        }
        env = {
            **os.environ,
            "SPARK_HOME": str(home),
            "SPARK_LOCAL_IP": "127.0.0.1",  # where its UI binds: loopback only
            "SPARK_LOG_DIR": str(self.folder),
            "SPARK_DAEMON_MEMORY": "512m",
            "SPARK_HISTORY_OPTS": " ".join(f"-D{k}={v}" for k, v in options.items())
            + f" -Djava.io.tmpdir={self.folder}",
        }
        args = [str(home / "bin" / "spark-class"), "org.apache.spark.deploy.history.HistoryServer"]
        try:
            self.proc = spawn(args, self.folder / "history-server.log", env)
            self.url = f"http://127.0.0.1:{port}"
            await self._until_answering()
        except BaseException:
            self.kill()
            raise
        finally:
            held.close()
        self.log.info("lazyscope: Spark History Server on %s, reading %s", self.url, events)

    async def _until_answering(self) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + _START_TIMEOUT
        while await asyncio.to_thread(self._get, "applications?limit=1") is None:
            if self.proc is None or self.proc.poll() is not None:
                raise SourceError(f"The Spark History Server exited; its log is in {self.folder}.",
                                  502)  # fmt: skip
            if loop.time() > deadline:
                said = f"did not answer within {_START_TIMEOUT:g} s"
                raise SourceError(f"The Spark History Server {said}; its log: {self.folder}.", 504)
            await asyncio.sleep(0.5)

    def _get(self, path: str) -> Any:
        """A REST answer of the History Server (``/api/v1/<path>``), None if none came."""
        try:
            with urllib.request.urlopen(f"{self.url}/api/v1/{path}", timeout=5) as reply:  # noqa: S310
                return json.load(reply)
        except (OSError, ValueError):  # refused, 404, not JSON yet
            return None

    async def ended(self, sessions: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The applications that ended, newest first: those the History Server knows minus
        those a running session announces (an unfinished log of a kernel that died counts
        as ended, when it last wrote)."""
        await self.ensure()
        found = await asyncio.to_thread(self._get, "applications")
        running = {s.get("app_id") for s in sessions}
        apps = [_entry(app) for app in found or () if app.get("id") not in running]
        return sorted(apps, key=lambda a: a["ended"] or 0, reverse=True)

    def kill(self) -> None:
        if self.proc is not None:
            kill_group(self.proc)
        self.proc, self.url = None, None

    # As a cluster source: its one entry is the proxy's target, never listed

    async def status(self) -> dict[str, Any] | None:
        return None  # nothing to say in the cluster list

    async def clusters(self, sessions: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return []

    def owns(self, cid: str) -> bool:
        return cid == HISTORY_ID

    async def get(self, cid: str, sessions: list[dict[str, Any]]) -> dict[str, Any] | None:
        url = await self.ensure()
        return {"id": HISTORY_ID, "engine": "spark", "name": "Spark History Server",
                "address": url, "dashboard": url, "workers": 0, "cores": 0, "memory": 0,
                "status": "running", "error": None, "owned": True, "source": self.name,
                "kernel_id": None}  # fmt: skip

    async def create(self, body: dict[str, Any]) -> dict[str, Any]:
        raise SourceError("The Spark History Server starts by itself, when a link needs it.")

    async def change(self, cid: str, body: dict[str, Any]) -> None:
        raise SourceError("The Spark History Server cannot be scaled.")

    async def stop(self, cid: str) -> None:
        raise SourceError("The Spark History Server stops with the Jupyter server.", 409)

    async def options(self) -> dict[str, Any]:
        return {}

    def dashboard_root(self, entry: dict[str, Any]) -> str | None:
        return None  # the whole UI is the dashboard

    async def reap(
        self, sessions: list[dict[str, Any]], alive: Callable[[dict[str, Any]], bool]
    ) -> None:
        return  # it starts no cluster

    async def close(self) -> None:
        await asyncio.to_thread(self.kill)
        if self.folder is not None:
            await asyncio.to_thread(shutil.rmtree, self.folder, True)
            self.folder = None


def _entry(app: dict[str, Any]) -> dict[str, Any]:
    """One application as ``GET lazyscope/api/spark/history`` lists it."""
    attempt = (app.get("attempts") or [{}])[0]
    completed = bool(attempt.get("completed"))
    # Epoch ms; an unfinished log (its kernel died) ended when it was last written.
    start = attempt.get("startTimeEpoch")
    end = attempt.get("endTimeEpoch") if completed else attempt.get("lastUpdatedEpoch")
    started = start / 1000 if isinstance(start, int) and start > 0 else None
    ended = end / 1000 if isinstance(end, int) and end > 0 else None
    duration = ended - started if started is not None and ended is not None else None
    return {"id": app.get("id"), "name": app.get("name"), "started": started, "ended": ended,
            "duration": duration, "completed": completed,
            "path": f"/history/{quote(str(app.get('id')), safe='')}", "page": "jobs/"}  # fmt: skip
