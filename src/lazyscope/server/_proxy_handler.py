"""``/lazyscope/dashboard/{id}/...``: reverse proxy, HTTP and websockets, to the dashboard
of one registered cluster or session. Authenticated like every lazyscope route; the
Jupyter cookie and token are never forwarded to the dashboard."""

from __future__ import annotations

import asyncio
from typing import Any

from jupyter_server.base.handlers import JupyterHandler
from jupyter_server.base.websocket import WebSocketMixin
from jupyter_server.utils import url_path_join
from tornado import websocket
from tornado.httpclient import AsyncHTTPClient
from tornado.web import HTTPError, authenticated

from ._manager import ClusterManager, UnknownClusterError
from ._proxy import ProxyPathError, rewrite_location, target_url

__all__ = ["DashboardProxyHandler"]

_REQUEST_HEADERS = ("Accept", "Accept-Language", "Content-Type", "If-None-Match",
                    "If-Modified-Since", "User-Agent")  # fmt: skip
_RESPONSE_HEADERS = ("Content-Type", "Cache-Control", "ETag", "Last-Modified", "Expires")


class DashboardProxyHandler(WebSocketMixin, websocket.WebSocketHandler, JupyterHandler):  # type: ignore[misc]
    upstream: websocket.WebSocketClientConnection | None = None

    def get_login_url(self) -> str:
        # As APIHandler: an unauthenticated request is refused, not sent to a login page.
        raise HTTPError(403)

    @property
    def manager(self) -> ClusterManager:
        manager: ClusterManager = self.settings["lazyscope_manager"]
        return manager

    def _prefix(self, cid: str) -> str:
        return str(url_path_join(self.base_url, "lazyscope", "dashboard", cid))

    async def _target(self, cid: str, scheme: str | None = None) -> tuple[str, str, str]:
        """(engine, dashboard, upstream URL); 404 for an unknown id, 400 for a bad path."""
        try:
            engine, dashboard = await self.manager.dashboard(cid)
        except UnknownClusterError:
            raise HTTPError(404, f"no cluster {cid!r} with a dashboard") from None
        # The raw path (still percent-encoded): tornado's path arguments are decoded.
        path = self.request.path[len(self._prefix(cid)) :]
        try:
            return engine, dashboard, target_url(dashboard, path, self.request.query, scheme)
        except ProxyPathError as exc:
            raise HTTPError(400, f"refused dashboard path: {exc}") from None

    @authenticated  # type: ignore[untyped-decorator]
    async def get(self, cid: str, *args: Any) -> None:
        if self.request.headers.get("Upgrade", "").lower() == "websocket":
            _, dashboard, url = await self._target(cid, "ws")
            if dashboard.startswith("https:"):
                url = "wss" + url[2:]
            self.upstream = await websocket.websocket_connect(url)
            await websocket.WebSocketHandler.get(self, cid, *args)
        else:
            await self._http(cid)

    @authenticated  # type: ignore[untyped-decorator]
    async def head(self, cid: str, *args: Any) -> None:
        await self._http(cid)

    @authenticated  # type: ignore[untyped-decorator]
    async def post(self, cid: str, *args: Any) -> None:
        await self._http(cid)

    async def _http(self, cid: str) -> None:
        engine, dashboard, url = await self._target(cid)
        headers = {
            k: self.request.headers[k] for k in _REQUEST_HEADERS if k in self.request.headers
        }
        if engine.startswith("spark"):
            # Spark's UI prefixes its links with X-Forwarded-Context (UIUtils.uiRoot).
            headers["X-Forwarded-Context"] = self._prefix(cid)
        method = self.request.method or "GET"
        response = await AsyncHTTPClient().fetch(
            url,
            method=method,
            headers=headers,
            body=self.request.body if method == "POST" else None,
            follow_redirects=False,
            raise_error=False,
            request_timeout=60,
        )
        if response.code == 599:  # tornado's "no HTTP answer" (refused, timeout)
            raise HTTPError(502, f"dashboard unreachable: {response.error}")
        self.set_status(response.code, response.reason)
        for name in _RESPONSE_HEADERS:
            if name in response.headers:
                self.set_header(name, response.headers[name])
        location = response.headers.get("Location")
        if location:
            rewritten = rewrite_location(location, dashboard, self._prefix(cid))
            if rewritten is not None:
                self.set_header("Location", rewritten)
        if method != "HEAD" and response.body:
            self.write(response.body)
        self.finish()

    def open(self, *args: Any, **kwargs: Any) -> None:
        super().open(*args, **kwargs)
        self._relay = asyncio.ensure_future(self._upstream_relay())

    async def _upstream_relay(self) -> None:
        """Copy upstream messages to the browser until either side closes."""
        while self.upstream is not None:
            message = await self.upstream.read_message()
            if message is None:
                break
            try:
                await self.write_message(message, binary=isinstance(message, bytes))
            except websocket.WebSocketClosedError:
                break
        self.close()

    async def on_message(self, message: str | bytes) -> None:
        if self.upstream is not None:
            await self.upstream.write_message(message, binary=isinstance(message, bytes))

    def on_close(self) -> None:
        if self.upstream is not None:
            self.upstream.close()
            self.upstream = None
