"""Spark operator names -> DAG node kinds, labels and the facts worth a glance
(join strategy, shuffle partitioning, UDF flavour)."""

from __future__ import annotations

import re

__all__ = ["describe_operator", "kind_of"]

_NAME = re.compile(r"^(Scan [\w.]+|[A-Za-z][A-Za-z0-9]*)")
_EXACT = {
    "InMemoryTableScan": "cache",
    "Filter": "filter",
    "Project": "project",
    "Union": "union",
    "Window": "window",
    "Expand": "map",
    "Generate": "map",
    "Sample": "filter",
    "Deduplicate": "aggregate",
    "Distinct": "aggregate",
    "TakeOrderedAndProject": "sort",
    "Sort": "sort",
    "Coalesce": "other",
}
# Substring rules, in order: a name like "BroadcastExchange" is an exchange, not a cast.
_CONTAINS = (
    (
        "udf",
        (
            "EvalPython",
            "InPandas",
            "InArrow",
            "PythonUDF",
            "MapPartitions",
            "MapElements",
            "PythonMapInArrow",
            "ArrowWindowPython",
            "AggregateInPandas",
        ),
    ),
    (
        "shuffle",
        (
            "Exchange",
            "Repartition",
            "RebalancePartitions",
            "AQEShuffleRead",
            "ShuffleQueryStage",
            "BroadcastQueryStage",
        ),
    ),
    ("join", ("Join", "CartesianProduct")),
    ("aggregate", ("Aggregate",)),
    ("limit", ("Limit", "Tail", "Offset")),
    (
        "write",
        (
            "Write",
            "InsertInto",
            "CreateTable",
            "SaveIntoDataSource",
            "AppendData",
            "OverwriteByExpression",
        ),
    ),
    (
        "scan",
        (
            "Scan",
            "Relation",
            "Range",
            "LogicalRDD",
            "ExistingRDD",
            "LocalTableScan",
            "OneRowRelation",
        ),
    ),
)
_JOIN_STRATEGY = {
    "BroadcastHashJoin": "broadcast hash join",
    "SortMergeJoin": "sort-merge join (both sides shuffled and sorted)",
    "ShuffledHashJoin": "shuffled hash join",
    "BroadcastNestedLoopJoin": "broadcast nested loop join",
    "CartesianProduct": "cartesian product (every row with every row)",
}
_PARTITIONING = re.compile(
    r"^(hashpartitioning|rangepartitioning|RoundRobinPartitioning|"
    r"SinglePartition)\b"
)


def kind_of(name: str) -> str:
    if name in _EXACT:
        return _EXACT[name]
    for kind, parts in _CONTAINS:
        if any(part in name for part in parts):
            return kind
    return "other"


def describe_operator(text: str, name: str | None = None) -> tuple[str, str, str, dict[str, str]]:
    """(kind, label, detail, attributes) of one plan line such as "Exchange hashpartitioning(..)".

    `name` is the operator's name when known separately (formatted explain, REST API)."""
    if name is None:
        match = _NAME.match(text)
        name = match.group(1) if match else text.split(" ", 1)[0]
    detail = text[len(name) :].strip() if text.startswith(name) else text
    kind = kind_of(name)
    attrs: dict[str, str] = {}
    if name in _JOIN_STRATEGY:
        attrs["strategy"] = _JOIN_STRATEGY[name]
    elif kind == "join":
        attrs["join type"] = detail.split(",", 1)[0]
    if kind == "shuffle":
        partitioning = _PARTITIONING.match(detail)
        if partitioning:
            attrs["partitioning"] = partitioning.group(1)
    if kind == "udf":
        attrs["python"] = (
            "row-at-a-time Python UDF (rows pickled to Python)"
            if "BatchEvalPython" in name
            else "Python UDF, rows sent to Python in Arrow batches"
            if "ArrowEvalPython" in name
            else "Python function over pandas / Arrow batches"
        )
    return kind, name, detail, attrs
