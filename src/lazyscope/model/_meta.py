"""The engine-neutral metadata model: what the engine packages extract, what views and rules
read.

Engines fill a `Meta` without running anything; the describe view renders it and the
advisor's rules read its `Facts`. Nothing here knows an engine.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

__all__ = ["Column", "EmbeddedData", "Facts", "Finding", "Meta", "PlanItem", "Shuffle", "Udf"]

Severity = Literal["info", "warning"]


@dataclass(frozen=True)
class Column:
    name: str
    dtype: str
    nullable: bool | None = None  # None: the engine has no notion of it (pandas has none)
    children: tuple[Column, ...] = ()  # fields of a struct, element of an array/map


@dataclass(frozen=True)
class PlanItem:
    """One operator of a plan or expression tree, flattened with its depth for display."""

    kind: str  # a DAG node's kind (`KINDS`: scan, cache, join, shuffle...)
    label: str  # operator name, e.g. "SortMergeJoin", "Merge"
    detail: str = ""  # short, human text: keys, source, format, pushed filters
    depth: int = 0


@dataclass(frozen=True)
class Shuffle:
    """Data moving between partitions (an exchange, a shuffle, a rechunk)."""

    how: str  # "hash", "range", "round-robin", "single partition", "set_index", "p2p", ...
    keys: tuple[str, ...] = ()
    partitions: int | None = None
    where: str = ""


@dataclass(frozen=True)
class Udf:
    style: str  # "python-row" (pickled, row at a time), "arrow-row", "pandas" (vectorized)
    name: str
    where: str = ""


@dataclass(frozen=True)
class EmbeddedData:
    """A local object (pandas/NumPy) shipped inside the graph itself."""

    nbytes: int
    what: str
    where: str = ""


@dataclass
class Facts:
    """What the advisor's rules reason about; every list may be empty."""

    shuffles: list[Shuffle] = field(default_factory=list)
    udfs: list[Udf] = field(default_factory=list)
    rdd_sources: list[str] = field(default_factory=list)  # where a Python RDD feeds the plan
    rdd_rows_in_python: bool = False  # that RDD computed its rows in Python from cluster data
    is_rdd: bool = False  # the object itself is an RDD
    cross_joins: list[str] = field(default_factory=list)
    embedded: list[EmbeddedData] = field(default_factory=list)
    unaligned_joins: list[str] = field(default_factory=list)  # joins on unknown divisions
    partition_bytes: int | None = None  # typical partition / chunk size, when known
    max_result_bytes: int | None = None  # the engine's limit on results brought to the driver


@dataclass
class Meta:
    """Everything a metadata view shows about one lazy object."""

    engine: str  # one of its engine package's TITLES, or "pandas"
    collection: str  # "DataFrame", "Series", "Array", "Bag", "Delayed", "RDD"
    columns: list[Column] = field(default_factory=list)
    shape: str | None = None  # arrays: "(1000, 1000)"; pandas: rows x columns
    dtype: str | None = None  # arrays and bags
    chunks: str | None = None  # arrays: chunk shape
    partitions: int | None = None
    partitions_note: str = ""  # why the count is unknown, or how it is decided
    partitioned: bool = True  # False: partitions do not apply (one task, or eager data)
    divisions_known: bool | None = None  # engines whose frames have index divisions
    plan: list[PlanItem] = field(default_factory=list)
    plan_text: str = ""  # the engine's own text (explain output, expression tree)
    expressions: int | None = None  # expression-based engines: expressions in the tree
    layers: int | None = None  # graph-based engines: layers (optimized) when known for free
    size_bytes: int | None = None  # the optimizer's estimate / exact for arrays and pandas
    rows: int | None = None  # the optimizer's row estimate
    cached: bool | None = None
    cores: int | None = None  # of the session, for the partition rules
    notes: list[str] = field(default_factory=list)  # free-text lines for the view
    facts: Facts = field(default_factory=Facts)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        del data["facts"]  # rules' input, not something to show
        return data


@dataclass(frozen=True)
class Finding:
    """One piece of advice: which rule, how serious, why, where, and what to do instead."""

    rule: str
    severity: Severity
    message: str
    where: str = ""
    fix: str = ""

    def to_json(self) -> dict[str, str]:
        return asdict(self)
