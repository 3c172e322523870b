"""Metadata of Dask DataFrames / Series / Index (dask-expr), without running a task.

dask-expr collections are read through their expression tree only: the task graph is
never materialized (that is what makes a graph repr expensive). Some expressions learn
their divisions by computing (`set_index` / `sort_values` sample the data, parquet may
collect statistics): below those we never ask for partitions and never optimize.
"""

from __future__ import annotations

from typing import Any

from lazyscope._errors import LazyscopeError
from lazyscope.model import Column, EmbeddedData, Facts, Meta, PlanItem, Shuffle

from . import _common as common

__all__ = ["dask_meta"]

_LOWERED: dict[str, tuple[int, list[Shuffle]]] = {}  # plain facts only: no data kept alive
_LOWERED_MAX = 64
_MAX_ITEMS = 60  # a long pipeline shows its top; the count says how many there are
_SHUFFLE_CLASSES = {"ShuffleBase", "HashJoinP2P", "SetIndex", "SortValues"}
_KINDS = {
    "Merge": "join",
    "HashJoinP2P": "join",
    "BlockwiseMerge": "join",
    "Filter": "filter",
    "SetIndex": "shuffle",
    "SortValues": "shuffle",
    "RearrangeByColumn": "shuffle",
}


def _class_names(expr: Any) -> set[str]:
    return {cls.__name__ for cls in type(expr).__mro__}


def _computes_divisions(expr: Any) -> bool:
    """Would asking this expression for its divisions run a computation?"""
    names = _class_names(expr)
    if "BaseSetIndexSortValues" in names:
        return "user_divisions" not in expr._parameters or expr.operand("user_divisions") is None
    if "ReadParquet" in names:
        return bool(expr.operand("calculate_divisions"))
    return False


def _label(expr: Any) -> str:
    name = type(expr).__name__
    func = getattr(expr, "_name", "")
    if name in ("MapPartitions", "Fused") and "-" in func:
        return f"{name}({func.rsplit('-', 1)[0]})"
    return name


def _detail(expr: Any) -> str:
    parts = []
    for key in expr._parameters:
        if key.startswith("_") or key in ("frame", "left", "right"):
            continue
        value = expr.operand(key)
        # Never `==` an operand: expressions and pandas objects compare element-wise.
        if value is None or value is False or hasattr(value, "_meta"):
            continue
        if isinstance(value, dict | list | tuple) and not value:
            continue
        text = "<pandas>" if "BackendData" in type(value).__name__ else repr(value)
        parts.append(f"{key}={text[:60]}")
    return " ".join(parts)[:200]


def _tree(expr: Any) -> tuple[list[PlanItem], int]:
    items: list[PlanItem] = []
    seen: set[str] = set()
    stack = [(expr, 0)]
    while stack:
        node, depth = stack.pop()
        if node._name in seen:
            continue  # a shared sub-expression is one node of the DAG
        seen.add(node._name)
        if len(items) < _MAX_ITEMS:
            kind = _KINDS.get(
                type(node).__name__, "scan" if "IO" in _class_names(node) else "other"
            )
            items.append(PlanItem(kind, _label(node), _detail(node), depth))
        stack.extend((dep, depth + 1) for dep in reversed(node.dependencies()))
    return items, len(seen)


def _lowered(expr: Any) -> tuple[int, list[Shuffle]]:
    """Expressions and shuffles after dask's own optimization (which picks the shuffle
    strategy). Optimizing costs tens of ms, so the small result is kept per expression
    name: a name is a token of the whole tree, so an equal name means an equal plan."""
    cached = _LOWERED.get(expr._name)
    if cached is None:
        optimized = expr.optimize(fuse=False)
        shuffles = []
        for node in optimized.walk():
            names = _class_names(node)
            if not names & _SHUFFLE_CLASSES:
                continue
            how = (
                "hash join (both sides shuffled)" if "HashJoinP2P" in names else type(node).__name__
            )
            count = (
                node.operand("npartitions_out") if "npartitions_out" in node._parameters else None
            )
            shuffles.append(Shuffle(how, _keys(node), count, type(node).__name__))
        cached = (len({n._name for n in optimized.walk()}), shuffles)
        if len(_LOWERED) >= _LOWERED_MAX:
            del _LOWERED[next(iter(_LOWERED))]  # oldest first
        _LOWERED[expr._name] = cached
    return cached[0], list(cached[1])


