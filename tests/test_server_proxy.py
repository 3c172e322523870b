"""The dashboard proxy on a real Jupyter server under a JupyterHub-style base URL: the
capability path a browser is sent to, the sandbox on every proxied response, streamed
HTTP, websockets to a real Dask dashboard (a Bokeh server) with their subprotocol, and
clean errors for refused origins and unreachable dashboards."""

from __future__ import annotations

import asyncio
import json
import re
import socket
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil
import pytest
from tornado import web, websocket
from tornado.httpclient import AsyncHTTPClient, HTTPClientError, HTTPRequest, HTTPResponse

pytestmark = pytest.mark.server

Fetch = Callable[..., Awaitable[Any]]
BASE = "/user/alice/"
TIMEOUT = 2.0  # the proxy's own connect timeout, configured below
BIG_MB = 101


@pytest.fixture
def jp_base_url() -> str:
    return BASE


@pytest.fixture
def jp_server_config() -> dict[str, object]:
    return {
        "ServerApp": {"jpserver_extensions": {"lazyscope": True}},
        "LazyscopeServer": {"dashboard_timeout": TIMEOUT},
    }


@dataclass(frozen=True)
class Server:
    """The Jupyter server under test, listening on loopback below BASE."""

    app: Any
    port: int
    auth: dict[str, str]  # the token header a logged-in browser or script sends
    runtime_dir: Path  # where its kernels announce their sessions


@pytest.fixture
def server(
    jp_fetch: Fetch, jp_serverapp: Any, jp_http_port: int, jp_auth_header: dict[str, str],
    jp_runtime_dir: Path,
) -> Server:  # fmt: skip
    # jp_fetch is asked for its fixtures: they start the server's HTTP listener.
    return Server(jp_serverapp, jp_http_port, jp_auth_header, jp_runtime_dir)


class _Recorder(web.RequestHandler):
    """A stand-in dashboard on loopback that remembers every request it got."""

    def initialize(self, hits: list[dict[str, Any]], release: asyncio.Event) -> None:
        self.hits, self.release = hits, release

    async def get(self, path: str) -> None:
        self.hits.append({"path": self.request.path, "query": self.request.query,
                          "headers": dict(self.request.headers)})  # fmt: skip
        if path == "redirect":
            self.redirect("/elsewhere")
        elif path == "away":
            self.redirect("http://example.invalid/x")
        elif path == "to":  # a redirect to exactly what the request says
            self.set_status(302)
            self.set_header("Location", self.get_argument("where"))
        elif path == "whereami":  # a page whose script shows its own URL
            self.write(WHEREAMI)
        elif path == "slow":  # one chunk, then the rest only once the client has the first
            self.set_header("Set-Cookie", "dash=1; Path=/")
            self.write("<html><head></head>first;")
            await self.flush()
            await asyncio.wait_for(self.release.wait(), 30)
            self.hits.append({"path": "slow-done"})
            self.write("rest")
        elif path == "big":  # past tornado's default 100 MB body limit
            self.set_header("Content-Type", "application/octet-stream")
            for _ in range(BIG_MB):
                self.write(b"x" * 2**20)
                await self.flush()
        else:
            self.write(f"dashboard:{self.request.path}")

    def post(self, path: str) -> None:
        self.hits.append({"path": self.request.path, "query": self.request.query,
                          "body": self.request.body.decode()})  # fmt: skip
        self.write(f"posted:{self.request.path}")


# What a script in a dashboard page sees of its own URL: in the page (``#href``) and, when
# framed, sent to the page that frames it.
WHEREAMI = ("<html><head></head><body><p id='href'></p><script>"
            "document.getElementById('href').textContent = 'HREF ' + location.href;"
            "if (parent !== window) parent.postMessage(location.href, '*');"
            "</script></body></html>")  # fmt: skip


class _Echo(websocket.WebSocketHandler):
    def initialize(self, hits: list[dict[str, Any]], release: asyncio.Event) -> None:
        self.hits = hits

    def open(self) -> None:
        self.hits.append({"path": "ws-open", "query": self.request.query})

    def on_message(self, message: str | bytes) -> None:
        self.write_message(f"echo:{message!s}")


@asynccontextmanager
async def _kernel(serverapp: Any) -> AsyncIterator[str]:
    """A real kernel of this server: announcements only count for its own kernels."""
    km = serverapp.kernel_manager
    kid = await km.start_kernel()
    try:
        yield kid
    finally:
        await km.shutdown_kernel(kid, now=True)


