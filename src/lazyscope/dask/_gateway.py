"""Dask Gateway clusters (daskhub, Pangeo, Nebari, most JupyterHubs with Dask) as the
kernel's Dask session: start one with the gateway's cluster options, or attach to one by
name, through dask-gateway's own client and configuration.

With no address, dask-gateway reads Dask's configuration (`gateway.address`,
`gateway.auth.type`, `gateway.auth.kwargs`: what daskhub presets, e.g. through
`DASK_GATEWAY__ADDRESS`). The credentials stay inside dask-gateway's client: nothing
here stores, shows, logs or announces them, and addresses lose any `user:password@`.
A cluster started here stops with the kernel (dask-gateway's `shutdown_on_close`, run by
the kernel's exit handler), unless kept; an attached one is only detached.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from lazyscope import _net
from lazyscope._errors import LazyscopeError, short_engine_message, survived
from lazyscope._sessions import SessionInfo

from ._gateway_options import allowed, set_options
from ._session import DaskEngine, kernel_log

__all__ = ["GatewayEngine", "GatewayInfo", "answers", "configured_address", "public_address"]

_WHAT = "Dask Gateway"


@dataclass
class GatewayInfo(SessionInfo):
    """A Gateway cluster's session: `gateway` holds what the status and the Jupyter
    server need (announced with the session): the gateway's `address`, the `cluster`'s
    name, its `options`, the `scaling` asked for, and `keep` (a kept cluster outlives its
    kernel; one that is `owned` and not kept stops with it)."""

    gateway: dict[str, Any] = field(default_factory=dict)

    def title(self) -> str | None:
        return "Dask Gateway" if self.gateway else None

    def source_rows(self) -> list[tuple[str, str]]:
        if not self.gateway:
            return []
        options = self.gateway.get("options") or {}
        shown = ", ".join(f"{k}={_value(v)}" for k, v in options.items()) or "none"
        return [
            ("gateway", str(self.gateway.get("address", "unknown"))),
            ("cluster", str(self.gateway.get("cluster", "unknown"))),
            ("options", shown),
        ]

    def scaling_rows(self) -> list[tuple[str, str]]:
        if "adapt" in self.gateway:
            low, high = self.gateway["adapt"]
            return [("scaling", f"adaptive, {low} to {high} workers")]
        if self.gateway.get("workers") is not None:
            return [("scaling", f"{self.gateway['workers']} workers requested")]
        return []

    def started_here(self) -> str:
        if not self.owned or not self.gateway:
            return super().started_here()
        if self.gateway.get("keep"):
            return "yes, kept (outlives the kernel; %dask stop stops it)"
        return "yes (stops with the kernel)"

    def stopped(self) -> str:
        if not self.gateway:
            return super().stopped()
        where = f"Dask Gateway cluster {self.gateway['cluster']} at {self.gateway['address']}"
        if self.owned:
            return f"Stopped the {where}."
        return (
            f"Detached from the {where}; it keeps running (%dask connect --gateway "
            f"{self.gateway['cluster']} attaches to it again)."
        )


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    return f"{value:g}" if isinstance(value, float) else str(value)


def public_address(address: str) -> str:
    """`address` without credentials (`https://user:token@host/` -> `https://host/`)."""
    parts = urlsplit(address)
    if parts.username is None and parts.password is None:
        return address
    host = parts.hostname or ""
    netloc = f"[{host}]" if ":" in host else host
    return parts._replace(netloc=netloc + (f":{parts.port}" if parts.port else "")).geturl()


def configured_address() -> str | None:
    """dask-gateway's configured address (`gateway.address`, its templates filled in), or
    None. Shared with the Jupyter server's Gateway clusters (`_gateway_clusters`)."""
    import dask.config

    configured = dask.config.get("gateway.address", None)
    if not configured:
        return None
    from dask_gateway.utils import format_template  # type: ignore[import-untyped]  # untyped

    return str(format_template(configured)).rstrip("/")


def _configured_address(address: str | None) -> str:
    if address:
        return address.rstrip("/")
    configured = configured_address()
    if configured is None:
        raise LazyscopeError(
            "No Dask Gateway address: give one (%dask start --gateway https://HOST) or set "
            "dask-gateway's configuration (gateway.address, e.g. the environment variable "
            "DASK_GATEWAY__ADDRESS, as daskhub does)."
        )
    return configured


def _check_reachable(address: str, timeout: float) -> None:
    """A plain TCP connect first: aiohttp would wait minutes for a silent host."""
    parts = urlsplit(address)
    try:
        port = parts.port or {"http": 80, "https": 443}.get(parts.scheme)
    except ValueError:
        port = None
    if parts.scheme not in ("http", "https") or not parts.hostname or not port:
        raise LazyscopeError(
            f"Bad Dask Gateway address {public_address(address)!r}: expected http(s)://HOST[:PORT]"
            " (e.g. http://127.0.0.1:8000 or https://gateway.example.org)."
        )
    _net.check_reachable(parts.hostname, port, _WHAT, timeout=timeout)


