"""describe() on Dask: rich metadata, no task run, no task graph materialized."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from lazyscope import describe
from lazyscope._errors import LazyscopeError
from tests._laziness import dask_tasks

pytestmark = pytest.mark.dask

XSS = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def frame() -> Any:
    import dask.dataframe as dd

    pdf = pd.DataFrame({"a": np.arange(10_000), XSS: np.ones(10_000), "s": ["x"] * 10_000})
    return dd.from_pandas(pdf, npartitions=8)


def test_the_task_counter_counts_and_the_guard_guards(dask_client: Any, frame: Any) -> None:
    with dask_tasks(dask_client, guard=False) as tasks:
        frame.a.sum().compute()
    assert tasks.n >= 1
    with dask_tasks(dask_client), pytest.raises(AssertionError, match="materialized"):
        frame.__dask_graph__()


def test_dataframe_view_reads_the_expression_tree_only(
    dask_client: Any, frame: Any, ipshell: Any
) -> None:
    joined = frame.merge(frame[["a"]].assign(b=1), on="a").groupby("s").b.sum()
    with dask_tasks(dask_client) as tasks:
        view = describe(frame)
        joined_view = describe(joined)
        shown, _ = ipshell.display_formatter.format(joined)
    assert tasks.n == 0
    assert [(c.name, c.dtype) for c in view.meta.columns][:2] == [("a", "int64"), (XSS, "float64")]
    assert view.meta.partitions == 8
    assert view.meta.divisions_known is True
    assert view.meta.expressions == 1
    assert XSS not in view._repr_mimebundle_()["text/html"]
    meta = joined_view.meta
    assert meta.collection == "Series"
    assert meta.expressions
    assert meta.expressions >= 4
    assert {"Merge", "FromPandas"} <= {item.label for item in meta.plan}
    assert any(s.keys == ("a",) for s in meta.facts.shuffles)  # the merge shuffles on `a`
    assert "application/vnd.lazyscope.describe+json" in shown


def test_set_index_is_described_without_sampling_the_data(dask_client: Any, frame: Any) -> None:
    indexed = frame.set_index("s")
    with dask_tasks(dask_client) as tasks:
        view = describe(indexed)
    assert tasks.n == 0
    assert view.meta.partitions is None
    assert "samples the data" in view.meta.partitions_note
    assert [s.how for s in view.meta.facts.shuffles] == ["SetIndex"]


def test_parquet_source(dask_client: Any, frame: Any, tmp_path: Path) -> None:
    import dask.dataframe as dd

    frame[["a", "s"]].to_parquet(tmp_path / "p")
    df = dd.read_parquet(tmp_path / "p")
    with dask_tasks(dask_client) as tasks:
        view = describe(df[df.a > 5])
    assert tasks.n == 0
    assert any(item.kind == "scan" for item in view.meta.plan)
    assert view.meta.partitions == 8


def test_array_bag_and_delayed(dask_client: Any) -> None:
    import dask
    import dask.array as da
    import dask.bag as db

    array = da.ones((10**5, 10**5), chunks=(5000, 5000)).T.sum(axis=0)
    bag = db.from_sequence(range(100), npartitions=4).map(str)
    value = dask.delayed(sum)([1, 2, 3])
    with dask_tasks(dask_client) as tasks:
        views = [describe(array), describe(bag), describe(value)]
    assert tasks.n == 0
    assert (views[0].meta.shape, views[0].meta.dtype, views[0].meta.partitions) == (
        "(100000,)",
        "float64",
        20,
    )
    assert views[0].meta.size_bytes == 800_000
    assert views[1].meta.partitions == 4
    assert views[2].meta.collection == "Delayed"
    assert all(v.meta.layers for v in views)


def test_a_persisted_collection_whose_client_disconnected(dask_client: Any, frame: Any) -> None:
    from distributed import Client

    own = Client(
        processes=False,
        n_workers=1,
        threads_per_worker=1,
        dashboard_address=":0",
        set_as_default=False,
    )
    try:
        persisted = own.persist(frame)
    finally:
        own.close()
    with pytest.raises(LazyscopeError, match="client that has since disconnected"):
        describe(persisted)
