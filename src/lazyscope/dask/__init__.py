"""Everything that knows Dask: the session (`_session`, its workers' preload `_worker`),
metadata (`_meta`, `_graph`, `_common`), DAGs (`_dag` over expressions `_expr_dag` or
high-level graphs `_hlg_dag`, grouped into `_dag_units`), progress (`_progress` through the
scheduler plugin `_plugin`; `_local_progress` for the threaded scheduler), the plot back-end
(`_plot`, its tasks `_plot_tasks`, `_plot_grid`, `_plot_scan`, `_plot_warm`, and `_hist`).
Each builds `lazyscope.model` objects; the engine registry (`lazyscope.engines`), the views,
the plots and the magics reach them through the functions below, so `import lazyscope`
stays light. For a Jupyter server: the cluster it starts (`_cluster`, run by `_cluster_host`)
and the user's Dask Gateway clusters (`_gateway_clusters`; the kernel's are `_gateway`, both
check options with `_gateway_options`). The magics `%dask` and `%%dask` (`_magics`), the
progress sources of a cell (`_sources`) and the settings (`_settings`); found through the
`lazyscope.engines` entry point, its interface is `lazyscope._sessions.EnginePackage`."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable

    import numpy as np

    from lazyscope._clusters import ClusterSource, ManagedCluster
    from lazyscope._errors import LazyscopeError
    from lazyscope._sessions import MagicHost
    from lazyscope.grids._backend import Backend
    from lazyscope.grids._spec import Range, Spec
    from lazyscope.grids._work import Work
    from lazyscope.model import Dag, Meta, ProgressSource

from lazyscope._sessions import StatusWords

__all__ = [
    "ADVICE",
    "COLLECT",
    "DAG_HELP",
    "DAG_OBJECTS",
    "LAZY_TYPES",
    "NAME",
    "OBJECTS",
    "ORDER",
    "SCALE_OUT",
    "SERVER_OPTIONS",
    "SIZE_IS_ESTIMATE",
    "STATUS",
    "TITLES",
    "brief",
    "check",
    "cluster_sources",
    "config",
    "dag",
    "dashboard_on_server",
    "describes",
    "draws",
    "histogram",
    "log",
    "magic",
    "meta",
    "plot_backend",
    "plots",
    "progress_sources",
    "register",
    "server_cluster",
    "server_config",
    "sweep_leftovers",
    "task_error",
    "unregister",
]

NAME = "dask"
ORDER = 20
TITLES = {"dask": "Dask"}
OBJECTS = "a Dask DataFrame, Series, Index, Array, Bag or Delayed"
DAG_OBJECTS = "a Dask collection (DataFrame, Series, Array, Bag, Delayed, or a list of them)"
STATUS = StatusWords(
    start="%dask start, %dask start --gateway or %dask connect tcp://HOST:PORT",
    workers="workers",
    app_id="scheduler id",
)
SIZE_IS_ESTIMATE = False
COLLECT = "compute()"
SCALE_OUT = ("dask.dataframe.from_pandas(df, npartitions=...)", "dd.read_parquet")
SERVER_OPTIONS: frozenset[str] = frozenset()
ADVICE: dict[str, str] = {}  # the advisor's findings on Dask need no words of its own
# `lazyscope.dag`'s help on Dask's levels and options.
DAG_HELP = {
    "level": 'Dask "logical" | "optimized" (DataFrame expressions) | "layers" | "tasks" | '
    '"executed" (the task groups of the newest %%dask cell or progress() block that computed '
    'it, with their tasks, time and bytes) | "auto" (optimized for DataFrames, layers '
    "otherwise).",
    "max_nodes": "Dask graphs with more layers are merged by key prefix.",
    "expand_limit": "Dask layers with at most this many tasks can expand to them.",
}

# The lazy classes the describe view shows in every cell (base classes), by module and name.
_FRAME = ("dask.dataframe.dask_expr._collection", "FrameBase")  # DataFrame, Series, Index
LAZY_TYPES: tuple[tuple[str, str], ...] = (
    _FRAME,
    ("dask.array.core", "Array"),
    ("dask.bag.core", "Bag"),
    ("dask.delayed", "Delayed"),
)
# Graph-based collections (Array, Bag, Delayed); dataframes are expression-based.
_GRAPH_MODULES = ("dask.array", "dask.bag", "dask.delayed")


def describes(obj: Any) -> bool:
    """A Dask DataFrame, Series, Index, Array, Bag or Delayed? By class names alone."""
    classes = {(cls.__module__, cls.__name__) for cls in type(obj).__mro__}
    return _FRAME in classes or any(m.startswith(_GRAPH_MODULES) for m, _ in classes)


def meta(obj: Any) -> Meta:
    """The metadata of a collection that `describes` accepted; computes nothing."""
    from ._meta import dask_meta

    return dask_meta(obj)


def draws(obj: Any) -> bool:
    """A Dask collection, or a list of them? Never imports dask: an object of a library
    that is not imported yet cannot be one of its collections."""
    if "dask" not in sys.modules:
        return False
    from ._dag import is_dask

    return is_dask(obj)


def brief(exc: BaseException) -> str | None:
    """Dask's errors are the tasks' own: nothing to unwrap."""
    return None


def check(obj: Any) -> None:
    """A Dask collection outlives its client: nothing to refuse."""


def config() -> dict[str, Any]:
    """`%config Lazyscope.dask_*`."""
    from ._settings import config

    return config()


def server_config() -> dict[str, Any]:
    """`c.ClusterManager.dask_factory` and `dask_kwargs`."""
    from ._settings import server_config

    return server_config()


def magic() -> Callable[[MagicHost, str, str | None], Any]:
    """`%dask` and `%%dask`."""
    from ._magics import dask

    return dask  # type: ignore[no-any-return]  # IPython's decorators are untyped


def progress_sources() -> list[ProgressSource]:
    """The threaded scheduler's and the client's (only if dask is imported)."""
    from ._sources import progress_sources

    return progress_sources()


def dag(obj: Any, level: str, *, max_nodes: int, expand_limit: int, **_: Any) -> Dag:
    """The DAG of a collection or a list of them (other engines' options are ignored)."""
    from ._dag import dask_dag

    return dask_dag(obj, level, max_nodes=max_nodes, expand_limit=expand_limit)


def plots(obj: Any) -> bool:
    """A Dask DataFrame? Never imports dask."""
    frames = sys.modules.get("dask.dataframe")
    return frames is not None and isinstance(obj, frames.DataFrame)


def plot_backend(df: Any, spec: Spec, work: Work) -> Backend:
    """The plot back-end aggregating `df` where its partitions live (computes nothing yet)."""
    from ._plot import DaskBackend

    if spec.kind == "bar":
        from ._plot_bar import DaskBars

        return DaskBars(df, spec, work)

    return DaskBackend(df, spec, work)


def histogram(
    df: Any, column: str, bins: int, value_range: Range | None, work: Work
) -> tuple[np.ndarray, np.ndarray]:
    from ._hist import dask_histogram

    return dask_histogram(df, column, bins, value_range, work)


def log() -> str:
    """`%dask log`: the end of this kernel's Dask log."""
    from ._session import dask_log

    return dask_log()


def task_error(exc: BaseException) -> LazyscopeError | None:
    """A failed task's error as one paragraph, or None when `exc` is not one."""
    from ._session import task_error

    return task_error(exc)


def server_cluster(
    cid: str, name: str, options: dict[str, Any], *, log: Any, config: dict[str, Any],
    **_: Any,
) -> ManagedCluster:  # fmt: skip
    """A cluster of the class `dask_factory` (a LocalCluster by default), run in a process
    of its own, a child of the Jupyter server."""
    from ._cluster import DaskCluster

    return DaskCluster(
        cid, name, options, log=log, factory=config["dask_factory"], kwargs=config["dask_kwargs"]
    )


def dashboard_on_server(engine: str, address: str) -> bool:
    """A scheduler's dashboard is on the scheduler's host; an in-process scheduler's host
    is the kernel's, on this machine."""
    return address.startswith("inproc://")


def sweep_leftovers(log: Any) -> None:
    """Remove the cluster folders (log, scratch space) of servers that were killed."""
    from ._cluster import sweep_folders

    sweep_folders(log)


def cluster_sources(log: Any) -> tuple[ClusterSource, ...]:
    """The user's Dask Gateway clusters, when dask-gateway's configuration names a gateway
    (read when first listed, in a thread: dask-gateway and dask load only then)."""
    from ._gateway_clusters import GatewaySource

    return (GatewaySource(log),)


def register(shell: Any) -> None:
    """`%load_ext lazyscope`: Dask needs no cell hooks (its progress is per cell magic)."""


def unregister(shell: Any) -> None:
    """Nothing registered, nothing to undo."""
