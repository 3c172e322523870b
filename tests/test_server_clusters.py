"""The cluster routes and the dashboard proxy on a real Jupyter server: authentication on
every route, the life of server-managed Dask and Spark clusters, sessions a real kernel
started through the magics, and crafted paths that try to leave the dashboard."""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psutil
import pytest
from tornado import web, websocket
from tornado.httpclient import AsyncHTTPClient, HTTPClientError, HTTPRequest, HTTPResponse

from tests.test_server_discovery import live_kernel

pytestmark = pytest.mark.server

Fetch = Callable[..., Awaitable[Any]]
NO_TOKEN = {"Authorization": ""}


class _Recorder(web.RequestHandler):
    """A stand-in dashboard on loopback that remembers every request it got."""

    def initialize(self, hits: list[dict[str, Any]]) -> None:
        self.hits = hits

    def get(self, path: str) -> None:
        self.hits.append({"path": self.request.path, "headers": dict(self.request.headers)})
        if path == "redirect":
            self.redirect("/elsewhere")
        else:
            self.write(f"dashboard:{self.request.path}")


class _Echo(websocket.WebSocketHandler):
    def on_message(self, message: str | bytes) -> None:
        self.write_message(f"echo:{message!s}")


async def _serve(hits: list[dict[str, Any]]) -> tuple[int, Any]:
    app = web.Application([(r"/ws", _Echo), (r"/(.*)", _Recorder, {"hits": hits})])
    server = app.listen(0, address="127.0.0.1")
    port = next(iter(server._sockets.values())).getsockname()[1]
    return port, server


@asynccontextmanager
async def _fake_dashboards(jp_runtime_dir: Path) -> AsyncIterator[dict[str, Any]]:
    """A kernel-announced session whose dashboard records requests, and a second server
    (the canary) on another port that no proxied request may ever reach."""
    dash_hits: list[dict[str, Any]] = []
    canary_hits: list[dict[str, Any]] = []
    dash_port, dash = await _serve(dash_hits)
    canary_port, canary = await _serve(canary_hits)
    session = {"id": "fake-1", "engine": "dask", "address": "tcp://127.0.0.1:1",
               "dashboard": f"http://127.0.0.1:{dash_port}/status", "started": 1.0}  # fmt: skip
    async with live_kernel() as (kid, pid):  # only this server's kernels may announce
        announcement = {"kernel_id": kid, "pid": pid, "sessions": [session]}
        (jp_runtime_dir / f"lazyscope-kernel-{kid}.json").write_text(json.dumps(announcement))
        yield {"dash": dash_hits, "canary": canary_hits, "dash_port": dash_port,
               "canary_port": canary_port}  # fmt: skip
    dash.stop()
    canary.stop()


async def _raw(
    port: int, path: str, headers: dict[str, str], method: str = "GET", body: str | None = None
) -> HTTPResponse:
    """A request with the path sent exactly as written (jp_fetch would re-encode it)."""
    return await AsyncHTTPClient().fetch(
        f"http://127.0.0.1:{port}{path}", method=method, headers=headers, body=body,
        raise_error=False, follow_redirects=False, allow_nonstandard_methods=True,
    )  # fmt: skip


ROUTES = [
    ("GET", "lazyscope/api/clusters", None),
    ("POST", "lazyscope/api/clusters", '{"engine": "dask"}'),
    ("GET", "lazyscope/api/clusters/fake-1", None),
    ("PATCH", "lazyscope/api/clusters/fake-1", '{"workers": 2}'),
    ("DELETE", "lazyscope/api/clusters/fake-1", None),
    ("GET", "lazyscope/dashboard/fake-1/status", None),
    ("HEAD", "lazyscope/dashboard/fake-1/status", None),
    ("POST", "lazyscope/dashboard/fake-1/status", "x=1"),
]


