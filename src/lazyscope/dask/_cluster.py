"""A server-managed Dask cluster: any ``distributed`` Cluster class, run in a process of its
own (``_cluster_host``), a child of the Jupyter server.

Not in the server's process: a Dask dashboard builds a Bokeh document for every page view,
on the scheduler's event loop, so a dashboard under load (200 page views at once) held the
server's event loop for tens of seconds and grew its memory by hundreds of MiB. In a
process of its own, the load stays there; the server relays the dashboard's bytes and
imports neither dask nor distributed.

That process leads a process group of its own (its worker processes are in it), which
stopping ends; it dies with the server should the server be killed (``_processes.spawn``),
and its worker processes exit when the pipe their nanny held closes. Its log and the
workers' scratch space are in a folder of its own, removed when it stops, or by the next
server if this one was killed.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import importlib
import json
import os
import pickle
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from lazyscope._clusters import ManagedCluster, checked_dashboard
from lazyscope._limits import fit_cluster
from lazyscope._processes import kill_group, new_folder, spawn, sweep

__all__ = ["FOLDER_PREFIX", "LOCAL", "DaskCluster", "import_factory", "sweep_folders"]

LOCAL = "distributed.LocalCluster"
# Named with the server's pid (see lazyscope._processes.new_folder).
FOLDER_PREFIX = "lazyscope-dask-"
# How long a cluster may take to stop cleanly before its processes are killed.
CLOSE_TIMEOUT = 30.0


def import_factory(path: str) -> Any:
    """``"package.module.Name"`` -> the object, so configuration can name a class
    (dask_jobqueue.SLURMCluster, dask_kubernetes.KubeCluster, dask_gateway.GatewayCluster)."""
    module, _, name = path.rpartition(".")
    if not module:
        raise ValueError(f"cluster factory {path!r} is not a dotted 'module.Name' path")
    return getattr(importlib.import_module(module), name)


def sweep_folders(log: Any = None) -> None:
    """Remove the cluster folders of servers that died without stopping their clusters."""
    sweep(FOLDER_PREFIX, log)


class ClusterProcessError(RuntimeError):
    """The cluster's process ended before it answered."""


