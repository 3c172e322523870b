"""A Dask cell's work as a DAG: one node per task prefix (the name of a layer's tasks,
what `lazyscope.dag` merges a big graph by), edges from the scheduler's task groups,
each node filled with its tasks' states; when the cell is over, compute time and bytes."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Any

from lazyscope._errors import LazyscopeError
from lazyscope.model import SLOWEST, Dag, Edge, Node, NodeProgress, StageProgress, format_bytes

from ._kinds import kind_of

__all__ = ["executed_dag", "prefix_dag", "remember"]

_SLOWEST_SHARE = 0.3  # a node with this share of the compute time is marked


def prefix_dag(
    stages: list[StageProgress],
    edges: list[tuple[str, str]],
    work: dict[str, tuple[float, int]],
    final: bool,
) -> Dag:
    dag = Dag("dask", "executed" if final else "live", title="Dask: this cell's tasks")
    for stage in stages:
        progress = NodeProgress(stage.total, stage.done, stage.running, stage.failed)
        node = Node(f"P:{stage.key}", kind_of(stage.key), stage.key, progress=progress)
        node.attrs["task prefix"] = stage.key
        seconds, nbytes = work.get(stage.key, (0.0, 0))
        if final:
            node.counts["s"] = round(seconds, 3)
            if nbytes:
                node.detail = f"{format_bytes(nbytes)} produced"
            node.attrs["compute time"] = f"{seconds:.3f} s over {stage.done:,} tasks"
        dag.nodes.append(node)
    ids = {n.id for n in dag.nodes}
    dag.edges = [Edge(f"P:{a}", f"P:{b}") for a, b in edges if f"P:{a}" in ids and f"P:{b}" in ids]
    if final:
        _totals(dag, stages, work)
    return dag


def _totals(dag: Dag, stages: list[StageProgress], work: dict[str, tuple[float, int]]) -> None:
    spent = sum(s for s, _ in work.values())
    dag.stats["tasks"] = float(sum(s.total for s in stages))
    dag.stats["compute s"] = round(spent, 3)
    failed = [n for n in dag.nodes if n.progress is not None and n.progress.failed]
    for node in failed:
        count = node.progress.failed if node.progress else 0
        dag.mark([node], "failed", "warning", f"{node.label}: {count:,} task(s) failed")
    if spent <= 0:
        return
    slowest = max(dag.nodes, key=lambda n: n.counts.get("s", 0.0), default=None)
    if slowest is not None and slowest.counts.get("s", 0.0) >= _SLOWEST_SHARE * spent:
        share = slowest.counts["s"] / spent
        message = f"slowest: {slowest.label} took {share:.0%} of the compute time"
        dag.mark([slowest], SLOWEST, "info", message)


@dataclass(frozen=True)
class _Run:
    """What one watched block computed on the cluster, kept for `level="executed"`."""

    stages: list[StageProgress]
    edges: list[tuple[str, str]]
    work: dict[str, tuple[float, int]]
    groups: frozenset[str]  # task-group names: a layer's name with its token


_RUNS: deque[_Run] = deque(maxlen=32)  # the newest blocks of this kernel, a few KB each


def remember(
    stages: list[StageProgress], edges: list[tuple[str, str]], work: Any, groups: list[str]
) -> None:
    if stages:
        _RUNS.append(_Run(stages, list(edges), dict(work), frozenset(groups)))


def executed_dag(items: list[Any]) -> Dag:
    """The newest run that computed these collections' outputs, as the executed DAG."""
    from dask.utils import key_split

    outputs = {_output_name(item) for item in items}
    for run in reversed(_RUNS):
        if all(_ran(name, run.groups) for name in outputs):
            dag = prefix_dag(run.stages, run.edges, run.work, final=True)
            dag.title = "Dask: the run that computed it"
            shown = ", ".join(sorted({key_split(name) for name in outputs}))
            dag.notes.append(f"Matched to the newest watched run that computed its {shown}.")
            return dag
    raise LazyscopeError(
        "No run of this collection was seen: compute it in a %%dask cell (or inside "
        "lazyscope.progress()) on a distributed cluster first, or use level='layers' for "
        "its graph before it runs."
    )


def _ran(name: str, groups: frozenset[str]) -> bool:
    """Whether a run computed the layer `name`. The scheduler groups tuple keys by layer
    name (token included) and string keys by name without its token (weaker, but all
    there is when optimization made the output a string key)."""
    from distributed.utils import key_split_group

    return name in groups or key_split_group(name) in groups


def _output_name(item: Any) -> str:
    """The layer name of the collection's output, as the scheduler ran it."""
    expr = getattr(item, "expr", None)
    if expr is not None:  # a DataFrame: its optimized expression is what runs
        return str(expr.optimize()._name)
    keys = item.__dask_keys__()
    while isinstance(keys, list) and keys:
        keys = keys[0]
    return str(keys[0] if isinstance(keys, tuple) else keys)
