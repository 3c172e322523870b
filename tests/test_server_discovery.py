"""GET /lazyscope/api/clusters on a real Jupyter server: the sessions that live
kernels of this server announced in the runtime directory, and nothing from dead,
broken, foreign or forged files (a kernel id the server does not run, plain IPython, a
pid outside the kernel's process tree). How the files are read: test_server_announce_files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import psutil
import pytest
from jupyter_server.serverapp import ServerApp
from tornado.httpclient import HTTPClientError

pytestmark = pytest.mark.server

Fetch = Callable[..., Awaitable[Any]]


def _session(sid: str, engine: str, started: float, **extra: Any) -> dict[str, Any]:
    return {
        "id": sid,
        "engine": engine,
        "address": "local[2]" if engine == "spark" else "tcp://127.0.0.1:8786",
        "dashboard": "http://127.0.0.1:4040",
        "app_id": "local-1" if engine == "spark" else None,
        "workers": 2,
        "cores": 2,
        "memory": 2**30,
        "started": started,
        **extra,
    }


def _announce(folder: Path, name: str, pid: Any, sessions: list[Any], kernel: str | None) -> Path:
    path = folder / f"lazyscope-kernel-{name}.json"
    path.write_text(json.dumps({"kernel_id": kernel, "pid": pid, "sessions": sessions}))
    return path


@asynccontextmanager
async def live_kernel() -> AsyncIterator[tuple[str, int]]:
    """(id, pid) of a real kernel of the running test server (jp_serverapp): only this
    server's kernels may announce sessions."""
    kernels = ServerApp.instance().kernel_manager
    kid = await kernels.start_kernel()
    try:
        yield kid, kernels.get_kernel(kid).provisioner.pid
    finally:
        await kernels.shutdown_kernel(kid, now=True)


def _dead_pid() -> int:
    """The pid of a process that has really exited (and been reaped), as after a crash."""
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    assert proc.wait(timeout=60) == 0
    return proc.pid


async def _clusters(jp_fetch: Fetch) -> list[dict[str, Any]]:
    response = await jp_fetch("lazyscope", "api", "clusters")
    assert response.code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    body = json.loads(response.body)
    assert set(body) == {"clusters"}
    clusters: list[dict[str, Any]] = body["clusters"]
    for cluster in clusters:  # the dashboard through the proxy: tested in test_server_clusters
        proxy = cluster.pop("proxy")
        assert proxy is None or f"/lazyscope/dashboard/{cluster['id']}/" in proxy
    return clusters


async def test_no_announcements_no_clusters(jp_fetch: Fetch, jp_runtime_dir: Path) -> None:
    assert list(jp_runtime_dir.glob("lazyscope-*")) == []
    assert await _clusters(jp_fetch) == []


async def test_live_kernel_sessions_are_listed(jp_fetch: Fetch, jp_runtime_dir: Path) -> None:
    spark = _session("spark-1", "spark", started=100.0)
    dask = _session("dask-1", "dask", started=50.0, status="running")  # extra keys pass through
    connect = _session("connect-1", "spark-connect", started=75.0)
    async with live_kernel() as (k1, pid1), live_kernel() as (k2, pid2):
        _announce(jp_runtime_dir, k1, pid1, [spark, dask], kernel=k1)
        _announce(jp_runtime_dir, k2, pid2, [connect], kernel=k2)

        clusters = await _clusters(jp_fetch)

    assert clusters == [  # oldest first
        {**dask, "kernel_id": k1, "pid": pid1, "source": "kernel"},
        {**connect, "kernel_id": k2, "pid": pid2, "source": "kernel"},
        {**spark, "kernel_id": k1, "pid": pid1, "source": "kernel"},
    ]


async def test_only_kernels_of_this_server_are_listed(
    jp_fetch: Fetch, jp_runtime_dir: Path
) -> None:
    # Other Jupyter servers and plain IPython share the runtime dir; a file may name
    # any kernel id. The writer of each is alive (this process): the kernel id decides.
    async with live_kernel() as (kid, pid):
        _announce(jp_runtime_dir, kid, pid, [_session("ours", "dask", 1.0)], kernel=kid)
        other = [_session("other-server", "dask", 2.0)]
        _announce(jp_runtime_dir, "other", os.getpid(), other, kernel="0b5e7f3a-not-ours")
        plain = [_session("plain-ipython", "spark", 3.0)]
        _announce(jp_runtime_dir, str(os.getpid()), os.getpid(), plain, kernel=None)

        assert [c["id"] for c in await _clusters(jp_fetch)] == ["ours"]
        with pytest.raises(HTTPClientError) as error:
            await jp_fetch("lazyscope", "api", "clusters", "other-server")
        assert error.value.code == 404
    # A kernel that was shut down is no kernel of this server any more.
    assert await _clusters(jp_fetch) == []


async def test_dead_corrupt_and_malformed_files_are_ignored(
    jp_fetch: Fetch, jp_runtime_dir: Path
) -> None:
    async with live_kernel() as (kid, pid):
        await _dead_corrupt_and_malformed(jp_fetch, jp_runtime_dir, kid, pid)


