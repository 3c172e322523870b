"""The lazyscope jupyter_server extension (enabled on install by
``jupyter-config/server-config/lazyscope.json``).

An ``ExtensionApp`` rather than a bare load function: jupyter_server calls its
``stop_extension`` at shut-down, which is where the clusters it started are stopped.

Dashboards are proxied under ``<base_url>lazyscope/dashboard/`` (scheme in ``_proxy``).
That prefix is exported to the kernels this server starts as
``LAZYSCOPE_DASHBOARD_PREFIX``, so a kernel links a session with id X and dashboard
``http://127.0.0.1:P/status`` as ``<prefix>X/status`` (``lazyscope._links``); the
capability path is the server's business alone (it redirects browsers into it).
"""

from __future__ import annotations

import os
import secrets
from typing import Any

from jupyter_server.extension.application import ExtensionApp
from jupyter_server.utils import url_path_join
from traitlets import Float

from lazyscope._links import PREFIX_VARIABLE

from ._handlers import routes
from ._manager import ClusterManager

__all__ = ["ClusterManager", "LazyscopeServer", "_load_jupyter_server_extension"]


class LazyscopeServer(ExtensionApp):  # type: ignore[misc]  # jupyter_server is untyped
    name = "lazyscope"
    classes = [ClusterManager]  # so `c.ClusterManager.<option> = ...` is documented

    dashboard_timeout = Float(
        5.0,
        config=True,
        help="Seconds the dashboard proxy waits to connect to a dashboard (and for a "
        "websocket handshake) before answering 502/504.",
    )

    _prefix_before: str | None = None

    def initialize_settings(self) -> None:
        self.manager = ClusterManager(parent=self, log=self.log)
        self.settings["lazyscope_manager"] = self.manager
        # Signs the capability paths of dashboards; new at every start, so a copied
        # dashboard link stops granting anything when the server restarts.
        self.settings["lazyscope_dashboard_secret"] = secrets.token_bytes(32)
        self.settings["lazyscope_dashboard_timeout"] = self.dashboard_timeout
        # Kernels started from now on inherit it (they build their dashboard links from it).
        prefix = url_path_join(self.serverapp.base_url, "lazyscope", "dashboard") + "/"
        self._prefix_before = os.environ.get(PREFIX_VARIABLE)
        os.environ[PREFIX_VARIABLE] = prefix

    def initialize_handlers(self) -> None:
        self.handlers.extend(routes())
        self.log.info("lazyscope server extension loaded: %s", ", ".join(h[0] for h in routes()))

    async def _start_jupyter_server_extension(self, serverapp: Any) -> None:
        # Once the event loop runs: the watcher that stops the clusters of killed kernels.
        self.manager.start_watching()

    async def stop_extension(self) -> None:
        await self.manager.shutdown()
        # A process that goes on without this server (tests, an embedding app) must not
        # keep sending its future kernels' links to it.
        if self._prefix_before is None:
            os.environ.pop(PREFIX_VARIABLE, None)
        else:
            os.environ[PREFIX_VARIABLE] = self._prefix_before


def _load_jupyter_server_extension(serverapp: Any) -> None:
    """For a server that loads the module, not its extension points."""
    LazyscopeServer._load_jupyter_server_extension(serverapp)
