"""The live progress widget: an anywidget (its ES module is inline, no lab build needed).

The kernel sends rows only when counts change (at most 10 times a second, a bounded
number of rows); the browser ticks the elapsed clock itself between messages.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import anywidget
import traitlets

from lazyscope.model import ProgressBoard

from ._html import MATH_SAFE

__all__ = ["ProgressWidget", "route_cancel_early", "visible_rows"]

_MAX_ROWS = 12  # rows sent to the browser, however many stages or task groups exist

_ESM = r"""
function bar(row) {
  const outer = document.createElement("div");
  outer.className = "lzp-bar";
  const parts = [["done", row.done], ["running", row.running], ["failed", row.failed]];
  for (const [cls, n] of parts) {
    const seg = document.createElement("div");
    seg.className = "lzp-" + cls;
    seg.style.width = (row.total ? (100 * n) / row.total : 0) + "%";
    outer.appendChild(seg);
  }
  return outer;
}
function indexNodes(holder) {
  // Once per SVG: "i|node id" -> the elements a fill moves, so a fill is attribute writes.
  const index = new Map();
  [...holder.children].forEach((svg, i) => {
    for (const node of svg.querySelectorAll("g[data-id]")) {
      const bar = node.querySelector(".lzd-bar");
      if (!bar) continue;
      index.set(`${i}|${node.dataset.id}`, {
        x: Number(bar.dataset.x),
        width: Number(bar.dataset.w),
        parts: ["done", "running", "failed"].map((c) => node.querySelector(".lzd-" + c)),
        text: node.querySelector(".lzd-count"),
      });
    }
  });
  return index;
}
function fillNodes(holder, index, fills) {
  const began = performance.now();
  for (const [key, [total, ...rest]] of Object.entries(fills)) {
    const node = index.get(key);
    if (!node) continue;
    let x = node.x;
    node.parts.forEach((seg, i) => {
      const w = total ? (node.width * Math.min(rest[i], total)) / total : 0;
      seg.setAttribute("x", x.toFixed(1));
      seg.setAttribute("width", w.toFixed(1));
      x += w;
    });
    node.text.textContent = rest[3];
  }
  // What a fill costs, read by the browser test (the page must keep >= 10 frames/s).
  const spent = (holder.fillMs = holder.fillMs || []);
  spent.push(performance.now() - began);
  holder.dataset.frames = String(spent.length);
  holder.dataset.fillMs = [...spent].sort((a, b) => a - b).map((t) => t.toFixed(1)).join(" ");
}
function counts(row) {
  let text = `${row.done}/${row.total}`;
  if (row.running) text += ` · ${row.running} running`;
  if (row.failed) text += ` · ${row.failed} failed`;
  if (row.memory) text += ` · ${row.memory} in memory`;
  if (row.skipped) text = "skipped";
  return text;
}
export default {
  render({ model, el }) {
    const root = document.createElement("div");
    root.className = "lazyscope-progress __MATH_SAFE__";
    const head = document.createElement("div");
    head.className = "lzp-head";
    const title = document.createElement("span");
    const clock = document.createElement("span");
    clock.className = "lzp-clock";
    const cancel = document.createElement("button");
    cancel.className = "lzp-cancel";
    cancel.textContent = "Cancel";
    cancel.title = "Cancel this cell's engine work (the kernel's interrupt works too)";
    cancel.onclick = () => {
      model.send({ type: "cancel" });
      cancel.disabled = true;
      cancel.textContent = "Cancelling…";
    };
    head.append(title, clock, cancel);
    const table = document.createElement("div");
    table.className = "lzp-rows";
    const graphs = document.createElement("div");
    graphs.className = "lzp-dags";
    root.append(head, table, graphs);
    el.appendChild(root);
    let received = performance.now();
    const draw = () => {
      received = performance.now();
      const cancelling = model.get("state") === "cancelling";
      title.textContent = model.get("title") + (cancelling ? " (cancelling…)" : "");
      cancel.style.display = model.get("state") === "running" ? "" : "none";
      table.replaceChildren();
      let job = null;
      for (const row of model.get("rows")) {
        if (row.job && row.job !== job) {
          const h = document.createElement("div");
          h.className = "lzp-job";
          h.textContent = row.job;
          table.appendChild(h);
          job = row.job;
        }
        const line = document.createElement("div");
        line.className = "lzp-row";
        const label = document.createElement("span");
        label.className = "lzp-label";
        label.textContent = row.label;
        label.title = row.label;
        const text = document.createElement("span");
        text.className = "lzp-counts";
        text.textContent = counts(row);
        line.append(label, bar(row), text);
        table.appendChild(line);
      }
      const hidden = model.get("hidden");
      if (hidden) {
        const more = document.createElement("div");
        more.className = "lzp-more";
        more.textContent = `… ${hidden} more`;
        table.appendChild(more);
      }
    };
    const tick = () => {
      const extra = (performance.now() - received) / 1000;
      clock.textContent = `${(model.get("elapsed") + extra).toFixed(1)} s`;
    };
    let index = new Map();
    const drawDags = () => {
      const svgs = model.get("dags") || [];
      if (!svgs.length) return;  // no live DAG asked for: the view is rows only
      // Our own SVG: every engine or user string in it is escaped in the kernel.
      graphs.innerHTML = svgs.join("");
      index = indexNodes(graphs);
      fillNodes(graphs, index, model.get("fills") || {});
    };
    model.on("change:dags", drawDags);
    model.on("change:fills", () => fillNodes(graphs, index, model.get("fills") || {}));
    drawDags();
    model.on("change:rows", draw);
    model.on("change:state", draw);
    model.on("change:hidden", draw);
    draw();
    tick();
    const timer = setInterval(tick, 200);
    return () => clearInterval(timer);
  },
};
"""

_CSS = """
.lazyscope-progress { font: var(--jp-code-font-size, 12px) var(--jp-ui-font-family, sans-serif);
  max-width: 60em; }
