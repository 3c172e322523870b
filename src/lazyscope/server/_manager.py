"""The cluster registry of one Jupyter server: clusters it started (each engine package's
`server_cluster`), clusters of services the engines list them from (`ClusterSource`: a
cluster gateway) and sessions kernels announced. No tornado here: the HTTP handlers are
thin wrappers, and this module is tested on its own.

A watcher (every `watch_interval` seconds, while the server runs) lets the sources stop
the clusters of kernels that are gone: a kernel killed with SIGKILL runs no exit handler,
so the cluster it started on a gateway would run on. The server notices that the kernel
which announced it no longer runs (`_discovery.still_running`)."""

from __future__ import annotations

import asyncio
import atexit
import copy
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from traitlets import Dict, Float, Int, List, Unicode
from traitlets.config import LoggingConfigurable

from lazyscope._clusters import (
    AllowedHosts,
    ClusterSource,
    ManagedCluster,
    SourceError,
    checked_dashboard,
)
from lazyscope.engines import packages

from . import _discovery
from ._options import OptionsError, validate_create, validate_scale

__all__ = ["ClusterManager", "OptionsError", "SourceError", "UnknownClusterError"]


class UnknownClusterError(KeyError):
    """No cluster or session with that id (HTTP 404)."""


def _engine_settings() -> type[Any]:
    """The engines' own settings of this class (`EnginePackage.server_config`), so that
    `c.ClusterManager.<engine>_...` reaches them; a base, as traitlets wants them declared."""
    traits: dict[str, Any] = {}
    for package in packages():
        traits.update(package.server_config())
    return type("EngineSettings", (LoggingConfigurable,), traits)


