"""lazyscope.plot on Dask: Datashader on the (persisted) Dask DataFrame, on the real cluster."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd
import pytest
from dask.utils import key_split
from distributed import get_task_stream

import lazyscope
from lazyscope._errors import LazyscopeError
from lazyscope.dask._plot import _cancellable
from lazyscope.grids._requests import SupersededError, Token
from tests._plot_categories import CATEGORY_CASES, categories_frame, check_categories, plain
from tests._plot_data import BAD_INPUTS, in_window, points
from tests._plot_names import GRID, check_names, run_plot_cell
from tests._waiting import wait_for

pytestmark = pytest.mark.dask

SMALL = {"width": 40, "height": 30}


@pytest.fixture(scope="module")
def pdf() -> pd.DataFrame:
    return points()


@pytest.fixture(scope="module")
def ddf(dask_client: Any, pdf: pd.DataFrame) -> Any:
    import dask.dataframe as dd

    return dd.from_pandas(pdf, npartitions=4).persist()


def test_total_and_zoom_are_exact(ddf: Any, pdf: pd.DataFrame) -> None:
    p = lazyscope.plot(ddf, "x", "y", **SMALL)
    assert p.aggregate.attrs["engine"] == "dask"
    assert int(p.aggregate.sum()) == len(
        in_window(pdf, (pdf.x.min(), pdf.x.max()), (pdf.y.min(), pdf.y.max()))
    )
    p.zoom((-0.5, 0.75), (0.0, 2.5))
    assert int(p.aggregate.sum()) == len(in_window(pdf, (-0.5, 0.75), (0.0, 2.5)))


@pytest.mark.parametrize(
    ("agg", "value", "by"),
    [
        ("count", None, None),
        ("mean", "v", None),
        ("count", None, "c"),
        ("sum", "v", "c"),
        ("min", "v", None),
        ("max", "v", "c"),
        ("std", "v", None),
        ("std", "v", "c"),
    ],
)
def test_same_grid_as_datashader_on_pandas(
    ddf: Any, pdf: pd.DataFrame, agg: str, value: str | None, by: str | None
) -> None:
    window = {"x_range": (-2.0, 2.0), "y_range": (-3.0, 5.0)}
    on_dask = lazyscope.plot(
        ddf, "x", "y", agg=agg, value=value, by=by, **SMALL, **window
    ).aggregate
    on_pandas = lazyscope.plot(
        pdf, "x", "y", agg=agg, value=value, by=by, **SMALL, **window
    ).aggregate
    assert on_dask.dims == on_pandas.dims
    np.testing.assert_allclose(
        on_dask.values.astype(float), on_pandas.values.astype(float), rtol=1e-12
    )


@pytest.mark.parametrize(
    ("case", "form"),
    [
        *((case, "known") for case in CATEGORY_CASES),
        ("in some partitions", "unknown"),
        ("integers", "plain"),
    ],
)
def test_categories_are_labelled_and_coloured_as_the_rows_say(
    dask_client: Any, case: str, form: str
) -> None:
    # known: the frame's own (unsorted) categories; unknown: each partition's own, built
    # from the values it holds; plain: strings or integers, categories found by a pass.
    import dask.dataframe as dd

    df = categories_frame(case)
    ddf = dd.from_pandas(df if form == "known" else plain(df), npartitions=4)
    if form == "unknown":
        ddf = ddf.astype({"kind": "category"})
    check_categories(ddf, df)


def test_unknown_ranges_cost_one_cached_pass(dask_client: Any, ddf: Any) -> None:
    lazyscope.plot(ddf, "x", "y", **SMALL)  # the extent is now known for this frame
    with get_task_stream() as again:
        p = lazyscope.plot(ddf, "x", "y", **SMALL)
    window = {"x_range": p.aggregate.attrs["x_range"], "y_range": p.aggregate.attrs["y_range"]}
    with get_task_stream() as given:
        lazyscope.plot(ddf, "x", "y", **SMALL, **window)
    assert len(again.data) == len(given.data)


@pytest.mark.parametrize(("kwargs", "words"), BAD_INPUTS[:2] + BAD_INPUTS[4:6])
def test_bad_input_is_one_clear_error(
    ddf: Any, kwargs: dict[str, object], words: list[str]
) -> None:
    with pytest.raises(LazyscopeError) as info:
        lazyscope.plot(ddf, **{"x": "x", "y": "y", **SMALL, **kwargs})
    for word in words:
        assert word in str(info.value)


def test_empty_frame_and_all_nan_column(ddf: Any) -> None:
    with pytest.raises(LazyscopeError, match="no rows"):
        lazyscope.plot(ddf[ddf.x > 1e9], "x", "y", **SMALL)
    with pytest.raises(LazyscopeError, match="'nan' has only missing"):
        lazyscope.plot(ddf, "nan", "y", **SMALL)


def test_a_newer_request_cancels_the_running_computation(dask_client: Any) -> None:
    """The request's futures are cancelled on the cluster: the gather ends at once."""
    import dask

    slow = dask.delayed(time.sleep)(30)
    token = Token()
    outcome: list[BaseException] = []

    def run() -> None:
        with _cancellable(dask_client, token):
            try:
                dask.compute(slow)
            except BaseException as exc:
                outcome.append(exc)

    thread = threading.Thread(target=run)
    started = time.monotonic()
    thread.start()
    time.sleep(1.0)  # the sleep task is running on a worker now
    token.cancel()
    thread.join(10)
    assert not thread.is_alive()
    assert time.monotonic() - started < 10
    assert len(outcome) == 1
    assert isinstance(outcome[0], SupersededError)


