"""Where the dashboard proxy may go: only to the host of a cluster's own address (its
Dask scheduler, Spark master or Connect server), or this machine for a classic Spark
session's driver UI. A dashboard a kernel announces, or a cluster class reports, on
any other host is refused: the cluster is listed without a dashboard and the proxy has
no target. A kernel's word alone also needs a host on loopback or this machine (or in
``ClusterManager.allowed_dashboard_hosts``: test_server_allowed_hosts), and link-local
and cloud metadata addresses never pass. Real Jupyter server, real kernels, a real
(in-process) Dask cluster."""

from __future__ import annotations

import ipaddress
import json
import socket
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import psutil
import pytest
from distributed import LocalCluster
from tornado import web
from tornado.httpclient import HTTPClientError

from lazyscope._clusters import AllowedHosts, checked_dashboard
from lazyscope.server._discovery import MAX_SESSIONS
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
        # On their own host, but a kernel's word does not take the proxy off this machine
        # (unless the server allows that network), nor ever to link-local or metadata.
        _session("private-network", "dask", "tcp://10.0.0.1:8786", "http://10.0.0.1:8787/"),
        _session("metadata", "dask", "tcp://169.254.169.254:80", "http://169.254.169.254/"),
        _session("metadata-decimal", "dask", "tcp://2852039166:80", "http://2852039166/"),
        _session("mapped", "dask", "tcp://[::ffff:a9fe:a9fe]:80", "http://[::ffff:a9fe:a9fe]/"),
        _session("link-local", "dask", "tcp://[fe80::1]:8786", "http://[fe80::1]:8787/"),
    ]
    try:
        async with live_kernel() as (kid, pid):
            for part in range(0, len(sessions), MAX_SESSIONS):  # at most that many a file
                some = sessions[part : part + MAX_SESSIONS]
                announcement = {"kernel_id": kid, "pid": pid, "sessions": some}
                path = jp_runtime_dir / f"lazyscope-kernel-{kid}-{part}.json"
                path.write_text(json.dumps(announcement))
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


def _machine_address() -> str | None:
    """An address of this machine that is neither loopback nor link-local."""
    for addresses in psutil.net_if_addrs().values():
        for a in addresses:
            if a.family == socket.AF_INET:
                ip = ipaddress.ip_address(a.address)
                if not ip.is_loopback and not ip.is_link_local:
                    return a.address
    return None


async def test_a_dashboard_on_the_kernels_machine_is_proxied(
    jp_fetch: Fetch, jp_runtime_dir: Path
) -> None:
    # A scheduler a kernel started on this machine's network address, not on loopback.
    address = _machine_address()
    if address is None:
        pytest.skip("this machine has no IPv4 address besides loopback")
    server = web.Application([(r"/.*", _Canary)]).listen(0, address=address)
    port = next(iter(server._sockets.values())).getsockname()[1]
    _Canary.hits.clear()
    session = _session("lan", "dask", f"tcp://{address}:8786", f"http://{address}:{port}/")
    try:
        async with live_kernel() as (kid, pid):
            announcement = {"kernel_id": kid, "pid": pid, "sessions": [session]}
            (jp_runtime_dir / f"lazyscope-kernel-{kid}.json").write_text(json.dumps(announcement))
            listed = (await _listed(jp_fetch))["lan"]
            assert listed["dashboard"] == session["dashboard"]
            page = await jp_fetch("lazyscope", "dashboard", "lan", "status")
            assert page.body == b"canary"
            assert _Canary.hits == ["/status"]
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
        ("dask", "tcp://169.254.169.254:80", "http://169.254.169.254/", False),  # even its own
        ("dask", "tcp://127.0.0.1:8786", "http://127.0.0.1:99999/", False),
        ("dask", "tcp://127.0.0.1:8786", "http://2130706433:8787/", True),  # 127.0.0.1 too
        ("dask", "tcp://a b:8786", "http://a b:8787/", False),  # not a host name
    ],
)
def test_the_dashboard_rule(engine: str, address: str, dashboard: str, allowed: bool) -> None:
    # The clusters the server starts: their class (the server's configuration) names them.
    assert checked_dashboard(engine, address, dashboard) == (dashboard if allowed else None)


GCE = "metadata.google.internal"
CONFIGURED = AllowedHosts.parse(
    ["10.0.0.0/8", "169.254.0.0/16", "fe80::/10", "fd00::/8", "100.64.0.0/10", "node7.cluster", GCE]
)


@pytest.mark.parametrize(
    ("engine", "address", "dashboard", "by_default", "configured"),
    [
        ("dask", "tcp://127.0.0.1:8786", "http://127.0.0.1:8787/", True, True),
        ("dask", "tcp://[::1]:8786", "http://localhost:8787/", True, True),
        ("spark", "local[2]", f"http://{socket.gethostname()}:4040/", True, True),
        ("dask", "tcp://10.0.0.1:8786", "http://10.0.0.1:8787/", False, True),
        ("spark-connect", "sc://10.0.0.1:15002", "http://10.0.0.1:4040/", False, True),
        ("dask", "tcp://10.0.0.2:8786", "http://10.0.0.1:8787/", False, False),  # not its host
        ("dask", "tcp://11.0.0.1:8786", "http://11.0.0.1:8787/", False, False),
        ("dask", "tcp://NODE7.cluster.:8786", "http://node7.cluster:8787/", False, True),
        ("dask", "tcp://node8.cluster:8786", "http://node8.cluster:8787/", False, False),
        # Link-local and metadata services: never, in any spelling, whatever is configured.
        ("dask", "tcp://169.254.169.254:80", "http://169.254.169.254/", False, False),
        ("dask", "tcp://169.254.170.2:80", "http://169.254.170.2/", False, False),
        ("dask", "tcp://0xa9fea9fe:80", "http://0xa9fea9fe/", False, False),
        ("dask", "tcp://[::ffff:a9fe:a9fe]:80", "http://[::ffff:169.254.169.254]/", False, False),
        ("dask", "tcp://[fe80::1]:8786", "http://[fe80::1]:8787/", False, False),
        ("dask", "tcp://[fd00:ec2::254]:80", "http://[fd00:ec2::254]/", False, False),
        ("dask", "tcp://100.100.100.200:80", "http://100.100.100.200/", False, False),
        ("dask", f"tcp://{GCE}:80", f"http://{GCE}/", False, False),
    ],
)
def test_the_announced_dashboard_rule(
    engine: str, address: str, dashboard: str, by_default: bool, configured: bool
) -> None:
    # A kernel's announcement: its word alone, so the server's hosts decide too.
    default = checked_dashboard(engine, address, dashboard, AllowedHosts())
    assert default == (dashboard if by_default else None)
    allowed = checked_dashboard(engine, address, dashboard, CONFIGURED)
    assert allowed == (dashboard if configured else None)


@pytest.mark.parametrize("entry", ["10.0.0.0/33", "not a host", "0x0a000001", ""])
def test_a_bad_allowed_host_is_a_clear_error(entry: str) -> None:
    with pytest.raises(ValueError, match="is neither a network nor a host name"):
        AllowedHosts.parse(["10.0.0.0/8", entry])
