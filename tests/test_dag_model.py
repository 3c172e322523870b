"""The DAG model, its JSON schema, the static SVG and the text form (no engine needed)."""

from __future__ import annotations

import itertools
import subprocess
import sys
from xml.etree import ElementTree

import jsonschema
import pandas as pd
import pytest

from lazyscope._errors import LazyscopeError
from lazyscope.model import SLOWEST, Dag, Edge, Group, Node, schema
from lazyscope.views._dag_layout import layout
from lazyscope.views._dag_svg import render_svg
from lazyscope.views.dag import MIME_TYPE, DagView, dag

XSS = "<script>alert('x')</script> & \x00\x07"


def _sample() -> Dag:
    """scan -> (group of 3 tasks) -> aggregate, plus an expanded stage with two members."""
    model = Dag("dask", "layers", title=f"title {XSS}", notes=[f"note {XSS}"])
    model.nodes += [
        Node("scan", "scan", f"read {XSS}", detail=XSS, counts={"tasks": 3}),
        Node("agg", "aggregate", "sum", counts={"tasks": 1}, attrs={XSS: XSS}),
        *(Node(f"t{i}", "task", "chunk", str(i), group="chunks") for i in range(3)),
        Node("s1", "filter", "Filter", group="stage"),
        Node("s2", "project", "Project", group="stage"),
    ]
    model.groups += [
        Group("chunks", "map", "chunk", counts={"tasks": 3}),
        Group("stage", "stage", "Stage 1", expanded=True),
    ]
    model.edges += [Edge("scan", f"t{i}") for i in range(3)]
    model.edges += [Edge(f"t{i}", "agg") for i in range(3)]
    model.edges += [Edge("agg", "stage"), Edge("s1", "s2")]
    model.stats = {"tasks": 7}
    return model


def test_visible_maps_collapsed_groups_and_expanded_group_endpoints() -> None:
    shown, edges = _sample().visible()
    assert [item.id for item in shown] == ["chunks", "scan", "agg", "s1", "s2"]
    pairs = {(e.source, e.target) for e in edges}
    # three task edges collapse into one per direction; the stage is entered at s1 only
    assert pairs == {("scan", "chunks"), ("chunks", "agg"), ("agg", "s1"), ("s1", "s2")}


def test_bundle_is_valid_json_schema_and_svg_escapes_everything() -> None:
    bundle = DagView(_sample())._repr_mimebundle_()
    assert set(bundle) == {MIME_TYPE, "image/svg+xml", "text/plain"}
    jsonschema.validate(bundle[MIME_TYPE], schema())
    svg = bundle["image/svg+xml"]
    root = ElementTree.fromstring(svg)  # well-formed XML, control characters dropped
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert "<script" not in svg
    assert "&lt;script&gt;" in svg
    texts = " ".join(t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}text"))
    assert "read <script>" in texts  # shown as text, not markup
    assert "3 tasks" in texts
    assert "Stage 1" in texts  # members of an expanded group carry its name


def test_schema_rejects_a_bad_payload() -> None:
    payload = _sample().to_json()
    payload["nodes"][0]["kind"] = "teleport"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(payload, schema())


def test_text_form_lists_nodes_with_inputs_and_notes() -> None:
    text = repr(DagView(_sample()))
    assert text.splitlines()[0].startswith("title")
    assert "[aggregate] sum (1 task)  <- chunk" in text
    assert "note: note" in text


def test_layout_layers_follow_edges_and_rows_do_not_overlap() -> None:
    sizes = dict.fromkeys("abcdef", (100.0, 40.0))
    edges = [("a", "b"), ("a", "c"), ("b", "d"), ("c", "d"), ("a", "d"), ("e", "f"), ("f", "e")]
    placed = layout(sizes, edges)
    y = {n: box[1] for n, box in placed.boxes.items()}
    assert y["a"] < y["b"] == y["c"] < y["d"]
    assert y["e"] != y["f"]  # the cycle was broken, not looped forever
    rows: dict[float, list[tuple[float, float, float, float]]] = {}
    for box in placed.boxes.values():
        rows.setdefault(box[1], []).append(box)
    for row in rows.values():
        row.sort()
        assert all(a[0] + a[2] <= b[0] for a, b in itertools.pairwise(row))
    long_edge = next(p for s, t, p in placed.paths if (s, t) == ("a", "d"))
    assert len(long_edge) == 3  # routed through one dummy point in the middle layer


def test_findings_highlight_nodes_in_svg() -> None:
    model = _sample()
    model.findings.append(
        {"rule": "r", "severity": "warning", "message": f"m {XSS}", "nodes": ["t1"]}
    )
    model.nodes[3].findings.append(0)  # t1, inside the collapsed group
    svg = render_svg(model)
    ElementTree.fromstring(svg)
    assert "⚠ chunk" in svg  # the collapsed group carries its member's finding


def test_the_slowest_stage_is_named_under_the_svg_title_without_a_marked_node() -> None:
    model = _sample()
    words = f"stage 1 took 80% of the executors' run time {XSS}"
    model.findings.append({"rule": SLOWEST, "severity": "info", "message": words, "nodes": []})
    root = ElementTree.fromstring(render_svg(model))
    texts = ["".join(t.itertext()) for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert texts[0].startswith("title <script>")
    assert texts[1] == "◆ " + words.replace("\x00", "").replace("\x07", "")
    assert not any(t.startswith("◆ ") for t in texts[2:])  # no node marked
    graph = root.find("{http://www.w3.org/2000/svg}g")
    assert graph is not None
    assert graph.get("transform") == "translate(12.0,50.0)"  # below the added line


@pytest.mark.parametrize(
    ("value", "message"),
    [(42, "got int"), (pd.DataFrame({"a": [1]}), "pandas DataFrame has no DAG")],
)
def test_dag_of_something_else_is_a_clear_error(value: object, message: str) -> None:
    with pytest.raises(LazyscopeError, match=message):
        dag(value)


def test_nbconvert_shows_the_static_svg() -> None:
    import nbformat
    from nbconvert import HTMLExporter

    notebook = nbformat.v4.new_notebook()
    bundle = DagView(_sample())._repr_mimebundle_()
    cell = nbformat.v4.new_code_cell("lazyscope.dag(x)")
    cell.outputs = [nbformat.v4.new_output("display_data", data=bundle)]
    notebook.cells.append(cell)
    html, _ = HTMLExporter().from_notebook_node(notebook)
    # the SVG fallback is what shows where there is no lab extension (an <img> here)
    assert 'src="data:image/svg+xml;base64,' in html
    assert "<script>alert" not in html


def test_public_name_imports_no_engine() -> None:
    code = (
        "import sys, lazyscope; lazyscope.dag; "
        "print(sorted(m for m in ('pyspark', 'dask') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