.lazyscope-progress .lzp-head { display: flex; gap: 1em; align-items: center; margin: 2px 0; }
.lazyscope-progress .lzp-clock { color: var(--jp-ui-font-color2, #666); }
.lazyscope-progress .lzp-job { font-weight: bold; margin-top: 2px; }
.lazyscope-progress .lzp-row { display: grid; grid-template-columns: 22em 1fr 16em; gap: .6em;
  align-items: center; }
.lazyscope-progress .lzp-label { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.lazyscope-progress .lzp-bar { display: flex; height: .8em; border-radius: 2px; overflow: hidden;
  background: var(--jp-layout-color3, #ddd); }
.lazyscope-progress .lzp-done { background: var(--jp-success-color1, #388e3c); }
.lazyscope-progress .lzp-running { background: var(--jp-brand-color2, #64b5f6); }
.lazyscope-progress .lzp-failed { background: var(--jp-error-color1, #d32f2f); }
.lazyscope-progress .lzp-more { color: var(--jp-ui-font-color2, #666); }
.lazyscope-progress .lzp-dags { overflow: auto; max-height: 40em; }
.lazyscope-progress .lzp-dags svg { display: block; margin-top: .4em; }
"""


class ProgressWidget(anywidget.AnyWidget):  # type: ignore[misc]  # anywidget is untyped
    _esm = _ESM.replace("__MATH_SAFE__", MATH_SAFE)
    _css = _CSS
    title = traitlets.Unicode("").tag(sync=True)
    rows = traitlets.List(traitlets.Dict()).tag(sync=True)
    hidden = traitlets.Int(0).tag(sync=True)  # rows left out to keep messages small
    elapsed = traitlets.Float(0.0).tag(sync=True)  # seconds, as of the last message
    state = traitlets.Unicode("running").tag(sync=True)  # running | cancelling
    dags = traitlets.List(traitlets.Unicode()).tag(sync=True)  # live DAGs: SVG, per shape
    fills = traitlets.Dict().tag(sync=True)  # "i|node id" -> total, done, running, failed, text
    # The view in one line, "Spark: 12/300 tasks, 1 job, 4.1 s (running)": its text/plain
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