def test_a_plot_keeps_nothing_on_the_cluster(dask_client: Any, ddf: Any) -> None:
    """Finished requests release their futures at once (not at the next cyclic GC), so
    grids do not pile up in the workers' memory."""
    import gc

    def held() -> list[str]:
        return [str(k) for k in dask_client.refcount if str(k).startswith(("states-", "merged-"))]

    gc.disable()  # with the cyclic GC off, only a prompt release can empty the refcounts
    try:
        p = lazyscope.plot(ddf, "x", "y", **SMALL)
        p.zoom((-0.5, 0.75), (0.0, 2.5))
        # A released Future's refcount drops on the client's event loop, not at once.
        wait_for(lambda: not held(), timeout=10)
        left = held()
    finally:
        gc.enable()
    assert int(p.aggregate.sum()) > 0
    assert left == []


def test_zooms_skip_partitions_outside_the_window(dask_client: Any, pdf: pd.DataFrame) -> None:
    """Data sorted by x: the extent pass keeps each partition's box, and a zoom runs Datashader
    only on the partitions that reach the window - with the same exact counts."""
    import dask.dataframe as dd

    ordered = pdf.sort_values("x", na_position="first").reset_index(drop=True)
    sorted_ddf = dd.from_pandas(ordered, npartitions=8, sort=False).persist()
    p = lazyscope.plot(sorted_ddf, "x", "y", **SMALL)
    boxes = p.backend._cached()[("boxes", "x", "y")]
    window = ((float(boxes[3][0]), float(boxes[3][1])), (-10.0, 10.0))  # inside partition 3
    with get_task_stream() as zoomed:
        p.zoom(*window)
    grid = [t for t in zoomed.data if key_split(t["key"]).startswith("lazyscope.plot: 40")]
    partitions = len(grid) - (len(grid) > 1)  # one task each, and one merge of two or more
    assert 1 <= partitions <= 3  # its own partition and any neighbour sharing an edge value
    assert int(p.aggregate.sum()) == len(in_window(pdf, *window))
    with get_task_stream() as outside:
        p.zoom((100.0, 200.0), (0.0, 1.0))
    assert outside.data == []
    assert int(p.aggregate.sum()) == 0


