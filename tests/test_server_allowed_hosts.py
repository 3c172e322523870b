"""``ClusterManager.allowed_dashboard_hosts`` on a real Jupyter server: a kernel's session
on a network the server's configuration allows keeps its dashboard and the proxy goes
there; link-local and cloud metadata addresses stay refused even when configured, and
the dashboard must still be on the session's own host. By default (no setting), see
test_server_targets."""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from tornado.httpclient import HTTPClientError

from lazyscope._clusters import AllowedHosts
from lazyscope.server import ClusterManager
from tests.test_server_discovery import live_kernel

pytestmark = pytest.mark.server

Fetch = Callable[..., Awaitable[Any]]
ALLOWED = ["10.0.0.0/8", "169.254.0.0/16", "fe80::/10", "100.64.0.0/10", "metadata.google.internal"]


@pytest.fixture
def jp_server_config() -> dict[str, object]:
    return {
        "ServerApp": {"jpserver_extensions": {"lazyscope": True}},
        "ClusterManager": {"allowed_dashboard_hosts": ALLOWED},
    }


def _session(sid: str, address: str, dashboard: str) -> dict[str, Any]:
    return {"id": sid, "engine": "dask", "address": address, "dashboard": dashboard,
            "started": 1.0}  # fmt: skip


async def test_configured_networks_are_proxied_metadata_never(
    jp_fetch: Fetch, jp_serverapp: Any, jp_runtime_dir: Path
) -> None:
    sessions = [
        _session("allowed", "tcp://10.0.0.1:8786", "http://10.0.0.1:8787/status"),
        _session("not-its-host", "tcp://10.0.0.2:8786", "http://10.0.0.1:8787/status"),
        _session("not-allowed", "tcp://11.0.0.1:8786", "http://11.0.0.1:8787/status"),
        _session("metadata", "tcp://169.254.169.254:80", "http://169.254.169.254/latest/"),
        _session("alibaba", "tcp://100.100.100.200:80", "http://100.100.100.200/latest/"),
        _session("gce", "tcp://metadata.google.internal:80", "http://metadata.google.internal/"),
        _session("link-local", "tcp://[fe80::1]:8786", "http://[fe80::1]:8787/"),
    ]
    async with live_kernel() as (kid, pid):
        announcement = {"kernel_id": kid, "pid": pid, "sessions": sessions}
        (jp_runtime_dir / f"lazyscope-kernel-{kid}.json").write_text(json.dumps(announcement))
        body = json.loads((await jp_fetch("lazyscope", "api", "clusters")).body)
        listed = {c["id"]: c for c in body["clusters"]}
        assert listed["allowed"]["dashboard"] == "http://10.0.0.1:8787/status"
        assert "/lazyscope/dashboard/allowed/status" in listed["allowed"]["proxy"]
        for sid in [s["id"] for s in sessions[1:]]:
            assert (listed[sid]["dashboard"], listed[sid]["proxy"]) == (None, None), sid

        # The proxy's target for the allowed one (asked of the manager, as the proxy does:
        # tests reach nothing beyond loopback), and none for the others: 404.
        manager = jp_serverapp.web_app.settings["lazyscope_manager"]
        assert await manager.dashboard("allowed") == ("dask", "http://10.0.0.1:8787/status")
        for sid in [s["id"] for s in sessions[1:]]:
            with pytest.raises(HTTPClientError) as error:
                await jp_fetch("lazyscope", "dashboard", sid, "status")
            assert error.value.code == 404, sid


def test_a_bad_setting_is_said_once_and_allows_nothing_more(
    caplog: pytest.LogCaptureFixture,
) -> None:
    log = logging.getLogger("jupyter-server-log")
    manager = ClusterManager(allowed_dashboard_hosts=["10.0.0.0/8", "10.0.0.0/33"], log=log)
    assert manager.announcements.hosts == AllowedHosts()
    assert [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR] == [
        "lazyscope: ClusterManager.allowed_dashboard_hosts: '10.0.0.0/33' is neither a network "
        "nor a host name; the setting is ignored (dashboards that kernels announce are proxied "
        "on loopback and this machine only)"
    ]
