"""Dask collections as an engine-neutral DAG, without running a task.

Levels:
  logical    DataFrames: the expression tree as written
  optimized  DataFrames: after Dask's optimizer (lowered and fused); Fused blocks are groups
  layers     graph layers with task counts (the optimized expressions of a DataFrame); a
             layer of few tasks is a group that expands to them; too many layers are merged
             by key prefix, so a 10^6-task graph stays tens of nodes
  tasks      every task (refused above `task_limit`)
  executed   the task groups of the newest watched run (a %%dask cell, lazyscope.progress)
             that computed it: tasks, time and bytes per group, the slowest marked
  auto       optimized for DataFrames, layers for everything else
"""

from __future__ import annotations

import sys
from typing import Any

from lazyscope._errors import LazyscopeError
from lazyscope.model import Dag

from ._dag_units import WouldCompute, add_units, no_compute

__all__ = ["LEVELS", "dask_dag", "is_dask"]

LEVELS = ("auto", "logical", "optimized", "layers", "tasks", "executed")
_FRAME_ONLY = ("logical", "optimized")


def is_dask(obj: Any) -> bool:
    from dask import is_dask_collection

    items = obj if isinstance(obj, list | tuple) else [obj]
    return bool(items) and all(is_dask_collection(item) for item in items)


def _is_frame(obj: Any) -> bool:
    if "dask.dataframe" not in sys.modules:  # importing it costs ~1 s; no frame exists without it
        return False
    from dask.dataframe.dask_expr._collection import FrameBase

    return isinstance(obj, FrameBase)


def _title(items: list[Any]) -> str:
    names = sorted({type(item).__name__ for item in items})
    return (
        f"{len(items)} Dask collections ({', '.join(names)})"
        if len(items) > 1
        else (f"Dask {names[0]}")
    )


def dask_dag(
    obj: Any,
    level: str = "auto",
    *,
    max_nodes: int = 200,
    expand_limit: int = 64,
    task_limit: int = 2000,
) -> Dag:
    items = list(obj) if isinstance(obj, list | tuple) else [obj]
    frames = [item for item in items if _is_frame(item)]
    others = [item for item in items if not _is_frame(item)]
    if level not in LEVELS:
        raise LazyscopeError(
            f"Unknown level {level!r} for a Dask DAG; use one of {', '.join(LEVELS)}."
        )
    if level == "executed":
        from ._live_dag import executed_dag

        with no_compute():
            return executed_dag(items)
    if level == "auto":
        level = "optimized" if not others else "layers"
    if level in _FRAME_ONLY and others:
        raise LazyscopeError(
            f"level={level!r} shows DataFrame expression trees; a {type(others[0]).__name__} "
            "has a task graph: use level='layers' or level='tasks'."
        )
    levels = list(LEVELS[1:] if not others else ("layers", "tasks", "executed"))
    dag = Dag("dask", level, _title(items), levels=levels)
    with no_compute():
        if level in _FRAME_ONLY:
            from ._expr_dag import add_expressions

            add_expressions(dag, _roots(frames, level, dag), fused_groups=True)
        else:
            _add_graph(dag, frames, others, level, max_nodes, expand_limit, task_limit)
    dag.stats.setdefault("nodes", len(dag.visible()[0]))
    return _drop_dangling(dag)


def _roots(frames: list[Any], level: str, dag: Dag) -> list[Any]:
    if level == "logical":
        return [frame.expr for frame in frames]
    roots = []
    for frame in frames:
        try:
            roots.append(frame.expr.optimize())
        except WouldCompute:
            from dask._expr import optimize_until

            roots.append(optimize_until(frame.expr, "tuned-logical"))
            dag.notes.append(
                "Lowering this DataFrame needs its divisions, which Dask would compute "
                "(set_index / sort_values without divisions): shown before lowering."
            )
    return roots


def _add_graph(
    dag: Dag,
    frames: list[Any],
    others: list[Any],
    level: str,
    max_nodes: int,
    expand_limit: int,
    task_limit: int,
) -> None:
    from ._expr_dag import expr_units
    from ._hlg_dag import hlg_units

    units, owners = [], []
    if frames:
        try:
            roots = [frame.expr.optimize() for frame in frames]
        except WouldCompute:
            raise LazyscopeError(
                "The graph of this DataFrame depends on its divisions, which Dask would compute "
                "(set_index / sort_values without known divisions). Use level='optimized' or "
                "'logical', or give divisions."
            ) from None
        frame_units, owner = expr_units(roots)
        units += frame_units
        owners.append(owner)
    total = 0
    if others:
        from dask.highlevelgraph import HighLevelGraph

        graph = HighLevelGraph.merge(*[item.__dask_graph__() for item in others])
        graph_units, owner, total = hlg_units(graph, max_nodes)
        units += graph_units
        owners.append(owner)
    dag.stats["layers"] = len(units)
    if others:
        dag.stats["tasks"] = total
    if frames:  # a DataFrame layer has about one task per partition; exact needs materializing
        dag.stats["partitions"] = sum(
            u.counts.get("partitions", 0) for u in units if u.id[0] == "E"
        )
        total += int(dag.stats["partitions"])

    def owner_of(key: Any) -> str | None:
        return next((found for o in owners if (found := o(key)) is not None), None)

    if level == "tasks":
        if total > task_limit:
            raise LazyscopeError(
                f"This graph has {total:,} tasks; level='tasks' draws at most {task_limit:,}. "
                "Use level='layers' (the default), where small layers expand to their tasks."
            )
        add_units(dag, units, owner_of, expand_limit=task_limit, budget=task_limit, expanded=True)
    else:
        add_units(dag, units, owner_of, expand_limit=expand_limit, budget=10 * expand_limit)


def _drop_dangling(dag: Dag) -> Dag:
    """Edges must name something drawn; Dask internals occasionally refer elsewhere."""
    known = {n.id for n in dag.nodes} | {g.id for g in dag.groups}
    dag.edges = list(dict.fromkeys(e for e in dag.edges if e.source in known and e.target in known))
    return dag
