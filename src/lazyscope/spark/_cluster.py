"""A server-managed Spark standalone cluster: a master and N workers, each a child process
started from pyspark's own ``bin/spark-class`` on 127.0.0.1, optionally a Spark Connect
server in front. Every process gets its own session (process group) so stopping kills
the JVM and anything it spawned, and dies with the server should the server be killed
(``_processes.spawn``). Everything it writes (logs, work and temporary files) goes to one
folder of its own, deleted when it stops, or by the next server if this one was killed.

Its web UI runs in Spark's reverse-proxy mode when the server tells it where browsers see
it (``ui_path``, the dashboard proxy's path for this cluster): the master then serves its
workers' pages itself (``<ui_path>/proxy/<worker id>/``) and every page, the workers'
included, links below that path, so the proxy, which only ever talks to the master,
carries the whole UI and no link names a worker's own port.
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import Any

from lazyscope._clusters import ManagedCluster
from lazyscope._limits import fit_cluster
from lazyscope._processes import kill_group, new_folder, reserve_port, spawn, sweep

from . import _eventlog

__all__ = ["FOLDER_PREFIX", "SparkCluster", "sweep_folders"]

# Named with the server's pid (see lazyscope._processes.new_folder); a kernel's own JVM
# logs go to lazyscope-driver-log-* instead.
FOLDER_PREFIX = "lazyscope-spark-"


# A path the JVM options take as one word, without the segments Spark's UI reserves for its
# own routing (it refuses a reverseProxyUrl holding "proxy" or "history").
_UI_PATH = re.compile(r"^(?:/[A-Za-z0-9._~!$&()*+,;=:@%-]+)+$")
_RESERVED = {"proxy", "history"}


def sweep_folders(log: Any = None) -> None:
    """Remove the cluster folders of servers that died without stopping their clusters."""
    sweep(FOLDER_PREFIX, log)


def _spark_home() -> Path:
    # Found, not imported: the server needs only pyspark's folder (bin/ and jars/), and
    # never imports an engine library (an import-linter contract).
    spec = importlib.util.find_spec("pyspark")
    if spec is None or spec.origin is None:
        raise RuntimeError("pyspark is not installed: the server cannot start Spark clusters")
    return Path(spec.origin).parent


class SparkCluster(ManagedCluster):
    engine = "spark"

    def __init__(
        self, cid: str, name: str, options: dict[str, Any], log: Any = None,
        ui_path: str | None = None,
    ) -> None:  # fmt: skip
        super().__init__(cid, name, options, log)
        self.options = fit_cluster(self.options, self.log)  # its workers run on this machine
        self.ui_path = _usable(ui_path, self.log)
        self.home = _spark_home()
        # Logs, work dirs and the JVMs' and Python workers' temporary files, all here.
        self.folder = new_folder(FOLDER_PREFIX)
        (self.folder / "tmp").mkdir()
        self.master: subprocess.Popen[bytes] | None = None
        self.workers: list[subprocess.Popen[bytes]] = []
        self.connect: subprocess.Popen[bytes] | None = None
        self.master_url = ""
        self._state: dict[str, Any] = {}
        self._held: list[socket.socket] = []  # reserved ports, until their process listens

    def _reserve(self) -> int:
        sock = reserve_port()
        self._held.append(sock)
        return int(sock.getsockname()[1])

    def _release_ports(self) -> None:
        for sock in self._held:
            sock.close()
        self._held = []

    def _spawn(self, args: list[str], log: str) -> subprocess.Popen[bytes]:
        tmp = str(self.folder / "tmp")
        env = {
            **os.environ,
            "SPARK_HOME": str(self.home),
            "SPARK_LOCAL_IP": "127.0.0.1",
            "PYSPARK_PYTHON": sys.executable,
            "SPARK_LOG_DIR": str(self.folder),
            "SPARK_LOCAL_DIRS": tmp,  # executors' block and shuffle files
            "TMPDIR": tmp,  # Python workers
            # A port taken after all fails the start, instead of Spark moving to the next
            # one silently (then workers and the proxy would talk to whoever took it);
            # no REST submission server (a fixed port, 6066, that we do not use). The
            # user's own daemon options (memory, security) come first: Java takes the last.
            "SPARK_DAEMON_JAVA_OPTS": f"{os.environ.get('SPARK_DAEMON_JAVA_OPTS', '')} "
            f"-Djava.io.tmpdir={tmp} -Dspark.port.maxRetries=0 "
            "-Dspark.master.rest.enabled=false"
            + "".join(f" -D{key}={value}" for key, value in self._reverse_proxy().items()),
        }
        return spawn(args, self.folder / log, env)

    def _reverse_proxy(self) -> dict[str, str]:
        """Spark's settings for a UI seen below ``ui_path``, for master and workers alike
        (a worker's page, served through the master, links its files at the root
        otherwise). Not for the Connect server: in this mode a driver's UI answers only
        through the master, and kernels' sessions link it directly."""
        if self.ui_path is None:
            return {}
        return {"spark.ui.reverseProxy": "true", "spark.ui.reverseProxyUrl": self.ui_path}

    async def start(self) -> None:
        try:
            await self._start()
        finally:  # running, or failed: either way the reservations have done their job
            self._release_ports()

    async def _start(self) -> None:
        port, ui = self._reserve(), self._reserve()
        self.master_url = f"spark://127.0.0.1:{port}"
        cls = str(self.home / "bin" / "spark-class")
        self.master = self._spawn(
            [cls, "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1",
             "--port", str(port), "--webui-port", str(ui)],
            "master.log",
        )  # fmt: skip
        self.dashboard = f"http://127.0.0.1:{ui}"
        self.address = self.master_url
        await self.scale(self.options["workers"])
        if self.options.get("connect"):
            await self._start_connect()

    def _start_worker(self) -> subprocess.Popen[bytes]:
        n = len(self.workers)
        work = self.folder / f"work-{n}"
        # Web UI port 0: the worker binds a free one itself (the master lists it).
        return self._spawn(
            [str(self.home / "bin" / "spark-class"), "org.apache.spark.deploy.worker.Worker",
             "--host", "127.0.0.1", "--cores", str(self.options["cores"]),
             "--memory", f"{max(self.options['memory'] // 2**20, 512)}m",
             "--webui-port", "0", "--work-dir", str(work), self.master_url],
            f"worker-{n}.log",
        )  # fmt: skip

    async def _start_connect(self) -> None:
        port = self._reserve()
        tmp = self.folder / "tmp"
        # Spark refuses executors under 450 MiB; a worker has at least 512 MiB (above).
        executor_mb = max(self.options["memory"] // 2**20 - 128, 450)
        self.connect = self._spawn(
            [str(self.home / "bin" / "spark-submit"), "--class",
             "org.apache.spark.sql.connect.service.SparkConnectServer",
             "--master", self.master_url, "--executor-memory", f"{executor_mb}m",
             "--driver-java-options", f"-Djava.io.tmpdir={tmp}",
             "--conf", f"spark.local.dir={tmp}", "--conf", "spark.port.maxRetries=0",
             "--conf", f"spark.connect.grpc.binding.port={port}",
             "--conf", "spark.connect.grpc.binding.address=127.0.0.1",
             "--conf", "spark.driver.host=127.0.0.1", "--conf", "spark.ui.port=0",
             # Its application stays inspectable after it ends (the History Server).
             *(a for k, v in _eventlog.session_conf().items() for a in ("--conf", f"{k}={v}")),
             "spark-internal"],
            "connect.log",
        )  # fmt: skip
        await self._until(lambda: _port_open(port), "the Spark Connect server", 180)
        self.address = f"sc://127.0.0.1:{port}"

    async def _until(self, ready: Any, what: str, timeout: float) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not await asyncio.to_thread(ready):
            for proc in (self.master, self.connect):
                if proc is not None and proc.poll() is not None:
                    raise RuntimeError(f"{what} exited; logs in {self.folder}")
            if loop.time() > deadline:
                raise TimeoutError(f"{what} not ready after {timeout} s; logs in {self.folder}")
            await asyncio.sleep(0.5)

    def _fetch_state(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.dashboard}/json/", timeout=5) as reply:  # noqa: S310
                self._state = json.load(reply)
            return True
        except (OSError, ValueError):
            return False

    async def refresh(self) -> None:
        await asyncio.to_thread(self._fetch_state)

    async def scale(self, workers: int, timeout: float = 120) -> None:
        while len(self.workers) > workers:
            await asyncio.to_thread(kill_group, self.workers.pop())
        while len(self.workers) < workers:
            self.workers.append(self._start_worker())

        def settled() -> bool:
            return self._fetch_state() and self._state.get("aliveworkers") == workers

        await self._until(settled, f"Spark master with {workers} worker(s)", timeout)

    def measure(self) -> tuple[int, int, int]:
        alive = [w for w in self._state.get("workers", []) if w.get("state") == "ALIVE"]
        cores = sum(int(w.get("cores", 0)) for w in alive)
        memory = sum(int(w.get("memory", 0)) for w in alive) * 2**20  # the master says MiB
        return len(alive), cores, memory

    def processes(self) -> list[subprocess.Popen[bytes]]:
        return [p for p in (self.connect, *self.workers, self.master) if p is not None]

    def kill(self) -> None:
        """Synchronous stop: also used at interpreter exit, when no loop may run."""
        for proc in self.processes():
            kill_group(proc)
        self.workers, self.master, self.connect = [], None, None
        self._release_ports()

    async def abort(self) -> None:
        # After a failed start: stop the processes, keep the logs the error points to
        # (deleted with the cluster's card, or at server exit).
        await asyncio.to_thread(self.kill)

    def remove_files(self) -> None:
        if self.folder.exists():  # at exit, after a stop that got that far
            shutil.rmtree(self.folder)

    async def close(self) -> None:
        await asyncio.to_thread(self.kill)
        await asyncio.to_thread(self.remove_files)


def _usable(ui_path: str | None, log: Any) -> str | None:
    """``ui_path`` if Spark can serve its UI below it; else ``None``: the pages then link
    the workers' own ports (reachable from this machine only), as without a proxy."""
    if ui_path is None:
        return None
    path = ui_path.rstrip("/")
    if _UI_PATH.match(path) and not _RESERVED & set(path.split("/")):
        return path
    log.warning("lazyscope: the Spark UI cannot run below %r: its worker pages link their "
                "own ports", ui_path)  # fmt: skip
    return None


def _port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False
