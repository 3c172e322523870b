"""What every cluster or session the server lists has, whatever its engine: the base class
of the clusters a server starts (each engine package has its own, `lazyscope.spark._cluster`,
`lazyscope.dask._cluster`), and the rule for where a dashboard may be."""

from __future__ import annotations

import ipaddress
import logging
import socket
import time
from abc import ABC, abstractmethod
from typing import Any
from urllib.parse import urlsplit

import psutil

__all__ = ["ManagedCluster", "checked_dashboard"]


def _canonical(host: str) -> str:
    try:
        return ipaddress.ip_address(host).compressed
    except ValueError:
        return host.lower().rstrip(".")


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def _address_hosts(address: str) -> set[str]:
    """Hosts named by a cluster address: ``tcp://H:P``, ``sc://H:P``, ``spark://H1:P,H2:P``
    (standalone HA); ``local[N]`` and Dask's ``inproc://`` run inside this machine."""
    if address.startswith(("local", "inproc://")):
        return _this_machine()
    rest = address.split("://", 1)[1] if "://" in address else address
    parts = (p if "://" in p else f"tcp://{p}" for p in rest.split(","))
    return {_canonical(h) for h in (urlsplit(p).hostname for p in parts) if h}


def _this_machine() -> set[str]:
    """Addresses of this machine: a classic Spark driver runs inside a kernel of this
    server, and its UI names whichever of them Spark picked (not only 127.0.0.1)."""
    found = {_canonical(a.address.split("%")[0]) for addrs in psutil.net_if_addrs().values()
             for a in addrs if a.family in (socket.AF_INET, socket.AF_INET6)}  # fmt: skip
    return found | {"127.0.0.1", _canonical(socket.gethostname())}


def checked_dashboard(engine: str, address: Any, dashboard: Any) -> str | None:
    """``dashboard`` if the proxy may go there, else ``None`` (then there is no dashboard).

    The proxy connects with the server's network position, so a cluster's or a kernel's own
    word about its dashboard is not enough: the dashboard must be on the host of the
    cluster's own address (its Dask scheduler, Spark master or Connect server), or, for a
    classic Spark session, on this machine (the driver's UI, inside one of our kernels).
    Loopback names count as one host.
    """
    if not isinstance(dashboard, str) or not isinstance(address, str):
        return None
    url = urlsplit(dashboard)
    try:
        url.port  # noqa: B018  # raises for a port that is not a number in range
    except ValueError:
        return None
    if url.scheme not in ("http", "https") or not url.hostname or url.username is not None:
        return None
    host = _canonical(url.hostname)
    allowed = _address_hosts(address)
    if engine == "spark":
        allowed |= _this_machine()
    if host in allowed or (_loopback(host) and any(_loopback(h) for h in allowed)):
        return dashboard
    return None


class ManagedCluster(ABC):
    """Base of the engine-specific clusters; ``to_json`` has the same keys as an
    announced kernel session, so the panel renders both the same way."""

    engine = ""

    def __init__(self, cid: str, name: str, options: dict[str, Any], log: Any = None) -> None:
        self.log = log or logging.getLogger(__name__)  # the Jupyter server's, from the manager
        self.id = cid
        self.name = name
        self.options = options
        self.address: str | None = None
        self.dashboard: str | None = None  # the real dashboard URL: the proxy's only target
        self.status = "starting"
        self.error: str | None = None
        self.started = time.time()

    @abstractmethod
    async def start(self) -> None:
        """Start the processes; the cluster is running when this returns."""

    async def refresh(self) -> None:
        """Read what `measure` reports, where that costs a request (Spark's master)."""
        return  # by default, `measure` needs no request

    @abstractmethod
    async def scale(self, workers: int, timeout: float = 120) -> None: ...

    @abstractmethod
    async def close(self) -> None:
        """Stop every process and delete every file of the cluster."""

    async def abort(self) -> None:
        """After a failed start: stop what runs (a cluster may keep what explains why)."""
        await self.close()

    def kill(self) -> None:
        """At interpreter exit, without an event loop: kill the processes outside ours."""
        return  # by default, the cluster runs inside the server's process (Dask's)

    def remove_files(self) -> None:
        """At interpreter exit: delete the cluster's folder, if it has one."""
        return  # by default, the cluster has no folder of ours

    @abstractmethod
    def measure(self) -> tuple[int, int, int]:
        """(workers, cores, memory bytes) as the cluster reports them now."""

    def to_json(self) -> dict[str, Any]:
        workers, cores, memory = self.measure() if self.status == "running" else (0, 0, 0)
        return {
            "id": self.id,
            "engine": self.engine,
            "name": self.name,
            "address": self.address,
            "dashboard": self.dashboard,
            "workers": workers,
            "cores": cores,
            "memory": memory,
            "status": self.status,
            "error": self.error,
            "started": self.started,
            "options": self.options,
            "owned": True,
            "source": "server",
            "kernel_id": None,
        }
