"""The DAG inside the live progress view: laid out here once per shape, filled in place.

Each redraw sends only the task counts of the nodes (`fills`); the SVG is resent when
the DAG changes shape (a new stage or task prefix appears). The browser moves the bars
of the nodes it already has, so the view stays cheap at a few hundred nodes.
"""

from __future__ import annotations

from html import escape
from typing import Any

from lazyscope.model import Dag

from ._dag_svg import render_svg
from ._html import root

__all__ = ["EarlierDags", "LiveDag", "dags_of"]

_MAX_DAGS = 4  # the newest queries of a cell shown live; every one is shown at the end


def dags_of(sources: list[Any], final: bool) -> list[Dag]:
    """The DAGs of the sources that draw one (the engines' progress sources)."""
    found: list[Dag] = []
    for source in sources:
        draw = getattr(source, "dags", None)
        if draw is not None:
            found += [d for d in draw(final) if d.nodes]
    return found


class LiveDag:
    def __init__(self) -> None:
        self._shapes: list[tuple[Any, ...]] = []

    def update(self, widget: Any, models: list[Dag]) -> None:
        """Set the widget's DAG traits; the SVGs only when a shape changed."""
        models = models[-_MAX_DAGS:]
        shapes = [_shape(m) for m in models]
        if shapes != self._shapes:
            self._shapes = shapes
            widget.dags = [render_svg(m) for m in models]
        widget.fills = {
            f"{i}|{node.id}": [
                node.progress.total,
                node.progress.done,
                node.progress.running,
                node.progress.failed,
                node.progress.text(),
            ]
            for i, model in enumerate(models)
            for node in model.nodes
            if node.progress is not None
        }


def _shape(model: Dag) -> tuple[Any, ...]:
    nodes = tuple((n.id, n.label, n.group, n.progress is not None) for n in model.nodes)
    return (model.title, nodes, tuple(model.edges), tuple(g.id for g in model.groups))


class EarlierDags:
    """A cell's earlier queries, folded above the last one's DAG: one line each, the
    executed DAG (static SVG) inside."""

    def __init__(self, models: list[Dag]) -> None:
        self.models = models

    def _line(self, model: Dag) -> str:
        return f"{model.title or model.engine} ({len(model.nodes)} operators)"

    def _repr_html_(self) -> str:
        parts = [
            f"<details><summary>{escape(self._line(m))}</summary>{render_svg(m)}</details>"
            for m in self.models
        ]
        return root("lazyscope-dag-earlier", "".join(parts))

    def __repr__(self) -> str:
        return "\n".join(f"earlier: {self._line(m)}" for m in self.models)
