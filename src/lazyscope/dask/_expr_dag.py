"""dask-expr DataFrames: the expression tree (logical or optimized) as nodes, a `Fused`
block as a group of the operations it fused, and the optimized tree as graph layers
(units) whose tasks can be listed when few.

Reading `npartitions` can make Dask compute divisions (set_index, sort_values); callers
run us under `no_compute()`, and a count that would compute is left out.
"""

from __future__ import annotations

import reprlib
from collections.abc import Callable, Iterator
from typing import Any

from lazyscope.model import Dag, Edge, Group, Node

from ._dag_units import Unit, WouldCompute
from ._kinds import kind_of

__all__ = ["add_expressions", "expr_units", "walk"]

_SHORT = reprlib.Repr()  # keyword arguments only from Python 3.12
_SHORT.maxstring = _SHORT.maxother = 80
_MAX_ATTRS = 12


def walk(roots: list[Any]) -> Iterator[Any]:
    """Every expression reachable from the roots, once, inputs before their consumers."""
    seen: set[str] = set()
    order: list[Any] = []
    stack: list[tuple[Any, bool]] = [(r, False) for r in reversed(roots)]
    while stack:
        expr, done = stack.pop()
        if done:
            order.append(expr)
            continue
        if expr._name in seen:
            continue
        seen.add(expr._name)
        stack.append((expr, True))
        stack.extend((d, False) for d in reversed(expr.dependencies()) if d._name not in seen)
    return iter(order)


def _value(value: Any) -> str:
    import pandas as pd

    data = getattr(value, "_data", value)  # dask-expr wraps embedded pandas objects
    if isinstance(data, pd.DataFrame | pd.Series):
        usage: Any = data.memory_usage(deep=False)  # a Series for frames, an int for series
        size = int(usage.sum() if hasattr(usage, "sum") else usage)
        return f"<pandas {type(data).__name__} {len(data):,} rows, {size:,} bytes>"
    if callable(value):
        return str(getattr(value, "__qualname__", None) or getattr(value, "__name__", "<function>"))
    return _SHORT.repr(value)


def _partitions(expr: Any) -> dict[str, float]:
    try:
        return {"partitions": int(expr.npartitions)}
    except WouldCompute:  # Dask would compute divisions to know it
        return {}


def _describe(expr: Any) -> tuple[str, str, dict[str, str]]:
    label = type(expr).__name__
    try:
        header = str(expr._tree_repr_lines(0, recursive=False)[0])
        detail = header.split(":", 1)[1].strip() if ":" in header else ""
    except Exception:  # a repr is a nicety; some expressions' reprs need their _meta
        detail = ""
    attrs = {"name": expr._name}
    for param, operand in list(zip(expr._parameters, expr.operands, strict=False))[:_MAX_ATTRS]:
        if param != "_meta" and not hasattr(operand, "_name"):
            attrs[param] = _value(operand)
    if label == "Fused":
        attrs["fused"] = " ← ".join(type(e).__name__ for e in expr.exprs)
        detail = f"{len(expr.exprs)} operations"
    return label, detail[:100], attrs


def add_expressions(dag: Dag, roots: list[Any], *, fused_groups: bool) -> None:
    """Logical / optimized trees: one node per expression; Fused blocks as groups."""
    for expr in walk(roots):
        label, detail, attrs = _describe(expr)
        ident = f"E:{expr._name}"
        counts = _partitions(expr)
        if fused_groups and label == "Fused":
            dag.groups.append(Group(ident, "map", label, detail, counts, attrs))
            for sub in expr.exprs:
                sub_label, sub_detail, sub_attrs = _describe(sub)
                dag.nodes.append(
                    Node(
                        f"E:{sub._name}",
                        kind_of(sub_label),
                        sub_label,
                        sub_detail,
                        {},
                        sub_attrs,
                        group=ident,
                    )
                )
                dag.edges.extend(Edge(f"E:{d._name}", f"E:{sub._name}") for d in sub.dependencies())
            continue
        dag.nodes.append(Node(ident, kind_of(label), label, detail, counts, attrs))
        dag.edges.extend(Edge(f"E:{d._name}", ident) for d in expr.dependencies())


def expr_units(roots: list[Any]) -> tuple[list[Unit], Callable[[Any], str | None]]:
    """The optimized (lowered, fused) tree as graph layers: each expression is one layer."""
    units = []
    names: set[str] = set()
    for expr in walk(roots):
        label, detail, attrs = _describe(expr)
        counts = _partitions(expr)
        size = int(counts["partitions"]) if counts else None
        deps = {f"E:{d._name}" for d in expr.dependencies()}
        units.append(
            Unit(
                f"E:{expr._name}",
                kind_of(label),
                label,
                detail,
                counts,
                attrs,
                deps,
                size,
                expr._layer,
            )
        )
        names.add(expr._name)

    def owner(key: Any) -> str | None:
        name = key[0] if isinstance(key, tuple) and key else key
        return f"E:{name}" if isinstance(name, str) and name in names else None

    return units, owner
