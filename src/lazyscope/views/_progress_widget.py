"""The live progress widget: an anywidget, whose ES module and CSS are built from TypeScript
(labextension/widgets/progress.ts) into views/static/ and shipped in the package.

The kernel sends rows only when counts change (at most 10 times a second, a bounded
number of rows); the browser ticks the elapsed clock itself between messages.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anywidget
import traitlets

from lazyscope._errors import LazyscopeError
from lazyscope.model import ProgressBoard

__all__ = ["ProgressWidget", "route_cancel_early", "visible_rows"]

_MAX_ROWS = 12  # rows sent to the browser, however many stages or task groups exist

# Built from labextension/widgets/progress.ts and progress.css by `jlpm build` (which
# `pip install` runs). Read as text: given a Path, anywidget would watch the file for
# hot reloading in development, which a shipped bundle never needs.
_STATIC = Path(__file__).parent / "static"


def _bundle(name: str) -> str:
    try:
        return (_STATIC / name).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise LazyscopeError(
            f"The live progress view's browser code ({name}) is missing from the lazyscope "
            "package: reinstall it (`pip install -e .` in a checkout builds it)."
        ) from None


class ProgressWidget(anywidget.AnyWidget):  # type: ignore[misc]  # anywidget is untyped
    _esm = _bundle("progress.js")
    _css = _bundle("progress.css")
    title = traitlets.Unicode("").tag(sync=True)
    rows = traitlets.List(traitlets.Dict()).tag(sync=True)
    hidden = traitlets.Int(0).tag(sync=True)  # rows left out to keep messages small
    elapsed = traitlets.Float(0.0).tag(sync=True)  # seconds, as of the last message
    state = traitlets.Unicode("running").tag(sync=True)  # running | cancelling
    dags = traitlets.List(traitlets.Unicode()).tag(sync=True)  # live DAGs: SVG, per shape
    fills = traitlets.Dict().tag(sync=True)  # "i|node id" -> total, done, running, failed, text
    # The view in one line, "<title>: 12/300 tasks, 1 job, 4.1 s (running)": its text/plain
    # (kernel side only: the browser draws the rows).
    line = traitlets.Unicode("")

    def __repr__(self) -> str:
        return str(self.line)

    def on_cancel(self, callback: Callable[[], None]) -> None:
        def handle(_: Any, content: Any, buffers: Any) -> None:
            if _is_cancel(content):
                callback()

        self.on_msg(handle)
        route_cancel_early(self.comm, callback)


def _is_cancel(content: Any) -> bool:
    return isinstance(content, dict) and content.get("type") == "cancel"


def route_cancel_early(comm: Any, callback: Callable[[], None]) -> bool:
    """Act on a Cancel click while the cell is still running.

    The kernel's main thread is busy running the cell, so the click's comm message
    would wait until the cell ends. ipykernel >= 7 reads shell messages on its own
    thread and asks the comm where to route each one (`_reply_subshell_for`); we look
    at the message there, start the cancel on a fresh thread, and route it unchanged.
    On kernels without that hook only the kernel's interrupt cancels a running cell.
    """
    route = getattr(comm, "_reply_subshell_for", None)
    if route is None:
        return False

    def routed(data: Any, default: Any) -> Any:
        custom = isinstance(data, dict) and data.get("method") == "custom"
        if custom and _is_cancel(data.get("content")):
            threading.Thread(target=callback, name="lazyscope-cancel", daemon=True).start()
        return route(data, default)

    comm._reply_subshell_for = routed
    return True


def visible_rows(boards: list[ProgressBoard]) -> tuple[list[dict[str, Any]], int]:
    """At most _MAX_ROWS rows: every unfinished stage first, then the latest finished."""
    entries = [(board.title, stage) for board in boards for stage in board.stages()]
    unfinished = [i for i, (_, st) in enumerate(entries) if not st.finished]
    finished = [i for i, (_, st) in enumerate(entries) if st.finished]
    keep = unfinished[:_MAX_ROWS]
    room = _MAX_ROWS - len(keep)
    keep += finished[-room:] if room > 0 else []
    rows = []
    for i in sorted(keep):
        title, st = entries[i]
        rows.append(
            {
                "job": f"{title} · {st.job}" if st.job else title,
                "label": st.label,
                "total": st.total,
                "done": st.done,
                "running": st.running,
                "failed": st.failed,
                "memory": st.memory or 0,
                "skipped": st.skipped,
            }
        )
    return rows, len(entries) - len(rows)
