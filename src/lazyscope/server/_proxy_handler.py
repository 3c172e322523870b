"""``/lazyscope/dashboard/{id}/...``: reverse proxy, HTTP and websockets, to the dashboard
of one registered cluster or session, on jupyter-server-proxy's ``ProxyHandler``.

The target comes from the cluster registry and nothing else (``_proxy.target_url``);
the URL scheme (plain path, capability path, sandbox) is described in ``_proxy``. From
the library: authentication of every request (``prepare``), the HTTP/websocket
dispatch, message and ping relays, activity tracking. Ours: the target, the upstream
websocket handshake (``_proxy_ws``), and HTTP *streamed* with our own header rules
(``_proxy_stream``), because the library's HTTP path buffers whole responses, answers a
refused connection with a 500 and forwards every request header (Jupyter's cookie and
token included) to the dashboard. Every answer, errors included, carries
``_proxy.SECURITY_HEADERS``; error pages are one line of plain text.
"""

from __future__ import annotations

from typing import Any

from jupyter_server.auth.decorator import allow_unauthenticated, authorized
from jupyter_server.base.handlers import JupyterHandler
from jupyter_server.utils import url_path_join
from jupyter_server_proxy.handlers import ProxyHandler  # type: ignore[import-untyped]
from tornado.httputil import url_concat
from tornado.web import HTTPError

from ._manager import ClusterManager, UnknownClusterError
from ._proxy import (
    PREFLIGHT,
    SECURITY_HEADERS,
    ProxyPathError,
    capability,
    public_query,
    target_url,
    valid_capability,
)
from ._proxy_stream import HTTPStream
from ._proxy_ws import WebSocketRelay

__all__ = ["CapabilityProxyHandler", "DashboardProxyHandler"]


class _DashboardProxy(WebSocketRelay, HTTPStream, ProxyHandler):  # type: ignore[misc]
    auth_resource = "lazyscope"
    capability_path = False

    @property
    def manager(self) -> ClusterManager:
        manager: ClusterManager = self.settings["lazyscope_manager"]
        return manager

    @property
    def timeout(self) -> float:
        return float(self.settings.get("lazyscope_dashboard_timeout", 5.0))

    def set_default_headers(self) -> None:
        # Here, not per answer: tornado sets them again on every error page too.
        super().set_default_headers()
        for name, value in SECURITY_HEADERS.items():
            self.set_header(name, value)

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        # Plain text, never Jupyter's HTML error page: nothing of a request (a path with
        # "<script>" in it) can become markup here (CVE-2024-35225 of jupyter-server-proxy).
        error = kwargs.get("exc_info", (None, None, None))[1]
        message = error.log_message % error.args if getattr(error, "log_message", None) else ""
        self.set_header("Content-Type", "text/plain; charset=utf-8")
        self.finish(f"{status_code} {self._reason}" + (f": {message}" if message else "") + "\n")

    def plain_prefix(self, cid: str) -> str:
        return str(url_path_join(self.base_url, "lazyscope", "dashboard", cid))

    def prefix(self, cid: str) -> str:
        """Where the browser sees this dashboard (redirects and its own links stay there)."""
        return self.plain_prefix(cid)

    async def target(self, cid: str, scheme: str | None = None) -> str:
        """The upstream URL; 404 for an unknown id, 400 for a bad path."""
        try:
            _, dashboard, root = await self.manager.target(cid)
        except UnknownClusterError:
            raise HTTPError(404, f"no cluster {cid!r} with a dashboard") from None
        # The raw path (still percent-encoded): tornado's path arguments are decoded.
        path = self.request.path[len(self.prefix(cid)) :]
        if scheme == "ws" and dashboard.startswith("https:"):
            scheme = "wss"
        try:
            return target_url(dashboard, path, self.request.query, scheme, root)
        except ProxyPathError as exc:
            # As an argument: the message may hold "%2F", which is no format here.
            raise HTTPError(400, "refused dashboard path: %s", exc) from None

    async def proxy_request(self, cid: str, *args: Any) -> None:
        self._record_activity()
        if self.request.headers.get("Upgrade", "").lower() == "websocket":
            url = await self.target(cid, "ws")
            await self.relay_websocket(url, self.timeout, cid, *args)
        else:
            await self.stream(await self.target(cid), self.prefix(cid), self.timeout)


