"""An execution from the Spark UI's REST API as DAG nodes: operators with their metrics,
grouped by the stage that ran them (stage ids appear in task-level metric values, and
operators fused into one WholeStageCodegen share its stage)."""

from __future__ import annotations

import re
from typing import Any

from lazyscope.model import Dag, Edge, Group, Node

from ._explain import clean
from ._kinds import describe_operator, kind_of
from ._rest import Execution

__all__ = ["add_executed"]

_STAGE_REF = re.compile(r"\(stage (\d+)\.\d+: task \d+\)")
_CODEGEN = re.compile(r"^WholeStageCodegen \((\d+)\)$")
_STAGE_COUNTS = {
    "numTasks": "tasks",
    "numFailedTasks": "failed tasks",
    "executorRunTime": "run time ms",
    "inputBytes": "input bytes",
    "shuffleReadBytes": "shuffle read bytes",
    "shuffleWriteBytes": "shuffle write bytes",
}


def _stage_of(node: dict[str, Any]) -> int | None:
    # An exchange's map side (shuffle write) runs in the stage that produced its input.
    metrics = sorted(node.get("metrics", []), key=lambda m: "write" not in m.get("name", ""))
    for metric in metrics:
        found = _STAGE_REF.search(str(metric.get("value", "")))
        if found:
            return int(found.group(1))
    return None


def _assign_stages(data: dict[str, Any], stages: dict[int, Any]) -> dict[int, int]:
    """nodeId -> stage id, from metrics, then codegen siblings, then along the plan:
    operators with no task-level metric run in the stage of their input, and those above
    the last shuffle in the job's final (result) stage."""
    nodes = data.get("nodes", [])
    found = {n["nodeId"]: s for n in nodes if (s := _stage_of(n)) is not None}
    by_codegen = {}
    for node in nodes:
        codegen = _CODEGEN.match(node.get("nodeName", ""))
        if codegen and node["nodeId"] in found:
            by_codegen[int(codegen.group(1))] = found[node["nodeId"]]
    for node in nodes:
        if node["nodeId"] not in found and node.get("wholeStageCodegenId") in by_codegen:
            found[node["nodeId"]] = by_codegen[node["wholeStageCodegenId"]]
    names = {n["nodeId"]: n.get("nodeName", "") for n in nodes}
    inputs: dict[int, list[int]] = {}
    for edge in data.get("edges", []):
        inputs.setdefault(edge["toId"], []).append(edge["fromId"])

    def crosses(node_id: int) -> bool:
        return kind_of(names.get(node_id, "")) == "shuffle"

    codegen_nodes = {i for i, name in names.items() if _CODEGEN.match(name)}
    for node_id in sorted(names, reverse=True):  # ids grow from the root: inputs first
        if node_id in found or node_id in codegen_nodes or crosses(node_id):
            continue
        upstream = [found[i] for i in inputs.get(node_id, []) if i in found and not crosses(i)]
        if upstream:
            found[node_id] = upstream[0]
    ran = [i for i, s in stages.items() if s.get("status") != "SKIPPED"]
    consumed = {e["fromId"] for e in data.get("edges", [])}
    stack = [i for i in names if i not in consumed and i not in codegen_nodes]
    while stack and ran:
        node_id = stack.pop()
        if crosses(node_id) or found.setdefault(node_id, max(ran)) != max(ran):
            continue
        stack.extend(inputs.get(node_id, []))
    return found


def _shown(value: str) -> str:
    # "total (min, med, max (stageId: taskId))\n35 ms (15 ms, ...)": the second line says it
    return value.splitlines()[-1].strip()


def _number(text: str | None) -> float | None:
    if not text:
        return None
    digits = text.replace(",", "").split(" ")[0]
    return float(digits) if re.fullmatch(r"\d+(\.\d+)?", digits) else None


def add_executed(dag: Dag, execution: Execution) -> None:
    data = execution.data
    stages = {int(s["stageId"]): s for s in execution.stages}
    stage_of = _assign_stages(data, stages)
    used: set[int] = set()
    for node in data.get("nodes", []):
        if _CODEGEN.match(node.get("nodeName", "")):
            continue  # a codegen cluster, not an operator; its stage went to its members
        metrics = {m["name"]: _shown(str(m["value"])) for m in node.get("metrics", [])}
        description = clean(node.get("desc", node["nodeName"]))
        kind, label, detail, attrs = describe_operator(description, node["nodeName"])
        attrs.update(metrics)
        attrs["operator"] = description
        if node.get("wholeStageCodegenId") is not None:
            attrs["codegen stage"] = str(node["wholeStageCodegenId"])
        rows = _number(metrics.get("number of output rows"))
        stage = stage_of.get(node["nodeId"])
        if stage in stages:
            used.add(stage)
        dag.nodes.append(
            Node(
                f"X:{node['nodeId']}",
                kind,
                label,
                detail[:100],
                {} if rows is None else {"rows": rows},
                attrs,
                f"S:{stage}" if stage in stages else None,
            )
        )
    dag.edges.extend(Edge(f"X:{e['fromId']}", f"X:{e['toId']}") for e in data.get("edges", []))
    for stage_id, info in sorted(stages.items()):
        status = str(info.get("status", "")).lower()
        counts = {name: float(info[key]) for key, name in _STAGE_COUNTS.items() if info.get(key)}
        if stage_id in used:
            attrs = {"name": str(info.get("name", "")), "status": status}
            dag.groups.append(
                Group(
                    f"S:{stage_id}",
                    "stage",
                    f"Stage {stage_id}",
                    f"{status}, {info.get('numTasks', 0)} tasks",
                    counts,
                    attrs,
                    expanded=True,
                )
            )
    skipped = [str(i) for i, s in sorted(stages.items()) if s.get("status") == "SKIPPED"]
    if skipped:
        which = (
            f"Stages {', '.join(skipped)} were" if len(skipped) > 1 else f"Stage {skipped[0]} was"
        )
        dag.notes.append(f"{which} skipped: shuffle output of an earlier run was reused.")
    ran = [s for s in stages.values() if s.get("status") != "SKIPPED"]
    dag.stats.update({"stages": len(ran), "duration ms": float(data.get("duration", 0))})
    dag.stats["tasks"] = float(sum(int(s.get("numTasks", 0)) for s in ran))
    first_line = str(data.get("description", "")).splitlines() or [""]
    dag.title = f"Spark execution {data.get('id')}: {first_line[0][:80]}"