@pytest.fixture(scope="module")
def fresh_dask() -> Iterator[Any]:
    """A Dask cluster of its own (in process, one worker): the worker warm-ups, which run
    once per cluster, run here again, so their names are checked too."""
    from distributed import Client, LocalCluster

    with (
        LocalCluster(
            n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None
        ) as cluster,
        Client(cluster, set_as_default=False) as client,
    ):
        yield client


def test_progress_names_the_work_of_a_plot_and_a_histogram(ipshell: Any, fresh_dask: Any) -> None:
    import dask.dataframe as dd

    from lazyscope.dask._progress import DaskProgress
    from lazyscope.views.progress import ProgressRun

    frame = dd.from_pandas(plain(categories_frame("unsorted")), npartitions=3)
    frame = frame.astype({"kind": "category"})  # unknown categories: a pass finds them
    run = run_plot_cell(
        ipshell,
        "client.as_current(), ProgressRun([DaskProgress(client)], live=False)",
        client=fresh_dask,
        frame=frame,
        ProgressRun=ProgressRun,
        DaskProgress=DaskProgress,
    )
    check_names(
        run,
        [
            "lazyscope.plot: x/y ranges and categories of kind at cell line 2",
            f"lazyscope.plot: {GRID} at cell line 2",
            "lazyscope.hist: range of y at cell line 3",
            "lazyscope.hist: 12 bins of y at cell line 3",
        ],
    )


def test_the_functions_shipped_to_workers_need_no_lazyscope() -> None:
    """Workers run our per-partition functions without lazyscope installed: they unpickle
    and run in a Python that cannot import it."""
    import subprocess
    import sys

    import cloudpickle

    from lazyscope.dask import _hist as _dask_hist
    from lazyscope.dask import _plot_grid as _dask_grid
    from lazyscope.dask import _plot_scan as _dask_scan
    from lazyscope.grids import _partials
    from lazyscope.grids._spec import Spec, View

    cloudpickle.register_pickle_by_value(_partials)  # as dask_states does
    spec = Spec("x", "y", "count", None, "kind")
    shipped = {
        "scan": _dask_scan._scanner(("x", "y"), "kind", 65),
        "range": _dask_hist._ranger(),
        "counts": _dask_hist._counter(4, (0.0, 1.0)),
        "added": _dask_hist._adder(),
        "states": _dask_grid.partition_states(spec, View((0.0, 1.0), (0.0, 1.0), 4, 3), ("a", "b")),
        "merged": _dask_grid._merger("count"),
    }
    worker = (
        "import pickle, sys\n"
        "import pandas as pd\n"
        "sys.modules['lazyscope'] = None  # import lazyscope fails\n"
        "f = pickle.loads(sys.stdin.buffer.read())\n"
        "df = pd.DataFrame({'x': [0.1, 0.5, 0.9], 'y': [0.2, 0.4, 0.6], 'kind': ['b', 'a', 'b']})\n"
        "counts = f['counts'](df.x)\n"
        "print(f['scan'](df), f['range'](df.x), f['added'](counts, counts).tolist(),\n"
        "      int(f['merged'](f['states'](df), f['states'](df))['n'].sum()))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", worker],
        input=cloudpickle.dumps(shipped),
        capture_output=True,
        check=True,
        timeout=120,
    )
    expected = "([3.0, 0.1, 0.9, 0.2, 0.6], ['b', 'a']) (3.0, 0.1, 0.9) [2, 0, 2, 2] 6"
    assert out.stdout.decode().strip() == expected


def test_rows_without_a_category_are_in_no_layer(dask_client: Any) -> None:
    """As in a groupby (and on Spark): Datashader alone would count them in the last layer."""
    import dask.dataframe as dd

    frame = pd.DataFrame({"x": np.linspace(0, 1, 8), "y": np.linspace(0, 1, 8)})
    frame["k"] = ["a", "b", None, "b", "a", None, "b", "b"]
    ddf = dd.from_pandas(frame, npartitions=2)
    counts = lazyscope.plot(ddf, "x", "y", by="k", width=4, height=4).aggregate.sum(dim=("x", "y"))
    assert counts.values.tolist() == frame.groupby("k").size().tolist() == [2, 4]
