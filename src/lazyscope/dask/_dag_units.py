"""Shared by the Dask DAG producers: a "unit" (a graph layer, a group of layers with one
key prefix, or an expression) becomes one node, and a unit small enough is a group whose
members are its tasks. Nothing here computes; tasks are only listed for small units.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from lazyscope.model import Dag, Edge, Group, Node

__all__ = ["Unit", "WouldCompute", "add_units", "no_compute", "task_deps"]


class WouldCompute(BaseException):  # a signal, caught by the producers
    """Dask tried to run tasks while we were only looking (e.g. divisions of set_index).

    A BaseException so that Dask's own `except Exception` fallbacks cannot swallow it
    and compute some other way.
    """


def _refuse(*args: Any, **kwargs: Any) -> Any:
    raise WouldCompute


@contextmanager
def no_compute() -> Iterator[None]:
    """Any Dask computation inside raises WouldCompute instead of running a task.

    `scheduler=` in Dask's config outranks the default distributed Client. The setting is
    process-wide for the few milliseconds a DAG takes to build.
    """
    import dask

    with dask.config.set(scheduler=_refuse):
        yield


@dataclass
class Unit:
    """One node of the default view; `tasks` lists its tasks, called only when small."""

    id: str
    kind: str
    label: str
    detail: str = ""
    counts: dict[str, float] = field(default_factory=dict)
    attrs: dict[str, str] = field(default_factory=dict)
    deps: set[str] = field(default_factory=set)  # ids of units it reads from
    size: int | None = None  # tasks, when known without materializing anything
    tasks: Callable[[], Mapping[Any, Any]] | None = None


def task_deps(task: Any, is_key: Callable[[Any], bool]) -> set[Any]:
    """Keys a task reads: new-style tasks know them, legacy tuples are searched."""
    from dask._task_spec import GraphNode
    from dask.core import keys_in_tasks

    if isinstance(task, GraphNode):
        return set(task.dependencies)
    return set(keys_in_tasks(_Keys(is_key), [task]))


class _Keys:
    def __init__(self, is_key: Callable[[Any], bool]) -> None:
        self.is_key = is_key

    def __contains__(self, key: object) -> bool:
        try:
            return self.is_key(key)
        except TypeError:  # unhashable literal inside a task
            return False


def _task_node(key: Any, group: str | None) -> Node:
    from dask.utils import key_split

    index = ", ".join(map(str, key[1:])) if isinstance(key, tuple) else ""
    return Node(f"T:{key!s}", "task", key_split(key), index, group=group, attrs={"key": str(key)})


def add_units(
    dag: Dag,
    units: Iterable[Unit],
    owner: Callable[[Any], str | None],
    *,
    expand_limit: int,
    budget: int,
    expanded: bool = False,
) -> None:
    """Units become nodes, or groups of their tasks when at most `expand_limit` tasks
    (and while `budget` tasks remain); edges go task to task where both ends are listed."""
    units = list(units)
    listed: dict[str, Mapping[Any, Any]] = {}
    for unit in units:
        small = unit.tasks is not None and unit.size is not None and 2 <= unit.size <= expand_limit
        if small and unit.size is not None and unit.size <= budget and unit.tasks is not None:
            listed[unit.id] = unit.tasks()
            budget -= len(listed[unit.id])
    keys = {str(k) for tasks in listed.values() for k in tasks}
    for unit in units:
        fields = (unit.id, unit.kind, unit.label, unit.detail, unit.counts, unit.attrs)
        if unit.id in listed:
            dag.groups.append(Group(*fields, expanded=expanded))
        else:
            dag.nodes.append(Node(*fields))
        for dep in sorted(unit.deps):
            if unit.id not in listed:  # a listed unit gets task-level edges below
                dag.edges.append(Edge(dep, unit.id))
    by_id = {unit.id: unit for unit in units}
    for unit_id, tasks in listed.items():
        covered: set[str] = set()
        for key, task in tasks.items():
            dag.nodes.append(_task_node(key, unit_id))
            for dep in task_deps(task, lambda k: owner(k) is not None):
                dep_owner = owner(dep)
                source = f"T:{dep!s}" if str(dep) in keys else dep_owner
                if source is not None and dep_owner is not None:
                    covered.add(dep_owner)
                    dag.edges.append(Edge(source, f"T:{key!s}"))
        # Keys we could not trace to their layer still deserve the layer-level edge.
        dag.edges.extend(Edge(dep, unit_id) for dep in sorted(by_id[unit_id].deps - covered))