@contextlib.contextmanager
def answers(address: str, name: str | None = None, who: str = "this kernel's") -> Iterator[None]:
    """The gateway's refusals as one paragraph each (never its credentials); `who` owns
    the credentials (the Jupyter server's Gateway clusters use it too)."""
    import aiohttp
    from dask_gateway import (  # type: ignore[import-untyped]  # untyped
        GatewayClusterError,
        GatewayServerError,
    )

    shown = public_address(address)
    try:
        yield
    except aiohttp.ClientResponseError as exc:
        if exc.status in (401, 403):
            raise LazyscopeError(
                f"The Dask Gateway at {shown} refused {who} credentials (HTTP "
                f"{exc.status}). Check dask-gateway's authentication settings (gateway.auth.type"
                " and gateway.auth.kwargs, e.g. DASK_GATEWAY__AUTH__KWARGS__PASSWORD)."
            ) from None
        raise LazyscopeError(
            f"The Dask Gateway at {shown} answered HTTP {exc.status} ({exc.message})."
        ) from None
    except (aiohttp.ClientConnectionError, OSError, TimeoutError) as exc:
        raise LazyscopeError(
            f"Cannot reach the Dask Gateway at {shown} ({short_engine_message(exc, 1)}). "
            "Check the address and that the gateway is running."
        ) from None
    except (GatewayClusterError, GatewayServerError) as exc:
        what = f"cluster {name}" if name else "the cluster"
        raise LazyscopeError(
            f"The Dask Gateway at {shown} could not run {what}: {short_engine_message(exc, 2)}"
        ) from None


def _gateway(address: str) -> Any:
    from dask_gateway import Gateway

    return Gateway(address)


def _closed(gateway: Any) -> None:
    """Close a dask-gateway client once and for all: its `__del__` closes it again, and a
    second close fails on distributed's stopped loop ("Exception ignored in
    Gateway.__del__" with a traceback, on the stderr of whatever cell runs). `__del__`
    leaves alone an object without a loop runner."""
    gateway.close()
    _closed_already(gateway)


def _closed_already(gateway: Any) -> None:
    with contextlib.suppress(AttributeError):
        del gateway._loop_runner


def _running_names(address: str) -> list[str]:
    gateway = _gateway(address)
    try:
        return [report.name for report in gateway.list_clusters()]
    finally:
        _closed(gateway)


def _route_logs() -> None:
    """dask-gateway's and distributed's complaints (a cluster that did not stop, a lost
    scheduler) go to the kernel's Dask log, not into a cell: dask-gateway's loggers have
    no handler of their own, so Python's fallback would print them on the cell's stderr."""
    import dask

    log = kernel_log()
    logger = logging.getLogger("dask_gateway")
    for old in [h for h in logger.handlers if getattr(h, "lazyscope", False)]:
        logger.removeHandler(old)
    handler = logging.FileHandler(log, encoding="utf-8", delay=True)
    handler.setFormatter(logging.Formatter(dask.config.get("distributed.admin.log-format")))
    handler.lazyscope = True  # type: ignore[attr-defined]  # ours, replaced on the next start
    logger.addHandler(handler)
    logger.propagate = False


# --------------------------------------------------------------------------- options
def cluster_options(address: str, wanted: dict[str, str]) -> Any:
    """The gateway's cluster options with `wanted` set, checked against what it declares."""
    gateway = _gateway(address)
    try:
        with answers(address):
            options = gateway.cluster_options()
    finally:
        _closed(gateway)
    set_options(options, wanted, public_address(address), flag="--option ")
    return options


# --------------------------------------------------------------------------- engine
def _scale(cluster: Any, workers: int | None, adapt: tuple[int, int] | None) -> None:
    if adapt is not None:
        cluster.adapt(minimum=adapt[0], maximum=adapt[1])
    elif workers is not None:
        cluster.scale(workers)


def _scaling(workers: int | None, adapt: tuple[int, int] | None) -> dict[str, Any]:
    if adapt is not None:
        return {"adapt": list(adapt)}
    return {"workers": workers} if workers is not None else {}


