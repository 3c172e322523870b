"""The dashboard proxy attacked as issue 30's review did, against a real Jupyter server
and a real dashboard on loopback: Jupyter's token never reaches a dashboard nor a page
URL (Chromium reads it), redirects of every shape stay below the proxy, security headers
on every answer, ``..;`` paths refused, quiet websocket closes, and the cases of
jupyter-server-proxy's advisories (GHSA-gcv9-6737-pjqw, CVE-2024-28179, CVE-2024-35225)."""

from __future__ import annotations

import asyncio
import gc
import logging
import re
import shutil
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode, urljoin

import pytest
from tornado import web, websocket
from tornado.httpclient import HTTPClientError, HTTPRequest
from tornado.ioloop import IOLoop

from tests import test_server_proxy as proxy_tests
from tests.test_server_proxy import BASE, NAVIGATE, Server, _capability, _fake, _raw

pytestmark = pytest.mark.server

# The proxy tests' server (JupyterHub-style base URL, lazyscope on): pytest finds
# fixtures by module attribute.
jp_base_url = proxy_tests.jp_base_url
jp_server_config = proxy_tests.jp_server_config
server = proxy_tests.server

PLAIN = f"{BASE}lazyscope/dashboard/fake-1"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def _token(server: Server) -> str:
    """The server's own token (what ``?token=`` in a link of the user's carries)."""
    return server.auth["Authorization"].split()[1]


class _OwnHeaders(web.RequestHandler):
    """A dashboard page with security headers of its own."""

    def initialize(self, **_: Any) -> None:
        pass

    def get(self) -> None:
        self.set_header("X-Content-Type-Options", "nosniff")
        self.set_header("X-Frame-Options", "DENY")
        self.set_header("Content-Security-Policy", "default-src *")
        self.write("own headers")


class _Framer(web.RequestHandler):
    """A page that frames ``?src=`` and shows what the framed page tells it."""

    def initialize(self, **_: Any) -> None:
        pass

    def get(self) -> None:
        src = self.get_argument("src")
        self.write(
            "<html><body><p id='got'>waiting</p>"
            f"<iframe src='{src}'></iframe><script>"
            "const got = document.getElementById('got');"
            "addEventListener('message', e => { got.textContent = 'FRAMED ' + e.data; });"
            "document.querySelector('iframe').onload = () => setTimeout(() => {"
            "  if (got.textContent === 'waiting') got.textContent = 'NOTHING'; }, 1500);"
            "</script></body></html>"
        )


class _Flood(websocket.WebSocketHandler):
    """A dashboard websocket sending as fast as the relay takes it (``?flood=1``);
    "close" closes it, "drop" cuts its connection without a closing handshake."""

    def initialize(self, hits: list[dict[str, Any]], **_: Any) -> None:
        self.hits = hits

    def open(self) -> None:
        if self.get_argument("flood", ""):
            IOLoop.current().spawn_callback(self._flood)

    async def _flood(self) -> None:
        try:
            while True:
                await self.write_message(b"x" * 2**16, binary=True)
        except websocket.WebSocketClosedError:
            self.hits.append({"path": "flood-ended"})

    def on_message(self, message: str | bytes) -> None:
        if message == "close":
            self.close()
        elif message == "drop":
            assert self.ws_connection is not None
            self.ws_connection.stream.close()

    def on_close(self) -> None:
        self.hits.append({"path": "flood-closed"})


ROUTES = (("/own-headers", _OwnHeaders), ("/framer", _Framer), ("/flood", _Flood))


@asynccontextmanager
async def _canary() -> AsyncIterator[tuple[int, list[dict[str, Any]]]]:
    """Another server on loopback (port, requests it got): nothing may ever reach it."""
    hits: list[dict[str, Any]] = []
    args = {"hits": hits, "release": asyncio.Event()}
    app = web.Application([(r"/(.*)", proxy_tests._Recorder, args)])
    listener = app.listen(0, address="127.0.0.1")
    try:
        yield next(iter(listener._sockets.values())).getsockname()[1], hits
    finally:
        listener.stop()


def _queries(fake: dict[str, Any]) -> list[str]:
    return [hit["query"] for hit in fake["hits"]]


# Finding 1 -----------------------------------------------------------------------------