def _keys(node: Any) -> tuple[str, ...]:
    params = node._parameters
    names = ("partitioning_index", "original_partitioning_index", "left_on", "by", "other", "on")
    param = next((k for k in names if k in params and node.operand(k) is not None), None)
    if param is None:
        return ()
    keys = node.operand(param)
    if hasattr(keys, "_meta"):  # set_index(a Series): name the series, not its expression
        return (str(getattr(keys._meta, "name", "a series")),)
    return tuple(str(k) for k in (keys if isinstance(keys, list | tuple) else [keys]))


def _columns(meta: Any) -> list[Column]:
    dtypes: Any = getattr(meta, "dtypes", None)
    if hasattr(dtypes, "items"):  # a DataFrame; a Series / Index has one dtype
        return [Column(str(name), str(dtype)) for name, dtype in dtypes.items()]
    return [Column(str(getattr(meta, "name", None)), str(meta.dtype))]


def _frame_meta(obj: Any) -> Meta:
    expr = obj.expr
    nodes = list(expr.walk())
    persisted = [n.operand("layer") for n in nodes if type(n).__name__ == "FromGraph"]
    common.check_futures(persisted)
    items, count = _tree(expr)
    facts = Facts()
    meta = Meta(
        engine="dask",
        collection=type(obj).__name__,
        columns=_columns(obj._meta),
        plan=items,
        plan_text=expr.tree_repr(),
        expressions=count,
        facts=facts,
        cores=common.cores(),
    )
    for node in nodes:
        if "FromPandas" in type(node).__name__:
            nbytes = common.nbytes(node.operand("frame")._data)
            facts.embedded.append(
                EmbeddedData(nbytes, "a pandas object (from_pandas)", "FromPandas")
            )
    unsafe = [n for n in nodes if _computes_divisions(n)]
    if unsafe:
        # Partitions, divisions and the optimized plan all depend on sampling the data.
        how = type(unsafe[0]).__name__
        meta.partitions_note = f"decided when {how} samples the data (it runs a computation)"
        for node in unsafe:
            facts.shuffles.append(
                Shuffle(type(node).__name__, _keys(node), None, type(node).__name__)
            )
        return meta
    meta.partitions = int(obj.npartitions)
    meta.divisions_known = bool(obj.known_divisions)
    meta.layers, shuffles = _lowered(expr)
    facts.shuffles.extend(shuffles)
    for node in nodes:
        if "Merge" in _class_names(node) and not node.operand("broadcast"):
            left, right = node.operand("left"), node.operand("right")
            # Partitions line up only for an index-to-index join with known divisions.
            aligned = node.operand("left_index") and node.operand("right_index")
            aligned = aligned and left.known_divisions and right.known_divisions
            if 1 not in (left.npartitions, right.npartitions) and not aligned:
                facts.unaligned_joins.append(f"Merge on {', '.join(_keys(node)) or 'the index'}")
    if facts.embedded and meta.partitions:
        facts.partition_bytes = sum(e.nbytes for e in facts.embedded) // meta.partitions
    elif persisted and meta.partitions:
        # What the persisted input holds, spread over this frame's partitions: an upper
        # bound (filters only shrink it), enough to call partitions tiny.
        held = common.held_bytes(persisted)
        facts.partition_bytes = None if held is None else held // meta.partitions
    return meta


def dask_meta(obj: Any) -> Meta:
    if hasattr(obj, "expr") and hasattr(obj, "_meta"):
        return _frame_meta(obj)
    from ._graph import graph_meta

    meta = graph_meta(obj)
    if meta is None:
        raise LazyscopeError(f"lazyscope cannot describe a {type(obj).__name__} from Dask.")
    return meta
