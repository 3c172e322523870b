"""Where the dashboard proxy may go: only to the host of a cluster's own address (its
Dask scheduler, Spark master or Connect server), or this machine for a classic Spark
session's driver UI. A dashboard a kernel announces, or a cluster class reports, on
any other host is refused: the cluster is listed without a dashboard and the proxy has
no target. Real Jupyter server, real kernels, a real (in-process) Dask cluster."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from distributed import LocalCluster
from tornado import web
from tornado.httpclient import HTTPClientError

from lazyscope._clusters import checked_dashboard
from tests.test_server_discovery import live_kernel

pytestmark = pytest.mark.server

Fetch = Callable[..., Awaitable[Any]]
ELSEWHERE = "192.0.2.7"  # TEST-NET-1 (RFC 5737): never a real host


class ElsewhereCluster(LocalCluster):  # type: ignore[misc]
    """A cluster class whose dashboard link names another host than its scheduler, as
    a gateway or a batch system's cluster class may report."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(processes=False, n_workers=0, dashboard_address="127.0.0.1:0", **kwargs)

    @property
    def dashboard_link(self) -> str:
        return f"http://{ELSEWHERE}:8787/status"


@pytest.fixture
def jp_server_config() -> dict[str, object]:
    return {
        "ServerApp": {"jpserver_extensions": {"lazyscope": True}},
        "ClusterManager": {"dask_factory": f"{__name__}.ElsewhereCluster"},
    }


class _Canary(web.RequestHandler):
    hits: list[str] = []

    def get(self) -> None:
        _Canary.hits.append(self.request.path)
        self.write("canary")


async def _listed(jp_fetch: Fetch) -> dict[str, dict[str, Any]]:
    body = json.loads((await jp_fetch("lazyscope", "api", "clusters")).body)
    return {c["id"]: c for c in body["clusters"]}


async def _proxied(jp_fetch: Fetch, cid: str) -> int:
    with pytest.raises(HTTPClientError) as error:
        await jp_fetch("lazyscope", "dashboard", cid, "status")
    return error.value.code


def _session(sid: str, engine: str, address: str, dashboard: str) -> dict[str, Any]:
    return {"id": sid, "engine": engine, "address": address, "dashboard": dashboard,
            "started": 1.0}  # fmt: skip


async def test_announced_dashboards_only_on_their_own_host(
    jp_fetch: Fetch, jp_serverapp: Any, jp_runtime_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # The extension's own logger (the server's console), not the root one caplog watches.
    jp_serverapp.web_app.settings["lazyscope_manager"].log.addHandler(caplog.handler)
    server = web.Application([(r"/.*", _Canary)]).listen(0, address="127.0.0.1")
    port = next(iter(server._sockets.values())).getsockname()[1]
    canary = f"http://127.0.0.1:{port}/status"
    _Canary.hits.clear()
    sessions = [
        _session("own-host", "dask", "tcp://127.0.0.1:8786", canary),
        # The scheduler is elsewhere: the loopback "dashboard" is some local service.
        _session("dask-elsewhere", "dask", f"tcp://{ELSEWHERE}:8786", canary),
        _session("connect-elsewhere", "spark-connect", f"sc://{ELSEWHERE}:15002", canary),
        _session("spark-driver-elsewhere", "spark", "local[2]", f"http://{ELSEWHERE}:4040"),
        _session("not-http", "dask", "tcp://127.0.0.1:8786", "file:///etc/passwd"),
        _session("script", "dask", "tcp://127.0.0.1:8786", "javascript:alert(1)"),
        _session("userinfo", "dask", "tcp://127.0.0.1:8786", f"http://127.0.0.1@{ELSEWHERE}/"),
    ]
    try:
        async with live_kernel() as (kid, pid):
            announcement = {"kernel_id": kid, "pid": pid, "sessions": sessions}
            (jp_runtime_dir / f"lazyscope-kernel-{kid}.json").write_text(json.dumps(announcement))
            listed = await _listed(jp_fetch)
            await _listed(jp_fetch)
            why = [
                r.getMessage() for r in caplog.records if "without a dashboard" in r.getMessage()
            ]
            assert listed["own-host"]["dashboard"] == canary
            refused = [s["id"] for s in sessions[1:]]
            for sid in refused:  # listed, but with no dashboard and no proxy path
                assert (listed[sid]["dashboard"], listed[sid]["proxy"]) == (None, None), sid
                assert await _proxied(jp_fetch, sid) == 404
            assert _Canary.hits == []
            # The server log says why, once per session (the panel lists every few seconds).
            assert sum("dask-elsewhere" in m for m in why) == 1, why
    finally:
        server.stop()


@pytest.mark.dask
async def test_a_cluster_class_reporting_another_host_has_no_dashboard(
    jp_fetch: Fetch, jp_serverapp: Any
) -> None:
    created = await jp_fetch("lazyscope", "api", "clusters", method="POST",
                             body='{"engine": "dask", "workers": 1}')  # fmt: skip
    cid = json.loads(created.body)["id"]
    info = await jp_serverapp.web_app.settings["lazyscope_manager"].wait_started(cid)
    assert info["status"] == "running", info
    listed = (await _listed(jp_fetch))[cid]
    assert (listed["dashboard"], listed["proxy"]) == (None, None)
    assert await _proxied(jp_fetch, cid) == 404
    await jp_fetch("lazyscope", "api", "clusters", cid, method="DELETE")


@pytest.mark.parametrize(
    ("engine", "address", "dashboard", "allowed"),
    [
        ("dask", "tcp://10.0.0.5:8786", "http://10.0.0.5:8787/status", True),
        ("dask", "tls://[::1]:8786", "https://localhost:8787/status", True),  # loopback is one
        ("dask", "tcp://10.0.0.5:8786", "http://10.0.0.6:8787/status", False),
        ("spark", "spark://10.0.0.7:7077,10.0.0.8:7077", "http://10.0.0.8:8080", True),
        ("spark", "local[*]", "http://127.0.0.1:4041", True),
        ("dask", "inproc://127.0.0.1/42/1", "http://127.0.0.1:8787/status", True),
        ("spark", "yarn", "http://169.254.169.254/latest/", False),  # cloud metadata
        ("dask", "tcp://127.0.0.1:8786", "http://127.0.0.1:99999/", False),
    ],
)
def test_the_dashboard_rule(engine: str, address: str, dashboard: str, allowed: bool) -> None:
    assert checked_dashboard(engine, address, dashboard) == (dashboard if allowed else None)
