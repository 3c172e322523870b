"""Dask Array / Bag / Delayed (HighLevelGraph) as units: one per graph layer, or one per
key prefix when there are too many layers (a Delayed graph has a layer per call).

Task counts come from `len(layer)`, which Blockwise layers answer from their block
structure without materializing a task.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ._dag_units import Unit, task_deps
from ._kinds import kind_of

__all__ = ["as_layers", "hlg_units"]

_SPLIT_LIMIT = 200_000  # tasks: splitting layers by key name reads every task
_SHOWN_ANNOTATIONS = ("type", "shape", "chunksize", "chunks", "dtype", "npartitions")


def _prefix(name: str) -> str:
    from dask.utils import key_split

    head, _, tail = name.rpartition("-")
    # Fast path for the common "<prefix>-<32-hex token>": key_split costs ~2 µs a name,
    # which matters at 10^6 Delayed layers.
    if head and len(tail) == 32:
        return head
    return str(key_split(name))


def as_layers(graph: Any) -> tuple[Mapping[str, Mapping[Any, Any]], Mapping[str, set[str]]]:
    """Layers and their dependencies; a plain task dict is split by key name."""
    from dask.highlevelgraph import HighLevelGraph

    if isinstance(graph, HighLevelGraph):
        if not _mixed(graph):
            return graph.layers, graph.dependencies
        graph = dict(graph)  # Delayed: a call's layer also holds its inputs' tasks; split them
    layers: dict[str, dict[Any, Any]] = {}
    for key, task in dict(graph).items():
        layers.setdefault(str(_name(key)), {})[key] = task
    name_of = {key: name for name, tasks in layers.items() for key in tasks}
    deps: dict[str, set[str]] = {name: set() for name in layers}
    for name, tasks in layers.items():
        for task in tasks.values():
            deps[name] |= {name_of[k] for k in task_deps(task, name_of.__contains__)} - {name}
    return layers, deps


def _name(key: Any) -> Any:
    return key[0] if isinstance(key, tuple) and key else key


def _mixed(graph: Any) -> bool:
    """Materialized layers holding tasks of other names (Delayed), small enough to split."""
    layers = graph.layers
    if sum(len(layer) for layer in layers.values()) > _SPLIT_LIMIT:
        return False
    return any(
        layer.is_materialized() and any(_name(key) != name for key in layer)
        for name, layer in layers.items()
    )


def _detail(layer: Any) -> tuple[str, dict[str, str]]:
    notes = getattr(layer, "collection_annotations", None) or {}
    attrs = {k: str(notes[k])[:200] for k in _SHOWN_ANNOTATIONS if k in notes}
    if not isinstance(layer, dict):  # a dict is our own split of a Delayed graph
        attrs["layer type"] = type(layer).__name__
    detail = f"chunks {attrs['chunksize']}" if "chunksize" in attrs else ""
    return detail, attrs


def hlg_units(graph: Any, max_nodes: int) -> tuple[list[Unit], Callable[[Any], str | None], int]:
    """Units for a graph, the key -> unit lookup, and the total number of tasks."""
    layers, deps = as_layers(graph)
    sizes = {name: len(layer) for name, layer in layers.items()}
    if len(layers) <= max_nodes:
        unit_of = {name: f"L:{name}" for name in layers}
    else:
        unit_of = {name: f"P:{_prefix(name)}" for name in layers}
    members: dict[str, list[str]] = {}
    for name, unit_id in unit_of.items():
        members.setdefault(unit_id, []).append(name)
    if len(members) > max_nodes:  # still too many prefixes: fold the smallest together
        totals = sorted(members, key=lambda u: -sum(sizes[n] for n in members[u]))
        rest = set(totals[max_nodes - 1 :])
        fold = f"P:… {len(rest)} more"
        unit_of = {name: (fold if u in rest else u) for name, u in unit_of.items()}
        members = {}
        for name, unit_id in unit_of.items():
            members.setdefault(unit_id, []).append(name)
    units = [_unit(uid, names, layers, deps, sizes, unit_of) for uid, names in members.items()]

    def owner(key: Any) -> str | None:
        name = _name(key)
        return unit_of.get(name) if isinstance(name, str) else None

    return units, owner, sum(sizes.values())


def _unit(
    unit_id: str,
    names: list[str],
    layers: Mapping[str, Any],
    deps: Mapping[str, set[str]],
    sizes: dict[str, int],
    unit_of: dict[str, str],
) -> Unit:
    size = sum(sizes[n] for n in names)
    label = unit_id[2:] if unit_id.startswith("P:") else _prefix(names[0])
    detail, attrs = _detail(layers[names[0]]) if len(names) == 1 else ("", {})
    counts: dict[str, float] = {"tasks": size}
    if len(names) > 1:
        counts["layers"] = len(names)
        detail = f"{len(names):,} layers"
    else:
        attrs["layer"] = names[0]
    needed = {unit_of[d] for n in names for d in deps.get(n, ()) if d in unit_of} - {unit_id}

    def tasks() -> dict[Any, Any]:
        return {k: v for n in names for k, v in dict(layers[n]).items()}

    kind = "other" if label.startswith("… ") else kind_of(label)
    return Unit(unit_id, kind, label, detail, counts, attrs, needed, size, tasks)