def _announce(server: Server, kid: str, sessions: list[dict[str, Any]]) -> None:
    """Announce ``sessions`` as kernel ``kid`` of the server does (its own pid)."""
    pid = server.app.kernel_manager.get_kernel(kid).provisioner.pid
    announcement = {"kernel_id": kid, "pid": pid, "sessions": sessions}
    (server.runtime_dir / f"lazyscope-kernel-{kid}.json").write_text(json.dumps(announcement))


def _session(sid: str, dashboard: str) -> dict[str, Any]:
    return {"id": sid, "engine": "dask", "address": "tcp://127.0.0.1:1",
            "dashboard": dashboard, "started": 1.0}  # fmt: skip


@asynccontextmanager
async def _fake(server: Server, routes: tuple[tuple[str, Any], ...] = ()
                ) -> AsyncIterator[dict[str, Any]]:  # fmt: skip
    """Session "fake-1" whose dashboard records requests; "fake-2" on a closed port.
    ``routes``: more (pattern, handler) of the dashboard, with the same arguments."""
    hits: list[dict[str, Any]] = []
    release = asyncio.Event()
    args = {"hits": hits, "release": release}
    app = web.Application([*((p, h, args) for p, h in routes), (r"/ws", _Echo, args),
                           (r"/(.*)", _Recorder, args)])  # fmt: skip
    dashboard = app.listen(0, address="127.0.0.1")
    port = next(iter(dashboard._sockets.values())).getsockname()[1]
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        closed_port = closed.getsockname()[1]
    async with _kernel(server.app) as kid:
        _announce(server, kid, [
            _session("fake-1", f"http://127.0.0.1:{port}/status"),
            _session("fake-2", f"http://127.0.0.1:{closed_port}/status"),
        ])  # fmt: skip
        yield {"hits": hits, "port": port, "release": release}
    dashboard.stop()


async def _raw(port: int, path: str, headers: dict[str, str] | None = None,
               method: str = "GET", **kwargs: Any) -> HTTPResponse:  # fmt: skip
    return await AsyncHTTPClient().fetch(
        f"http://127.0.0.1:{port}{path}", method=method, headers=headers or {},
        raise_error=False, follow_redirects=False, **kwargs,
    )  # fmt: skip


