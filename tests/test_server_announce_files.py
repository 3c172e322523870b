"""How a real Jupyter server reads the kernels' announcement files: only small regular
files of its own user, never in a way that can block (a FIFO named like an announcement
must not hang the server), each skipped file said once in the log, and each file read
once per version, not on every listing or proxied request."""

from __future__ import annotations

import asyncio
import json
import os
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from tornado import web

from lazyscope.server._discovery import MAX_BYTES, MAX_SESSIONS, SETTLE_NS
from tests.test_server_discovery import _announce, _session, live_kernel

pytestmark = pytest.mark.server

Fetch = Callable[..., Awaitable[Any]]
WATCHDOG_S = 60.0  # far beyond any listing: only a server blocked on the FIFO waits for it


async def _ids(jp_fetch: Fetch) -> list[str]:
    response = await jp_fetch("lazyscope", "api", "clusters")
    return [c["id"] for c in json.loads(response.body)["clusters"]]


def _warnings(caplog: pytest.LogCaptureFixture, name: str) -> list[str]:
    return [r.getMessage() for r in caplog.records if name in r.getMessage()]


@pytest.fixture
def server_log(jp_serverapp: Any, caplog: pytest.LogCaptureFixture) -> Iterator[Any]:
    """The cluster manager, its log (the server's console) captured by caplog."""
    manager = jp_serverapp.web_app.settings["lazyscope_manager"]
    manager.log.addHandler(caplog.handler)
    yield manager
    manager.log.removeHandler(caplog.handler)


@contextmanager
def _watchdog(fifo: Path) -> Iterator[threading.Event]:
    """Opens the FIFO for writing after WATCHDOG_S, which releases a reader blocked on it
    (then the test fails instead of hanging); ``fired`` says whether it had to."""
    fired = threading.Event()

    def release() -> None:
        try:
            os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
            fired.set()  # someone was blocked reading it
        except OSError:  # ENXIO: no reader, nothing to release
            pass

    timer = threading.Timer(WATCHDOG_S, release)
    timer.start()
    try:
        yield fired
    finally:
        timer.cancel()


async def test_a_fifo_named_like_an_announcement_never_stalls_the_server(
    jp_fetch: Fetch, jp_runtime_dir: Path, server_log: Any, caplog: pytest.LogCaptureFixture
) -> None:
    fifo = jp_runtime_dir / "lazyscope-kernel-fifo.json"
    os.mkfifo(fifo)
    async with live_kernel() as (kid, pid):
        _announce(jp_runtime_dir, kid, pid, [_session("beside-the-fifo", "dask", 1.0)], kid)
        with _watchdog(fifo) as fired:
            assert await _ids(jp_fetch) == ["beside-the-fifo"]
            assert (await jp_fetch("lazyscope", "api", "clusters", "beside-the-fifo")).code == 200
            assert await _ids(jp_fetch) == ["beside-the-fifo"]
        assert not fired.is_set(), "the server blocked on the FIFO until the watchdog wrote"
    assert _warnings(caplog, fifo.name) == [
        "lazyscope: ignoring lazyscope-kernel-fifo.json: it is not a regular file"
    ]


