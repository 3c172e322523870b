"""The lazyscope jupyter_server extension (enabled on install by
``jupyter-config/server-config/lazyscope.json``).

An ``ExtensionApp`` rather than a bare load function: jupyter_server calls its
``stop_extension`` at shut-down, which is where the clusters it started are stopped.
"""

from __future__ import annotations

from typing import Any

from jupyter_server.extension.application import ExtensionApp

from ._handlers import routes
from ._manager import ClusterManager

__all__ = ["ClusterManager", "LazyscopeServer", "_load_jupyter_server_extension"]


class LazyscopeServer(ExtensionApp):  # type: ignore[misc]  # jupyter_server is untyped
    name = "lazyscope"
    classes = [ClusterManager]  # so `c.ClusterManager.dask_factory = ...` is documented

    def initialize_settings(self) -> None:
        self.manager = ClusterManager(parent=self, log=self.log)
        self.settings["lazyscope_manager"] = self.manager

    def initialize_handlers(self) -> None:
        self.handlers.extend(routes())
        self.log.info("lazyscope server extension loaded: %s", ", ".join(h[0] for h in routes()))

    async def stop_extension(self) -> None:
        await self.manager.shutdown()


def _load_jupyter_server_extension(serverapp: Any) -> None:
    """For a server that loads the module, not its extension points."""
    LazyscopeServer._load_jupyter_server_extension(serverapp)