NAVIGATE = {"Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "iframe"}


async def _capability(server: Server, sid: str, page: str = "/status") -> str:
    """What a browser is sent to when it opens the plain link."""
    plain = f"{BASE}lazyscope/dashboard/{sid}{page}"
    moved = await _raw(server.port, plain, {**server.auth, **NAVIGATE})
    assert moved.code == 302, (moved.code, moved.body)
    location: str = moved.headers["Location"]
    return location


async def test_a_browser_is_sent_to_a_capability_path_that_needs_no_cookie(server: Server) -> None:
    async with _fake(server) as fake:
        location = await _capability(server, "fake-1", "/status?x=1")
        assert re.fullmatch(rf"{BASE}lazyscope/dashboard/fake-1/cap-[0-9a-f]{{32}}/status\?x=1",
                            location), location  # fmt: skip
        page = await _raw(server.port, location)  # no token, no cookie: the path is the grant
        assert (page.code, page.body) == (200, b"dashboard:/status")
        assert fake["hits"][-1]["path"] == "/status"
        # The dashboard runs sandboxed, in an origin of its own.
        policy = page.headers["Content-Security-Policy"]
        assert policy.startswith("sandbox allow-scripts")
        assert "allow-same-origin" not in policy
        assert page.headers["Referrer-Policy"] == "no-referrer"

        cap = re.findall(r"cap-[0-9a-f]{32}", location)[0]
        for wrong in (f"fake-2/{cap}", f"fake-1/cap-{'0' * 32}"):  # another id, a forged token
            refused = await _raw(server.port, f"{BASE}lazyscope/dashboard/{wrong}/status")
            assert refused.code == 403, wrong
            assert b"Traceback" not in refused.body
        assert len(fake["hits"]) == 1

        # Redirects stay under the capability path; one to another host is refused.
        prefix = location.split("/status")[0]
        moved = await _raw(server.port, f"{prefix}/redirect")
        assert (moved.code, moved.headers["Location"]) == (302, f"{prefix}/elsewhere")
        away = await _raw(server.port, f"{prefix}/away")
        assert away.code == 502
        assert "Location" not in away.headers


async def test_plain_path_still_needs_jupyter_auth_and_is_sandboxed_too(server: Server) -> None:
    async with _fake(server) as fake:
        plain = f"{BASE}lazyscope/dashboard/fake-1/status"
        assert (await _raw(server.port, plain, NAVIGATE)).code == 403
        page = await _raw(server.port, plain, server.auth)
        assert (page.code, page.body) == (200, b"dashboard:/status")
        assert "allow-same-origin" not in page.headers["Content-Security-Policy"]
        sent = fake["hits"][-1]["headers"]
        assert "Authorization" not in sent
        assert "Cookie" not in sent
        assert sent["Host"] == f"127.0.0.1:{fake['port']}"


async def test_http_is_streamed_and_dashboard_cookies_are_dropped(server: Server) -> None:
    async with _fake(server) as fake:
        location = await _capability(server, "fake-1", "/slow")
        events: list[str] = []

        def chunk(data: bytes) -> None:
            events.append(data.decode())
            fake["release"].set()  # the dashboard finishes only once this arrived

        response = await _raw(server.port, location, streaming_callback=chunk,
                              request_timeout=60)  # fmt: skip
        assert response.code == 200
        body = "".join(events)
        # The page, with web storage for its sandbox first in its head.
        assert body.startswith("<html><head><script>")
        assert body.endswith("</script></head>first;rest")
        # The first chunk reached the browser while the dashboard was still answering.
        assert fake["hits"][-1]["path"] == "slow-done"
        assert events[0].endswith("first;")
        assert "Set-Cookie" not in response.headers


async def test_a_download_bigger_than_100_mb_goes_through_whole(server: Server) -> None:
    async with _fake(server):
        location = await _capability(server, "fake-1", "/big")
        received = [0]

        def count(data: bytes) -> None:
            received[0] += len(data)

        client = AsyncHTTPClient(force_instance=True, max_body_size=2**30)
        try:
            response = await client.fetch(
                f"http://127.0.0.1:{server.port}{location}", streaming_callback=count,
                request_timeout=120, raise_error=False,
            )  # fmt: skip
        finally:
            client.close()
        assert response.code == 200
        assert received[0] == BIG_MB * 2**20


async def test_unreachable_dashboards_give_a_prompt_clean_error(server: Server) -> None:
    async with _fake(server):
        # Refused: a closed port.
        location = await _capability(server, "fake-2")
        page = await _raw(server.port, location)
        assert page.code == 502
        assert b"unreachable" in page.body
        assert b"Traceback" not in page.body
        ws_url = f"ws://127.0.0.1:{server.port}{location.replace('/status', '/status/ws')}"
        with pytest.raises(HTTPClientError) as error:
            await websocket.websocket_connect(ws_url)
        assert error.value.code == 502


@contextmanager
def _silent_port() -> Iterator[int]:
    """A port whose listen queue is full: connecting to it hangs, as to a dead host."""
    with socket.socket() as listener, socket.socket() as filler:
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)
        filler.connect(listener.getsockname())
        yield listener.getsockname()[1]


async def test_a_dashboard_that_never_answers_times_out_on_our_own_timeout(server: Server) -> None:
    with _silent_port() as port:
        async with _kernel(server.app) as kid:
            _announce(server, kid, [_session("dead-1", f"http://127.0.0.1:{port}/")])
            location = await _capability(server, "dead-1")
            # The client waits far longer than the proxy's timeout: the proxy answers first.
            page = await _raw(server.port, location, request_timeout=20 * TIMEOUT)
            assert page.code == 504
            assert f"did not answer within {TIMEOUT:g} s".encode() in page.body
            ws_url = f"ws://127.0.0.1:{server.port}{location}ws"
            with pytest.raises(HTTPClientError) as error:
                await websocket.websocket_connect(HTTPRequest(ws_url, request_timeout=20 * TIMEOUT))
            assert error.value.code == 504


def _upstream_sockets(port: int) -> list[Any]:
    """Open connections of this process (the Jupyter server runs in it) to ``port``."""
    connections = psutil.Process().net_connections("tcp")
    return [c for c in connections if c.raddr and c.raddr.port == port
            and c.status == psutil.CONN_ESTABLISHED]  # fmt: skip


