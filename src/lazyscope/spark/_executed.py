"""An execution from the Spark UI's REST API as DAG nodes: operators with their metrics,
grouped by the stage that ran them (stage ids appear in task-level metric values, and
operators fused into one WholeStageCodegen share its stage)."""

from __future__ import annotations

import re
from typing import Any

from lazyscope.model import SLOWEST, Dag, Edge, Group, Node, NodeProgress, tidy_call_site

from ._explain import clean
from ._kinds import describe_operator
from ._rest import Execution

__all__ = ["add_executed", "stage_progress"]

_STAGE_REF = re.compile(r"\(stage (\d+)\.\d+: task \d+\)")
_CODEGEN = re.compile(r"^WholeStageCodegen \((\d+)\)$")
_WRITERS = ("Exchange", "ShuffleExchange", "BroadcastExchange")  # operators ending a stage
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
    """nodeId -> stage id. A stage runs one fragment of the plan: the operators between
    shuffles, an exchange's write side with its input. Task-level metric values name the
    stage of some operators ("(stage 3.0: task 7)"; not when the stage had one task), codegen
    siblings share theirs, and every operator of a fragment gets its fragment's stage.
    Fragments still without one take the stages that ran and are not placed yet, the
    deepest fragment the oldest stage (with adaptive execution each runs as its own job)."""
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
    names = {
        n["nodeId"]: n.get("nodeName", "")
        for n in nodes
        if not _CODEGEN.match(n.get("nodeName", ""))
    }
    fragments = _fragments(names, data.get("edges", []))
    placed: set[int] = set()
    unplaced = []
    for members in sorted(fragments, key=max, reverse=True):  # ids grow from the root
        known = [found[i] for i in members if i in found]
        if known:
            stage = max(set(known), key=known.count)
            placed.add(stage)
            found.update({i: stage for i in members if i not in found})
        else:
            unplaced.append(members)
    ran = sorted(i for i, s in stages.items() if s.get("status") != "SKIPPED" and i not in placed)
    for members, stage in zip(unplaced, ran, strict=False):
        found.update(dict.fromkeys(members, stage))
    return found


def _fragments(names: dict[int, str], edges: list[dict[str, Any]]) -> list[list[int]]:
    """The plan cut below each exchange's consumer: what one stage can run."""
    parent = {i: i for i in names}

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for edge in edges:
        source, target = edge["fromId"], edge["toId"]
        if source in parent and target in parent and not names[source].startswith(_WRITERS):
            parent[root(source)] = root(target)
    groups: dict[int, list[int]] = {}
    for node_id in names:
        groups.setdefault(root(node_id), []).append(node_id)
    return list(groups.values())


def _shown(value: str) -> str:
    # "total (min, med, max (stageId: taskId))\n35 ms (15 ms, ...)": the second line says it
    return value.splitlines()[-1].strip()


_DURATION = re.compile(r"^([\d,]+(?:\.\d+)?) (ms|s|m|h)$")  # how the Spark UI writes times
_MS = {"ms": 1.0, "s": 1e3, "m": 6e4, "h": 3.6e6}
# Python UDF timings that are parts of "time to run Python workers": not added twice.
_INSIDE = ("start", "initialize", "execute Python")


def _operator_ms(metrics: dict[str, str]) -> float | None:
    """The time an operator reports itself ("sort time", "time in aggregation build",
    "shuffle write time"...), in ms; None when it reports none."""
    times = [
        _DURATION.match(value.strip())
        for name, value in metrics.items()
        if "time" in name and not any(part in name for part in _INSIDE)
    ]
    found = [float(t.group(1).replace(",", "")) * _MS[t.group(2)] for t in times if t]
    return round(sum(found), 1) if found else None


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
        spent = _operator_ms(metrics)
        stage = stage_of.get(node["nodeId"])
        if stage in stages:
            used.add(stage)
        dag.nodes.append(
            Node(
                f"X:{node['nodeId']}",
                kind,
                label,
                detail[:100],
                {
                    **({} if rows is None else {"rows": rows}),
                    **({} if spent is None else {"ms": spent}),
                },
                attrs,
                f"S:{stage}" if stage in stages else None,
                progress=stage_progress(stages[stage]) if stage in stages else None,
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
    # Seconds under the unit's own name, as node counts carry time ("13.0 s", not "13,014
    # duration ms" in the header).
    seconds = round(float(data.get("duration", 0)) / 1000, 1)
    dag.stats.update({"stages": len(ran), "s": seconds})
    dag.stats["tasks"] = float(sum(int(s.get("numTasks", 0)) for s in ran))
    first_line = str(data.get("description", "")).splitlines() or [""]
    dag.title = f"Spark execution {data.get('id')}: {tidy_call_site(first_line[0])[:80]}"
    _mark_slowest(dag, stages)


def stage_progress(stage: dict[str, Any]) -> NodeProgress:
    """A stage's task counts (REST API field names) as the fill of the nodes it runs."""
    return NodeProgress(
        int(stage.get("numTasks", 0)),
        int(stage.get("numCompleteTasks", 0)),
        int(stage.get("numActiveTasks", 0)),
        int(stage.get("numFailedTasks", 0)),
        stage.get("status") == "SKIPPED",
    )


_SLOWEST_SHARE = 0.3  # a stage with this share of the run time is marked


def _mark_slowest(dag: Dag, stages: dict[int, Any]) -> None:
    """Mark the operators of failed stages, and of the stage that took most of the time."""
    for stage_id, stage in sorted(stages.items()):
        failed = int(stage.get("numFailedTasks") or 0)
        members = [n for n in dag.nodes if n.group == f"S:{stage_id}"]
        if failed and members:
            dag.mark(members, "failed", "warning", f"stage {stage_id}: {failed:,} task(s) failed")
    times = {i: float(s.get("executorRunTime") or 0) for i, s in stages.items()}
    spent = sum(times.values())
    if spent <= 0 or len(times) < 2:
        return
    slowest = max(times, key=lambda i: times[i])
    share = times[slowest] / spent
    members = [n for n in dag.nodes if n.group == f"S:{slowest}"]
    if share >= _SLOWEST_SHARE and members:
        # The stage's operator that reports the most time of its own; if none reports it,
        # the header says which stage and no operator is marked (marking them all said
        # nothing about which one was slow).
        timed = [n for n in members if n.counts.get("ms")]
        marked = [max(timed, key=lambda n: n.counts["ms"])] if timed else []
        message = f"slowest: stage {slowest} took {share:.0%} of the executors' run time"
        if timed:
            message += f", most of it in {marked[0].label} ({marked[0].counts['ms']:,.0f} ms)"
        dag.mark(marked, SLOWEST, "info", message)