class GatewayEngine(DaskEngine):
    """The kernel's Dask session on a Gateway cluster: `client` and `cluster`."""

    @classmethod
    def start_cluster(
        cls,
        address: str | None,
        options: dict[str, str],
        *,
        workers: int | None,
        adapt: tuple[int, int] | None,
        keep: bool,
        timeout: float,
    ) -> GatewayEngine:
        address = _configured_address(address)
        _check_reachable(address, timeout)
        _route_logs()
        chosen = cluster_options(address, options)
        from dask_gateway import GatewayCluster

        with answers(address):
            try:
                cluster = GatewayCluster(
                    address, cluster_options=chosen, shutdown_on_close=not keep
                )
            except ValueError as exc:  # the gateway's own check of the options (HTTP 422)
                raise LazyscopeError(
                    f"The Dask Gateway at {public_address(address)} refused the cluster "
                    f"options: {short_engine_message(exc, 2)}. It allows: {allowed(chosen)}."
                ) from None
        return cls._attached(
            address, cluster, workers, adapt, owned=True, keep=keep, options=dict(chosen)
        )

    @classmethod
    def connect_cluster(
        cls,
        address: str | None,
        name: str,
        *,
        workers: int | None,
        adapt: tuple[int, int] | None,
        timeout: float,
    ) -> GatewayEngine:
        address = _configured_address(address)
        _check_reachable(address, timeout)
        _route_logs()
        from dask_gateway import GatewayCluster

        with answers(address, name):
            try:
                cluster = GatewayCluster.from_name(name, address=address, shutdown_on_close=False)
            except ValueError:  # HTTP 404: no such cluster (for this user)
                running = _running_names(address)
                raise LazyscopeError(
                    f"The Dask Gateway at {public_address(address)} has no cluster named "
                    f"{name!r}. Its running clusters: {', '.join(running) or 'none'}."
                ) from None
        return cls._attached(address, cluster, workers, adapt, owned=False, keep=False)

    @classmethod
    def _attached(
        cls,
        address: str,
        cluster: Any,
        workers: int | None,
        adapt: tuple[int, int] | None,
        *,
        owned: bool,
        keep: bool,
        options: dict[str, Any] | None = None,
    ) -> GatewayEngine:
        """The session on a running `cluster`; the cluster stops again (if it is ours to
        stop) when anything after its start fails."""
        try:
            with answers(address, cluster.name):
                _scale(cluster, workers, adapt)
                if options is None:  # attached: the options it was started with
                    options = dict(cluster.gateway.get_cluster(cluster.name).options)
                client = cluster.get_client(set_as_default=True)
        except BaseException:
            _close_cluster(cluster, shutdown=owned)  # a half-made session leaves nothing
            raise
        gateway = {
            "address": public_address(address),
            "cluster": cluster.name,
            "options": options,
            "keep": keep,
            **_scaling(workers, adapt),
        }
        info = GatewayInfo(
            engine="dask", address=client.scheduler.address, owned=owned, gateway=gateway
        )
        wanted = {
            "gateway": address,
            "cluster": cluster.name,
            "options": options,
            "workers": workers,
            "adapt": adapt,
        }
        return cls(client, cluster, wanted, info)

    def namespace(self) -> dict[str, Any]:
        return {"client": self.client, "cluster": self.cluster}

    def stop(self) -> None:
        """`%dask stop`: shut down the cluster this kernel started (kept or not); detach
        from one it attached to."""
        self._close(shutdown=self.info.owned)

    def leave(self) -> None:
        """The kernel exits: its clusters stop, unless kept (or only attached)."""
        self._close(shutdown=self.info.owned and not self.facts["keep"])

    def _close(self, shutdown: bool) -> None:
        try:
            self.client.close()
        except Exception:  # the cluster must still stop (or be let go)
            survived("closing the Dask Gateway cluster's client failed; closing the cluster")
        _close_cluster(self.cluster, shutdown=shutdown)

    def conflicts(self, wanted: dict[str, Any]) -> list[str]:
        found = []
        running = self.facts
        if wanted.get("address"):
            found.append(f"scheduler {wanted['address']} (running: Gateway cluster {self._name})")
        for key in ("threads", "memory"):
            if wanted.get(key) is not None:
                found.append(f"--{key} (a local cluster's; running: Gateway cluster {self._name})")
        gateway = wanted.get("gateway")
        if gateway and public_address(gateway.rstrip("/")) != running["address"]:
            found.append(f"--gateway {public_address(gateway)} (running: {running['address']})")
        name = wanted.get("cluster")
        if name and name != running["cluster"]:
            found.append(f"cluster {name} (running: {running['cluster']})")
        for key in ("workers", "adapt"):
            value = wanted.get(key)
            if value is not None and value != self.wanted.get(key):
                found.append(f"--{key} {_flag(value)} (running: {_flag(self.wanted.get(key))})")
        options = wanted.get("options") or {}
        for key, text in options.items():
            if str(running["options"].get(key)) != text:
                found.append(f"--option {key}={text} (running: {running['options'].get(key)})")
        return found

    @property
    def _name(self) -> str:
        return str(self.facts["cluster"])

    @property
    def facts(self) -> dict[str, Any]:
        """The gateway's facts about this cluster (see GatewayInfo)."""
        assert isinstance(self.info, GatewayInfo)  # made so in _attached
        return self.info.gateway


def _close_cluster(cluster: Any, shutdown: bool) -> None:
    """Stop (or let go) the cluster; its close closes its gateway client (see _closed)."""
    try:
        cluster.close(shutdown=shutdown)
    finally:
        _closed_already(cluster.gateway)


def _flag(value: Any) -> str:
    """A --workers or --adapt value as it was typed."""
    if value is None:
        return "none"
    return ":".join(map(str, value)) if isinstance(value, tuple | list) else str(value)
