"""A DAG laid out once, in the kernel, for every place it is drawn.

The SVG fallback, the live view and the lab extension draw the positions made here: the
lab receives them as the `layout` of the DAG payload and lays nothing out itself.

The layout has two levels, so that it stays put when the lab opens or closes a group: the
top level places ungrouped nodes and groups (a group is one box, closed or open), and
each group's inside is laid out once, relative to its frame. Opening a group in the lab
swaps its box for its frame in the same place; the other boxes of its row move aside and
the rows below move down by what it grew (`arrange` in labextension/dagModel.ts); nothing
is laid out again. The initial state (groups as the engine marked them) is the one the
kernel's SVG draws, and there every box is exactly where this plan puts it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from lazyscope.model import Dag, Group, Node

from ._dag_layout import GAP_X, GAP_Y, layout

__all__ = ["FRAME_PAD", "FRAME_TOP", "Drawn", "drawn", "plan"]

FRAME_PAD = 10.0  # inside an open group's frame, around its members
FRAME_TOP = 22.0  # the frame's label line above its members

Box = tuple[float, float, float, float]  # x, y, width, height
Point = tuple[float, float]


def _r(value: float) -> float:
    """Positions go out with 0.1 px: what the SVG writes, and the JSON carries the same."""
    return round(value, 1)


def _box(box: Box) -> list[float]:
    return [_r(v) for v in box]


def plan(dag: Dag, size: Callable[[Node | Group], tuple[float, float]]) -> dict[str, Any]:
    """The `layout` of the DAG payload: see `layout` in model/dag.schema.json."""
    groups = {g.id: g for g in dag.groups}
    members: dict[str, list[Node]] = {}
    for node in dag.nodes:
        if node.group in groups:
            members.setdefault(node.group, []).append(node)
    group_of = {n.id: n.group for n in dag.nodes if n.group in groups}
    top_of: dict[str, str] = {g: g for g in groups}
    top_of.update({n.id: group_of.get(n.id) or n.id for n in dag.nodes})
    inner: dict[str, list[tuple[str, str]]] = {}
    for edge in dag.edges:
        owner = group_of.get(edge.source)
        if owner is not None and owner == group_of.get(edge.target):
            inner.setdefault(owner, []).append((edge.source, edge.target))
    has_in = {t for pairs in inner.values() for _, t in pairs}
    has_out = {s for pairs in inner.values() for s, _ in pairs}

    def ends(ident: str, skip: set[str]) -> list[str]:
        """The members an edge reaches when the group it names is open: where data enters
        (or leaves) it, as `Dag.visible()` says."""
        if ident in members:
            every = [m.id for m in members[ident]]
            return [m for m in every if m not in skip] or every
        return [ident] if ident in group_of else []

    tops: dict[tuple[str, str], dict[str, list[str]]] = {}
    for edge in dag.edges:
        a, b = top_of.get(edge.source), top_of.get(edge.target)
        if a is None or b is None or a == b:
            continue
        ends_of = tops.setdefault((a, b), {"from": [], "to": []})
        for side, ident, skip in (("from", edge.source, has_out), ("to", edge.target, has_in)):
            ends_of[side] += [m for m in ends(ident, skip) if m not in ends_of[side]]

    items: dict[str, dict[str, Any]] = {}
    sizes: dict[str, tuple[float, float]] = {}
    for group in dag.groups:
        closed = size(group)
        entry: dict[str, Any] = {"open": False, "closed": [_r(closed[0]), _r(closed[1])]}
        if group.id in members:
            entry["frame"] = _frame(members[group.id], inner.get(group.id, []), size, closed)
            entry["open"] = group.expanded
        items[group.id] = entry
        sizes[group.id] = tuple(entry["frame"]["size"]) if entry["open"] else closed
    for node in dag.nodes:
        if node.id not in group_of:
            items[node.id] = {}
            sizes[node.id] = size(node)
    placed = layout(sizes, list(tops))
    for ident, entry in items.items():
        entry["box"] = _box(placed.boxes[ident])
    edges = [
        {"source": a, "target": b, "via": placed.via.get((a, b), []), **ends_of}
        for (a, b), ends_of in tops.items()
    ]
    return {
        "gap": [GAP_X, GAP_Y],
        "width": _r(placed.width),
        "height": _r(placed.height),
        "rows": placed.rows,
        "points": [[_r(x), _r(y)] for x, y in placed.points],
        "items": items,
        "edges": edges,
    }


def _frame(
    nodes: list[Node],
    pairs: list[tuple[str, str]],
    size: Callable[[Node | Group], tuple[float, float]],
    closed: tuple[float, float],
) -> dict[str, Any]:
    """An open group's inside, relative to its frame's top left corner."""
    inside = layout({n.id: size(n) for n in nodes}, pairs)
    width = max(inside.width + 2 * FRAME_PAD, closed[0])
    left = (width - inside.width) / 2  # centred when the label is the wider part
    return {
        "size": [_r(width), _r(inside.height + FRAME_TOP + FRAME_PAD)],
        "nodes": {
            ident: _box((x + left, y + FRAME_TOP, w, h))
            for ident, (x, y, w, h) in inside.boxes.items()
        },
        "edges": [
            {
                "source": source,
                "target": target,
                "points": [[_r(x + left), _r(y + FRAME_TOP)] for x, y in points],
            }
            for source, target, points in inside.paths
        ],
    }


@dataclass
class Drawn:
    """The initial state of a plan, absolute: what the SVG draws."""

    boxes: dict[str, Box]  # nodes and closed groups
    frames: dict[str, Box]  # open groups
    paths: list[tuple[str, str, list[Point]]]  # source, target, points
    width: float
    height: float


def drawn(layout_: dict[str, Any]) -> Drawn:
    """Every box, frame and edge of the plan with its groups in their initial state."""
    items: dict[str, dict[str, Any]] = layout_["items"]
    boxes: dict[str, Box] = {}
    frames: dict[str, Box] = {}
    paths: list[tuple[str, str, list[Point]]] = []
    for ident, item in items.items():
        x, y, w, h = item["box"]
        if not item.get("open"):
            boxes[ident] = (x, y, w, h)
            continue
        frames[ident] = (x, y, w, h)
        for member, (mx, my, mw, mh) in item["frame"]["nodes"].items():
            boxes[member] = (x + mx, y + my, mw, mh)
        for edge in item["frame"]["edges"]:
            points = [(x + px, y + py) for px, py in edge["points"]]
            paths.append((edge["source"], edge["target"], points))
    for edge in layout_["edges"]:
        source, target = items[edge["source"]], items[edge["target"]]
        starts = edge["from"] if source.get("open") else [edge["source"]]
        stops = edge["to"] if target.get("open") else [edge["target"]]
        via = [(px, py) for px, py in (layout_["points"][n] for n in edge["via"])]
        for start in starts:
            sx, sy, sw, sh = boxes[start]
            for stop in stops:
                tx, ty, tw, _ = boxes[stop]
                paths.append((start, stop, [(sx + sw / 2, sy + sh), *via, (tx + tw / 2, ty)]))
    return Drawn(boxes, frames, paths, layout_["width"], layout_["height"])
