"""`%spark status` / `%dask status`: one session's vital signs, as text and HTML."""

from __future__ import annotations

from html import escape
from typing import Any

from lazyscope._links import Link, dashboard_link
from lazyscope.engines import SessionInfo
from lazyscope.model import format_bytes

from ._html import root

__all__ = ["StatusView"]

_TITLES = {"spark": "Spark", "spark-connect": "Spark Connect", "dask": "Dask"}


class StatusView:
    def __init__(self, info: SessionInfo) -> None:
        self.info = info

    @property
    def link(self) -> Link | None:
        """The dashboard link (through the Jupyter server when the kernel runs under one)."""
        if not self.info.dashboard:
            return None
        return dashboard_link(self.info.id, self.info.dashboard)

    def _magic(self) -> str:
        return "dask" if self.info.engine == "dask" else "spark"

    def _dashboard_text(self) -> str:
        link = self.link
        if link is None:
            return "not available"
        return link.href if link.direct is None else f"{link.href} (direct: {link.direct})"

    @property
    def gateway(self) -> dict[str, Any] | None:
        """A Dask Gateway cluster's facts (its session info carries them), else None."""
        gateway = getattr(self.info, "gateway", None)
        return gateway if isinstance(gateway, dict) and gateway else None

    def rows(self) -> list[tuple[str, str]]:
        info = self.info
        kind = "workers" if info.engine == "dask" else "executors"
        return [
            ("address", info.address),
            *self._gateway_rows(),
            ("application" if info.engine != "dask" else "scheduler id", info.app_id or "unknown"),
            ("dashboard", self._dashboard_text()),
            (kind, "unknown" if info.workers is None else str(info.workers)),
            *self._scaling_rows(),
            ("cores", "unknown" if info.cores is None else str(info.cores)),
            ("memory", format_bytes(info.memory)),
            ("version", info.version or "unknown"),
            ("started here", self._started_here()),
            *([("log", f"{info.log} (%{self._magic()} log shows its end)")] if info.log else []),
        ]

    def _gateway_rows(self) -> list[tuple[str, str]]:
        gateway = self.gateway
        if gateway is None:
            return []
        options = gateway.get("options") or {}
        shown = ", ".join(f"{k}={_value(v)}" for k, v in options.items()) or "none"
        return [
            ("gateway", str(gateway.get("address", "unknown"))),
            ("cluster", str(gateway.get("cluster", "unknown"))),
            ("options", shown),
        ]

    def _scaling_rows(self) -> list[tuple[str, str]]:
        gateway = self.gateway or {}
        if "adapt" in gateway:
            low, high = gateway["adapt"]
            return [("scaling", f"adaptive, {low} to {high} workers")]
        if gateway.get("workers") is not None:
            return [("scaling", f"{gateway['workers']} workers requested")]
        return []

    def _started_here(self) -> str:
        if not self.info.owned:
            return "no (attached)"
        gateway = self.gateway
        if gateway is None:
            return "yes"
        if gateway.get("keep"):
            return "yes, kept (outlives the kernel; %dask stop stops it)"
        return "yes (stops with the kernel)"

    def __repr__(self) -> str:
        title = self._title()
        lines = [f"{title} session"] + [f"  {k:<13} {v}" for k, v in self.rows()]
        return "\n".join(lines)

    def _title(self) -> str:
        if self.gateway is not None:
            return "Dask Gateway"
        return _TITLES.get(self.info.engine, self.info.engine)

    def _repr_html_(self) -> str:
        title = escape(self._title())
        cells = []
        for key, value in self.rows():
            shown = escape(value)
            link = self.link
            if key == "dashboard" and link is not None and link.href.startswith(("/", "http")):
                shown = _link_html(link)
            cells.append(f"<tr><th style='text-align:left'>{escape(key)}</th><td>{shown}</td></tr>")
        table = "".join(cells)
        return root("lazyscope-status", f"<b>{title} session</b><table>{table}</table>")


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    return f"{value:g}" if isinstance(value, float) else str(value)


def _link_html(link: Link) -> str:
    anchor = f'<a href="{escape(link.href, quote=True)}" target="_blank">{escape(link.href)}</a>'
    if link.direct is None:
        return anchor
    # The direct URL only works on the kernel's machine: secondary, not a link.
    return f"{anchor}<br><small style='opacity:0.7'>direct: {escape(link.direct)}</small>"
