"""`%NAME status` of an engine: one session's vital signs, as text and HTML, in the words
of its engine package (its title, what its workers are called...)."""

from __future__ import annotations

from html import escape

from lazyscope._links import Link, dashboard_link
from lazyscope._sessions import StatusWords
from lazyscope.engines import SessionInfo, package_for, title
from lazyscope.model import format_bytes

from ._html import root

__all__ = ["StatusView"]


class StatusView:
    def __init__(self, info: SessionInfo) -> None:
        self.info = info

    @property
    def link(self) -> Link | None:
        """The dashboard link (through the Jupyter server when the kernel runs under one)."""
        if not self.info.dashboard:
            return None
        app = self.info.app_id if self.info.history else None  # outlives the session
        return dashboard_link(self.info.id, self.info.dashboard, app=app)

    def _words(self) -> tuple[str, StatusWords]:
        """The engine's magic and its status words (neutral ones for an unknown engine)."""
        package = package_for(self.info.engine)
        if package is None:
            return self.info.engine, StatusWords(start="")
        return package.NAME, package.STATUS

    def _dashboard_text(self) -> str:
        link = self.link
        if link is None:
            return "not available"
        return link.href if link.direct is None else f"{link.href} (direct: {link.direct})"

    def rows(self) -> list[tuple[str, str]]:
        info = self.info
        magic, words = self._words()
        return [
            ("address", info.address),
            *info.source_rows(),
            (words.app_id, info.app_id or "unknown"),
            ("dashboard", self._dashboard_text()),
            (words.workers, "unknown" if info.workers is None else str(info.workers)),
            *info.scaling_rows(),
            ("cores", "unknown" if info.cores is None else str(info.cores)),
            ("memory", format_bytes(info.memory)),
            ("version", info.version or "unknown"),
            ("started here", info.started_here()),
            *([("log", f"{info.log} (%{magic} log shows its end)")] if info.log else []),
        ]

    def __repr__(self) -> str:
        title = self._title()
        lines = [f"{title} session"] + [f"  {k:<13} {v}" for k, v in self.rows()]
        return "\n".join(lines)

    def _title(self) -> str:
        return self.info.title() or title(self.info.engine)

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


def _link_html(link: Link) -> str:
    anchor = f'<a href="{escape(link.href, quote=True)}" target="_blank">{escape(link.href)}</a>'
    if link.direct is None:
        return anchor
    # The direct URL only works on the kernel's machine: secondary, not a link.
    return f"{anchor}<br><small style='opacity:0.7'>direct: {escape(link.direct)}</small>"
