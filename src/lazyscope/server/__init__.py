"""The lazyscope jupyter_server extension (enabled on install by
``jupyter-config/server-config/lazyscope.json``)."""

from __future__ import annotations

from typing import Any

from ._handlers import routes

__all__ = ["_load_jupyter_server_extension"]


def _load_jupyter_server_extension(serverapp: Any) -> None:
    """Called once by jupyter_server at start-up: register the HTTP routes."""
    web_app = serverapp.web_app
    handlers = routes(web_app.settings["base_url"])
    web_app.add_handlers(".*$", handlers)
    serverapp.log.info("lazyscope server extension loaded: %s", ", ".join(h[0] for h in handlers))
