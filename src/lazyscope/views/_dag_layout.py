"""The one layered (Sugiyama-style) layout of lazyscope's DAGs, for at most a few hundred
nodes: longest-path layers, dummy nodes on long edges, barycenter ordering sweeps, then x
positions pulled toward their neighbours without overlapping.

`views/_dag_plan` runs it once per DAG (the top level and each group's inside); the SVG
fallback, the live view and the lab extension all draw its positions.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from dataclasses import dataclass, field

__all__ = ["GAP_X", "GAP_Y", "Layout", "layout"]

GAP_X, GAP_Y = 24.0, 46.0
_SWEEPS = 6


@dataclass
class Layout:
    boxes: dict[str, tuple[float, float, float, float]]  # id -> x, y, width, height
    paths: list[tuple[str, str, list[tuple[float, float]]]]  # source, target, points
    width: float
    height: float
    # Rows top to bottom, left to right: node ids, and the numbers of the dummy points
    # that long edges pass through (`points[n]` is dummy n's centre x and row top y).
    rows: list[list[str | int]] = field(default_factory=list)
    points: list[tuple[float, float]] = field(default_factory=list)
    via: dict[tuple[str, str], list[int]] = field(default_factory=dict)  # edge -> dummies


def _layers(ids: list[str], edges: list[tuple[str, str]]) -> dict[str, int]:
    preds: dict[str, list[str]] = defaultdict(list)
    succs: dict[str, list[str]] = defaultdict(list)
    for a, b in edges:
        preds[b].append(a)
        succs[a].append(b)
    indegree = {i: len(preds[i]) for i in ids}
    layer = dict.fromkeys(ids, 0)
    ready = [i for i in ids if indegree[i] == 0]
    while ready:
        node = ready.pop()
        for nxt in succs[node]:
            layer[nxt] = max(layer[nxt], layer[node] + 1)
            indegree[nxt] -= 1
            if indegree[nxt] == 0:
                ready.append(nxt)
    return layer


def _acyclic(ids: list[str], edges: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Drop edges that close a cycle (a DAG has none; this keeps layering total)."""
    succs: dict[str, list[str]] = defaultdict(list)
    for a, b in edges:
        succs[a].append(b)
    state: dict[str, int] = {}
    back: set[tuple[str, str]] = set()
    for root in ids:
        if root in state:
            continue
        stack = [(root, iter(succs[root]))]
        state[root] = 1
        while stack:
            node, children = stack[-1]
            nxt = next(children, None)
            if nxt is None:
                state[node] = 2
                stack.pop()
            elif state.get(nxt) == 1:
                back.add((node, nxt))
            elif nxt not in state:
                state[nxt] = 1
                stack.append((nxt, iter(succs[nxt])))
    return [e for e in edges if e not in back]


def layout(sizes: dict[str, tuple[float, float]], edges: list[tuple[str, str]]) -> Layout:
    ids = list(sizes)
    edges = _acyclic(ids, [e for e in edges if e[0] in sizes and e[1] in sizes])
    layer = _layers(ids, edges)
    sizes = dict(sizes)
    chains: list[tuple[str, str, list[str]]] = []
    links: list[tuple[str, str]] = []
    for a, b in edges:  # long edges get one dummy node per layer they cross
        chain = [a]
        for step in range(layer[a] + 1, layer[b]):
            dummy = f"\0{len(sizes)}"
            sizes[dummy], layer[dummy] = (1.0, 1.0), step
            chain.append(dummy)
        chain.append(b)
        links += list(itertools.pairwise(chain))
        chains.append((a, b, chain))
    rows: list[list[str]] = [[] for _ in range(max(layer.values(), default=-1) + 1)]
    for node in sizes:
        rows[layer[node]].append(node)
    up: dict[str, list[str]] = defaultdict(list)
    down: dict[str, list[str]] = defaultdict(list)
    for a, b in links:
        down[a].append(b)
        up[b].append(a)
    _order(rows, up, down)
    xs = _place(rows, sizes, up, down)
    boxes, y = {}, 0.0
    for row in rows:
        height = max(sizes[n][1] for n in row)
        for node in row:
            boxes[node] = (xs[node] - sizes[node][0] / 2, y, sizes[node][0], sizes[node][1])
        y += height + GAP_Y
    paths = []
    number = {d: n for n, d in enumerate(d for d in sizes if d.startswith("\0"))}
    via: dict[tuple[str, str], list[int]] = {}
    for a, b, chain in chains:
        points = [(boxes[a][0] + boxes[a][2] / 2, boxes[a][1] + boxes[a][3])]
        points += [(xs[d], boxes[d][1]) for d in chain[1:-1]]
        points.append((boxes[b][0] + boxes[b][2] / 2, boxes[b][1]))
        paths.append((a, b, points))
        via[(a, b)] = [number[d] for d in chain[1:-1]]
    real = {k: v for k, v in boxes.items() if not k.startswith("\0")}
    width = max((x + w for x, _, w, _ in boxes.values()), default=0.0)
    return Layout(
        real,
        paths,
        width,
        max(y - GAP_Y, 0.0),
        [[number.get(n, n) for n in row] for row in rows],
        [(xs[d], boxes[d][1]) for d in number],
        via,
    )


def _order(rows: list[list[str]], up: dict[str, list[str]], down: dict[str, list[str]]) -> None:
    for sweep in range(_SWEEPS):
        pairs = (
            zip(rows[1:], rows, strict=False)
            if sweep % 2 == 0
            else zip(reversed(rows[:-1]), reversed(rows[1:]), strict=False)
        )
        neighbours = up if sweep % 2 == 0 else down
        for row, fixed in pairs:
            where = {n: i for i, n in enumerate(fixed)}
            keys = {}
            for index, node in enumerate(row):
                near = [where[m] for m in neighbours[node] if m in where]
                keys[node] = sum(near) / len(near) if near else float(index)
            row.sort(key=keys.__getitem__)


def _place(
    rows: list[list[str]],
    sizes: dict[str, tuple[float, float]],
    up: dict[str, list[str]],
    down: dict[str, list[str]],
) -> dict[str, float]:
    xs: dict[str, float] = {}
    for row in rows:  # start packed from the left
        x = 0.0
        for node in row:
            xs[node] = x + sizes[node][0] / 2
            x += sizes[node][0] + GAP_X
    for sweep in range(_SWEEPS):
        for row in rows if sweep % 2 == 0 else reversed(rows):
            want = {}
            for node in row:
                near = [xs[m] for m in up[node] + down[node]]
                want[node] = sum(near) / len(near) if near else xs[node]
            _settle(row, want, sizes, xs)
    shift = min((xs[n] - sizes[n][0] / 2 for n in xs), default=0.0)
    return {n: x - shift for n, x in xs.items()}


def _settle(
    row: list[str],
    want: dict[str, float],
    sizes: dict[str, tuple[float, float]],
    xs: dict[str, float],
) -> None:
    """Move a row toward the wanted centers, keeping order and gaps (left then right pass)."""
    for node in row:
        xs[node] = want[node]
    for left, right in itertools.pairwise(row):
        least = xs[left] + (sizes[left][0] + sizes[right][0]) / 2 + GAP_X
        xs[right] = max(xs[right], least)
    overshoot = sum(xs[n] - want[n] for n in row) / max(len(row), 1)
    for node in row:  # recentre the row on what its members wanted
        xs[node] -= overshoot