async def test_jupyters_token_and_xsrf_never_reach_the_dashboard(server: Server) -> None:
    token = _token(server)
    secret = f"token={token}&_xsrf=2%7Cabc"
    async with _fake(server, ROUTES) as fake:
        # HTTP on the plain path, authenticated by the query's token alone.
        page = await _raw(server.port, f"{PLAIN}/status?x=1&{secret}&y=2")
        assert (page.code, page.body) == (200, b"dashboard:/status")
        # The browser's navigation: redirected to the capability path without them.
        moved = await _raw(server.port, f"{PLAIN}/status?x=1&{secret}", NAVIGATE)
        assert moved.code == 302
        location = moved.headers["Location"]
        assert re.fullmatch(rf"{PLAIN}/cap-[0-9a-f]{{32}}/status\?x=1", location), location
        # The capability path, the dashboard's redirects, a form posted with the token.
        prefix = location.split("/status")[0]
        page = await _raw(server.port, f"{prefix}/status?{secret}&x=3")
        assert page.code == 200
        where = quote("/elsewhere?token=T&_xsrf=X&x=4", safe="")  # as a dashboard might
        moved = await _raw(server.port, f"{prefix}/to?where={where}")
        assert (moved.code, moved.headers["Location"]) == (302, f"{prefix}/elsewhere?x=4")
        posted = await _raw(server.port, f"{PLAIN}/form", method="POST",
                            headers={"Content-Type": "application/x-www-form-urlencoded"},
                            body=f"a=1&{secret}")  # fmt: skip
        assert posted.code == 200, posted.body
        # Websockets, on either path.
        for path, headers in [(f"{PLAIN}/ws?{secret}&x=5", {}),
                              (f"{prefix}/ws?{secret}&x=6", {"Origin": "null"})]:  # fmt: skip
            conn = await websocket.websocket_connect(
                HTTPRequest(f"ws://127.0.0.1:{server.port}{path}", headers=headers)
            )
            await conn.write_message("hi")
            assert await conn.read_message() == "echo:hi"
            conn.close()
        assert _queries(fake) == ["x=1&y=2", "x=3", "where=" + where, "", "x=5", "x=6"]
        assert next(h["body"] for h in fake["hits"] if h["path"] == "/form") == "a=1"
        assert token not in repr(fake["hits"])


async def test_a_dashboard_at_jupyters_own_address_gets_no_token_to_use(server: Server) -> None:
    """The finding's proof: a dashboard announced at the Jupyter server itself was asked
    ``api/kernels?token=T`` and answered with the kernel list."""
    async with proxy_tests._kernel(server.app) as kid:
        own = f"http://127.0.0.1:{server.port}{BASE}"
        proxy_tests._announce(server, kid, [proxy_tests._session("self-1", own)])
        path = f"{BASE}lazyscope/dashboard/self-1{BASE}api/kernels?token={_token(server)}"
        page = await _raw(server.port, path)
        assert page.code == 403, page.body  # Jupyter got no token: it refuses
        assert kid.encode() not in page.body


