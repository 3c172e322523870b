"""The slowest mark of an executed Spark DAG (spark/_executed.py): the stage that took most
of the executors' run time is named in the header; one operator is marked only when an
operator of that stage reports time of its own."""

from __future__ import annotations

from typing import Any

import pytest

from lazyscope.model import SLOWEST, Dag, Node
from lazyscope.spark._executed import _mark_slowest


def _dag(ms: dict[str, float]) -> Dag:
    nodes = [
        Node("a", "scan", "Range", group="S:0"),
        Node("b", "other", "Project", group="S:1", counts={"ms": ms.get("b", 0.0)}),
        Node("c", "shuffle", "Exchange", group="S:1", counts={"ms": ms.get("c", 0.0)}),
    ]
    return Dag("spark", "executed", nodes=nodes)


STAGES: dict[int, Any] = {0: {"executorRunTime": 200}, 1: {"executorRunTime": 800}}


@pytest.mark.parametrize(
    ("ms", "marked", "words"),
    [
        ({"b": 5.0, "c": 700.0}, ["c"], "most of it in Exchange (700 ms)"),
        ({}, [], "stage 1 took 80% of the executors' run time"),
    ],
)
def test_the_slowest_stage_marks_its_busiest_operator_or_none(
    ms: dict[str, float], marked: list[str], words: str
) -> None:
    dag = _dag(ms)
    _mark_slowest(dag, STAGES)
    (finding,) = dag.findings
    assert finding["rule"] == SLOWEST
    assert finding["nodes"] == marked
    assert words in finding["message"]
    assert [n.id for n in dag.nodes if n.findings] == marked
