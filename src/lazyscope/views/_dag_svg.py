"""The DAG as a static SVG (groups in their initial state), for nbconvert, GitHub, any
viewer without the lab extension and the live view. Positions come from the DAG's plan
(`_dag_plan`), the same the lab extension draws. Every engine or user string is escaped."""

from __future__ import annotations

import hashlib
import re
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from lazyscope.model import SLOWEST, Dag, Group, Node, NodeProgress

from ._dag_plan import drawn, plan

__all__ = ["box_size", "counts_text", "render_svg"]

_PALETTE = {  # kind -> (fill, stroke): light fills, readable on light and dark pages alike
    "scan": ("#e3f2fd", "#1e88e5"),
    "cache": ("#e0f2f1", "#00897b"),
    "filter": ("#f1f8e9", "#7cb342"),
    "project": ("#f5f5f5", "#9e9e9e"),
    "join": ("#fff3e0", "#fb8c00"),
    "shuffle": ("#fce4ec", "#d81b60"),
    "aggregate": ("#ede7f6", "#5e35b1"),
    "udf": ("#fffde7", "#f9a825"),
    "sort": ("#e0f7fa", "#00acc1"),
    "limit": ("#eceff1", "#607d8b"),
    "union": ("#e8eaf6", "#3949ab"),
    "window": ("#f3e5f5", "#8e24aa"),
    "map": ("#e8f5e9", "#43a047"),
    "write": ("#efebe9", "#6d4c41"),
    "stage": ("#fafafa", "#757575"),
    "task": ("#ffffff", "#90a4ae"),
    "other": ("#f5f5f5", "#9e9e9e"),
}
_WARN = "#e53935"
_SLOW = "#1e88e5"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")  # not allowed in XML 1.0
_PAD, _TITLE = 12.0, 22.0
_SINGULAR = {"tasks": "task", "partitions": "partition", "rows": "row", "layers": "layer"}


def _text(value: str, limit: int) -> str:
    value = _CONTROL.sub("", value)
    return escape(value if len(value) <= limit else value[: limit - 1] + "…")


def counts_text(counts: dict[str, float], limit: int = 2) -> str:
    parts = []
    for name, value in counts.items():
        number = int(value) if float(value).is_integer() else value
        unit = _SINGULAR.get(name, name) if number == 1 else name
        parts.append(f"{number:,} {unit}")
    return ", ".join(parts[:limit])


def _second_line(item: Node | Group) -> str:
    parts = [counts_text(item.counts)] if item.counts else []
    if item.detail:
        parts.append(item.detail)
    return " · ".join(parts)


def box_size(item: Node | Group) -> tuple[float, float]:
    """A box's size in every drawing of the DAG (the lab draws the kernel's sizes too)."""
    label = ("⊞ " if isinstance(item, Group) else "") + item.label
    longest = max(len(label) * 7.4, min(len(_second_line(item)), 46) * 6.0)
    if not isinstance(item, Node) or item.progress is None:
        return (min(max(longest + 20, 90.0), 320.0), 42.0)
    # Room for the longest count line the live view may write into this node.
    n = item.progress.total
    widest = NodeProgress(n, n, n, n).text()
    return (min(max(longest, len(widest) * 5.9) + 20, 320.0), 58.0)