@pytest.mark.parametrize(("method", "path", "body"), ROUTES)
async def test_every_route_is_forbidden_without_a_token(
    jp_fetch: Fetch, jp_http_port: int, jp_base_url: str, jp_runtime_dir: Path,
    method: str, path: str, body: str | None,
) -> None:  # fmt: skip
    async with _fake_dashboards(jp_runtime_dir) as fake_dashboards:
        response = await _raw(jp_http_port, jp_base_url + path, NO_TOKEN, method, body)
        assert response.code == 403
        assert fake_dashboards["dash"] == []  # nothing reached the dashboard


async def test_dashboard_websocket_is_forbidden_without_a_token(
    jp_fetch: Fetch, jp_http_port: int, jp_base_url: str, jp_runtime_dir: Path
) -> None:
    async with _fake_dashboards(jp_runtime_dir):
        url = f"ws://127.0.0.1:{jp_http_port}{jp_base_url}lazyscope/dashboard/fake-1/ws"
        with pytest.raises(HTTPClientError) as error:
            await websocket.websocket_connect(HTTPRequest(url, headers=NO_TOKEN))
        assert error.value.code == 403


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "clusters/nope"),
        ("PATCH", "clusters/nope"),
        ("DELETE", "clusters/nope"),
        ("PATCH", "clusters/fake-1"),
        ("DELETE", "clusters/fake-1"),
    ],
)
async def test_unknown_or_not_managed_ids_are_404(
    jp_fetch: Fetch, jp_runtime_dir: Path, method: str, path: str
) -> None:
    async with _fake_dashboards(jp_runtime_dir):
        body = '{"workers": 1}' if method == "PATCH" else None
        with pytest.raises(HTTPClientError) as error:
            await jp_fetch("lazyscope", "api", *path.split("/"), method=method, body=body)
        assert error.value.code == 404


async def test_bad_options_are_400_with_the_reason(jp_fetch: Fetch) -> None:
    with pytest.raises(HTTPClientError) as error:
        await jp_fetch("lazyscope", "api", "clusters", method="POST", body='{"engine": "ray"}')
    assert error.value.code == 400
    assert "engine must be one of dask, spark" in json.loads(error.value.response.body)["message"]


async def test_proxy_reaches_the_dashboard_and_rewrites_redirects(
    jp_fetch: Fetch, jp_http_port: int, jp_base_url: str, jp_auth_header: dict[str, str],
    jp_runtime_dir: Path,
) -> None:  # fmt: skip
    async with _fake_dashboards(jp_runtime_dir) as fake_dashboards:
        listed = json.loads((await jp_fetch("lazyscope", "api", "clusters")).body)["clusters"]
        prefix = f"{jp_base_url}lazyscope/dashboard/fake-1"
        assert [c["proxy"] for c in listed] == [f"{prefix}/status"]

        page = await _raw(jp_http_port, f"{prefix}/status?x=1", jp_auth_header)
        assert (page.code, page.body) == (200, b"dashboard:/status")
        # The Jupyter token is for Jupyter: the dashboard never sees it.
        assert "Authorization" not in fake_dashboards["dash"][-1]["headers"]
        moved = await _raw(jp_http_port, f"{prefix}/redirect", jp_auth_header)
        assert (moved.code, moved.headers["Location"]) == (302, f"{prefix}/elsewhere")

        ws_url = f"ws://127.0.0.1:{jp_http_port}{prefix}/ws"
        conn = await websocket.websocket_connect(HTTPRequest(ws_url, headers=jp_auth_header))
        await conn.write_message("hi")
        assert await conn.read_message() == "echo:hi"
        conn.close()


CRAFTED = [
    "/../../", "/%2e%2e/%2e%2e/", "/..%2F..%2F", "/status/..", "/%2F%2F127.0.0.1:{canary}/",
    "//127.0.0.1:{canary}/", "/@127.0.0.1:{canary}/", "/x@127.0.0.1:{canary}/",
    "/http://127.0.0.1:{canary}/", "/http:%2F%2F127.0.0.1:{canary}/", "/http:/127.0.0.1:{canary}",
    "/%5C%5C127.0.0.1:{canary}/", "/%252e%252e/%252e%252e/", "/x%00y", "/x%0d%0aHost:%20evil",
    "/status?next=http://127.0.0.1:{canary}/", "/status#@127.0.0.1:{canary}",
]  # fmt: skip


