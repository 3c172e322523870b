"""HTTP routes of the lazyscope server extension: thin wrappers around the cluster manager
(``_manager``) and the dashboard proxy (``_proxy_handler``). A cluster source's options
(``GET /lazyscope/api/<name>/options``, e.g. a gateway's cluster options) have a
route of their own: the form that needs them opens rarely, the list is polled.

Every method is ``@authenticated`` (who is asking) and ``@authorized`` on the resource
``lazyscope`` (may they): ``read`` for GET, ``write`` for POST/PATCH/DELETE, the action
jupyter_server derives from the HTTP verb. So a deployment's Authorizer (JupyterHub
scopes, a read-only share) decides who may start, scale or stop clusters."""

from __future__ import annotations

import asyncio
import json
from typing import Any
from urllib.parse import quote, urlsplit

from jupyter_server.auth.decorator import authorized
from jupyter_server.base.handlers import APIHandler, JupyterHandler
from jupyter_server.utils import url_path_join
from tornado.web import HTTPError, authenticated

from lazyscope._links import HISTORY_SEGMENT

from ._manager import ClusterManager, OptionsError, SourceError, UnknownClusterError
from ._proxy import CAPABILITY, capability
from ._proxy_handler import CapabilityProxyHandler, DashboardProxyHandler

__all__ = ["AUTH_RESOURCE", "AppLinkHandler", "ClusterHandler", "ClustersHandler",
           "FinishedAppsHandler", "SourceOptionsHandler", "routes"]  # fmt: skip

_ID = r"([A-Za-z0-9][A-Za-z0-9_-]*)"
_FIND_TIMEOUT = 20.0  # seconds a link waits for a history server to find its application
AUTH_RESOURCE = "lazyscope"  # what an Authorizer is asked about, for every route of ours


class _Base(APIHandler):  # type: ignore[misc]  # jupyter_server is untyped
    auth_resource = AUTH_RESOURCE

    @property
    def manager(self) -> ClusterManager:
        manager: ClusterManager = self.settings["lazyscope_manager"]
        return manager

    def _with_proxy(self, cluster: dict[str, Any]) -> dict[str, Any]:
        """Add ``proxy``: the dashboard's URL path through this server (what the lab opens)."""
        dashboard = cluster.get("dashboard")
        if isinstance(dashboard, str) and dashboard.startswith(("http://", "https://")):
            path = urlsplit(dashboard).path or "/"
            base = url_path_join(self.base_url, "lazyscope", "dashboard", cluster["id"])
            return {**cluster, "proxy": base + path}
        return {**cluster, "proxy": None}

    def _capability_path(self, cid: str) -> str:
        """Where a browser runs cluster ``cid``'s dashboard (``_proxy``'s capability path):
        a dashboard links its own pages, its workers' included, below it."""
        secret = self.settings["lazyscope_dashboard_secret"]
        return str(url_path_join(self.base_url, "lazyscope", "dashboard", cid,
                                 capability(secret, cid)))  # fmt: skip

    def _json(self, payload: Any, status: int = 200) -> None:
        self.set_status(status)
        self.finish(json.dumps(payload))

    def _refused(self, exc: SourceError) -> HTTPError:
        return HTTPError(exc.status, str(exc))

    def _body(self) -> Any:
        try:
            return json.loads(self.request.body or b"{}")
        except ValueError:
            raise HTTPError(400, "the body is not JSON") from None


class ClustersHandler(_Base):
    """``GET``: every managed cluster, source's cluster and announced session, and the
    configured sources, if any (``"sources": {"gateway": {"address", "error"}}``);
    ``POST``: start a cluster (on a source when the body names it: ``{"gateway": true}``)."""

    @authenticated  # type: ignore[untyped-decorator]  # mypy skips tornado (pyproject)
    @authorized  # type: ignore[untyped-decorator]
    async def get(self) -> None:
        clusters = await self.manager.list()
        reply: dict[str, Any] = {"clusters": [self._with_proxy(c) for c in clusters]}
        sources = await self.manager.sources_status()
        if sources:  # only where one is configured: the reply stays as it was elsewhere
            reply["sources"] = sources
        self._json(reply)

    @authenticated  # type: ignore[untyped-decorator]
    @authorized  # type: ignore[untyped-decorator]
    async def post(self) -> None:
        try:
            cluster = await self.manager.create(self._body(), self._capability_path)
        except OptionsError as exc:
            raise HTTPError(400, str(exc)) from None
        except SourceError as exc:
            raise self._refused(exc) from None
        self._json(self._with_proxy(cluster), 201)


