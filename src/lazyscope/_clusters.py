"""What every cluster or session the server lists has, whatever its engine: the base class
of the clusters a server starts (each engine package has its own, from its `server_cluster`),
the base class of the services an engine lists clusters from (`ClusterSource`: a cluster
gateway), and the rule for where a dashboard may be."""

from __future__ import annotations

import ipaddress
import logging
import re
import socket
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import psutil

__all__ = ["AllowedHosts", "ClusterSource", "ManagedCluster", "SourceError", "checked_dashboard"]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

# Never a dashboard, whatever a cluster, a kernel or the configuration says: link-local
# addresses (169.254.0.0/16, fe80::/10: cloud metadata services, ECS task credentials)
# and the cloud metadata services that live elsewhere (AWS over IPv6, Alibaba Cloud).
_METADATA = (ipaddress.ip_network("fd00:ec2::254/128"), ipaddress.ip_network("100.100.100.200/32"))
_METADATA_NAMES = frozenset({"metadata", "metadata.google.internal", "metadata.goog",
                             "instance-data", "instance-data.ec2.internal"})  # fmt: skip
_NAME = re.compile(r"[a-z0-9_]([a-z0-9_.-]*[a-z0-9_])?")


def _ip(host: str) -> IPAddress | None:
    """The address ``host`` names, as the resolver would read it: also the old IPv4 forms
    (``2130706433``, ``0x7f.1``) and IPv4 mapped into IPv6; ``None`` for a name."""
    try:
        ip: IPAddress = ipaddress.ip_address(host)
    except ValueError:
        try:  # getaddrinfo takes these as addresses, not names (inet_aton's forms)
            ip = ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


def _canonical(host: str) -> str | None:
    """One spelling per host (``None``: not a host name nor an address, or a scoped one)."""
    host = host.lower().rstrip(".")
    ip = _ip(host)
    if ip is None:
        return host if _NAME.fullmatch(host) else None
    return None if isinstance(ip, ipaddress.IPv6Address) and ip.scope_id else ip.compressed


def _forbidden(host: str) -> bool:
    ip = _ip(host)
    if ip is None:
        return host in _METADATA_NAMES
    return ip.is_link_local or any(ip in net for net in _METADATA)


def _loopback(host: str) -> bool:
    ip = _ip(host)
    return host == "localhost" if ip is None else ip.is_loopback


def _address_hosts(address: str) -> set[str]:
    """Hosts named by a cluster address: ``scheme://H:P``, ``scheme://H1:P,H2:P`` (several
    masters); none for an address that names no host (an engine's own word for "here")."""
    rest = address.split("://", 1)[1] if "://" in address else address
    hosts = (_hostname(p if "://" in p else f"tcp://{p}") for p in rest.split(","))
    return {h for h in (_canonical(h) for h in hosts if h) if h}


def _hostname(url: str) -> str | None:
    try:
        return urlsplit(url).hostname
    except ValueError:  # brackets that hold no IPv6 address: not a host
        return None


def _on_server(engine: str, address: str) -> bool:
    """May the dashboard of an `engine` session at `address` be on this machine (its
    engine says)?"""
    from ._engine_packages import package_for

    package = package_for(engine)
    return package is not None and package.dashboard_on_server(engine, address)


def _this_machine() -> set[str]:
    """Addresses of this machine: an engine's driver may run inside a kernel of this
    server, and its UI names whichever of them it picked (not only 127.0.0.1)."""
    found = {_canonical(a.address.split("%")[0]) for addrs in psutil.net_if_addrs().values()
             for a in addrs if a.family in (socket.AF_INET, socket.AF_INET6)}  # fmt: skip
    return {h for h in found if h} | {"127.0.0.1", _canonical(socket.gethostname()) or "localhost"}


@dataclass(frozen=True)
class AllowedHosts:
    """Where a dashboard that a kernel announces may be, besides loopback and this machine
    (``ClusterManager.allowed_dashboard_hosts``): networks (``10.0.0.0/8``, one address
    ``10.1.2.3``) and host names, matched as written (never resolved)."""

    networks: tuple[IPNetwork, ...] = ()
    names: frozenset[str] = frozenset()

    @classmethod
    def parse(cls, entries: Iterable[str]) -> AllowedHosts:
        """Raises ``ValueError`` naming the first entry that is neither."""
        networks: list[IPNetwork] = []
        names: set[str] = set()
        for entry in entries:
            try:
                networks.append(ipaddress.ip_network(entry.strip(), strict=False))
            except ValueError:
                name = _canonical(entry.strip())
                if name is None or _ip(name) is not None:
                    raise ValueError(f"{entry!r} is neither a network nor a host name") from None
                names.add(name)
        return cls(tuple(networks), frozenset(names))

    def __contains__(self, host: object) -> bool:
        if not isinstance(host, str):
            return False
        if _loopback(host) or host in _this_machine() or host in self.names:
            return True
        ip = _ip(host)
        return ip is not None and any(ip in net for net in self.networks)