async def test_crafted_paths_never_leave_the_dashboard(
    jp_fetch: Fetch, jp_http_port: int, jp_base_url: str, jp_auth_header: dict[str, str],
    jp_runtime_dir: Path,
) -> None:  # fmt: skip
    async with _fake_dashboards(jp_runtime_dir) as fake_dashboards:
        canary, dash_port = fake_dashboards["canary_port"], fake_dashboards["dash_port"]
        base = f"{jp_base_url}lazyscope/dashboard"
        paths = [f"{base}/fake-1{p.format(canary=canary)}" for p in CRAFTED]
        # The id itself is only ever looked up, never used as a host.
        paths += [
            f"{base}/127.0.0.1:{canary}/",
            f"{base}/..%2F..%2F/",
            f"{base}/@127.0.0.1:{canary}/",
        ]
        outcomes = {}
        for path in paths:
            response = await _raw(jp_http_port, path, jp_auth_header)
            outcomes[path] = response.code
            if response.code == 302:  # no lazyscope route matched: Jupyter's own
                location = response.headers["Location"]  # trailing-slash redirect, same server
                assert location.startswith(jp_base_url), location
                outcomes[path] = 404 if path.rstrip("/") == location else response.code
            if response.code == 200:  # forwarded: then the dashboard itself answered
                assert response.body.startswith(b"dashboard:/"), path
        assert fake_dashboards["canary"] == [], "a crafted path reached another port"
        assert set(outcomes.values()) <= {200, 400, 404}, outcomes
        for hit in fake_dashboards["dash"]:
            assert hit["headers"]["Host"] == f"127.0.0.1:{dash_port}"
            assert ".." not in hit["path"].split("/")
            assert "//" not in hit["path"]


async def _until_running(jp_fetch: Fetch, cid: str, timeout: float = 180) -> dict[str, Any]:
    for _ in range(int(timeout / 0.5)):
        info: dict[str, Any] = json.loads(
            (await jp_fetch("lazyscope", "api", "clusters", cid)).body
        )
        if info["status"] != "starting":
            assert info["status"] == "running", info
            return info
        await asyncio.sleep(0.5)
    raise AssertionError(f"{cid} still starting after {timeout} s")


async def _lifecycle(jp_fetch: Fetch, jp_serverapp: Any, body: dict[str, Any]) -> dict[str, Any]:
    """Create (1 worker), scale to 2 and back to 1, and return the running cluster."""
    created = await jp_fetch("lazyscope", "api", "clusters", method="POST", body=json.dumps(body))
    assert created.code == 201
    cid = json.loads(created.body)["id"]
    info = await _until_running(jp_fetch, cid)
    assert (info["workers"], info["cores"]) == (1, 1)
    listed = json.loads((await jp_fetch("lazyscope", "api", "clusters")).body)["clusters"]
    assert cid in [c["id"] for c in listed if c["source"] == "server"]
    for workers in (2, 1):
        # A PATCH answers once the workers run: a JVM start, slow on a loaded machine.
        scaled = await jp_fetch("lazyscope", "api", "clusters", cid, method="PATCH",
                                body=json.dumps({"workers": workers}),
                                request_timeout=180)  # fmt: skip
        assert json.loads(scaled.body)["workers"] == workers
    return info


async def _delete(jp_fetch: Fetch, cid: str) -> None:
    assert (await jp_fetch("lazyscope", "api", "clusters", cid, method="DELETE")).code == 204
    with pytest.raises(HTTPClientError) as error:
        await jp_fetch("lazyscope", "api", "clusters", cid)
    assert error.value.code == 404