async def test_only_small_regular_files_are_read_each_refusal_logged_once(
    jp_fetch: Fetch, jp_runtime_dir: Path, tmp_path: Path, server_log: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:  # fmt: skip
    async with live_kernel() as (kid, pid):
        most = [_session(f"ok-{i}", "dask", float(i)) for i in range(MAX_SESSIONS)]
        _announce(jp_runtime_dir, "most", pid, most, kid)
        # Each of these would be listed if it were read as a plain announcement.
        crowd = [_session(f"crowd-{i}", "dask", 1.0) for i in range(MAX_SESSIONS + 1)]
        _announce(jp_runtime_dir, "crowd", pid, crowd, kid)
        elsewhere = _announce(tmp_path, "elsewhere", pid, [_session("linked", "dask", 1.0)], kid)
        (jp_runtime_dir / "lazyscope-kernel-link.json").symlink_to(elsewhere)
        (jp_runtime_dir / "lazyscope-kernel-zero.json").symlink_to("/dev/zero")
        (jp_runtime_dir / "lazyscope-kernel-dir.json").mkdir()
        huge = {"kernel_id": kid, "pid": pid, "sessions": [_session("huge", "dask", 1.0)],
                "padding": "x" * 10_000_000}  # fmt: skip
        (jp_runtime_dir / "lazyscope-kernel-huge.json").write_text(json.dumps(huge))
        # Deeply nested JSON under the size limit: no recursion error reaches the request.
        (jp_runtime_dir / "lazyscope-kernel-deep.json").write_text("[" * (MAX_BYTES - 1))

        for _ in range(3):  # the panel lists every few seconds
            assert sorted(await _ids(jp_fetch)) == sorted(s["id"] for s in most)

        said = {
            "crowd": f"it announces more than {MAX_SESSIONS} sessions",
            "link": "it is a symbolic link",
            "zero": "it is a symbolic link",
            "dir": "it is not a regular file",
            "huge": f"it is larger than {MAX_BYTES // 1024} KiB",
            "deep": "it is not JSON",
        }
        for name, why in said.items():
            file = f"lazyscope-kernel-{name}.json"
            assert _warnings(caplog, file) == [f"lazyscope: ignoring {file}: {why}"]
        assert _warnings(caplog, "lazyscope-kernel-most.json") == []


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a file to another user needs root")
async def test_a_file_of_another_user_is_not_read(
    jp_fetch: Fetch, jp_runtime_dir: Path, server_log: Any, caplog: pytest.LogCaptureFixture
) -> None:
    async with live_kernel() as (kid, pid):
        path = _announce(jp_runtime_dir, "nobody", pid, [_session("theirs", "dask", 1.0)], kid)
        os.chown(path, 65534, 65534)  # nobody
        assert await _ids(jp_fetch) == []
        assert await _ids(jp_fetch) == []
        os.chown(path, os.geteuid(), os.getegid())  # the same file, the server's user's again
        os.utime(path)  # (a chown alone does not change the mtime the cache keys on)
        assert await _ids(jp_fetch) == ["theirs"]
    assert _warnings(caplog, path.name) == [
        f"lazyscope: ignoring {path.name}: it belongs to uid 65534, not to the server's user"
    ]


class _Dashboard(web.RequestHandler):
    hits = 0

    def get(self) -> None:
        _Dashboard.hits += 1
        self.write("dashboard")


async def test_files_are_read_once_per_change_not_per_request(
    jp_fetch: Fetch, jp_runtime_dir: Path, server_log: Any
) -> None:
    server = web.Application([(r"/.*", _Dashboard)]).listen(0, address="127.0.0.1")
    port = next(iter(server._sockets.values())).getsockname()[1]
    _Dashboard.hits = 0
    session = {**_session("watched", "dask", 1.0), "dashboard": f"http://127.0.0.1:{port}/"}
    try:
        async with live_kernel() as (kid, pid):
            path = _announce(jp_runtime_dir, kid, pid, [session], kid)
            # A file changed within the file system's clock tick could change again
            # unseen, so the server reads a file every time until it has settled.
            while time.time_ns() - path.stat().st_mtime_ns <= SETTLE_NS:
                await asyncio.sleep(0.05)
            assert await _ids(jp_fetch) == ["watched"]
            reads = server_log.announcements.reads

            for _ in range(30):
                page = await jp_fetch("lazyscope", "dashboard", "watched", "status")
                assert page.body == b"dashboard"
            for _ in range(5):
                assert await _ids(jp_fetch) == ["watched"]
            assert _Dashboard.hits == 30
            assert server_log.announcements.reads == reads  # nothing changed, nothing read

            # The kernel updates its file in place: the next listing has the new version.
            _announce(jp_runtime_dir, kid, pid, [{**session, "workers": 5}], kid)
            listed = json.loads((await jp_fetch("lazyscope", "api", "clusters")).body)
            assert [c["workers"] for c in listed["clusters"]] == [5]
            assert server_log.announcements.reads > reads
    finally:
        server.stop()
