"""A DAG is laid out once, in the kernel: the lab's payload carries the positions, and the
SVG fallback and the live view draw exactly those.

The shared fixtures under tests/fixtures/frontend/dag_layout/ hold payloads made here
with what the kernel draws of them; labextension/dagLayout.test.ts checks that the lab
draws the same boxes, frames and edges, and shows the nodes and edges `Dag.visible()`
says for every group opened or closed. Rewrite them after a deliberate layout change with
`python -m tests.test_dag_layout_once`.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import jsonschema
import pytest

import lazyscope
from lazyscope.model import Dag, Edge, Group, Node, NodeProgress, schema
from lazyscope.views._dag_live import LiveDag
from lazyscope.views._progress_widget import ProgressWidget
from lazyscope.views.dag import MIME_TYPE, DagView

FIXTURES = Path(__file__).parent / "fixtures" / "frontend" / "dag_layout"
SVG = "{http://www.w3.org/2000/svg}"


def _groups() -> Dag:
    """A closed group of three tasks, an open stage, a long edge and a finding."""
    model = Dag("dask", "layers", title="groups")
    model.nodes += [
        Node("scan", "scan", "read-parquet", counts={"tasks": 3}),
        Node("agg", "aggregate", "sum", counts={"tasks": 1}, findings=[0]),
        *(Node(f"t{i}", "task", "chunk", str(i), group="chunks") for i in range(3)),
        Node("s1", "filter", "Filter", group="stage"),
        Node("s2", "project", "Project", group="stage"),
        Node("out", "write", "to_parquet"),
    ]
    model.groups += [
        Group("chunks", "map", "chunk", counts={"tasks": 3}),
        Group("stage", "stage", "Stage 1", expanded=True),
    ]
    model.edges += [Edge("scan", f"t{i}") for i in range(3)]
    model.edges += [Edge(f"t{i}", "agg") for i in range(3)]
    model.edges += [Edge("agg", "stage"), Edge("s1", "s2"), Edge("s2", "out")]
    model.edges += [Edge("scan", "out")]  # through three rows: bends at dummy points
    model.findings.append({"rule": "r", "severity": "warning", "message": "m", "nodes": ["agg"]})
    return model


def _stages() -> Dag:
    """A Spark-like executed plan: two stages drawn open, an exchange between them (the
    saved notebook of tests/ui/tests/dag.spec.ts)."""
    model = Dag("spark", "executed", title="Spark execution 3: collect at cell 2")
    model.nodes += [
        Node("X:4", "scan", "Range", counts={"rows": 1000}, group="S:0"),
        Node("X:3", "aggregate", "HashAggregate", detail="partial", group="S:0"),
        Node("X:2", "shuffle", "Exchange", detail="hashpartitioning(k, 4)", findings=[0]),
        Node("X:1", "aggregate", "HashAggregate", counts={"rows": 10}, group="S:1"),
    ]
    model.edges += [Edge("X:4", "X:3"), Edge("X:3", "X:2"), Edge("X:2", "X:1")]
    model.groups += [
        Group("S:0", "stage", "Stage 0", "complete, 2 tasks", expanded=True),
        Group("S:1", "stage", "Stage 1", "complete, 4 tasks", expanded=True),
    ]
    model.findings.append(
        {"rule": "shuffle", "severity": "info", "message": "Shuffle on k", "nodes": ["X:2"]}
    )
    return model


def _wide() -> Dag:
    """Two closed groups side by side in a row of five, nodes with task bars, edges
    that name a group (a Dask layer too big to list), a member-less group."""
    model = Dag("dask", "executed", title="wide")
    model.nodes += [Node("src", "scan", "from_pandas", progress=NodeProgress(8, 8))]
    for name, size in (("a", 6), ("b", 2)):
        model.groups.append(Group(name, "map", f"{name}-layer", counts={"tasks": size}))
        model.nodes += [
            Node(f"{name}{i}", "task", f"{name}-layer", str(i), group=name) for i in range(size)
        ]
        model.edges += [Edge("src", f"{name}{i}") for i in range(size)]
    model.nodes += [
        Node("c", "map", "c-layer", progress=NodeProgress(40, 12, 3, 1)),
        Node("d", "filter", "d"),
        Node("e", "filter", "e"),
        Node("sink", "aggregate", "tree-reduce", progress=NodeProgress(1, 0, 1)),
    ]
    model.groups.append(Group("big", "shuffle", "shuffle-big", counts={"tasks": 10_000}))
    model.edges += [Edge("src", x) for x in ("c", "d", "e")]
    model.edges += [Edge("a", "big"), Edge("b", "big"), Edge("c", "big"), Edge("a1", "a4")]
    model.edges += [Edge("big", "sink"), Edge("d", "sink"), Edge("e", "sink")]
    return model


BUILDERS: dict[str, Callable[[], Dag]] = {"groups": _groups, "stages": _stages, "wide": _wide}


def _visible(model: Dag) -> dict[str, Any]:
    shown, edges = model.visible()
    return {
        "nodes": sorted(item.id for item in shown),
        "edges": sorted([e.source, e.target] for e in edges),
    }


def fixture(name: str) -> dict[str, Any]:
    """What the kernel makes of one DAG: the payload, the drawing, the visible rule."""
    model = BUILDERS[name]()
    payload = json.loads(json.dumps(DagView(model).to_json()))
    svg = DagView(model)._repr_mimebundle_()["image/svg+xml"]
    toggled = {}
    for group in model.groups:
        group.expanded = not group.expanded
        toggled[group.id] = _visible(model)
        group.expanded = not group.expanded
    return {
        "about": (
            "Made by tests/test_dag_layout_once.py (python -m tests.test_dag_layout_once "
            "rewrites it); read by it and by labextension/dagLayout.test.ts. 'drawn' is "
            "what the kernel's SVG ('svg') draws of 'payload'; 'visible' and 'toggled' are "
            "Dag.visible() with the groups as first shown and with one group opened or closed."
        ),
        "payload": payload,
        "svg": svg,
        "drawn": _svg_drawing(svg),
        "visible": _visible(model),
        "toggled": toggled,
    }


def _numbers(element: ElementTree.Element, *names: str) -> list[float]:
    return [float(element.get(name, "nan")) for name in names]


def _svg_drawing(svg: str) -> dict[str, Any]:
    """The boxes, frames and edge points the SVG draws, read back from its elements."""
    root = ElementTree.fromstring(svg)
    graph = root.find(f"{SVG}g")
    assert graph is not None
    boxes, frames = {}, {}
    for g in graph.iter(f"{SVG}g"):
        shape = next((r for r in g.iter(f"{SVG}rect") if r.get("class") == "lzd-shape"), None)
        if g.get("data-id") is not None and shape is not None:
            boxes[g.get("data-id")] = _numbers(shape, "x", "y", "width", "height")
        frame = next((r for r in g.iter(f"{SVG}rect") if r.get("class") == "lzd-frame"), None)
        if g.get("data-group") is not None and frame is not None:
            frames[g.get("data-group")] = _numbers(frame, "x", "y", "width", "height")
    paths = [
        [[float(x), float(y)] for x, y in re.findall(r"[ML](-?[\d.]+),(-?[\d.]+)", p.get("d", ""))]
        for p in graph.iter(f"{SVG}path")
    ]
    return {"boxes": boxes, "frames": frames, "paths": sorted(paths)}


def _from_json(layout: dict[str, Any]) -> dict[str, Any]:
    """The positions the lab's payload carries for the groups as first shown, at the
    0.1 px the SVG is written with."""

    def r(values: list[float]) -> list[float]:
        return [round(v + 0.0, 1) for v in values]

    boxes, frames, paths = {}, {}, []
    for ident, item in layout["items"].items():
        x, y, w, h = item["box"]
        if not item.get("open"):
            boxes[ident] = r([x, y, w, h])
            continue
        frames[ident] = r([x, y, w, h])
        for member, (mx, my, mw, mh) in item["frame"]["nodes"].items():
            boxes[member] = r([x + mx, y + my, mw, mh])
        paths += [[r([x + px, y + py]) for px, py in e["points"]] for e in item["frame"]["edges"]]
    for edge in layout["edges"]:
        source, target = layout["items"][edge["source"]], layout["items"][edge["target"]]
        for start in edge["from"] if source.get("open") else [edge["source"]]:
            for stop in edge["to"] if target.get("open") else [edge["target"]]:
                sx, sy, sw, sh = boxes[start]
                tx, ty, tw, _ = boxes[stop]
                via = [r(layout["points"][n]) for n in edge["via"]]
                paths.append([r([sx + sw / 2, sy + sh]), *via, r([tx + tw / 2, ty])])
    return {"boxes": boxes, "frames": frames, "paths": sorted(paths)}


def _assert_same_positions(payload: dict[str, Any], svg: str) -> None:
    drawn, carried = _svg_drawing(svg), _from_json(payload["layout"])
    assert drawn["boxes"] == carried["boxes"]
    assert drawn["frames"] == carried["frames"]
    # Edge ends are sums of positions, so each side rounds them once: within 0.1 px.
    assert [len(p) for p in drawn["paths"]] == [len(p) for p in carried["paths"]]
    ours = [v for path in drawn["paths"] for point in path for v in point]
    theirs = [v for path in carried["paths"] for point in path for v in point]
    assert ours == pytest.approx(theirs, abs=0.11)


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_the_svg_draws_the_positions_the_lab_payload_carries(name: str) -> None:
    bundle = DagView(BUILDERS[name]())._repr_mimebundle_()
    jsonschema.validate(bundle[MIME_TYPE], schema())
    _assert_same_positions(bundle[MIME_TYPE], bundle["image/svg+xml"])


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_the_drawing_shows_what_the_visible_rule_says(name: str) -> None:
    model = BUILDERS[name]()
    drawn = _svg_drawing(DagView(model)._repr_mimebundle_()["image/svg+xml"])
    shown, _edges = model.visible()
    assert sorted(drawn["boxes"]) == sorted(item.id for item in shown)
    assert len(drawn["paths"]) == len(_edges)


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_the_shared_fixtures_are_what_the_kernel_makes_today(name: str) -> None:
    saved = json.loads((FIXTURES / f"{name}.json").read_text("utf-8"))
    assert saved == fixture(name), "rewrite with: python -m tests.test_dag_layout_once"


def test_the_live_view_draws_the_positions_of_the_lab_payload() -> None:
    model = _wide()
    widget = ProgressWidget(title="live")
    LiveDag().update(widget, [model])
    _assert_same_positions(DagView(model).to_json(), widget.dags[0])


@pytest.mark.dask
def test_a_real_dask_graph_is_drawn_at_the_same_positions_everywhere(dask_client: Any) -> None:
    import dask.array as da

    bundle = lazyscope.dag((da.ones(40, chunks=10) + 1).sum())._repr_mimebundle_()
    payload = bundle[MIME_TYPE]
    assert any("frame" in item for item in payload["layout"]["items"].values())  # a group
    _assert_same_positions(payload, bundle["image/svg+xml"])


def test_a_payload_without_layout_is_still_valid_for_old_readers() -> None:
    payload = _stages().to_json()  # the model alone: no positions (the lab shows its SVG)
    jsonschema.validate(payload, schema())
    assert "layout" not in payload


if __name__ == "__main__":  # rewrite the shared fixtures
    FIXTURES.mkdir(parents=True, exist_ok=True)
    for fixture_name in BUILDERS:
        text = json.dumps(fixture(fixture_name), indent=1, ensure_ascii=False) + "\n"
        (FIXTURES / f"{fixture_name}.json").write_text(text, "utf-8")
    sys.exit(0)