class DaskCluster(ManagedCluster):
    engine = "dask"

    def __init__(
        self, cid: str, name: str, options: dict[str, Any], log: Any = None,
        factory: str = LOCAL, kwargs: dict[str, Any] | None = None,
    ) -> None:  # fmt: skip
        super().__init__(cid, name, options, log)
        self.factory, self.kwargs = factory, dict(kwargs or {})
        if factory == LOCAL:  # on this machine: within the user's limits
            self.options = fit_cluster(self.options, self.log)
        self.folder = new_folder(FOLDER_PREFIX)
        self.proc: subprocess.Popen[bytes] | None = None
        self._measured = (0, 0, 0)  # the host process's last workers event
        self._replies: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._next_id = 1
        self._reader: asyncio.Task[None] | None = None
        self._started = False

    def _config(self) -> dict[str, Any]:
        opts, kwargs = self.options, self.kwargs
        if self.factory != LOCAL:  # other classes take their sizes from their own config
            return {"factory": self.factory, "kwargs": kwargs, "workers": opts["workers"]}
        # Loopback only, ephemeral ports: several servers/tests may run side by side.
        kwargs = {
            "n_workers": opts["workers"],
            "threads_per_worker": opts["cores"],
            "memory_limit": opts["memory"],
            "host": "127.0.0.1",
            "dashboard_address": "127.0.0.1:0",
            "processes": True,
            **kwargs,
        }
        return {"factory": LOCAL, "kwargs": kwargs, "workers": None}

    async def start(self) -> None:
        config = base64.b64encode(pickle.dumps(self._config())).decode()
        # The lazyscope this server runs, first: the host process runs the same code.
        ours = str(Path(__file__).resolve().parents[2])  # the folder holding lazyscope/
        path = os.pathsep.join([ours, *filter(None, [os.environ.get("PYTHONPATH")])])
        # Its workers' scratch space (TMPDIR) is the cluster's folder too.
        env = {**os.environ, "TMPDIR": str(self.folder), "PYTHONPATH": path}
        args = [sys.executable, "-m", "lazyscope.dask._cluster_host"]
        self.proc = spawn(args, self.folder / "cluster.log", env, talk=True)
        loop = asyncio.get_running_loop()
        reader = asyncio.StreamReader(limit=2**24)
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), self.proc.stdout)
        self._reader = asyncio.ensure_future(self._read(reader))
        ours_path = [p for p in sys.path if isinstance(p, str) and p]
        request = {"op": "start", "path": ours_path, "config": config}
        started = await self._request(request, mid=0)
        self._started = True
        self.address = str(started["address"])
        # A cluster class reports its own dashboard link (a gateway, a job's node...): the
        # proxy only goes to the scheduler's host, so any other link means no dashboard.
        link = started.get("dashboard")
        self.dashboard = checked_dashboard(self.engine, self.address, link)
        if link and self.dashboard is None:
            self.log.warning(
                "lazyscope: cluster %s reports its dashboard at %s, not on its scheduler's "
                "host (%s): it is listed without a dashboard", self.id, link, self.address,
            )  # fmt: skip

    async def _read(self, reader: asyncio.StreamReader) -> None:
        """Answers to their requests, workers events to `measure`, until the process ends."""
        while line := await reader.readline():
            message = json.loads(line)
            if message.get("event") == "workers":
                self._measured = (message["workers"], message["cores"], message["memory"])
            elif (reply := self._replies.pop(message.get("id", -1), None)) and not reply.done():
                reply.set_result(message)
        ended = f"the Dask cluster's process ended; its log is {self.folder / 'cluster.log'}"
        for reply in self._replies.values():
            if not reply.done():
                reply.set_exception(ClusterProcessError(ended))
        self._replies.clear()
        self._measured = (0, 0, 0)
        if self.status in ("running", "scaling"):  # not stopped by us: killed, or crashed
            self.log.warning("lazyscope: cluster %s: %s", self.id, ended)
            self.status, self.error = "failed", ended

    async def _request(self, request: dict[str, Any], mid: int | None = None) -> dict[str, Any]:
        """Send ``request``; its answer, or the error it reports as a RuntimeError."""
        if mid is None:
            mid, self._next_id = self._next_id, self._next_id + 1
        reply = asyncio.get_running_loop().create_future()
        self._replies[mid] = reply
        if self.proc is None or self.proc.stdin is None or self._reader is None:
            raise ClusterProcessError("the Dask cluster's process is not running")
        try:
            self.proc.stdin.write(json.dumps({"id": mid, **request}).encode() + b"\n")
            self.proc.stdin.flush()
        except OSError:  # a closed pipe: the reader fails the answer in a moment
            pass
        if self._reader.done():  # it ended before this request was registered
            self._replies.pop(mid, None)
            raise ClusterProcessError("the Dask cluster's process has ended")
        answer: dict[str, Any] = await reply
        if answer.get("error") is not None:
            raise RuntimeError(answer["error"])
        return answer

    async def scale(self, workers: int, timeout: float = 120) -> None:
        request = {"op": "scale", "workers": workers, "timeout": timeout}
        await asyncio.wait_for(self._request(request), timeout + 10)

    async def abort(self) -> None:
        # After a failed start: stop the processes, keep the log the error points to
        # (deleted with the cluster's card, or at server exit).
        await self._stop()

    async def close(self) -> None:
        try:
            if self._started and self.proc is not None and self.proc.poll() is None:
                # A clean stop: the cluster class stops its workers (a batch system's
                # jobs too), and says if it could not.
                await asyncio.wait_for(self._request({"op": "close"}), CLOSE_TIMEOUT)
        except (ClusterProcessError, TimeoutError) as exc:
            self.log.warning("lazyscope: cluster %s did not stop by itself (%s); killing it",
                             self.id, exc)  # fmt: skip
        finally:
            await self._stop()
            await asyncio.to_thread(self.remove_files)

    async def _stop(self) -> None:
        # Stopped while starting (its process group holds every worker it spawned), or
        # after a clean stop (then nothing is left to kill).
        await asyncio.to_thread(self._end)
        if self._reader is not None:  # the process has ended: its pipe ends too
            await asyncio.wait([self._reader], timeout=10)

    def _end(self, wait: float = 10) -> None:
        proc = self.proc
        if proc is None:
            return
        if proc.stdin is not None:
            with contextlib.suppress(OSError):
                proc.stdin.close()  # end of requests: it closes the cluster and exits
        if self._started:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=wait)
        kill_group(proc)  # what is left of its group (nothing, after a clean stop)

    def kill(self) -> None:
        """At interpreter exit, without an event loop."""
        if self.proc is not None:
            kill_group(self.proc)

    def remove_files(self) -> None:
        if self.folder.exists():
            shutil.rmtree(self.folder, ignore_errors=True)

    def measure(self) -> tuple[int, int, int]:
        return self._measured