class ClusterHandler(_Base):
    """``GET`` one cluster or session; ``PATCH {"workers": N}`` scales; ``DELETE`` stops."""

    @authenticated  # type: ignore[untyped-decorator]
    @authorized  # type: ignore[untyped-decorator]
    async def get(self, cid: str) -> None:
        try:
            self._json(self._with_proxy(await self.manager.get(cid)))
        except UnknownClusterError:
            raise HTTPError(404, f"no cluster {cid!r}") from None
        except SourceError as exc:
            raise self._refused(exc) from None

    @authenticated  # type: ignore[untyped-decorator]
    @authorized  # type: ignore[untyped-decorator]
    async def patch(self, cid: str) -> None:
        try:
            self._json(self._with_proxy(await self.manager.scale(cid, self._body())))
        except UnknownClusterError:
            raise HTTPError(404, f"no server-managed cluster {cid!r}") from None
        except (OptionsError, TimeoutError) as exc:
            raise HTTPError(400, str(exc)) from None
        except SourceError as exc:
            raise self._refused(exc) from None

    @authenticated  # type: ignore[untyped-decorator]
    @authorized  # type: ignore[untyped-decorator]
    async def delete(self, cid: str) -> None:
        try:
            await self.manager.delete(cid)
        except UnknownClusterError:
            raise HTTPError(404, f"no server-managed cluster {cid!r}") from None
        except SourceError as exc:
            raise self._refused(exc) from None
        self.set_status(204)
        self.finish()


class SourceOptionsHandler(_Base):
    """``GET``: what a create request on a source may ask for (a gateway: its
    cluster options as fields, for the panel's form)."""

    @authenticated  # type: ignore[untyped-decorator]
    @authorized  # type: ignore[untyped-decorator]
    async def get(self, name: str) -> None:
        try:
            self._json(await self.manager.source(name).options())
        except SourceError as exc:
            raise self._refused(exc) from None


class FinishedAppsHandler(_Base):
    """``GET lazyscope/api/<engine>/history``: the applications of that engine that ended
    and that its history server (a cluster source, ``<engine>-history``, started on
    demand) shows, newest first, each with ``link``: where a browser opens it."""

    @authenticated  # type: ignore[untyped-decorator]
    @authorized  # type: ignore[untyped-decorator]
    async def get(self, engine: str) -> None:
        try:
            apps = await self.manager.source(f"{engine}-history").ended(await self.manager.list())
        except SourceError as exc:
            raise self._refused(exc) from None
        for app in apps:
            app["link"] = url_path_join(self.base_url, "lazyscope", HISTORY_SEGMENT,
                                        quote(str(app["id"]), safe=""), app["page"])  # fmt: skip
        self._json({"applications": apps})


class AppLinkHandler(JupyterHandler):  # type: ignore[misc]  # jupyter_server is untyped
    """``lazyscope/history/<app id>/<page>``: what a kernel links an application by, when a
    history server keeps it (``lazyscope._links``). A redirect to ``<page>`` of its live
    UI while a session runs it, else of the history server's UI for it (both through the
    dashboard proxy), so the link of a saved notebook still opens after the application
    ended."""

    auth_resource = AUTH_RESOURCE

    @property
    def manager(self) -> ClusterManager:
        manager: ClusterManager = self.settings["lazyscope_manager"]
        return manager

    @authenticated  # type: ignore[untyped-decorator]
    @authorized  # type: ignore[untyped-decorator]
    async def get(self, app: str, page: str | None) -> None:
        page = page or "/"
        proxy = url_path_join(self.base_url, "lazyscope", "dashboard")
        sessions = await self.manager.list()
        live = next((s for s in sessions if s.get("app_id") == app and s.get("dashboard")
                     and s.get("status", "running") == "running"), None)  # fmt: skip
        if live is not None:
            self.redirect(f"{proxy}/{quote(str(live['id']), safe='')}{page}")
            return
        loop = asyncio.get_running_loop()
        deadline = loop.time() + _FIND_TIMEOUT
        try:  # an application that stopped a moment ago shows up at the next rescan
            while (found := await self._ended(app, sessions)) is None:
                if loop.time() > deadline:
                    # As the reason: the title of Jupyter's error page (it shows no message).
                    raise HTTPError(404, reason=f"No application {app} here: its event log "
                                    "was pruned, or written elsewhere")  # fmt: skip
                await asyncio.sleep(0.5)
        except SourceError as exc:
            raise HTTPError(exc.status, reason=str(exc).rstrip(".")) from None
        name, entry = found
        self.redirect(f"{proxy}/{name}{entry['path']}{page}")

    async def _ended(
        self, app: str, sessions: list[dict[str, Any]]
    ) -> tuple[str, dict[str, Any]] | None:
        """(source name, entry) of the history server that shows ``app``, if one does."""
        for source in self.manager.sources:
            for entry in await source.ended(sessions):
                if entry["id"] == app:
                    return source.name, entry
        return None


def routes() -> list[tuple[str, type[Any]]]:
    """(URL pattern, handler) pairs; the ExtensionApp prefixes the server's base_url."""
    return [
        ("/lazyscope/api/clusters", ClustersHandler),
        (f"/lazyscope/api/clusters/{_ID}", ClusterHandler),
        ("/lazyscope/api/([a-z]+)/options", SourceOptionsHandler),
        ("/lazyscope/api/([a-z]+)/history", FinishedAppsHandler),
        (rf"/lazyscope/{HISTORY_SEGMENT}/([A-Za-z0-9][A-Za-z0-9_.-]*)(/.*)?", AppLinkHandler),
        (f"/lazyscope/dashboard/{_ID}/({CAPABILITY})(/.*)?", CapabilityProxyHandler),
        (f"/lazyscope/dashboard/{_ID}(/.*)?", DashboardProxyHandler),
    ]