def render_svg(dag: Dag, layout: dict[str, Any] | None = None) -> str:
    """The SVG of the DAG in its initial state, at the positions of `layout` (the plan the
    DAG payload carries; made here when not given)."""
    placed = drawn(layout if layout is not None else plan(dag, box_size))
    items: dict[str, Node | Group] = {g.id: g for g in dag.groups}
    items.update({n.id: n for n in dag.nodes})
    warned = _warned(dag)
    width = max(placed.width + 2 * _PAD, 320.0)
    # Where the run spent its time, under the title as the lab's header chip says it: the
    # one place it shows when no operator of the slowest stage is marked.
    slowest = [str(f["message"]) for f in dag.findings if f.get("rule") == SLOWEST][:2]
    top = _TITLE + 16.0 * len(slowest)
    height = placed.height + 2 * _PAD + top + 16.0 * min(len(dag.notes), 3)
    uid = hashlib.sha1(repr(placed.boxes).encode(), usedforsecurity=False).hexdigest()[:8]
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" font-family="Helvetica, Arial, sans-serif" '
        'font-size="12">',
        '<rect width="100%" height="100%" fill="#ffffff"/>',
        f'<defs><marker id="lzs-arrow-{uid}" viewBox="0 0 8 8" refX="8" refY="4" '
        'markerWidth="7" markerHeight="7" orient="auto"><path d="M0,0 L8,4 L0,8 z" '
        f'fill="#90a4ae"/></marker>{_patterns(uid)}</defs>',
        f'<text x="{_PAD}" y="{_PAD + 10}" font-weight="bold" fill="#263238">'
        f"{_text(dag.title or dag.engine + ' DAG', 120)} ({_text(dag.level, 20)})</text>",
        *(
            f'<text x="{_PAD}" y="{_PAD + 26 + 16 * i}" fill="{_SLOW}" font-size="11">'
            f"◆ {_text(message, 150)}</text>"
            for i, message in enumerate(slowest)
        ),
        f'<g transform="translate({_PAD},{_PAD + top})">',
    ]
    out += [_frame_svg(items[ident], box) for ident, box in placed.frames.items()]
    for _source, _target, points in placed.paths:
        d = " ".join(f"{'M' if i == 0 else 'L'}{x:.1f},{y:.1f}" for i, (x, y) in enumerate(points))
        out.append(
            f'<path d="{d}" fill="none" stroke="#90a4ae" stroke-width="1.3" '
            f'marker-end="url(#lzs-arrow-{uid})"/>'
        )
    for ident, box in placed.boxes.items():
        out.append(_node_svg(items[ident], box, warned, uid))
    out.append("</g>")
    for index, note in enumerate(dag.notes[:3]):
        y = height - _PAD - 16.0 * (min(len(dag.notes), 3) - 1 - index)
        out.append(
            f'<text x="{_PAD}" y="{y:.0f}" fill="#546e7a" font-size="11">{_text(note, 160)}</text>'
        )
    out.append("</svg>")
    return "\n".join(out)


def _frame_svg(group: Node | Group, box: tuple[float, float, float, float]) -> str:
    """An open group: a dashed frame around its members, its name on top (as in the lab)."""
    x, y, w, h = box
    label = f"⊟ {_text(group.label, 40)}"
    second = _second_line(group)
    if second:
        label += f" · {_text(second, 50)}"
    return (
        f"<g data-group={quoteattr(group.id)}>"
        f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" rx="8" '
        'fill="#eceff1" fill-opacity="0.5" stroke="#b0bec5" stroke-dasharray="4 3" '
        'class="lzd-frame"/>'
        f'<text x="{x + 8:.1f}" y="{y + 15:.1f}" font-size="11" fill="#37474f">{label}</text></g>'
    )


def _warned(dag: Dag) -> dict[str, list[tuple[str, str]]]:
    """Visible id -> (rule, message) of its findings; a collapsed group carries its
    members' findings."""
    collapsed = {g.id for g in dag.groups if not g.expanded}
    found: dict[str, list[tuple[str, str]]] = {}
    for node in dag.nodes:
        for index in node.findings:
            owner = node.group if node.group in collapsed else node.id
            finding = dag.findings[index]
            entry = (str(finding.get("rule", "")), str(finding["message"]))
            found.setdefault(owner or node.id, []).append(entry)
    return found


