"""The engine-neutral DAG: what the engine packages produce and every DAG renderer draws.

Nodes carry a kind (from a small fixed vocabulary, so renderers can style them without
knowing the engine), a label, numeric counts and free-text attributes. Groups are
optional: a node names its group, and a collapsed group is drawn as one node standing for
its members. Edges point the way data flows (inputs -> consumers) and may name a group:
a layer too big to list its tasks is such a group-shaped endpoint.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

__all__ = ["KINDS", "SLOWEST", "Dag", "Edge", "Group", "Node", "NodeProgress", "schema"]

# Operator kinds. The first ones are shared by every engine on purpose: a "join" is
# drawn the same whichever engine planned it. One word per idea, the one the advisor and
# the describe view use too: a "shuffle" (whatever moves rows between partitions).
KINDS = (
    "scan",
    "cache",  # a scan of data an earlier run kept (cached, persisted)
    "filter",
    "project",
    "join",
    "shuffle",
    "aggregate",
    "udf",
    "sort",
    "limit",
    "union",
    "window",
    "map",
    "write",
    "stage",
    "task",
    "other",
)


# The rule of the finding that marks where a run spent most of its time: drawn apart
# from the advisor's findings, which are advice.
SLOWEST = "slowest"


@dataclass
class NodeProgress:
    """The tasks that execute one node in a run: how many, and in which state."""

    total: int
    done: int = 0
    running: int = 0
    failed: int = 0
    skipped: bool = False  # its output was reused from an earlier run, it never ran

    def to_json(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "done": self.done,
            "running": self.running,
            "failed": self.failed,
            "skipped": self.skipped,
        }

    def text(self) -> str:
        """What a user reads under the node; states in words, never by colour alone."""
        if self.skipped:
            return "skipped (reused)"
        parts = [f"{self.done:,}/{self.total:,} tasks"]
        if self.running:
            parts.append(f"{self.running:,} running")
        if self.failed:
            parts.append(f"{self.failed:,} failed")
        return " · ".join(parts)


@dataclass
class Node:
    id: str
    kind: str
    label: str
    detail: str = ""  # one short line under the label
    counts: dict[str, float] = field(default_factory=dict)  # tasks, partitions, rows, ...
    attrs: dict[str, str] = field(default_factory=dict)  # shown when a node is clicked
    group: str | None = None
    findings: list[int] = field(default_factory=list)  # indexes into Dag.findings
    progress: NodeProgress | None = None  # tasks of a run that executes this node

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "kind": self.kind, "label": self.label}
        if self.progress is not None:
            data["progress"] = self.progress.to_json()
        for key in ("detail", "counts", "attrs", "group", "findings"):
            value = getattr(self, key)
            if value:
                data[key] = value
        return data


@dataclass
class Group:
    id: str
    kind: str
    label: str
    detail: str = ""
    counts: dict[str, float] = field(default_factory=dict)
    attrs: dict[str, str] = field(default_factory=dict)
    expanded: bool = False  # the renderers' initial state

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "kind": self.kind,
            "label": self.label,
            "expanded": self.expanded,
        }
        for key in ("detail", "counts", "attrs"):
            value = getattr(self, key)
            if value:
                data[key] = value
        return data


@dataclass(frozen=True)
class Edge:
    source: str
    target: str


@dataclass
class Dag:
    engine: str  # one of an engine package's TITLES keys
    level: str
    title: str = ""
    nodes: list[Node] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    groups: list[Group] = field(default_factory=list)
    levels: list[str] = field(default_factory=list)  # what else `level=` accepts here
    notes: list[str] = field(default_factory=list)
    stats: dict[str, float] = field(default_factory=dict)  # whole-graph totals
    findings: list[dict[str, Any]] = field(default_factory=list)

    def mark(self, nodes: list[Node], rule: str, severity: str, message: str) -> None:
        """Attach a finding (what a run showed: failures, the slowest part) to nodes."""
        for node in nodes:
            node.findings.append(len(self.findings))
        finding = {"rule": rule, "severity": severity, "message": message}
        self.findings.append({**finding, "nodes": [n.id for n in nodes]})

    def visible(self) -> tuple[list[Node | Group], list[Edge]]:
        """What is drawn with every group in its initial state, edges mapped and merged.

        A collapsed group stands for its members; an edge naming an expanded group is
        drawn to its members that have no producer inside the group (or, as a source,
        from those with no consumer inside it), which is where data enters and leaves.
        """
        filled = {n.group for n in self.nodes if n.group}
        collapsed = {g.id for g in self.groups if not g.expanded or g.id not in filled}
        shown: list[Node | Group] = [g for g in self.groups if g.id in collapsed]
        rep: dict[str, str] = {}
        members: dict[str, list[str]] = {}
        for node in self.nodes:
            if node.group in collapsed:
                rep[node.id] = node.group
            else:
                rep[node.id] = node.id
                shown.append(node)
                if node.group:
                    members.setdefault(node.group, []).append(node.id)
        group_of = {n.id: n.group for n in self.nodes}
        inner = [
            e
            for e in self.edges
            if e.source in group_of
            and group_of[e.source] is not None
            and group_of[e.source] == group_of.get(e.target)
        ]
        has_in = {e.target for e in inner}
        has_out = {e.source for e in inner}

        def ends(ident: str, side: str) -> list[str]:
            if ident in members:  # an expanded group
                skip = has_out if side == "source" else has_in
                return [m for m in members[ident] if m not in skip] or members[ident]
            return [rep.get(ident, ident)]

        seen: set[Edge] = set()
        edges = []
        for edge in self.edges:
            for source in ends(edge.source, "source"):
                for target in ends(edge.target, "target"):
                    mapped = Edge(source, target)
                    if source != target and mapped not in seen:
                        seen.add(mapped)
                        edges.append(mapped)
        return shown, edges

    def to_json(self) -> dict[str, Any]:
        return {
            "version": 2,  # 2: DagView adds the layout (views/_dag_plan)
            "engine": self.engine,
            "level": self.level,
            "levels": self.levels,
            "title": self.title,
            "nodes": [n.to_json() for n in self.nodes],
            "edges": [{"source": e.source, "target": e.target} for e in self.edges],
            "groups": [g.to_json() for g in self.groups],
            "notes": self.notes,
            "stats": self.stats,
            "findings": self.findings,
        }


@cache
def schema() -> dict[str, Any]:
    """The JSON schema of the `application/vnd.lazyscope.dag+json` payload."""
    text = resources.files(__package__).joinpath("dag.schema.json").read_text("utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded
