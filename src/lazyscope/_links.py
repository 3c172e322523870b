"""Where a user's browser reaches a dashboard: the one rule for every link we show.

A dashboard's own URL (``http://127.0.0.1:8787/status``) only
works in a browser on the machine that runs the kernel. When the kernel runs under a
Jupyter server with lazyscope (a laptop, Binder, a JupyterHub), that server exports
``LAZYSCOPE_DASHBOARD_PREFIX`` (a URL path such as ``/user/alice/lazyscope/dashboard/``)
to the kernels it starts, and proxies ``<prefix><session id>/<path>`` to the dashboard
of the session with that id (the id the kernel announces, ``SessionInfo.id``). So the
link we show is that path, and the direct URL stays as secondary text. Without the
variable (plain IPython, a script) there is no proxy and the direct URL is the link.

An application that a history server of the Jupyter server keeps (its event log is where
that server reads) is linked by its application id instead (``app=``):
``<base>lazyscope/history/<app id>/<page>``, beside the dashboard prefix. The server sends
that to the live UI while the application runs and to the history server's page for it
once it ended, so a saved notebook's link keeps working.
"""

from __future__ import annotations

import os
from typing import NamedTuple
from urllib.parse import quote, urlsplit

__all__ = ["HISTORY_SEGMENT", "PREFIX_VARIABLE", "Link", "dashboard_link"]

PREFIX_VARIABLE = "LAZYSCOPE_DASHBOARD_PREFIX"
# The server's route of application links, beside its dashboard route (the prefix's last part).
HISTORY_SEGMENT = "history"


class Link(NamedTuple):
    """``href``: what to open; ``direct``: the dashboard's own URL when ``href`` is the
    proxy path (shown beside it), else ``None``."""

    href: str
    direct: str | None


def _prefix() -> str | None:
    # Read per call: a kernel's environment is fixed, but tests and nested servers set it late.
    prefix = os.environ.get(PREFIX_VARIABLE, "").strip()
    if not prefix.startswith("/"):  # unset, or not a URL path: no proxy to go through
        return None
    return prefix.rstrip("/") + "/"


def dashboard_link(session_id: str, direct: str, page: str = "", app: str | None = None) -> Link:
    """The link to ``page`` (e.g. ``"jobs/"``) of the dashboard at ``direct``, for the
    session ``session_id``: through the server's proxy when there is one. ``app``: the
    application id, when a history server keeps the application (linked by it)."""
    parts = urlsplit(direct)
    path = parts.path.rstrip("/") + "/" + page.lstrip("/") if page else parts.path
    direct_url = parts._replace(path=path).geturl()
    prefix = _prefix()
    if prefix is None or parts.scheme not in ("http", "https") or not parts.hostname:
        return Link(direct_url, None)
    if app:  # "<base>lazyscope/dashboard/" -> "<base>lazyscope/history/<app>/<page>"
        history = prefix.rstrip("/").rsplit("/", 1)[0] + f"/{HISTORY_SEGMENT}/"
        return Link(history + quote(app, safe="") + "/" + page.lstrip("/"), direct_url)
    href = prefix + quote(session_id, safe="") + (path if path.startswith("/") else "/" + path)
    return Link(href + (f"?{parts.query}" if parts.query else ""), direct_url)
