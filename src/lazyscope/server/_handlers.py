"""HTTP routes of the lazyscope server extension: thin wrappers around the cluster manager
(``_manager``) and the dashboard proxy (``_proxy_handler``). A cluster source's options
(``GET /lazyscope/api/<kind>/options``, e.g. the Dask Gateway's cluster options) have a
route of their own: the form that needs them opens rarely, the list is polled.

Every method is ``@authenticated`` (who is asking) and ``@authorized`` on the resource
``lazyscope`` (may they): ``read`` for GET, ``write`` for POST/PATCH/DELETE, the action
jupyter_server derives from the HTTP verb. So a deployment's Authorizer (JupyterHub
scopes, a read-only share) decides who may start, scale or stop clusters."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

from jupyter_server.auth.decorator import authorized
from jupyter_server.base.handlers import APIHandler
from jupyter_server.utils import url_path_join
from tornado.web import HTTPError, authenticated

from ._manager import ClusterManager, OptionsError, SourceError, UnknownClusterError
from ._proxy import CAPABILITY, capability
from ._proxy_handler import CapabilityProxyHandler, DashboardProxyHandler

__all__ = ["AUTH_RESOURCE", "ClusterHandler", "ClustersHandler", "SourceOptionsHandler", "routes"]

_ID = r"([A-Za-z0-9][A-Za-z0-9_-]*)"
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
        a Spark UI links its own pages, its workers' included, below it."""
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
    """``GET``: what a create request on a source may ask for (a Dask Gateway: its
    cluster options as fields, for the panel's form)."""

    @authenticated  # type: ignore[untyped-decorator]
    @authorized  # type: ignore[untyped-decorator]
    async def get(self, kind: str) -> None:
        try:
            self._json(await self.manager.source(kind).options())
        except SourceError as exc:
            raise self._refused(exc) from None


def routes() -> list[tuple[str, type[Any]]]:
    """(URL pattern, handler) pairs; the ExtensionApp prefixes the server's base_url."""
    return [
        ("/lazyscope/api/clusters", ClustersHandler),
        (f"/lazyscope/api/clusters/{_ID}", ClusterHandler),
        ("/lazyscope/api/([a-z]+)/options", SourceOptionsHandler),
        (f"/lazyscope/dashboard/{_ID}/({CAPABILITY})(/.*)?", CapabilityProxyHandler),
        (f"/lazyscope/dashboard/{_ID}(/.*)?", DashboardProxyHandler),
    ]
