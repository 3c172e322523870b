"""A server-managed Spark standalone cluster: a master and N workers, each a child process
started from pyspark's own ``bin/spark-class`` on 127.0.0.1, optionally a Spark Connect
server in front. Every process gets its own session (process group) so stopping kills
the JVM and anything it spawned: nothing outlives the Jupyter server."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path
from typing import Any

from ._model import ManagedCluster

__all__ = ["SparkCluster", "free_port", "kill_group"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def kill_group(proc: subprocess.Popen[bytes], timeout: float = 20) -> None:
    """SIGTERM the process group (the JVM exits cleanly), SIGKILL if it lingers."""
    for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 10.0)):
        try:
            os.killpg(proc.pid, sig)
            proc.wait(timeout=wait)
            return
        except ProcessLookupError:
            proc.poll()  # reap, so no zombie remains
            return
        except subprocess.TimeoutExpired:
            continue


def _spark_home() -> Path:
    # Imported here, not at module level: the server must not import pyspark's
    # Python side eagerly (only its folder, holding bin/ and jars/, is needed).
    import pyspark

    return Path(pyspark.__file__).parent


class SparkCluster(ManagedCluster):
    engine = "spark"

    def __init__(self, cid: str, name: str, options: dict[str, Any], log: Any = None) -> None:
        super().__init__(cid, name, options, log)
        self.home = _spark_home()
        self.logs = Path(tempfile.mkdtemp(prefix=f"lazyscope-spark-{cid}-"))
        self.master: subprocess.Popen[bytes] | None = None
        self.workers: list[subprocess.Popen[bytes]] = []
        self.connect: subprocess.Popen[bytes] | None = None
        self.master_url = ""
        self._state: dict[str, Any] = {}

    def _spawn(self, args: list[str], log: str, opts: str = "") -> subprocess.Popen[bytes]:
        env = {
            **os.environ,
            "SPARK_HOME": str(self.home),
            "SPARK_LOCAL_IP": "127.0.0.1",
            "PYSPARK_PYTHON": sys.executable,
            "SPARK_LOG_DIR": str(self.logs),
            "SPARK_DAEMON_JAVA_OPTS": opts,
        }
        with (self.logs / log).open("wb") as out:
            return subprocess.Popen(
                args,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=env,
                start_new_session=True,
            )

    async def start(self) -> None:
        port, ui = free_port(), free_port()
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
        work = self.logs / f"work-{n}"
        return self._spawn(
            [str(self.home / "bin" / "spark-class"), "org.apache.spark.deploy.worker.Worker",
             "--host", "127.0.0.1", "--cores", str(self.options["cores"]),
             "--memory", f"{max(self.options['memory'] // 2**20, 512)}m",
             "--webui-port", str(free_port()), "--work-dir", str(work), self.master_url],
            f"worker-{n}.log",
        )  # fmt: skip

    async def _start_connect(self) -> None:
        port = free_port()
        executor_mb = max(self.options["memory"] // 2**20 - 128, 384)
        self.connect = self._spawn(
            [str(self.home / "bin" / "spark-submit"), "--class",
             "org.apache.spark.sql.connect.service.SparkConnectServer",
             "--master", self.master_url, "--executor-memory", f"{executor_mb}m",
             "--conf", f"spark.connect.grpc.binding.port={port}",
             "--conf", "spark.connect.grpc.binding.address=127.0.0.1",
             "--conf", "spark.driver.host=127.0.0.1", "--conf", "spark.ui.port=0",
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
                    raise RuntimeError(f"{what} exited; logs in {self.logs}")
            if loop.time() > deadline:
                raise TimeoutError(f"{what} not ready after {timeout} s; logs in {self.logs}")
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

    async def close(self) -> None:
        await asyncio.to_thread(self.kill)


def _port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False
