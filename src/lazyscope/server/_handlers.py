"""HTTP routes of the lazyscope server extension: thin, authenticated wrappers.

Each handler only translates HTTP to a call of a plain module (discovery today;
the cluster manager and dashboard proxy later) and back to JSON.
"""

from __future__ import annotations

import json

from jupyter_server.base.handlers import APIHandler
from jupyter_server.utils import url_path_join
from tornado.web import authenticated

from . import _discovery

__all__ = ["ClustersHandler", "routes"]


class ClustersHandler(APIHandler):  # type: ignore[misc]  # jupyter_server is untyped
    """``GET /lazyscope/api/clusters``: the sessions kernels announced."""

    @authenticated  # type: ignore[untyped-decorator]  # mypy skips tornado (pyproject)
    def get(self) -> None:
        self.finish(json.dumps({"clusters": _discovery.announced_sessions()}))


def routes(base_url: str) -> list[tuple[str, type[APIHandler]]]:
    """The extension's (URL pattern, handler) pairs below ``base_url``."""
    api = url_path_join(base_url, "lazyscope", "api")
    return [(url_path_join(api, "clusters"), ClustersHandler)]