def _node_svg(
    item: Node | Group,
    box: tuple[float, float, float, float],
    warned: dict[str, list[tuple[str, str]]],
    uid: str,
) -> str:
    x, y, w, h = box
    fill, stroke = _PALETTE.get(item.kind, _PALETTE["other"])
    found = warned.get(item.id, [])
    messages = [message for _, message in found]
    # Advice is a warning; where a run spent its time is a mark of another colour.
    advised = any(rule != SLOWEST for rule, _ in found)
    marker, edge = ("⚠ ", _WARN) if advised else ("◆ ", _SLOW) if found else ("", stroke)
    tip = "\n".join(
        [item.label, *(f"{k}: {v}" for k, v in list(item.attrs.items())[:8]), *messages]
    )
    parts = [f"<g data-id={quoteattr(item.id)}><title>{_text(tip, 1200)}</title>"]
    if isinstance(item, Group):  # a stacked look: this node stands for several
        parts.append(
            f'<rect x="{x + 4:.1f}" y="{y + 4:.1f}" width="{w:.1f}" height="{h:.1f}" '
            f'rx="6" fill="{fill}" stroke="{stroke}" stroke-width="1"/>'
        )
    width = "2.5" if messages else "1.3"
    progress = item.progress if isinstance(item, Node) else None
    dashed = ' stroke-dasharray="4 3"' if progress is not None and progress.skipped else ""
    parts.append(
        f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" rx="6" '
        f'fill="{fill}" stroke={quoteattr(edge)} '
        f'stroke-width="{width}"{dashed} class="lzd-shape"/>'
    )
    label = ("⊞ " if isinstance(item, Group) else "") + marker + item.label
    parts.append(
        f'<text x="{x + w / 2:.1f}" y="{y + 17:.1f}" text-anchor="middle" '
        f'font-weight="bold" fill="#263238">{_text(label, 44)}</text>'
    )
    second = _second_line(item)
    if second:
        parts.append(
            f'<text x="{x + w / 2:.1f}" y="{y + 33:.1f}" text-anchor="middle" '
            f'font-size="10.5" fill="#455a64">{_text(second, 50)}</text>'
        )
    if progress is not None:
        parts.append(_bar(progress, (x + 8, y + h - 10, w - 16), uid))
        parts.append(
            f'<text x="{x + w / 2:.1f}" y="{y + h - 14:.1f}" text-anchor="middle" '
            f'font-size="10.5" fill="#263238" class="lzd-count">{_text(progress.text(), 50)}</text>'
        )
    parts.append("</g>")
    return "".join(parts)


# Task states on a node's bar. Never colour alone: done is solid, running striped, failed
# cross-hatched, and the count line under the label says each state in words.
_STATES = (("done", "#2e7d32"), ("running", "#1e88e5"), ("failed", "#c62828"))


def _patterns(uid: str) -> str:
    return (
        f'<pattern id="lzd-running-{uid}" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><rect width="6" height="6" fill="#bbdefb"/>'
        '<rect width="3" height="6" fill="#1e88e5"/></pattern>'
        f'<pattern id="lzd-failed-{uid}" width="5" height="5" patternUnits="userSpaceOnUse">'
        '<rect width="5" height="5" fill="#c62828"/>'
        '<path d="M0,0 L5,5 M5,0 L0,5" stroke="#ffffff" stroke-width="1"/></pattern>'
    )


def _bar(progress: NodeProgress, where: tuple[float, float, float], uid: str) -> str:
    """The node's task bar: segments whose widths the live view updates in place."""
    x, y, width = where
    total = max(progress.total, 1)
    out = [
        f'<rect x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" height="6" rx="2" fill="#eceff1" '
        f'stroke="#b0bec5" stroke-width="0.6" class="lzd-bar" data-x="{x:.1f}" '
        f'data-w="{width:.1f}"/>'
    ]
    left = x
    for state, colour in _STATES:
        share = width * min(getattr(progress, state), total) / total
        paint = colour if state == "done" else f"url(#lzd-{state}-{uid})"
        out.append(
            f'<rect x="{left:.1f}" y="{y:.1f}" width="{share:.1f}" height="6" fill="{paint}" '
            f'class="lzd-{state}"/>'
        )
        left += share
    return "".join(out)
