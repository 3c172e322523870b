"""A Dask cell's work as a DAG: one node per task prefix (the name of a layer's tasks,
what `lazyscope.dag` merges a big graph by), edges from the scheduler's task groups,
each node filled with its tasks' states; when the cell is over, compute time and bytes."""

from __future__ import annotations

from lazyscope.model import SLOWEST, Dag, Edge, Node, NodeProgress, StageProgress, format_bytes

from ._kinds import kind_of

__all__ = ["prefix_dag"]

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