def checked_dashboard(
    engine: str, address: Any, dashboard: Any, hosts: AllowedHosts | None = None
) -> str | None:
    """``dashboard`` if the proxy may go there, else ``None`` (then there is no dashboard).

    The proxy connects with the server's network position, so a cluster's or a kernel's own
    word about its dashboard is not enough: the dashboard must be on the host of the
    cluster's own address (its scheduler, master or server), or, for a session whose engine
    says so (`dashboard_on_server`), on this machine (a driver's UI, inside our kernels).
    Loopback names count as one host. With ``hosts`` (a kernel's announcement: its word
    alone), the host must also be one of them; link-local and cloud metadata addresses
    never pass.
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
    if host is None or _forbidden(host) or (hosts is not None and host not in hosts):
        return None
    allowed = _address_hosts(address)
    if _on_server(engine, address):
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
        """Read what `measure` reports, where that costs a request (a master's page)."""
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
        return  # by default, no process of the cluster runs outside the server's

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


class SourceError(Exception):
    """A request a `ClusterSource` refuses or could not carry out, as one paragraph for the
    user; `status` is the HTTP answer (400 bad input, 404 no such cluster, 409 not now, 502
    the service behind the source failed)."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


class ClusterSource(ABC):
    """Clusters that live in a service the server reaches with its own configuration (a
    cluster gateway): listed beside the server's own and the kernels' sessions, created, scaled and
    stopped through that service; its credentials stay inside the source.

    Entries have `ManagedCluster.to_json`'s keys (`source` is the source's `name`), plus `sessions`:
    the ids of the announced kernel sessions on that cluster, which the listing then shows
    only through this entry. Every method is bounded in time and never blocks the event
    loop."""

    name = ""  # a create request with this key true comes here; the options route's word

    @abstractmethod
    async def status(self) -> dict[str, Any] | None:
        """None when the service is not configured; else {"address", "error"}: where it is
        (never with credentials) and why the last listing failed, if it did."""

    @abstractmethod
    async def clusters(self, sessions: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The entries (kernel sessions merged in); [] when unconfigured or unreachable."""

    @abstractmethod
    def owns(self, cid: str) -> bool:
        """Is `cid` the id of one of this source's entries?"""

    def gone(self) -> set[str]:
        """Ids of announced sessions on clusters of this service that its last listing
        (`clusters`) no longer has (stopped from the list, or elsewhere): their kernel still
        holds a client, but the listing shows no card for a cluster that is gone."""
        return set()

    @abstractmethod
    async def get(self, cid: str, sessions: list[dict[str, Any]]) -> dict[str, Any] | None: ...

    @abstractmethod
    async def create(self, body: dict[str, Any]) -> dict[str, Any]:
        """Start a cluster; the entry says "starting" (`SourceError` for a refusal)."""

    @abstractmethod
    async def change(self, cid: str, body: dict[str, Any]) -> None:
        """Scale (or otherwise resize) a cluster."""

    @abstractmethod
    async def stop(self, cid: str) -> None: ...

    @abstractmethod
    async def options(self) -> dict[str, Any]:
        """What a create request may ask for (the form of "New cluster")."""

    @abstractmethod
    def dashboard_root(self, entry: dict[str, Any]) -> str | None:
        """For an entry or an announced session of this source: the path below which
        the dashboard proxy must stay (the service's other pages are not the dashboard);
        None for anything else."""

    @abstractmethod
    async def reap(
        self, sessions: list[dict[str, Any]], alive: Callable[[dict[str, Any]], bool]
    ) -> None:
        """Stop the clusters whose kernel is gone (`alive(session)` is false for a session
        it announced earlier) and that were not kept."""

    @abstractmethod
    async def close(self) -> None:
        """Server exit: stop the clusters the server started (not kept); let go of the rest."""

    async def ended(self, sessions: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Applications that ended and that this source still shows (an engine's history
        server), newest first: {"id", "name", "started", "ended", "duration", "completed",
        "path": where its UI is below the source's dashboard, "page": the page a link opens
        (e.g. its jobs)}; none by default."""
        return []
