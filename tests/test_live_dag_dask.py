"""The live DAG on a real Dask LocalCluster: task prefixes as nodes, edges from the
scheduler's task groups, fills that reach the progress summary's totals, failures marked."""

from __future__ import annotations

import json
from typing import Any

import pytest

import lazyscope
from lazyscope.model import schema
from lazyscope.views.dag import MIME_TYPE, DagView

pytestmark = pytest.mark.dask


def fail_on_three(x: int) -> int:
    if x == 3:
        raise ValueError("boom at 3")
    return x


def _nodes(run: Any) -> dict[str, Any]:
    (model,) = run.dags
    return {node.label: node for node in model.nodes}


def test_a_shuffle_fills_every_prefix_to_the_summary_totals(dask_client: Any) -> None:
    import dask.dataframe as dd
    import pandas as pd

    pdf = pd.DataFrame({"k": [i % 7 for i in range(4000)], "v": range(4000)})
    ddf = dd.from_pandas(pdf, npartitions=8)
    with lazyscope.progress("dask", live=False, dag=True) as run:
        got = ddf.shuffle("k").groupby("k").v.sum().compute()
    assert got.sort_index().tolist() == pdf.groupby("k").v.sum().tolist()
    summary, nodes = run.summary, _nodes(run)
    assert summary is not None
    by_prefix = {s.key: s for sec in summary.sections for s in sec.stages}
    assert set(nodes) == set(by_prefix)  # one node per task prefix the summary counts
    for label, node in nodes.items():
        assert node.progress is not None
        assert (node.progress.done, node.progress.total) == (
            by_prefix[label].done,
            by_prefix[label].total,
        )
        assert node.progress.done == node.progress.total
    assert sum(n.progress.total for n in nodes.values()) == summary.total
    assert any(n.kind == "shuffle" for n in nodes.values())
    (model,) = run.dags
    labels = {n.id: n.label for n in model.nodes}
    edges = {(labels[e.source], labels[e.target]) for e in model.edges}
    scan = next(label for label in nodes if nodes[label].kind == "scan")
    assert any(a == scan for a, _ in edges)  # data flows out of the scan...
    assert all(b != scan for _, b in edges)  # ...and nothing flows into it
    assert model.stats["compute s"] > 0
    assert sum(n.counts["s"] for n in model.nodes) == pytest.approx(model.stats["compute s"], 0.01)


def test_the_executed_dag_is_a_valid_payload_with_an_svg_and_text(dask_client: Any) -> None:
    import dask.array as da
    import jsonschema

    with lazyscope.progress("dask", live=False, dag=True) as run:
        da.ones((400, 400), chunks=100).sum().compute()
    (model,) = run.dags
    bundle = DagView(model)._repr_mimebundle_()
    jsonschema.validate(json.loads(json.dumps(bundle[MIME_TYPE])), schema())
    svg = bundle["image/svg+xml"]
    assert "16/16 tasks" in svg  # ones and sum, fused into one prefix
    assert 'class="lzd-done"' in svg
    assert "[aggregate] sum (" in bundle["text/plain"]


def test_a_failing_task_marks_its_node(dask_client: Any) -> None:
    run = lazyscope.progress("dask", live=False, dag=True)
    with pytest.raises(ValueError, match="boom at 3"), run:
        dask_client.gather(dask_client.map(fail_on_three, range(6)))
    node = _nodes(run)["fail_on_three"]
    assert node.progress is not None
    assert node.progress.failed == 1
    (model,) = run.dags
    marked = [model.findings[i] for i in node.findings]
    assert any(f["rule"] == "failed" and "1 task(s) failed" in f["message"] for f in marked)
    assert "1 failed" in DagView(model)._repr_mimebundle_()["image/svg+xml"]


def test_without_dag_nothing_is_drawn(dask_client: Any) -> None:
    with lazyscope.progress("dask", live=False) as run:
        dask_client.submit(sum, [1, 2]).result()
    assert run.dags == []


def run_magic_cell(shell: Any, source: str) -> tuple[Any, list[dict[str, Any]], str]:
    """Run a cell; its result, the bundles it displayed, and its stderr."""
    from IPython.utils.capture import capture_output

    formatter = shell.display_formatter
    before = formatter.active_types
    formatter.active_types = [MIME_TYPE, "image/svg+xml", "text/html", "text/plain"]
    try:
        with capture_output() as captured:
            result = shell.run_cell(source)
    finally:
        formatter.active_types = before
    return result, [out.data for out in captured.outputs], captured.stderr


def test_the_dask_magic_leaves_the_summary_and_the_executed_dag(
    ipshell: Any, dask_engine: Any
) -> None:
    ipshell.push(dask_engine.namespace())
    cell = "%%dask --dag live\nimport dask.array as da\nda.ones(100, chunks=10).sum().compute()"
    result, shown, stderr = run_magic_cell(ipshell, cell)
    assert result.error_in_exec is None
    assert result.result == 100  # the cell's value, not its DAG
    assert stderr == ""
    dags = [b[MIME_TYPE] for b in shown if MIME_TYPE in b]
    assert len(dags) == 1
    assert dags[0]["level"] == "executed"
    fills = {n["label"]: n["progress"] for n in dags[0]["nodes"]}
    assert fills["sum"]["done"] == 10  # ones and sum, fused: one task per chunk
    assert all(p["done"] == p["total"] for p in fills.values())
    assert any("lazyscope-progress-summary" in b.get("text/html", "") for b in shown)


def test_dag_executed_shows_the_run_that_computed_a_collection(dask_client: Any) -> None:
    import dask.dataframe as dd
    import pandas as pd

    from lazyscope._errors import LazyscopeError

    pdf = pd.DataFrame({"k": [i % 3 for i in range(900)], "v": range(900)})
    ddf = dd.from_pandas(pdf, npartitions=3).groupby("k").v.sum()
    with pytest.raises(LazyscopeError, match="No run of this collection was seen"):
        lazyscope.dag(ddf, level="executed")
    with lazyscope.progress("dask", live=False) as run:  # no dag=True: the run is kept anyway
        ddf.compute()
    with lazyscope.progress("dask", live=False):
        dask_client.submit(sum, [1, 2]).result()  # a later, unrelated run
    model = lazyscope.dag(ddf, level="executed").model
    assert model.level == "executed"
    summary = run.summary
    assert summary is not None
    assert sum(n.progress.total for n in model.nodes if n.progress) == summary.total
    assert any(note.startswith("Matched to the newest watched run") for note in model.notes)
