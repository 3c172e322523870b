"""A server-managed Dask cluster: any ``distributed`` Cluster class, started asynchronously
in the Jupyter server's event loop (as dask-labextension does).

A killed server leaves nothing of a LocalCluster running: its scheduler and nannies live in
the server process, and each worker process exits when the pipe its nanny holds closes
(distributed's own parent watch). The scratch folders stay, and the next Dask start purges
them (their lock files are no longer held).
"""

from __future__ import annotations

import asyncio
import importlib
from typing import Any

from lazyscope._clusters import ManagedCluster, checked_dashboard

__all__ = ["LOCAL", "DaskCluster", "import_factory"]

LOCAL = "distributed.LocalCluster"


def import_factory(path: str) -> Any:
    """``"package.module.Name"`` -> the object, so configuration can name a class
    (dask_jobqueue.SLURMCluster, dask_kubernetes.KubeCluster, dask_gateway.GatewayCluster)."""
    module, _, name = path.rpartition(".")
    if not module:
        raise ValueError(f"cluster factory {path!r} is not a dotted 'module.Name' path")
    return getattr(importlib.import_module(module), name)


async def _started(cluster: Any) -> None:
    await cluster  # a distributed Cluster starts when awaited


class DaskCluster(ManagedCluster):
    engine = "dask"

    def __init__(
        self, cid: str, name: str, options: dict[str, Any], log: Any = None,
        factory: str = LOCAL, kwargs: dict[str, Any] | None = None,
    ) -> None:  # fmt: skip
        super().__init__(cid, name, options, log)
        self.factory, self.kwargs = factory, dict(kwargs or {})
        self.cluster: Any = None

    async def start(self) -> None:
        factory, kwargs = self.factory, self.kwargs
        cls = import_factory(factory)
        opts = self.options
        if factory == LOCAL:
            # Loopback only, ephemeral ports: several servers/tests may run side by side.
            kwargs = {
                "n_workers": opts["workers"],
                "threads_per_worker": opts["cores"],
                "memory_limit": opts["memory"],
                "host": "127.0.0.1",
                "dashboard_address": "127.0.0.1:0",
                "processes": True,
                **kwargs,
            }
        self.cluster = cls(asynchronous=True, **kwargs)
        starting = asyncio.ensure_future(_started(self.cluster))
        try:
            await asyncio.shield(starting)
        except asyncio.CancelledError:
            # Stopped while starting (DELETE, server exit): a start cancelled half-way
            # leaves worker processes that close() does not know of; let it finish, so
            # that close() stops them all.
            await asyncio.wait([starting])
            if not starting.cancelled() and starting.exception() is not None:
                self.log.warning("lazyscope: cluster %s failed while stopping: %s", self.id,
                                 starting.exception())  # fmt: skip
            raise
        if factory != LOCAL:  # other classes take their sizes from their own config
            await self.scale(opts["workers"])
        self.address = str(self.cluster.scheduler_address)
        # A cluster class reports its own dashboard link (a gateway, a job's node...): the
        # proxy only goes to the scheduler's host, so any other link means no dashboard.
        link = self.cluster.dashboard_link
        self.dashboard = checked_dashboard(self.engine, self.address, link)
        if link and self.dashboard is None:
            self.log.warning(
                "lazyscope: cluster %s reports its dashboard at %s, not on its scheduler's "
                "host (%s): it is listed without a dashboard", self.id, link, self.address,
            )  # fmt: skip

    def _workers(self) -> dict[str, Any]:
        info = self.cluster.scheduler_info if self.cluster is not None else {}
        return dict(info.get("workers", {}))

    async def scale(self, workers: int, timeout: float = 120) -> None:
        self.cluster.scale(workers)
        deadline = asyncio.get_running_loop().time() + timeout
        # scale() only schedules the change; wait until the scheduler sees it.
        while len(self._workers()) != workers:
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError(f"Dask cluster did not reach {workers} worker(s) in {timeout} s")
            await asyncio.sleep(0.2)

    async def close(self) -> None:
        if self.cluster is not None:
            await self.cluster.close()

    def measure(self) -> tuple[int, int, int]:
        workers = self._workers().values()
        cores = sum(int(w.get("nthreads", 0)) for w in workers)
        memory = sum(int(w.get("memory_limit", 0) or 0) for w in workers)
        return len(workers), cores, memory
