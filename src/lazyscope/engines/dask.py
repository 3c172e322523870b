"""Dask distributed: a LocalCluster we own, or a client attached to a running scheduler."""

from __future__ import annotations

import logging
import os
from typing import Any
from urllib.parse import urlsplit

from lazyscope._errors import LazyscopeError, short_engine_message

from . import _dask_worker, _net
from ._base import SessionInfo

__all__ = ["DaskEngine", "parse_address"]

_SCHEMES = ("tcp", "tls", "ws", "wss")


def parse_address(address: str) -> tuple[str, int]:
    url = urlsplit(address if "://" in address else f"tcp://{address}")
    try:
        port = url.port
    except ValueError:
        port = None
    if url.scheme not in _SCHEMES or not url.hostname or not port:
        raise LazyscopeError(
            f"Bad Dask scheduler address {address!r}: expected tcp://HOST:PORT "
            "(e.g. tcp://127.0.0.1:8786)."
        )
    return url.hostname, port


class DaskEngine:
    kind = "dask"

    def __init__(self, client: Any, cluster: Any | None, wanted: dict[str, Any]) -> None:
        self.client = client
        self.cluster = cluster
        self.wanted = wanted
        self.info = SessionInfo(
            engine="dask", address=client.scheduler.address, owned=cluster is not None
        )
        self.info = self.status()

    @classmethod
    def start(cls, workers: int, threads: int, memory: str, port: int = 0) -> DaskEngine:
        if workers < 1:
            raise LazyscopeError("--workers must be at least 1.")
        _net.check_port_free(port, "Dask scheduler")
        from distributed import Client, LocalCluster

        threads = threads or max(1, (os.cpu_count() or 1) // workers)
        try:
            cluster = LocalCluster(
                n_workers=workers,
                threads_per_worker=threads,
                memory_limit=memory,
                processes=True,
                host="127.0.0.1",
                scheduler_port=port,
                dashboard_address="127.0.0.1:0",
                silence_logs=logging.ERROR,
                preload=[_dask_worker.__name__],  # workers survive the kernel's interrupt
            )
        except (ValueError, TypeError) as exc:
            raise LazyscopeError(f"Dask did not start: {short_engine_message(exc, 2)}") from None
        wanted = {"workers": workers, "threads": threads, "memory": memory}
        return cls(Client(cluster), cluster, wanted)

    @classmethod
    def connect(cls, address: str, timeout: float) -> DaskEngine:
        host, port = parse_address(address)
        _net.check_reachable(host, port, "Dask scheduler", timeout=timeout)
        from distributed import Client

        try:
            client = Client(address, timeout=timeout)
        except (OSError, TimeoutError) as exc:
            raise LazyscopeError(
                f"Could not connect to the Dask scheduler at {address}: "
                f"{short_engine_message(exc, 2)}"
            ) from None
        return cls(client, None, {"address": address})

    def status(self) -> SessionInfo:
        info = self.client.scheduler_info(n_workers=-1)
        workers = info.get("workers", {}).values()
        self.info.dashboard = self.client.dashboard_link
        self.info.app_id = info.get("id")
        self.info.workers = len(workers)
        self.info.cores = sum(w.get("nthreads", 0) for w in workers)
        self.info.memory = sum(w.get("memory_limit", 0) or 0 for w in workers) or None
        import distributed

        self.info.version = distributed.__version__
        return self.info

    def stop(self) -> None:
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()

    def namespace(self) -> dict[str, Any]:
        return {"client": self.client}

    def conflicts(self, wanted: dict[str, Any]) -> list[str]:
        found = []
        address = wanted.get("address")
        if address and address != self.info.address:
            found.append(f"scheduler {address} (running: {self.info.address})")
        for key in ("workers", "threads", "memory"):
            value = wanted.get(key)
            if value is not None and key in self.wanted and value != self.wanted[key]:
                found.append(f"--{key} {value} (running: {self.wanted[key]})")
        return found