async def _chromium_dom(url: str, profile: Path) -> str:
    """The DOM of ``url`` once its scripts ran, as headless Chromium shows it."""
    proc = await asyncio.create_subprocess_exec(
        # --no-sandbox: Chromium's own process sandbox cannot start as root (CI).
        CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
        f"--user-data-dir={profile}", "--virtual-time-budget=10000", "--dump-dom", url,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    out, _ = await asyncio.wait_for(proc.communicate(), 120)
    return out.decode()


async def test_in_chromium_the_dashboard_page_url_holds_no_token_and_only_jupyter_frames_it(
    server: Server, tmp_path: Path
) -> None:
    # The page the user opens from a link carrying the token, at the top and in a frame;
    # the page's own script reports location.href (what any script of a dashboard reads).
    link = f"http://127.0.0.1:{server.port}{PLAIN}/whereami?x=1&token={_token(server)}"
    framer = f"{BASE}lazyscope-test-framer"
    server.app.web_app.add_handlers(r".*$", [(framer, _Framer)])  # a page of Jupyter's origin
    async with _fake(server, ROUTES) as fake:
        top = await _chromium_dom(link, tmp_path / "top")
        framed = await _chromium_dom(
            f"http://127.0.0.1:{server.port}{framer}?{urlencode({'src': link})}", tmp_path / "j"
        )
        elsewhere = await _chromium_dom(
            f"http://127.0.0.1:{fake['port']}/framer?{urlencode({'src': link})}", tmp_path / "e"
        )
    capability = rf"http://127\.0\.0\.1:{server.port}{PLAIN}/cap-[0-9a-f]{{32}}/whereami\?x=1"
    assert _matches(rf"HREF {capability}", _text(top, "href")), top
    assert _matches(rf"FRAMED {capability}", _text(framed, "got")), framed  # the lab's case
    assert _text(elsewhere, "got") == "NOTHING", elsewhere  # frame-ancestors 'self'
    assert [h["query"] for h in fake["hits"] if h["path"] == "/whereami"] == ["x=1"] * 3
    assert _token(server) not in repr([_text(top, "href"), _text(framed, "got")])


def _text(dom: str, element_id: str) -> str | None:
    found = re.search(rf"<p id=\"{element_id}\">([^<]*)</p>", dom)
    return found.group(1) if found else None


def _matches(pattern: str, text: str | None) -> bool:
    return text is not None and re.fullmatch(pattern, text) is not None


# Finding 2 -----------------------------------------------------------------------------

# (Location the dashboard sends, where it must take the browser below the proxy or None
# for a refusal). {port}: the dashboard's own, {canary}: another server's.
REDIRECTS = [
    ("\\\\127.0.0.1:{canary}/x", None),
    ("\\/127.0.0.1:{canary}/x", None),
    ("/\\127.0.0.1:{canary}/x", None),
    ("//127.0.0.1:{canary}/x", None),
    ("///127.0.0.1:{canary}/x", None),
    ("http:///127.0.0.1:{canary}/x", None),
    ("http:127.0.0.1:{canary}/x", "/127.0.0.1:{canary}/x"),  # a relative path, for browsers too
    ("http://127.0.0.1:{canary}/x", None),
    ("HTTP://127.0.0.1:{canary}/x", None),
    ("http:\\\\127.0.0.1:{canary}/x", None),
    ("http:/\\127.0.0.1:{canary}/x", None),
    ("https:127.0.0.1:{canary}/x", None),
    ("http://127.0.0.1:{port}@127.0.0.1:{canary}/x", None),
    ("http://user:pass@127.0.0.1:{port}/x", None),
    ("https://127.0.0.1:{port}/x", None),  # same host and port, another scheme
    ("javascript:alert(document.domain)", None),
    ("http://127.0.0.1:{port}/a/../../x", None),  # dot segments a browser would resolve
    ("/a/%2e%2e/%2E%2e/x", None),
    ("http://127.0.0.1:{port}/x?y=1", "/x?y=1"),  # the dashboard's own origin
    ("//127.0.0.1:{port}/x", "/x"),
    ("\\\\127.0.0.1:{port}/x\\y", "/x/y"),
    ("/x#top", "/x#top"),
    ("x/y", "/x/y"),  # relative to the dashboard's /to
    ("../../../x", "/x"),  # resolved first: never above the dashboard's root
    ("http:x", "/x"),  # same scheme, relative (as browsers read it)
]


async def test_every_redirect_of_a_dashboard_stays_below_the_proxy_or_is_refused(
    server: Server,
) -> None:
    async with _fake(server) as fake, _canary() as (canary, canary_hits):
        prefix = (await _capability(server, "fake-1")).split("/status")[0]
        for pattern, expected in REDIRECTS:
            sent = pattern.format(port=fake["port"], canary=canary)
            for base in (prefix, PLAIN):
                auth = server.auth if base == PLAIN else {}
                answer = await _raw(server.port, f"{base}/to?where={quote(sent, safe='')}", auth)
                if expected is None:
                    assert answer.code == 502, (sent, answer.code, answer.headers.get("Location"))
                    assert "Location" not in answer.headers
                    assert b"redirected outside itself" in answer.body
                else:
                    assert answer.code == 302, (sent, answer.code)
                    assert answer.headers["Location"] == base + expected.format(canary=canary)
                    # As the browser resolves it: on Jupyter's origin, below the prefix.
                    origin = f"http://127.0.0.1:{server.port}"
                    resolved = urljoin(f"{origin}{base}/to", answer.headers["Location"])
                    assert resolved.startswith(f"{origin}{base}/"), (sent, resolved)
        assert canary_hits == []


# Finding 6 (headers, ..;) ----------------------------------------------------------------

SANDBOXED = "sandbox allow-scripts allow-forms allow-popups allow-modals allow-downloads"


def _assert_secured(answer: Any, what: str) -> None:
    policy = answer.headers.get_list("Content-Security-Policy")
    assert policy == [f"{SANDBOXED}; frame-ancestors 'self'"], (what, policy)
    assert answer.headers.get_list("X-Frame-Options") == ["SAMEORIGIN"], what
    assert answer.headers.get_list("X-Content-Type-Options") == ["nosniff"], what
    assert answer.headers["Referrer-Policy"] == "no-referrer", what


async def test_every_answer_of_the_proxy_carries_the_security_headers(server: Server) -> None:
    async with _fake(server, ROUTES) as fake:
        location = await _capability(server, "fake-1")
        prefix = location.split("/status")[0]
        other = f"{BASE}lazyscope/dashboard/fake-2"
        cases = {
            "page, capability path": (f"{prefix}/status", {}, 200),
            "page, plain path": (f"{PLAIN}/status", server.auth, 200),
            "page with headers of its own": (f"{prefix}/own-headers", {}, 200),
            "navigation": (f"{PLAIN}/status", {**server.auth, **NAVIGATE}, 302),
            "a dashboard's redirect": (f"{prefix}/redirect", {}, 302),
            "refused redirect": (f"{prefix}/away", {}, 502),
            "refused path": (f"{prefix}/a/..;/status", {}, 400),
            "unknown id": (f"{BASE}lazyscope/dashboard/nope/status", server.auth, 404),
            "forged capability": (f"{PLAIN}/cap-{'0' * 32}/status", {}, 403),
            "no login": (f"{PLAIN}/status", {}, 403),
            "unreachable": (f"{other}/status", server.auth, 502),
        }
        for what, (path, headers, code) in cases.items():
            answer = await _raw(server.port, path, headers)
            assert answer.code == code, (what, answer.code, answer.body[:200])
            _assert_secured(answer, what)
        own = await _raw(server.port, f"{prefix}/own-headers")
        assert own.body == b"own headers"
        assert fake["hits"]  # the dashboard did answer


# ";parameters" making dot or empty segments: Jetty (the Spark UI) cuts them off.
SEMICOLON_PATHS = ["/..;/", "/.;/", "/..;x=1/status", "/status/..;", "/%2e%2e;/", "/..%3b/",
                   "/%2E%2E%3Bx/", "/.%2e;/", "/;/status", "/;x/status"]  # fmt: skip


async def test_dot_segments_with_parameters_are_refused(server: Server) -> None:
    async with _fake(server) as fake:
        prefix = (await _capability(server, "fake-1")).split("/status")[0]
        before = len(fake["hits"])
        for path in SEMICOLON_PATHS:
            for base, headers in ((prefix, {}), (PLAIN, server.auth)):
                answer = await _raw(server.port, base + path, headers)
                assert answer.code == 400, (base + path, answer.code)
            navigation = await _raw(server.port, PLAIN + path, {**server.auth, **NAVIGATE})
            assert navigation.code == 400, path
        assert len(fake["hits"]) == before
        # A ";" inside a segment that stays a name is a plain path character.
        assert (await _raw(server.port, f"{prefix}/a;b=1")).code == 200


# Finding 6 (websocket close) -------------------------------------------------------------


def _relay_errors(records: list[logging.LogRecord]) -> list[str]:
    return [r.getMessage() + repr(r.exc_info) for r in records if r.levelno >= logging.ERROR]


@pytest.mark.parametrize("closer", ["browser", "browser-abruptly", "dashboard",
                                    "dashboard-abruptly"])  # fmt: skip
async def test_closing_a_relayed_websocket_logs_nothing(
    server: Server, closer: str, caplog: pytest.LogCaptureFixture
) -> None:
    """One side closes (with a closing handshake, or cutting the connection) while the
    other is sending as fast as the relay takes it."""
    caplog.set_level(logging.WARNING)
    async with _fake(server, ROUTES) as fake:
        prefix = (await _capability(server, "fake-1")).split("/status")[0]
        flood = "1" if closer.startswith("browser") else ""
        url = f"ws://127.0.0.1:{server.port}{prefix}/flood?flood={flood}"
        conn = await websocket.websocket_connect(HTTPRequest(url, headers={"Origin": "null"}))
        if closer.startswith("browser"):
            assert await conn.read_message() is not None  # the flood is on
            if closer == "browser":
                conn.close()
            else:
                assert conn.protocol is not None
                conn.protocol.stream.close()
            await _until(lambda: any(h["path"] == "flood-ended" for h in fake["hits"]))
        else:
            await conn.write_message("drop" if closer.endswith("abruptly") else "close")
            assert await _flood_until_closed(conn)  # the relay closes the browser's end
            assert any(h["path"] == "flood-closed" for h in fake["hits"])
        await asyncio.sleep(0.5)  # whatever the relay still had to write fails now
        conn.close()
        gc.collect()  # an unretrieved task exception is reported when its task is freed
        await asyncio.sleep(0.1)
    assert _relay_errors(caplog.records) == []


async def _flood_until_closed(conn: Any, timeout: float = 30) -> bool:
    """Send as fast as the relay takes it; True once the relay closed the socket."""
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            await conn.write_message(b"y" * 2**16, binary=True)
    except websocket.WebSocketClosedError:
        return True
    return False


async def _until(condition: Any, timeout: float = 30) -> None:
    for _ in range(int(timeout / 0.05)):
        if condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("condition not met in time")


# jupyter-server-proxy's advisories -------------------------------------------------------


async def test_ghsa_gcv9_6737_pjqw_a_user_at_host_path_never_changes_the_target(
    server: Server,
) -> None:
    async with _fake(server) as fake, _canary() as (canary, canary_hits):
        prefix = (await _capability(server, "fake-1")).split("/status")[0]
        crafted = [f"/user:pass@127.0.0.1:{canary}/", f"/@127.0.0.1:{canary}/x",
                   f"/user:pass@127.0.0.1:{canary}", f"/:@127.0.0.1:{canary}/",
                   f"/%40127.0.0.1:{canary}/", f"/user%3Apass%40127.0.0.1:{canary}/"]  # fmt: skip
        for path in crafted:
            for base, headers in ((prefix, {}), (PLAIN, server.auth)):
                answer = await _raw(server.port, base + path, headers)
                assert answer.code in (200, 400), (path, answer.code)
                if answer.code == 200:  # then the registry's dashboard answered
                    assert answer.body.startswith(b"dashboard:/"), path
        # In the id's place: an id is only ever looked up.
        for cid in (f"user:pass@127.0.0.1:{canary}", f"@127.0.0.1:{canary}"):
            answer = await _raw(server.port, f"{BASE}lazyscope/dashboard/{cid}/x", server.auth)
            assert answer.code in (302, 404), (cid, answer.code)
            if answer.code == 302:  # Jupyter's own trailing-slash redirect, on this server
                assert answer.headers["Location"].startswith(BASE)
        assert canary_hits == []
        assert {h["headers"]["Host"] for h in fake["hits"]} <= {f"127.0.0.1:{fake['port']}"}


async def test_cve_2024_28179_a_websocket_needs_authentication_or_the_capability(
    server: Server,
) -> None:
    async with _fake(server) as fake:
        cap, other_cap = [re.findall(r"cap-[0-9a-f]{32}", await _capability(server, sid))[0]
                          for sid in ("fake-1", "fake-2")]  # fmt: skip
        ws = f"ws://127.0.0.1:{server.port}"
        origin = {"Origin": f"http://127.0.0.1:{server.port}"}
        refused = [
            (f"{PLAIN}/ws", {}),  # no login at all
            (f"{PLAIN}/ws", origin),  # from Jupyter's own pages, but no cookie
            (f"{PLAIN}/ws?token=wrong", {}),
            (f"{PLAIN}/ws", {"Authorization": "token wrong"}),
            (f"{PLAIN}/cap-{'0' * 32}/ws", {"Origin": "null"}),  # a forged capability
            (f"{PLAIN}/{other_cap}/ws", {"Origin": "null"}),  # another dashboard's
            (f"{PLAIN}/{cap.upper()}/ws", {"Origin": "null"}),
        ]
        for path, headers in refused:
            with pytest.raises(HTTPClientError) as error:
                await websocket.websocket_connect(HTTPRequest(ws + path, headers=headers))
            assert error.value.code in (403, 404), path
        assert [h for h in fake["hits"] if h["path"] == "ws-open"] == []
        # With Jupyter's login, or the right capability: relayed.
        for path, headers in [(f"{PLAIN}/ws", server.auth),
                              (f"{PLAIN}/{cap}/ws", {"Origin": "null"})]:  # fmt: skip
            conn = await websocket.websocket_connect(HTTPRequest(ws + path, headers=headers))
            await conn.write_message("hi")
            assert await conn.read_message() == "echo:hi"
            conn.close()


async def test_cve_2024_35225_error_pages_reflect_nothing_as_html(server: Server) -> None:
    script = "<script>alert(document.domain)</script>"
    async with _fake(server):
        prefix = (await _capability(server, "fake-1")).split("/status")[0]
        cases = [
            (f"{prefix}/{script}", {}, 400),  # not a plain path
            (f"{prefix}/a/..;/{quote(script)}", {}, 400),
            (f"{PLAIN}/{script}", server.auth, 400),
            (f"{PLAIN}/{quote(script)}", {}, 403),  # no login
            (f"{PLAIN}/cap-{'0' * 32}/{quote(script)}", {}, 403),  # forged capability
            (f"{BASE}lazyscope/dashboard/nope/{quote(script)}", server.auth, 404),
        ]
        for path, headers, code in cases:
            answer = await _raw(server.port, path, headers)
            assert answer.code == code, (path, answer.code)
            assert answer.headers["Content-Type"] == "text/plain; charset=utf-8", path
            _assert_secured(answer, path)
            body = answer.body.decode()
            assert "<" not in body, (path, body)
            assert "script" not in body.lower(), (path, body)