async def _dead_corrupt_and_malformed(
    jp_fetch: Fetch, jp_runtime_dir: Path, kid: str, pid: int
) -> None:
    alive = _session("alive", "dask", started=1.0)
    _announce(jp_runtime_dir, "alive", pid, [alive], kernel=kid)
    _announce(jp_runtime_dir, "dead", _dead_pid(), [_session("dead", "spark", 2.0)], kid)
    (jp_runtime_dir / "lazyscope-kernel-corrupt.json").write_text('{"kernel_id": "x", "pid":')
    (jp_runtime_dir / "lazyscope-kernel-binary.json").write_bytes(b"\xff\xfe\x00garbage")
    (jp_runtime_dir / "lazyscope-kernel-list.json").write_text("[1, 2, 3]")
    _announce(jp_runtime_dir, "strpid", str(pid), [_session("s", "dask", 3.0)], kid)
    bad_sessions = [
        "not-a-dict",
        {"id": "no-engine"},
        _session("unknown-engine", "ray", 4.0),
        _session("ok", "spark", 5.0),
    ]
    _announce(jp_runtime_dir, "mixed", pid, bad_sessions, kernel=kid)
    # A half-written file of the kernel side's atomic write is not an announcement.
    (jp_runtime_dir / "lazyscope-kernel-partial.tmp").write_text(json.dumps({"pid": os.getpid()}))

    clusters = await _clusters(jp_fetch)

    assert [c["id"] for c in clusters] == ["alive", "ok"]


async def test_a_file_older_than_its_kernel_process_is_stale(
    jp_fetch: Fetch, jp_runtime_dir: Path
) -> None:
    # A file older than the process now holding its pid was written by a process that
    # died: after a crash the OS may hand the pid to someone else, even to a kernel.
    async with live_kernel() as (kid, pid):
        path = _announce(jp_runtime_dir, kid, pid, [_session("old", "spark", 1.0)], kid)
        long_ago = time.time() - 10 * 24 * 3600
        os.utime(path, (long_ago, long_ago))
        assert await _clusters(jp_fetch) == []

        os.utime(path, None)  # written now, by this live kernel
        assert [c["id"] for c in await _clusters(jp_fetch)] == ["old"]


async def test_only_a_process_of_the_kernel_may_announce_for_it(
    jp_fetch: Fetch, jp_serverapp: Any, jp_runtime_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # Each file names a running kernel of this server and a live process that started
    # before the file: only the kernel's own process tree may speak for the kernel.
    manager = jp_serverapp.web_app.settings["lazyscope_manager"]
    manager.log.addHandler(caplog.handler)
    unrelated = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    try:
        async with live_kernel() as (kid, pid):
            forged = {"init": 1, "server": os.getpid(), "unrelated": unrelated.pid}
            for name, other in forged.items():
                _announce(jp_runtime_dir, name, other, [_session(name, "dask", 1.0)], kid)
            _announce(jp_runtime_dir, kid, pid, [_session("genuine", "dask", 2.0)], kid)

            assert [c["id"] for c in await _clusters(jp_fetch)] == ["genuine"]
            assert [c["id"] for c in await _clusters(jp_fetch)] == ["genuine"]
            for name in forged:
                with pytest.raises(HTTPClientError) as error:
                    await jp_fetch("lazyscope", "api", "clusters", name)
                assert error.value.code == 404
    finally:
        unrelated.kill()
        unrelated.wait()
        manager.log.removeHandler(caplog.handler)
    said = [r.getMessage() for r in caplog.records if "is no process of kernel" in r.getMessage()]
    assert sorted(said) == sorted(
        f"lazyscope: ignoring lazyscope-kernel-{name}.json: pid {other} is no process of kernel "
        f"{kid} that ran when the file was written"
        for name, other in forged.items()
    )  # once each, however often the panel lists


@pytest.mark.kernel
async def test_a_child_process_of_the_kernel_may_announce(
    jp_fetch: Fetch, jp_serverapp: Any, jp_runtime_dir: Path
) -> None:
    # A kernel may run under a wrapper (conda run, a shell script): the process that
    # writes the file is then a descendant of the process the server started.
    kernels = jp_serverapp.kernel_manager
    kid = await kernels.start_kernel(kernel_name="python3")
    client = kernels.get_kernel(kid).client()
    client.start_channels()
    printed: list[str] = []
    child = 0

    def output(msg: dict[str, Any]) -> None:
        if msg["msg_type"] == "stream":
            printed.append(msg["content"]["text"])

    try:
        await client.wait_for_ready(timeout=120)
        code = ("import subprocess, sys\n"
                "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(120)'])\n"
                "print(child.pid)")  # fmt: skip
        reply = await client.execute_interactive(code, timeout=120, output_hook=output)
        assert reply["content"]["status"] == "ok", reply["content"]
        child = int("".join(printed))
        _announce(jp_runtime_dir, kid, child, [_session("from-a-child", "dask", 1.0)], kid)
        assert [c["id"] for c in await _clusters(jp_fetch)] == ["from-a-child"]
    finally:
        client.stop_channels()
        await kernels.shutdown_kernel(kid, now=True)
        if child and psutil.pid_exists(child):  # if the kernel's end did not take it along
            psutil.Process(child).kill()
    # The kernel is gone: so are its sessions, whoever wrote them.
    assert await _clusters(jp_fetch) == []


async def test_clusters_requires_authentication(jp_fetch: Fetch) -> None:
    with pytest.raises(HTTPClientError) as info:
        await jp_fetch("lazyscope", "api", "clusters", headers={"Authorization": ""})
    assert info.value.code == 403
