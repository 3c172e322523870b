"""Spark's `explain(mode="cost")` text (read by `_explain`) as plan items, advisor
facts, the output partitioning and the optimizer's size estimate."""

from __future__ import annotations

import re
from dataclasses import dataclass

from lazyscope.model import Facts, PlanItem, Shuffle, Udf, parse_size

from ._explain import clean, tree
from ._kinds import kind_of

__all__ = ["ParsedPlan", "parse_explain"]

_STATS = re.compile(r"Statistics\(sizeInBytes=([\d.]+\s*(?:[KMGTPE]i)?B)(?:, rowCount=([\d.E+]+))?")
# Spark answers "8.0 EiB" (Long.MaxValue) when it has no idea; nothing real is that big.
_UNKNOWN_SIZE = 2**60
_EXCHANGE = re.compile(r"^Exchange (\w+)(?:\((.*)\))?")
# Operators left out of the brief plan: plumbing that says nothing about cost.
_SKIP = (
    "Project",
    "AdaptiveSparkPlan",
    "ColumnarToRow",
    "InputAdapter",
    "WholeStageCodegen",
    "AQEShuffleRead",
    "ReusedExchange",
    "SerializeFromObject",
    "DeserializeToObject",
)
_PYTHON_EVAL = {"BatchEvalPython": "python-row", "BatchEvalPythonUDTF": "python-row"}
_ARROW_EVAL_TYPES = {"100": "python-row", "101": "arrow-row"}  # others are pandas/arrow UDFs
_VECTORIZED = (
    "MapInPandas",
    "MapInArrow",
    "FlatMapGroupsInPandas",
    "FlatMapGroupsInArrow",
    "FlatMapCoGroupsInPandas",
    "AggregateInPandas",
    "ArrowWindowPython",
)


@dataclass
class ParsedPlan:
    items: list[PlanItem]
    facts: Facts
    partitions: int | None
    size_bytes: int | None
    rows: int | None


def _nodes(section: str) -> list[tuple[int, str]]:
    return [(depth, clean(text)) for depth, text in tree(section)]


def _statistics(logical: str) -> tuple[int | None, int | None]:
    match = _STATS.search(logical)  # the first line is the root: the whole result
    if match is None:
        return None, None
    size = parse_size(match.group(1))
    rows = int(float(match.group(2))) if match.group(2) else None
    return (size if size is not None and size < _UNKNOWN_SIZE else None), rows


def _classify(op: str, facts: Facts) -> PlanItem | None:
    name = op.split(" ", 1)[0].split("(", 1)[0].split("[", 1)[0]
    rest = op[len(name) :].strip()
    if op.startswith(_SKIP):
        return None
    exchange = _EXCHANGE.match(op)
    if exchange:
        how, args = exchange.group(1).lower(), exchange.group(2) or ""
        parts = [p.strip() for p in args.split(",") if p.strip()]
        count = (
            int(parts[-1])
            if parts and parts[-1].isdigit()
            else (1 if how == "singlepartition" else None)
        )
        keys = tuple(p.split(" ")[0] for p in parts if not p.isdigit())
        how = {
            "hashpartitioning": "hash",
            "rangepartitioning": "range",
            "roundrobinpartitioning": "round-robin",
            "singlepartition": "single partition",
        }.get(how, how)
        facts.shuffles.append(Shuffle(how, keys, count, op))
        return PlanItem(
            kind_of("Exchange"), "Exchange", f"{how} on {', '.join(keys)}" if keys else how
        )
    if name in _PYTHON_EVAL or name == "ArrowEvalPython":
        eval_type = rest.rsplit(",", 1)[-1].strip() if name == "ArrowEvalPython" else ""
        style = _PYTHON_EVAL.get(name) or _ARROW_EVAL_TYPES.get(eval_type, "pandas")
        facts.udfs.append(Udf(style, rest.split("]", 1)[0].lstrip("["), op))
        return PlanItem(kind_of(name), name, rest)
    if name in _VECTORIZED:
        facts.udfs.append(Udf("pandas", name, op))
        return PlanItem(kind_of(name), name, rest)
    if name in ("CartesianProduct",) or (
        name == "BroadcastNestedLoopJoin" and len(rest.split(",")) <= 2  # no join condition
    ):
        facts.cross_joins.append(op)
        return PlanItem(kind_of(name), name, rest or "every row with every row")
    if name.endswith("Join"):
        return PlanItem(kind_of(name), name, rest)
    if name == "Scan" and rest.startswith("ExistingRDD"):
        facts.rdd_sources.append(op)
        return PlanItem(kind_of("Scan"), "Scan ExistingRDD", "a Python RDD or local list")
    if name in ("FileScan", "BatchScan", "Scan", "Range", "LocalTableScan", "HiveTableScan"):
        return PlanItem(kind_of(name), name, rest)
    if name == "InMemoryTableScan":
        return PlanItem(kind_of(name), name, "reads the cached data")
    if name in ("HashAggregate", "SortAggregate", "ObjectHashAggregate"):
        return None if "partial_" in rest else PlanItem(kind_of(name), name, rest)
    if name in ("Filter",):
        return PlanItem(kind_of(name), name, rest)
    if name in ("Sort", "TakeOrderedAndProject"):
        # `Sort [...], false, 0` is the local sort under a sort-merge join: plumbing.
        return None if re.search(r"\], false, \d+$", rest) else PlanItem(kind_of(name), name, rest)
    if name in ("GlobalLimit", "CollectLimit", "LocalLimit"):
        return None if name == "LocalLimit" else PlanItem(kind_of(name), name, rest)
    if name == "BroadcastExchange":  # a shuffle, as in the DAG: data moves between partitions
        return PlanItem(kind_of(name), name, "sends the smaller side to every executor")
    return PlanItem(kind_of(name), name, rest)


def _output_partitions(nodes: list[tuple[int, str]]) -> int | None:
    """Follow the first child from the root to the operator that fixes the partitioning."""
    depth = 0
    for level, op in nodes:
        if level != depth:
            continue  # a sibling branch; the streamed side is the first child
        exchange = _EXCHANGE.match(op)
        if exchange:
            how, args = exchange.group(1), exchange.group(2) or ""
            last = args.rsplit(",", 1)[-1].strip()
            return 1 if how == "SinglePartition" else (int(last) if last.isdigit() else None)
        splits = re.search(r"^Range \(.*splits=(\d+)\)", op)
        if splits:
            return int(splits.group(1))
        coalesce = re.match(r"^Coalesce (\d+)", op)
        if coalesce:
            return int(coalesce.group(1))
        if op.startswith(("FileScan", "BatchScan", "Scan", "LocalTableScan", "InMemoryTableScan")):
            return None  # decided when the files or the cache are split: not without a job
        depth += 1
    return None


def parse_explain(text: str) -> ParsedPlan:
    logical, _, physical = text.partition("== Physical Plan ==")
    nodes = _nodes(physical)
    facts = Facts()
    items = []
    for depth, op in nodes:
        item = _classify(op, facts)
        if item is not None:
            items.append(PlanItem(item.kind, item.label, item.detail[:300], depth))
    size, rows = _statistics(logical)
    return ParsedPlan(items, facts, _output_partitions(nodes), size, rows)
