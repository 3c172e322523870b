"""The scheduler side of Dask progress: per-cell, per-prefix task counters.

Everything is built inside `scheduler_plugin()`, so it is pickled by value: the
scheduler needs no lazyscope installed. It runs on the scheduler's event loop (no
locks needed) and costs one dict lookup per task transition; state per cell is a row
per key prefix, dropped when the cell ends (`<OP>_forget`) or after `_MAX_CELLS` cells.
For the live DAG it also keeps which prefixes feed which (from the task groups'
dependencies, once per group), and per prefix the compute seconds and bytes produced.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from lazyscope._errors import LazyscopeError

__all__ = ["OP", "VERSION", "PrefixCounts", "prefix_counts", "scheduler_plugin"]

# The reply's format; bump it when PrefixCounts or the reply change. It names the handler
# and the plugin on the scheduler, and every reply carries it.
VERSION = 4
OP = f"lazyscope_progress_{VERSION}"


class PrefixCounts(NamedTuple):
    """One task prefix of a cell, as the scheduler counted it (a row of the reply)."""

    prefix: str
    total: int
    done: int
    running: int
    erred: int
    memory: int  # results held in memory now
    start: float  # first task started (epoch seconds; 0.0: none yet)
    stop: float  # last task ended
    seconds: float  # compute time, summed over tasks
    nbytes: int  # bytes produced


def prefix_counts(reply: dict[str, Any]) -> list[PrefixCounts]:
    """The rows of a reply; one sentence if the scheduler's plugin speaks another format."""
    version = reply.get("version")
    try:
        if version != VERSION:
            raise TypeError(version)
        return [PrefixCounts(**row) for row in reply["rows"]]
    except (KeyError, TypeError):
        raise LazyscopeError(
            f"The Dask scheduler's lazyscope progress plugin speaks format {version or 'unknown'}"
            f" and this kernel format {VERSION} (two lazyscope versions share this scheduler): "
            "restart the cluster, or use the same lazyscope in every kernel."
        ) from None


def scheduler_plugin() -> Any:
    from time import time

    from distributed.diagnostics.plugin import SchedulerPlugin

    max_cells = 1000
    fields, version = PrefixCounts._fields, VERSION  # closure values: pickled by value
    # A row while counting: [prefix, total, done, running, erred, in memory, first start,
    #         last end, the first failed task's key, compute seconds, bytes produced]

    class LazyscopeProgress(SchedulerPlugin):  # type: ignore[misc]  # distributed is untyped
        name = OP
        idempotent = True

        def __init__(self) -> None:
            self.cells: dict[str, dict[str, list[Any]]] = {}
            self.owner: dict[Any, list[Any]] = {}  # task key -> the row that counts it
            self.links: dict[str, set[tuple[str, str]]] = {}  # cell -> prefix edges
            self.groups: dict[str, set[str]] = {}  # cell -> task groups already linked
            self.scheduler: Any = None

        async def start(self, scheduler: Any) -> None:
            self.scheduler = scheduler
            scheduler.handlers[OP] = self.read
            scheduler.handlers[f"{OP}_forget"] = self.forget

        def update_graph(self, scheduler: Any, *, annotations: Any = None, **_: Any) -> None:
            cells = (annotations or {}).get("lazyscope")
            for key, cell in (cells or {}).items():
                ts = scheduler.tasks.get(key)
                if key in self.owner or ts is None or ts.state in ("memory", "erred"):
                    continue  # counted already, or no work left for this cell
                if cell not in self.cells and len(self.cells) >= max_cells:
                    self.forget(next(iter(self.cells)))  # a client that never said bye
                rows = self.cells.setdefault(cell, {})
                prefix = ts.prefix.name
                row = rows.get(prefix)
                if row is None:
                    row = rows[prefix] = [prefix, 0, 0, 0, 0, 0, 0.0, 0.0, "", 0.0, 0]
                self.link(cell, ts.group)
                row[1] += 1
                row[3] += ts.state == "processing"
                self.owner[key] = row

        def link(self, cell: str, group: Any) -> None:
            seen = self.groups.setdefault(cell, set())
            if group.name in seen:
                return
            seen.add(group.name)
            links = self.links.setdefault(cell, set())
            for dep in group.dependencies:
                if dep.prefix.name != group.prefix.name:
                    links.add((dep.prefix.name, group.prefix.name))

        def transition(self, key: Any, start: str, finish: str, *args: Any, **kw: Any) -> None:
            row = self.owner.get(key)
            if row is None:
                return
            if start == "processing":
                row[3] -= 1
            elif start == "memory":
                row[5] -= 1
            if finish == "processing":
                row[3] += 1
                row[6] = row[6] or time()
            elif finish == "memory":
                row[2], row[5], row[7] = row[2] + 1, row[5] + 1, time()
                row[9] += sum(
                    s["stop"] - s["start"]
                    for s in kw.get("startstops", ())
                    if s.get("action") == "compute"
                )
                row[10] += max(int(kw.get("nbytes") or 0), 0)
            elif finish == "erred":
                row[4], row[7], row[8] = row[4] + 1, time(), row[8] or str(key)
            elif finish == "forgotten":
                del self.owner[key]

        def read(self, cell: str, limit: int, groups: bool = False) -> dict[str, Any]:
            # The worker count too: tasks waiting on a cluster without workers wait for ever.
            workers = len(self.scheduler.workers) if self.scheduler is not None else -1
            failed = [r[8] for r in self.cells.get(cell, {}).values() if r[8]]
            rows = self.rows(cell, limit)
            shown = {r[0] for r in rows}
            other = "other" in shown
            edges = {
                (a if a in shown or not other else "other", b if b in shown else "other")
                for a, b in self.links.get(cell, ())
            }
            return {
                "version": version,
                "rows": [dict(zip(fields, row, strict=True)) for row in rows],
                "edges": sorted((a, b) for a, b in edges if a != b and a in shown),
                "workers": workers,
                "failed_task": failed[0] if failed else None,  # for the cell's error
                # The task groups (names with tokens): what the cell computed, exactly.
                "groups": sorted(self.groups.get(cell, ())) if groups else [],
            }

        def rows(self, cell: str, limit: int) -> list[list[Any]]:
            rows = [
                [
                    *(r[0], r[1], min(r[2], r[1]), max(r[3], 0), r[4], max(r[5], 0)),
                    *(r[6], r[7], r[9], r[10]),
                ]
                for r in self.cells.get(cell, {}).values()
            ]
            if len(rows) > limit:  # fold the smallest prefixes into one row
                rows.sort(key=lambda r: -r[1])
                rest = rows[limit - 1 :]
                other = ["other", *(sum(r[i] for r in rest) for i in range(1, 6))]
                rows = [
                    *rows[: limit - 1],
                    [*other, 0.0, 0.0, *(sum(r[i] for r in rest) for i in (8, 9))],
                ]
            return sorted(rows, key=lambda r: (r[6] == 0.0, r[6]))  # in the order they ran

        def forget(self, cell: str) -> None:
            self.cells.pop(cell, None)
            self.links.pop(cell, None)
            self.groups.pop(cell, None)

    return LazyscopeProgress()
