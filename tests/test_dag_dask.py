"""dag() on real Dask collections: expression trees, layers with task counts, expandable
small layers, prefix merging, and no task run (counted on the shared cluster)."""

from __future__ import annotations

import time
from typing import Any

import jsonschema
import numpy as np
import pandas as pd
import pytest

from lazyscope import dag
from lazyscope._errors import LazyscopeError
from lazyscope.model import schema
from lazyscope.views.dag import MIME_TYPE
from tests._laziness import dask_tasks

pytestmark = pytest.mark.dask


@pytest.fixture(scope="module")
def frame() -> Any:
    import dask.dataframe as dd

    pdf = pd.DataFrame({"a": np.arange(1000), "b": np.arange(1000) % 7})
    return dd.from_pandas(pdf, npartitions=4)


def _labels(view: Any) -> set[str]:
    return {n.label for n in view.model.nodes} | {g.label for g in view.model.groups}


def test_dataframe_levels_show_the_expression_tree_without_running(
    dask_client: Any, frame: Any
) -> None:
    query = frame[frame.a > 3].groupby("b").a.sum()
    with dask_tasks(dask_client) as tasks:
        logical = dag(query, "logical")
        optimized = dag(query)  # auto: the optimized expression tree
        layers = dag(query, "layers")
        every = dag(query, "tasks")
    assert tasks.n == 0
    assert {"FromPandas", "Filter", "GT", "Sum"} <= _labels(logical)
    assert optimized.model.level == "optimized"
    fused = next(g for g in optimized.model.groups if g.label == "Fused")
    members = [n.label for n in optimized.model.nodes if n.group == fused.id]
    assert "Filter" in members  # the fused block expands to the operations it fused
    assert {"FromPandas", "TreeReduce"} <= _labels(optimized)
    scan = next(n for n in optimized.model.nodes if n.label == "FromPandas")
    assert (scan.kind, scan.counts) == ("scan", {"partitions": 4})
    # layers: each 4-partition layer is a group of its 4 tasks, linked task to task
    tasks_of = {
        g.label: [n for n in layers.model.nodes if n.group == g.id] for g in layers.model.groups
    }
    assert len(tasks_of["FromPandas"]) == 4
    task_ids = {n.id for n in layers.model.nodes if n.kind == "task"}
    assert any(e.source in task_ids and e.target in task_ids for e in layers.model.edges)
    assert all(g.expanded for g in every.model.groups)
    for view in (logical, optimized, layers, every):
        jsonschema.validate(view._repr_mimebundle_()[MIME_TYPE], schema())


def test_set_index_without_divisions_is_shown_without_sampling(dask_client: Any) -> None:
    import dask.dataframe as dd

    unsorted = dd.from_pandas(
        pd.DataFrame({"x": np.random.default_rng(0).random(500)}), 5, sort=False
    )
    indexed = unsorted.set_index("x")
    with dask_tasks(dask_client) as tasks:
        view = dag(indexed)
        with pytest.raises(LazyscopeError, match="divisions"):
            dag(indexed, "layers")
    assert tasks.n == 0
    assert "SetIndex" in _labels(view)
    assert any("divisions" in note for note in view.model.notes)
    assert next(n for n in view.model.nodes if n.label == "SetIndex").counts == {}


def test_a_million_task_array_is_a_handful_of_nodes_fast(dask_client: Any) -> None:
    import dask.array as da

    big = (da.ones((1000, 1000), chunks=(1, 1)) + 1) * 2
    dag(da.ones(4, chunks=2))  # warm the imports: the benchmark measures the steady state
    with dask_tasks(dask_client) as tasks:
        started = time.perf_counter()
        bundle = dag(big)._repr_mimebundle_()
        elapsed = time.perf_counter() - started
    assert tasks.n == 0
    payload = bundle[MIME_TYPE]
    assert payload["stats"]["tasks"] == 3_000_000
    assert len(payload["nodes"]) == 3
    assert elapsed < 1.0  # the benchmark's target, with the machine's noise on top
    assert "1,000,000 tasks" in bundle["image/svg+xml"]


def test_many_delayed_layers_are_merged_by_key_prefix(dask_client: Any) -> None:
    from dask import delayed

    def load(i: int) -> int:
        return i

    def clean(x: int) -> int:
        return x + 1

    total = delayed(sum)([delayed(clean)(delayed(load)(i)) for i in range(40)])
    with dask_tasks(dask_client) as tasks:
        view = dag(total, max_nodes=20)
        exact = dag(total, max_nodes=200, expand_limit=0)
    assert tasks.n == 0
    shown, edges = view.model.visible()
    counts = {item.label: item.counts for item in shown}
    # a Delayed call's layer holds its inputs' tasks too: tasks are grouped by their own name
    assert counts == {
        "load": {"tasks": 40, "layers": 40},
        "clean": {"tasks": 40, "layers": 40},
        "sum": {"tasks": 1},
    }
    assert {(e.source, e.target) for e in edges} == {("P:load", "P:clean"), ("P:clean", "P:sum")}
    assert len(exact.model.nodes) == 81  # one node per layer when they fit


def test_bags_arrays_and_lists_and_small_layers_expand(dask_client: Any) -> None:
    import dask.array as da
    import dask.bag as db

    bag = db.from_sequence(range(10), npartitions=3).map(lambda v: v + 1).sum()
    array = (da.ones(40, chunks=10) + 1).sum()
    with dask_tasks(dask_client) as tasks:
        view = dag([bag, array])
        with pytest.raises(LazyscopeError, match="at most 5"):
            _tasks_limited(array)
        with pytest.raises(LazyscopeError, match="expression trees"):
            dag(array, "logical")
    assert tasks.n == 0
    assert {"from_sequence", "lambda", "ones_like", "add"} <= _labels(view)
    ones = next(g for g in view.model.groups if g.label == "ones_like")
    assert [n.label for n in view.model.nodes if n.group == ones.id] == ["ones_like"] * 4
    assert view.model.levels == ["layers", "tasks", "executed"]


def _tasks_limited(obj: Any) -> Any:
    from lazyscope.dask._dag import dask_dag

    return dask_dag(obj, "tasks", task_limit=5)


def test_dask_cell_magic_dag_flag(dask_client: Any, ipshell: Any) -> None:
    ipshell.run_cell("import dask.array as da")
    with dask_tasks(dask_client) as tasks:
        shown = ipshell.run_cell_magic("dask", "--dag", "x = da.ones(100, chunks=10)\nx + 1")
    assert tasks.n == 0
    assert shown.model.engine == "dask"
    assert {"ones_like", "add"} <= _labels(shown)
    assert ipshell.user_ns["x"].shape == (100,)  # the cell ran; only the view changed
    with pytest.raises(LazyscopeError, match="--dag only applies"):
        ipshell.run_line_magic("dask", "status --dag")
    with pytest.raises(LazyscopeError, match="got int"):
        ipshell.run_cell_magic("dask", "--dag", "41 + 1")
