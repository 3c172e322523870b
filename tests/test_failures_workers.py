"""Dask workers stay alive through lazyscope's own work on them, and that work is named
in the user's words. Real LocalClusters (worker processes) and a real kernel."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

import lazyscope
from tests._kernel import Kernel, lazyscope_kernel

pytestmark = pytest.mark.dask

PLOT_BY_CATEGORY = """
import numpy as np, pandas as pd, dask.dataframe as dd, lazyscope
rows = 20_000
kinds = pd.Categorical(np.random.default_rng(0).choice(["a", "b", "c"], rows))
frame = pd.DataFrame({"x": np.arange(rows) / rows, "y": np.ones(rows), "k": kinds})
plot = lazyscope.plot(dd.from_pandas(frame, npartitions=8), "x", "y", by="k")
"""
WORKERS = "len(client.scheduler_info()['workers']), client.submit(sum, [1, 2]).result(60)"


@pytest.fixture
def kernel() -> Iterator[Kernel]:
    with lazyscope_kernel() as kernel:
        yield kernel


@pytest.mark.kernel
@pytest.mark.slow
def test_a_fresh_worker_with_two_threads_survives_the_first_plot(kernel: Kernel) -> None:
    """The worker imported Datashader in a task thread while unpickling the plot's tasks
    on its event loop: the two imports of pandas met Python's import-deadlock guard, the
    worker died ("partially initialized module 'pandas.core.frame'") and the plot waited
    for ever. With two threads per worker it happened on every first plot."""
    assert "workers" in kernel.run("%dask start --workers 1 --threads 2")
    shown = kernel.run(PLOT_BY_CATEGORY + "int(plot.aggregate.sum())", timeout=240)
    assert shown.strip() == "20000"  # every row counted, under its category
    assert kernel.run(WORKERS, timeout=90).strip() == "(1, 3)"


def test_warm_up_tasks_are_named_for_the_user(dask_client: Any) -> None:
    import dask.dataframe as dd
    import numpy as np
    import pandas as pd

    # Column names and dtypes of their own: this schema's warm-up has not run yet.
    frame = pd.DataFrame({"warm_x": np.arange(100, dtype="float32"), "warm_y": np.ones(100)})
    with lazyscope.progress("dask", live=False) as run:
        lazyscope.plot(dd.from_pandas(frame, npartitions=2), "warm_x", "warm_y").aggregate  # noqa: B018
    assert run.summary is not None
    labels = {stage.label for sec in run.summary.sections for stage in sec.stages}
    assert "lazyscope.plot: worker warm-up" in labels
    assert not {"import_module", "quietly", "_quietly"} & labels
