"""What every server-managed cluster has, whatever its engine."""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from typing import Any

__all__ = ["ManagedCluster"]


class ManagedCluster(ABC):
    """Base of the engine-specific clusters; ``to_json`` has the same keys as an
    announced kernel session, so the panel renders both the same way."""

    engine = ""

    def __init__(self, cid: str, name: str, options: dict[str, Any]) -> None:
        self.id = cid
        self.name = name
        self.options = options
        self.address: str | None = None
        self.dashboard: str | None = None  # the real dashboard URL: the proxy's only target
        self.status = "starting"
        self.error: str | None = None
        self.started = time.time()

    @abstractmethod
    async def scale(self, workers: int, timeout: float = 120) -> None: ...

    @abstractmethod
    async def close(self) -> None: ...

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
