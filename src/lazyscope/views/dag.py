"""`lazyscope.dag(obj, level=...)`: the DAG of an engine's lazy object (its package's `dag`).

The output carries `application/vnd.lazyscope.dag+json` for the lab extension (pan,
zoom, groups that expand) with the positions laid out here (`_dag_plan`), a static SVG
of the same positions for everything else, and text.
Nothing is computed: plans and graphs are read, never run.
"""

from __future__ import annotations

import importlib
import importlib.util
import re
import textwrap
from typing import Any

from lazyscope._errors import LazyscopeError
from lazyscope.engines import check, packages
from lazyscope.model import Dag, Node

from ._dag_plan import plan
from ._dag_svg import box_size, counts_text, render_svg

__all__ = ["MIME_TYPE", "DagView", "dag"]

MIME_TYPE = "application/vnd.lazyscope.dag+json"
_TEXT_LINES = 60


class DagView:
    """What `dag()` returns; displays itself, and `.to_json()` is the MIME payload."""

    def __init__(self, model: Dag) -> None:
        self.model = model

    def to_json(self) -> dict[str, Any]:
        """The payload with its `layout`: the positions every drawing of it uses."""
        return {**self.model.to_json(), "layout": plan(self.model, box_size)}

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        payload = self.to_json()  # laid out once: the lab and the SVG draw the same plan
        return {
            MIME_TYPE: payload,
            "image/svg+xml": render_svg(self.model, payload["layout"]),
            "text/plain": repr(self),
        }

    def __repr__(self) -> str:
        model = self.model
        shown, edges = model.visible()
        lines = [
            f"{model.title or model.engine} — level {model.level!r}: "
            f"{len(shown)} nodes, {len(edges)} edges"
        ]
        if model.stats:
            lines.append("  " + counts_text(model.stats, limit=len(model.stats)))
        inputs: dict[str, list[str]] = {}
        labels = {item.id: item.label for item in shown}
        for edge in edges:
            inputs.setdefault(edge.target, []).append(labels.get(edge.source, edge.source))
        for item in shown[:_TEXT_LINES]:
            tasks = item.progress.text() if isinstance(item, Node) and item.progress else ""
            extra = ", ".join(x for x in (tasks, counts_text(item.counts), item.detail[:60]) if x)
            source = f"  <- {', '.join(inputs[item.id][:3])}" if item.id in inputs else ""
            lines.append(f"  [{item.kind}] {item.label}{f' ({extra})' if extra else ''}{source}")
        if len(shown) > _TEXT_LINES:
            lines.append(f"  … {len(shown) - _TEXT_LINES} more")
        lines += [f"  note: {note}" for note in model.notes]
        lines += [f"  {f['severity']}: {f['message']}" for f in model.findings]
        return "\n".join(lines)


def _build(obj: Any, level: str, max_nodes: int, expand_limit: int, ui_url: str | None) -> Dag:
    for engine in packages():
        if engine.draws(obj):
            return engine.dag(
                obj, level, max_nodes=max_nodes, expand_limit=expand_limit, ui_url=ui_url
            )
    what = type(obj).__name__
    if type(obj).__module__.startswith("pandas"):
        raise LazyscopeError(f"A pandas {what} has no DAG: it is already computed, in memory.")
    shown = [package.DAG_OBJECTS for package in packages()]
    raise LazyscopeError(f"lazyscope.dag() shows {_either(shown)}; got {what}.")


def _either(items: list[str]) -> str:
    """ "a", "a or b", "a, b or c"."""
    return " or ".join([", ".join(items[:-1]), items[-1]] if len(items) > 1 else items)


def _match(where: str, nodes: list[Node]) -> list[Node]:
    """Nodes an advisor finding's `where` names: exactly, else by operator name."""
    where = where.strip()
    if not where:
        return []
    exact = [
        n
        for n in nodes
        if where
        in (
            n.id,
            n.id[2:],
            n.label,
            n.attrs.get("operator"),
            n.attrs.get("layer"),
            n.attrs.get("name"),
        )
    ]
    if exact:
        return exact
    head = re.split(r"[ (\[]", where, maxsplit=1)[0]
    return [n for n in nodes if n.label == head or n.label.split(" ")[0] == head]


def _highlight(model: Dag, obj: Any) -> None:
    """Mark the nodes the advisor has findings about (if the advisor is installed)."""
    if importlib.util.find_spec("lazyscope.views.advisor") is None:
        return
    try:
        findings = importlib.import_module("lazyscope.views.advisor").advise(obj)
    except Exception:  # advice is a bonus on a DAG view; the DAG must still show
        from lazyscope._errors import survived

        survived("the advisor failed on this DAG view; the DAG is shown without its advice")
        return
    for finding in findings:
        data = dict(finding.to_json()) if hasattr(finding, "to_json") else dict(vars(finding))
        matched = _match(str(data.get("where", "")), model.nodes)
        data["nodes"] = [n.id for n in matched]
        for node in matched:
            node.findings.append(len(model.findings))
        model.findings.append(data)


def dag(
    obj: Any,
    level: str = "auto",
    *,
    max_nodes: int = 200,
    expand_limit: int = 64,
    ui_url: str | None = None,
    advice: bool = True,
) -> DagView:
    # The docstring is the engines' (`_document`, below).
    if max_nodes < 2 or expand_limit < 0:
        raise LazyscopeError("max_nodes must be at least 2 and expand_limit at least 0.")
    check(obj)  # an object of a stopped session: one clear paragraph
    model = _build(obj, level, max_nodes, expand_limit, ui_url)
    if advice:
        _highlight(model, obj)
    return DagView(model)


def _document() -> str:
    """`dag`'s docstring: what each engine's packages say of its levels and options
    (`EnginePackage.DAG_HELP`), under the options they belong to."""
    said: dict[str, list[str]] = {"level": [], "max_nodes": [], "expand_limit": [], "ui_url": []}
    for package in packages():
        for option, text in package.DAG_HELP.items():
            said.setdefault(option, []).append(text)
    shown = [package.DAG_OBJECTS for package in packages()]
    paragraphs = [f"The DAG of {_either(shown)}, computing nothing.", ""]
    paragraphs += [f"{option}: {' '.join(texts)}" for option, texts in said.items() if texts]
    paragraphs.append("advice: highlight the nodes the advisor has findings about.")
    lines = [line for text in paragraphs for line in textwrap.wrap(text, 88) or [""]]
    return "\n    ".join(lines) + "\n    "


dag.__doc__ = _document()
