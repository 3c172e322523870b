"""The engine-neutral data every view consumes: metadata (`Meta`, its columns, plan and facts),
advisor findings, DAGs (nodes, edges, groups), progress (counts per stage or task group) and
sizes. Engines build these; views render them. Imports nothing else of lazyscope's."""

from ._dag import KINDS, SLOWEST, Dag, Edge, Group, Node, NodeProgress, schema
from ._meta import Column, EmbeddedData, Facts, Finding, Meta, PlanItem, Shuffle, Udf
from ._progress import (
    OWN_WORK,
    ProgressBoard,
    ProgressSource,
    StageProgress,
    is_cell_file,
    tidy_call_site,
)
from ._units import UNITS, format_bytes, parse_size

__all__ = [
    "KINDS",
    "OWN_WORK",
    "SLOWEST",
    "UNITS",
    "Column",
    "Dag",
    "Edge",
    "EmbeddedData",
    "Facts",
    "Finding",
    "Group",
    "Meta",
    "Node",
    "NodeProgress",
    "PlanItem",
    "ProgressBoard",
    "ProgressSource",
    "Shuffle",
    "StageProgress",
    "Udf",
    "format_bytes",
    "is_cell_file",
    "parse_size",
    "schema",
    "tidy_call_site",
]
