"""Metadata of graph-based Dask collections: Array, Bag, Delayed.

These keep a HighLevelGraph of layers already built; we read the layer names and the
array's shape/chunks, and never expand a layer into its tasks.
"""

from __future__ import annotations

import math
from itertools import islice
from typing import Any

from lazyscope.model import EmbeddedData, Facts, Meta, PlanItem, Shuffle

from . import _common as common

__all__ = ["graph_meta"]

_SCAN_VALUES = 10_000  # values read per materialized layer when looking for embedded data
_SHUFFLE_WORDS = ("shuffle", "rechunk-p2p", "rechunk-merge", "partd")


def _layer_items(graph: Any) -> list[PlanItem]:
    from dask.utils import key_split

    items = []
    for name in graph.layers:  # insertion order: inputs first, as they were built
        label = key_split(name)
        kind = "shuffle" if any(w in name for w in _SHUFFLE_WORDS) else "other"
        items.append(PlanItem(kind, label, type(graph.layers[name]).__name__))
    return items


def _embedded(graph: Any, facts: Facts) -> None:
    for name, layer in graph.layers.items():
        mapping = getattr(layer, "mapping", None)
        if not isinstance(mapping, dict):
            continue  # only materialized layers can hold data; others hold code
        total = 0
        for value in islice(mapping.values(), _SCAN_VALUES):
            value = getattr(value, "value", value)  # a DataNode wraps its data
            if hasattr(value, "nbytes") or hasattr(value, "memory_usage"):
                total += common.nbytes(value)
        if total:
            facts.embedded.append(EmbeddedData(total, "NumPy/pandas data in the graph", name))


def _base(obj: Any, collection: str) -> Meta:
    graph = obj.dask
    common.check_futures(
        layer.mapping for layer in graph.layers.values() if hasattr(layer, "mapping")
    )
    facts = Facts()
    meta = Meta(
        engine="dask",
        collection=collection,
        plan=_layer_items(graph),
        layers=len(graph.layers),
        facts=facts,
        cores=common.cores(),
    )
    meta.plan_text = "\n".join(f"{i.label}  ({i.detail})" for i in meta.plan)
    for item in meta.plan:
        if item.kind == "shuffle":
            facts.shuffles.append(Shuffle(item.label, (), None, item.label))
    _embedded(graph, facts)
    return meta


def _array(arr: Any) -> Meta:
    meta = _base(arr, "Array")
    meta.shape, meta.dtype = str(arr.shape), str(arr.dtype)
    meta.chunks = str(arr.chunksize)
    meta.partitions = math.prod(arr.numblocks)
    if not any(math.isnan(s) for s in arr.shape):
        meta.size_bytes = int(arr.nbytes)
        meta.facts.partition_bytes = math.prod(arr.chunksize) * arr.dtype.itemsize
    return meta


def graph_meta(obj: Any) -> Meta | None:
    cls_name = type(obj).__name__
    module = type(obj).__module__
    if module.startswith("dask.array") and cls_name == "Array":
        return _array(obj)
    if module.startswith("dask.bag") and cls_name in ("Bag", "Item"):
        meta = _base(obj, cls_name)
        meta.partitions = getattr(obj, "npartitions", 1)
        return meta
    if module.startswith("dask.delayed") and cls_name in ("Delayed", "DelayedLeaf", "DelayedAttr"):
        meta = _base(obj, "Delayed")
        meta.partitioned = False  # one task per call: partitions do not apply
        return meta
    return None
