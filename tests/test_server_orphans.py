"""Processes a Jupyter server started stop when it dies, however it dies.

A real ``jupyter server`` subprocess with lazyscope starts a Spark standalone cluster (master
and worker JVMs) and a Dask cluster (its own process and a worker process) through its
API; then the server is killed (SIGKILL: no exit hook runs) or stopped (SIGTERM). Every
process it had started must be gone soon after, and the clusters' folders a killed server
left are removed by the next server.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import psutil
import pytest

from tests import _processes as procs

pytestmark = [
    pytest.mark.server,
    pytest.mark.spark,
    pytest.mark.standalone,
    pytest.mark.dask,
    pytest.mark.slow,
]

TOKEN = "orphans-test-token"  # a throwaway server on loopback


@contextmanager
def _server(tmp: Path, name: str) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """A Jupyter server with lazyscope, its temporary files (Spark folders) under ``tmp``."""
    port = procs.free_port()
    cmd = [
        sys.executable, "-m", "jupyter_server", "--no-browser", f"--port={port}",
        "--ServerApp.port_retries=0", "--allow-root", f"--IdentityProvider.token={TOKEN}",
        f"--ServerApp.root_dir={tmp}", "--ServerApp.jpserver_extensions=lazyscope=True",
    ]  # fmt: skip
    env = {"TMPDIR": str(tmp), "JUPYTER_RUNTIME_DIR": str(tmp / f"runtime-{name}")}
    with procs.running(cmd, port, tmp / f"{name}.log", env=env) as proc:
        yield proc, f"http://127.0.0.1:{port}/lazyscope/api/clusters"


def _call(url: str, body: dict[str, Any] | None = None) -> Any:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method="GET" if body is None else "POST")
    request.add_header("Authorization", f"token {TOKEN}")
    with urllib.request.urlopen(request, timeout=30) as reply:  # loopback
        return json.load(reply)


def _until_running(api: str, cids: list[str], timeout: float = 240) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = {c["id"]: c for c in _call(api)["clusters"] if c["id"] in cids}
        if all(status[c]["status"] == "running" for c in cids):
            return
        failed = [c for c in status.values() if c["status"] == "failed"]
        assert failed == [], failed
        time.sleep(0.5)
    raise AssertionError(f"clusters not running after {timeout} s: {status}")


def _alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _describe(pid: int) -> str:
    """``java org.apache.spark.deploy.worker.Worker``, ``python -c ...``: enough to tell."""
    try:
        args = psutil.Process(pid).cmdline()
    except psutil.Error:
        return f"pid {pid}"
    main = [a for a in args if a.startswith("org.apache.spark.")]
    return " ".join([Path(args[0]).name, *main] if main else args)[:200]


def _survivors(pids: set[int], timeout: float) -> list[int]:
    """The processes of ``pids`` still alive after ``timeout`` s (waiting while any is)."""
    deadline = time.monotonic() + timeout
    while any(_alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.2)
    return [p for p in pids if _alive(p)]


def _kill_all(pids: list[int]) -> None:
    """A failed test must not leave its JVMs running on a shared machine."""
    for pid in pids:
        with suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, signal.SIGKILL)  # the clusters' processes lead their own groups
        with suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def _descendants(pid: int, executor: bool, timeout: float = 120) -> dict[int, str]:
    """The processes below ``pid`` (command lines), once a Spark executor is among them
    if ``executor``: the worker JVM's own child, the Connect server's application."""
    deadline = time.monotonic() + timeout
    while True:
        found = {p.pid: _describe(p.pid) for p in psutil.Process(pid).children(recursive=True)}
        if not executor or any("ExecutorBackend" in c for c in found.values()):
            return found
        assert time.monotonic() < deadline, f"no Spark executor after {timeout} s: {found}"
        time.sleep(0.5)


@pytest.mark.parametrize(
    ("sig", "connect"),
    [(signal.SIGKILL, True), (signal.SIGTERM, False)],
    ids=["SIGKILL-with-Connect", "SIGTERM"],
)
def test_what_the_server_started_dies_with_it(
    sig: signal.Signals, connect: bool, tmp_path: Path
) -> None:
    body = {"engine": "spark", "workers": 1, "cores": 1, "memory": "512m", "connect": connect}
    with _server(tmp_path, "first") as (server, api):
        spark = _call(api, body)
        dask = _call(api, {"engine": "dask", "workers": 1, "cores": 1, "memory": "512m"})
        _until_running(api, [spark["id"], dask["id"]])
        started = _descendants(server.pid, executor=connect)
        server.send_signal(sig)
        server.wait(timeout=60)
        try:
            # Spark: the master's and the worker's JVMs (with Connect: its server and
            # an executor too); Dask: its cluster's process (scheduler, dashboard,
            # nanny) and a worker process.
            assert sum("java" in c for c in started.values()) >= 2 + 2 * connect, started
            assert sum("lazyscope.dask._cluster_host" in c for c in started.values()) == 1
            assert sum("multiprocessing.spawn" in c for c in started.values()) >= 1, started
            left = _survivors(set(started), timeout=60)
            assert left == [], [started[p] for p in left]
        finally:
            _kill_all(sorted(started))

    def folders() -> list[str]:  # the clusters' folders: logs, work and scratch files
        return sorted(e for e in ("dask", "spark") for _ in tmp_path.glob(f"lazyscope-{e}-*"))

    if sig == signal.SIGTERM:
        assert folders() == []  # the server stopped its clusters itself
        return
    # Killed: nothing removed the folders; the next server does, their owner being dead.
    assert folders() == ["dask", "spark"]
    with _server(tmp_path, "second"):
        assert folders() == []