def _listener(url: str) -> int:
    """The pid of the process listening on the port of ``url`` (loopback)."""
    port = urlsplit(url).port
    found = {c.pid for c in psutil.net_connections("tcp")
             if c.status == psutil.CONN_LISTEN and c.laddr and c.laddr.port == port}  # fmt: skip
    assert len(found) == 1, (url, found)
    return int(found.pop() or 0)


@pytest.mark.dask
async def test_dask_cluster_lifecycle_and_dashboard(
    jp_fetch: Fetch, jp_serverapp: Any, jp_http_port: int, jp_auth_header: dict[str, str]
) -> None:
    info = await _lifecycle(jp_fetch, jp_serverapp, {"engine": "dask", "workers": 1, "cores": 1})
    assert info["address"].startswith("tcp://127.0.0.1:")
    page = await _raw(jp_http_port, info["proxy"], jp_auth_header)
    assert page.code == 200
    assert b"Dask" in page.body
    # The scheduler and its dashboard run in a child process of the server, not in the
    # server (this test's process): a dashboard under load does not hold the server's loop.
    manager = jp_serverapp.web_app.settings["lazyscope_manager"]
    dashboard = manager.clusters[info["id"]].dashboard
    (pid,) = {_listener(info["address"]), _listener(dashboard)}  # one process, both
    assert pid != os.getpid()
    assert psutil.Process(pid).ppid() == os.getpid()
    await _delete(jp_fetch, info["id"])
    assert not psutil.pid_exists(pid)  # stopped with its cluster


@pytest.mark.spark
@pytest.mark.standalone
@pytest.mark.slow
async def test_spark_cluster_lifecycle_and_ui_behind_the_proxy(
    jp_fetch: Fetch, jp_serverapp: Any, jp_http_port: int, jp_auth_header: dict[str, str]
) -> None:
    body = {"engine": "spark", "workers": 1, "cores": 1, "memory": "512m"}
    info = await _lifecycle(jp_fetch, jp_serverapp, body)
    assert info["address"].startswith("spark://127.0.0.1:")
    page = await _raw(jp_http_port, info["proxy"], jp_auth_header)
    assert page.code == 200
    assert b"Spark Master" in page.body
    # Its links go through the proxy (its capability path), not to the master's own port.
    assert f'href="{info["proxy"]}cap-'.encode() in page.body
    assert b'href="/static/' not in page.body
    manager = jp_serverapp.web_app.settings["lazyscope_manager"]
    pids = [p.pid for p in manager.clusters[info["id"]].processes()]
    await _delete(jp_fetch, info["id"])
    assert not [pid for pid in pids if psutil.pid_exists(pid)]


@pytest.mark.kernel
@pytest.mark.dask
async def test_a_kernel_session_started_by_the_magics_is_discovered(
    jp_fetch: Fetch, jp_serverapp: Any, jp_http_port: int, jp_auth_header: dict[str, str]
) -> None:
    # A kernel of this server, as the lab starts one: only those may announce sessions.
    kernels = jp_serverapp.kernel_manager
    kid = await kernels.start_kernel(kernel_name="python3")
    client = kernels.get_kernel(kid).client()
    client.start_channels()
    try:
        await client.wait_for_ready(timeout=120)
        code = "%load_ext lazyscope\n%dask start --workers 1 --threads 1"
        reply = await client.execute_interactive(code, timeout=240, output_hook=lambda _: None)
        assert reply["content"]["status"] == "ok", reply["content"]
        listed = json.loads((await jp_fetch("lazyscope", "api", "clusters")).body)["clusters"]
        mine = [c for c in listed if c.get("kernel_id") == kid]
        assert [c["engine"] for c in mine] == ["dask"], listed
        assert mine[0]["source"] == "kernel"
        assert mine[0]["workers"] == 1
        page = await _raw(jp_http_port, mine[0]["proxy"], jp_auth_header)
        assert page.code == 200
        assert b"Dask" in page.body
    finally:
        client.stop_channels()
        await kernels.shutdown_kernel(kid)
