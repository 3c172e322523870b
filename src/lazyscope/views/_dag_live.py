"""The DAG inside the live progress view: laid out here once per shape, filled in place.

Each redraw sends only the task counts of the nodes (`fills`); the SVG is resent when
the DAG changes shape (a new stage or task prefix appears). The browser moves the bars
of the nodes it already has, so the view stays cheap at a few hundred nodes.
"""

from __future__ import annotations

from typing import Any

from lazyscope.model import Dag

from ._dag_svg import render_svg

__all__ = ["LiveDag", "dags_of"]

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