async def test_a_refused_origin_opens_no_upstream_socket(server: Server) -> None:
    async with _fake(server) as fake:
        # A browser session: Jupyter's login cookie (token requests skip origin checks).
        login = await _raw(server.port, f"{BASE}api/status", server.auth)
        cookie = login.headers["Set-Cookie"].split(";")[0]
        location = await _capability(server, "fake-1")
        prefix = location.split("/status")[0]
        evil = {"Origin": "http://evil.example"}
        for path, headers in [
            (f"{BASE}lazyscope/dashboard/fake-1/ws", {"Cookie": cookie, **evil}),
            (f"{prefix}/ws", evil),
        ]:
            url = f"ws://127.0.0.1:{server.port}{path}"
            with pytest.raises(HTTPClientError) as error:
                await websocket.websocket_connect(HTTPRequest(url, headers=headers))
            assert error.value.code == 403, path
        await asyncio.sleep(0.2)  # let any stray connect land before looking
        assert _upstream_sockets(fake["port"]) == []
        assert [h for h in fake["hits"] if h["path"] == "ws-open"] == []

        # The same socket from the sandboxed dashboard (origin "null") is relayed.
        url = f"ws://127.0.0.1:{server.port}{prefix}/ws"
        conn = await websocket.websocket_connect(HTTPRequest(url, headers={"Origin": "null"}))
        await conn.write_message("hi")
        assert await conn.read_message() == "echo:hi"
        conn.close()


async def test_kernels_the_server_starts_get_the_dashboard_prefix(server: Server) -> None:
    async with _kernel(server.app) as kid:
        kernel = server.app.kernel_manager.get_kernel(kid)
        env = psutil.Process(kernel.provisioner.pid).environ()
        assert env["LAZYSCOPE_DASHBOARD_PREFIX"] == f"{BASE}lazyscope/dashboard/"


async def _bokeh_socket(url: str, headers: dict[str, str], token: str) -> Any:
    """Open the Bokeh websocket as BokehJS does: subprotocols ``bokeh`` and the token."""
    request = HTTPRequest(url, headers=headers)
    return await websocket.websocket_connect(request, subprotocols=["bokeh", token])


@pytest.mark.dask
async def test_bokeh_websockets_of_a_real_dask_dashboard_work_through_the_proxy(
    server: Server, dask_engine: Any
) -> None:
    info = dask_engine.info
    session = {"id": "dask-real", "engine": "dask", "address": info.address,
               "dashboard": info.dashboard, "started": 1.0}  # fmt: skip
    async with _kernel(server.app) as kid:
        _announce(server, kid, [session])
        location = await _capability(server, "dask-real", "/status")
        ws_path = location.split("?")[0] + "/ws"
        for path, headers in [
            (ws_path, {"Origin": "null"}),  # the sandboxed dashboard in the lab
            (f"{BASE}lazyscope/dashboard/dask-real/status/ws", server.auth),  # a script
        ]:
            page = await _raw(server.port, location)
            assert page.code == 200
            # Each page load carries a fresh Bokeh session token for its websocket.
            token = re.search(rb'"token":"([^"]+)"', page.body)
            assert token is not None, page.body[:500]
            url = f"ws://127.0.0.1:{server.port}{path}"
            conn = await _bokeh_socket(url, headers, token.group(1).decode())
            # Negotiated end to end: Bokeh chose "bokeh", and the browser side agrees.
            assert conn.selected_subprotocol == "bokeh"
            header = json.loads(await asyncio.wait_for(conn.read_message(), 60))
            assert header["msgtype"] == "ACK", header  # the Bokeh server's first word
            conn.close()


async def test_crafted_paths_never_leave_the_dashboard_through_the_capability_path(
    server: Server,
) -> None:
    from tests.test_server_clusters import CRAFTED, _fake_dashboards

    async with _fake_dashboards(server.runtime_dir) as fake:
        canary = fake["canary_port"]
        location = await _capability(server, "fake-1")
        prefix = location.split("/status")[0]
        plain = f"{BASE}lazyscope/dashboard/fake-1"
        for crafted in (p.format(canary=canary) for p in CRAFTED):
            through = await _raw(server.port, prefix + crafted)
            assert through.code in (200, 400, 404), crafted
            if through.code == 200:  # forwarded: then the dashboard itself answered
                assert through.body.startswith(b"dashboard:/"), crafted
            # A navigation is checked before it is redirected, not after.
            moved = await _raw(server.port, plain + crafted, {**server.auth, **NAVIGATE})
            assert moved.code in (302, 400, 404), crafted
            if moved.code == 302:
                assert moved.headers["Location"].startswith(prefix + "/"), crafted
        assert fake["canary"] == [], "a crafted path reached another port"
        for hit in fake["dash"]:
            assert ".." not in hit["path"].split("/")
            assert "//" not in hit["path"]