class DashboardProxyHandler(_DashboardProxy):
    """The plain path: Jupyter authentication and authorization (resource
    ``lazyscope``); browser navigations go on to the capability path."""

    def get_login_url(self) -> str:
        # As APIHandler: an unauthenticated request is refused, not sent to a login page.
        raise HTTPError(403)

    def check_xsrf_cookie(self) -> None:
        # The library defers XSRF to the proxied app; this path runs on Jupyter's
        # cookie, so Jupyter's own rule applies (the capability path needs no cookie).
        JupyterHandler.check_xsrf_cookie(self)

    async def _plain(self, cid: str, *args: Any) -> None:
        navigation = self.request.headers.get("Sec-Fetch-Mode") == "navigate"
        if navigation and self.request.method == "GET":
            await self.target(cid)  # 404 / 400 here, not after the redirect
            secret = self.settings["lazyscope_dashboard_secret"]
            rest = self.request.path[len(self.plain_prefix(cid)) :] or "/"
            query = public_query(self.request.query)  # the token stays here
            query = f"?{query}" if query else ""
            self.redirect(f"{self.plain_prefix(cid)}/{capability(secret, cid)}{rest}{query}")
            return
        await self.proxy_request(cid, *args)

    @authorized  # type: ignore[untyped-decorator]
    async def get(self, cid: str, *args: Any) -> None:
        await self._plain(cid, *args)

    @authorized  # type: ignore[untyped-decorator]
    async def head(self, cid: str, *args: Any) -> None:
        await self._plain(cid, *args)

    @authorized  # type: ignore[untyped-decorator]
    async def post(self, cid: str, *args: Any) -> None:
        await self._plain(cid, *args)


def _opened_by_a_person(headers: Any) -> bool:
    """A browser navigation the dashboard did not start: typed, pasted, a bookmark, or from
    a page of Jupyter's site (the lab's dashboard tab). A sandboxed dashboard's own
    requests, its link clicks included, come from its opaque origin: "cross-site"."""
    site = headers.get("Sec-Fetch-Site")
    return headers.get("Sec-Fetch-Mode") == "navigate" and site in ("none", "same-origin",
                                                                     "same-site")  # fmt: skip


class CapabilityProxyHandler(_DashboardProxy):
    """The capability path: the token in the path is the credential (no cookie)."""

    capability_path = True

    async def prepare(self, *args: Any, **kwargs: Any) -> None:
        # Skip ProxyHandler.prepare (it requires a Jupyter login): run Jupyter's own.
        await JupyterHandler.prepare(self, _redirect_to_login=False)
        cid, segment = self.path_args[0], self.path_args[1]
        if not valid_capability(self.settings["lazyscope_dashboard_secret"], cid, segment):
            raise HTTPError(403, "this dashboard link has expired: open it again from Jupyter")
        if _opened_by_a_person(self.request.headers):
            # Such a request carries the browser's Jupyter login (cookies go with it): a
            # link copied to someone else, e.g. another user of a JupyterHub, opens nothing.
            if self.current_user is None:
                self.redirect(url_concat(self.get_login_url(), {"next": self.request.uri}))
                return
            if not self.authorizer.is_authorized(self, self.current_user, "read", "lazyscope"):
                raise HTTPError(403, "you may not open the dashboards of this server")

    def prefix(self, cid: str) -> str:
        return f"{self.plain_prefix(cid)}/{self.path_args[1]}"

    def check_origin(self, origin: str | None = None) -> bool:
        # A sandboxed dashboard has the opaque origin "null"; any other site is refused.
        return origin == "null" or bool(JupyterHandler.check_origin(self, origin))

    @allow_unauthenticated  # type: ignore[untyped-decorator]
    async def get(self, cid: str, segment: str, *args: Any) -> None:
        await self.proxy_request(cid, segment, *args)

    @allow_unauthenticated  # type: ignore[untyped-decorator]
    async def head(self, cid: str, segment: str, *args: Any) -> None:
        await self.proxy_request(cid)

    @allow_unauthenticated  # type: ignore[untyped-decorator]
    async def post(self, cid: str, segment: str, *args: Any) -> None:
        await self.proxy_request(cid)

    @allow_unauthenticated  # type: ignore[untyped-decorator]
    async def options(self, cid: str, segment: str, *args: Any) -> None:
        """A CORS preflight of the sandboxed dashboard itself, answered here (``PREFLIGHT``):
        never sent upstream, and for no other origin."""
        if self.request.headers.get("Origin") != "null":
            raise HTTPError(403, "only the dashboard's own pages may ask")
        for name, value in PREFLIGHT.items():
            self.set_header(name, value)
        self.set_status(204)
        self.finish()