class ClusterManager(_engine_settings()):  # type: ignore[misc]  # a base built from the engines
    defaults = Dict(
        {"workers": 1, "cores": 1, "memory": "1GiB"},
        help="Options a create request leaves out.",
    ).tag(config=True)
    max_clusters = Int(8, help="How many clusters the server may run at once.").tag(config=True)
    allowed_dashboard_hosts = List(
        Unicode(),
        help="Where else a dashboard that a kernel announces may be, besides loopback and "
        "this machine's addresses: networks ('10.0.0.0/8', '10.1.2.3') and host names (as "
        "written, not resolved). The dashboard must still be on the host of its session's "
        "own address; link-local and cloud metadata addresses are always refused. Read at "
        "start.",
    ).tag(config=True)
    watch_interval = Float(
        3.0,
        help="Seconds between checks that the kernels which started clusters on a service "
        "(a cluster gateway) still run; the clusters of a kernel that is gone are stopped "
        "unless they were kept.",
    ).tag(config=True)

    def __init__(self, kernel_manager: Any = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        # The server's kernels: only their announcements are listed. The extension app
        # (our parent) holds the server; without one (tests, scripts) no kernel is ours.
        serverapp = getattr(self.parent, "serverapp", None)
        if kernel_manager is None:  # not `or`: a kernel manager without kernels is falsy
            kernel_manager = getattr(serverapp, "kernel_manager", None)
        self.kernel_manager = kernel_manager
        # Which notebook each kernel runs for (a kept cluster's list entry names it).
        self.session_manager = getattr(serverapp, "session_manager", None)
        self.announcements = _discovery.Announcements(self._allowed_hosts(), self.log)
        self.clusters: dict[str, ManagedCluster] = {}
        self._tasks: dict[str, asyncio.Task[None]] = {}
        # Made without importing any engine library (each reads its configuration later).
        self.sources: list[ClusterSource] = [
            source for package in packages() for source in package.cluster_sources(self.log)
        ]
        self._watcher: asyncio.Task[None] | None = None
        # If the server dies without stopping extensions, still leave no JVMs behind.
        # (Killed, it runs no hook: its processes end with it, its folders end here.)
        atexit.register(self.kill_processes)
        for package in packages():
            package.sweep_leftovers(self.log)

    def _allowed_hosts(self) -> AllowedHosts:
        try:
            return AllowedHosts.parse(self.allowed_dashboard_hosts)
        except ValueError as exc:  # a typo must not take the extension down, nor allow more
            self.log.error("lazyscope: ClusterManager.allowed_dashboard_hosts: %s; the setting "
                           "is ignored (dashboards that kernels announce are proxied on "
                           "loopback and this machine only)", exc)  # fmt: skip
            return AllowedHosts()

    async def create(
        self, body: Any, ui_path: Callable[[str], str] | None = None
    ) -> dict[str, Any]:
        """Register a cluster and start it in the background; the answer says "starting".

        ``ui_path(id)``: where browsers see that cluster's dashboard (the proxy's path for
        it), so a dashboard can link its pages there; without it, they link its ports.
        A body that names a source (`{"gateway": true}`) goes to that source."""
        self.start_watching()
        source = self._source_of(body)
        if source is not None:
            return await source.create(body)
        options = validate_create(body, self.defaults)
        # A cluster that failed to start holds nothing (its card stays, to show why).
        if sum(c.status != "failed" for c in self.clusters.values()) >= self.max_clusters:
            raise OptionsError(f"this server already runs {self.max_clusters} clusters")
        cid = f"{options['engine']}-{uuid.uuid4().hex[:8]}"
        name = options.pop("name") or f"{options['engine'].capitalize()} {len(self.clusters) + 1}"
        engine = options.pop("engine")
        (package,) = (p for p in packages() if engine == p.NAME)  # the options checked it
        cluster = package.server_cluster(
            cid, name, options, log=self.log,
            ui_path=ui_path(cid) if ui_path is not None else None,
            config={key: copy.copy(getattr(self, key)) for key in package.server_config()},
        )  # fmt: skip
        self.clusters[cid] = cluster
        self._tasks[cid] = asyncio.ensure_future(self._start(cluster))
        return cluster.to_json()

    async def _start(self, cluster: ManagedCluster) -> None:
        try:
            await cluster.start()
            cluster.status = "running"
        except Exception as exc:  # shown on the card; the processes must not stay
            self.log.warning("lazyscope: cluster %s failed to start", cluster.id, exc_info=True)
            cluster.status, cluster.error = "failed", str(exc)
            await self._stopping(cluster, cluster.abort())

    async def wait_started(self, cid: str) -> dict[str, Any]:
        await asyncio.shield(self._tasks[cid])
        return await self.get(cid)

    def _managed(self, cid: str) -> ManagedCluster:
        if cid not in self.clusters:
            raise UnknownClusterError(cid)
        return self.clusters[cid]

    async def _refresh(self, cluster: ManagedCluster) -> dict[str, Any]:
        if cluster.status == "running":
            await cluster.refresh()
        return cluster.to_json()

    def _sessions(self) -> list[dict[str, Any]]:
        return self.announcements.sessions(self.kernel_manager)

    async def _named(self, sessions: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The sessions, each with `kernel_name` where its kernel runs for a notebook or a
        console of this server (its path): what a source remembers of a cluster's kernel."""
        if not sessions or self.session_manager is None:
            return sessions
        try:
            models = await self.session_manager.list_sessions()
        except Exception as exc:  # the list still answers, without the names
            self.log.warning("lazyscope: the server's sessions could not be read (%s)", exc)
            return sessions
        names = {m["kernel"]["id"]: m.get("path") or m.get("name")
                 for m in models if isinstance(m.get("kernel"), dict)}  # fmt: skip
        return [{**s, "kernel_name": names[s.get("kernel_id")]}
                if names.get(s.get("kernel_id")) else s for s in sessions]  # fmt: skip

    def _source_of(self, body: Any) -> ClusterSource | None:
        if not isinstance(body, dict):
            return None
        return next((s for s in self.sources if body.get(s.name) not in (None, False)), None)

    def _owner(self, cid: str) -> ClusterSource | None:
        return next((s for s in self.sources if s.owns(cid)), None)

    def source(self, name: str) -> ClusterSource:
        for source in self.sources:
            if source.name == name:
                return source
        raise SourceError(f"There is no cluster source {name!r}.", 404)

    async def list(self) -> list[dict[str, Any]]:
        """Server-managed clusters first (oldest first), then the sources' clusters, then
        the announced sessions that no source lists as one of its clusters."""
        self.start_watching()
        managed = [await self._refresh(c) for c in self.clusters.values()]
        sessions = await self._named(self._sessions())
        listed = [entry for source in self.sources for entry in await source.clusters(sessions)]
        shown = {sid for entry in listed for sid in entry.get("sessions", ())}
        shown |= {sid for source in self.sources for sid in source.gone()}
        return managed + listed + [s for s in sessions if s["id"] not in shown]

    async def sources_status(self) -> dict[str, Any]:
        """{name: {"address", "error"}} of the sources configured for this server."""
        found = {source.name: await source.status() for source in self.sources}
        return {name: status for name, status in found.items() if status is not None}

    async def get(self, cid: str) -> dict[str, Any]:
        if cid in self.clusters:
            return await self._refresh(self.clusters[cid])
        sessions = self._sessions()
        source = self._owner(cid)
        if source is not None:
            entry = await source.get(cid, sessions)
            if entry is None:
                raise UnknownClusterError(cid)
            return entry
        for session in sessions:
            if session["id"] == cid:
                return session
        raise UnknownClusterError(cid)

    async def dashboard(self, cid: str) -> tuple[str, str]:
        """(engine, dashboard URL) of a cluster or session."""
        engine, dashboard, _root = await self.target(cid)
        return engine, dashboard

    async def target(self, cid: str) -> tuple[str, str, str]:
        """(engine, dashboard URL, root) of a cluster or session: the proxy's only target,
        and the path below which it stays (a gateway's other pages are not the dashboard)."""
        info = await self.get(cid)
        # Checked again here, whatever filled the registry: the proxy goes nowhere else. A
        # source checked its entries' dashboards against its service's address; a kernel's
        # word needs the allowed hosts.
        hosts = self.announcements.hosts if info.get("source") == "kernel" else None
        address = info.get("dashboard") if self._owner(cid) else info.get("address")
        dashboard = checked_dashboard(info["engine"], address, info.get("dashboard"), hosts)
        if dashboard is None:
            raise UnknownClusterError(cid)
        roots = (source.dashboard_root(info) for source in self.sources)
        return str(info["engine"]), dashboard, next((r for r in roots if r is not None), "/")

    async def scale(self, cid: str, body: Any) -> dict[str, Any]:
        source = self._owner(cid)
        if source is not None:
            await source.change(cid, body if isinstance(body, dict) else {})
            return await self.get(cid)
        workers = validate_scale(body)
        cluster = self._managed(cid)
        if cluster.status != "running":
            raise OptionsError(f"cluster {cid} is {cluster.status}, it cannot be scaled")
        cluster.status = "scaling"
        try:
            await cluster.scale(workers)
        finally:
            cluster.status = "running"
        return await self._refresh(cluster)

    async def delete(self, cid: str) -> None:
        source = self._owner(cid)
        if source is not None:
            await source.stop(cid)
            return
        cluster = self._managed(cid)
        task = self._tasks.pop(cid, None)
        if task is None:  # another request is stopping it already
            raise UnknownClusterError(cid)
        task.cancel()  # a cluster still starting stops starting
        await asyncio.gather(task, return_exceptions=True)
        cluster.status = "stopped"
        # Registered until it has stopped: should the server exit half-way through,
        # kill_processes (at exit) still finds what is left.
        await self._stopping(cluster, cluster.close())
        self.clusters.pop(cid, None)

    async def _stopping(self, cluster: ManagedCluster, stop: Awaitable[None]) -> None:
        """Await a stop; a failure is logged (it may have left something behind), and the
        other clusters are still stopped."""
        try:
            await stop
        except Exception:
            self.log.error("lazyscope: cluster %s did not stop cleanly", cluster.id, exc_info=True)

    async def shutdown(self) -> None:
        """Stop every cluster this server started (server exit)."""
        if self._watcher is not None:
            self._watcher.cancel()
            await asyncio.gather(self._watcher, return_exceptions=True)
            self._watcher = None
        await asyncio.gather(
            *(self.delete(cid) for cid in list(self.clusters)),
            *(source.close() for source in self.sources),
        )

    def start_watching(self) -> None:
        """Start the watcher of the kernels' clusters (in the server's event loop, once)."""
        if self._watcher is None and self.sources:
            self._watcher = asyncio.ensure_future(self._watch())
            self.log.debug("lazyscope: checking every %g s that the kernels which started "
                           "clusters still run", self.watch_interval)  # fmt: skip

    async def _watch(self) -> None:
        while True:
            await asyncio.sleep(self.watch_interval)
            sessions = await self._named(self._sessions())
            for source in self.sources:
                try:
                    await source.reap(sessions, self._alive)
                except Exception as exc:  # the next round tries again
                    # Not the exception's text: it may name a request to the service.
                    self.log.warning("lazyscope: checking the %s clusters of gone kernels "
                                     "failed (%s)", source.name, type(exc).__name__)  # fmt: skip

    def _alive(self, session: dict[str, Any]) -> bool:
        return _discovery.still_running(session, self.kernel_manager)

    def kill_processes(self) -> None:
        """At interpreter exit (the server died without stopping its extensions)."""
        for cluster in self.clusters.values():
            cluster.kill()
            try:
                cluster.remove_files()
            except OSError as exc:
                self.log.warning("lazyscope: %s left files behind: %s", cluster.id, exc)
