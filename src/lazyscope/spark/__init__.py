"""Everything that knows Spark, classic and Connect: sessions (`_session`, `_connect`, the
quiet JVM `_jvm`, Java `_java`), metadata (`_meta`, from the explain text read by `_explain`
into `_plan_facts`), DAGs (`_dag`, `_plan_dag`, the executed plan `_executed` from the UI's
REST API `_rest`), progress (`_progress`, `_connect_progress`, call sites `_call_site`) and
error messages (`_errors`), the `%%spark --sql` cell (`_sql`), the plot back-end (`_plot`, its
job `_plot_job`, `_hist`) and the names of our own jobs (`_own_work`). Each builds
`lazyscope.model` objects; the engine registry (`lazyscope.engines`), the views, the plots
and the magics reach them through the functions below, so `import lazyscope` stays light."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

    from lazyscope._clusters import ClusterSource, ManagedCluster
    from lazyscope.grids._backend import Backend
    from lazyscope.grids._spec import Range, Spec
    from lazyscope.grids._work import Work
    from lazyscope.model import Dag, Meta

__all__ = [
    "LAZY_TYPES",
    "NAME",
    "cluster_sources",
    "dag",
    "describes",
    "draws",
    "errors",
    "histogram",
    "log",
    "meta",
    "plot_backend",
    "plots",
    "register",
    "run_sql",
    "server_cluster",
    "sweep_leftovers",
    "unregister",
]

NAME = "spark"

# The lazy classes the describe view shows in every cell (base classes: classic and Connect
# DataFrames subclass the first), by module and name, so nothing imports pyspark for them.
_RDD = ("pyspark.core.rdd", "RDD")
LAZY_TYPES: tuple[tuple[str, str], ...] = (("pyspark.sql.dataframe", "DataFrame"), _RDD)


def _name(cls: type) -> tuple[str, str]:
    return cls.__module__, cls.__name__


def describes(obj: Any) -> bool:
    """A Spark DataFrame or RDD? Decided by class names: pyspark is never imported here."""
    return any(_name(cls) in LAZY_TYPES for cls in type(obj).__mro__)


def meta(obj: Any) -> Meta:
    """The metadata of a DataFrame or RDD that `describes` accepted; runs no job."""
    from ._meta import rdd_meta, spark_meta

    rdd = any(_name(cls) == _RDD for cls in type(obj).__mro__)
    return rdd_meta(obj) if rdd else spark_meta(obj)


def draws(obj: Any) -> bool:
    """A Spark DataFrame (classic or Connect)? By class name."""
    kind = type(obj)
    return kind.__name__ == "DataFrame" and kind.__module__.startswith("pyspark.sql")


def dag(obj: Any, level: str, *, ui_url: str | None = None, **_: Any) -> Dag:
    """The DAG of a DataFrame (other engines' options are ignored)."""
    from ._dag import spark_dag

    return spark_dag(obj, level, ui_url=ui_url)


def plots(obj: Any) -> bool:
    """A Spark DataFrame (classic or Connect)? Never imports pyspark."""
    return draws(obj)


def plot_backend(df: Any, spec: Spec, work: Work) -> Backend:
    """The plot back-end aggregating `df` in the executors (checks columns, runs no job)."""
    from ._plot import SparkBackend

    return SparkBackend(df, spec, work)


def histogram(
    df: Any, column: str, bins: int, value_range: Range | None, work: Work
) -> tuple[np.ndarray, np.ndarray]:
    from ._hist import spark_histogram

    return spark_histogram(df, column, bins, value_range, work)


def log() -> str:
    """`%spark log`: the end of this kernel's JVM log."""
    from ._jvm import log_tail

    return log_tail()


def errors() -> tuple[type[BaseException], ...]:
    """The exception types of pyspark and py4j that get a short message."""
    from ._session import spark_errors

    return spark_errors()


def run_sql(spark: Any, body: str, limit: int | None) -> Any:
    """`%%spark --sql`: the query as a lazy DataFrame (Spark analyses it, runs nothing)."""
    from ._sql import run_sql

    return run_sql(spark, body, limit)


def server_cluster(
    cid: str, name: str, options: dict[str, Any], *, log: Any, ui_path: str | None, **_: Any
) -> ManagedCluster:
    """A standalone master and workers (and a Connect server) the Jupyter server starts;
    its UI seen below `ui_path` when given. Imports no pyspark: it runs Spark's scripts."""
    from ._cluster import SparkCluster

    return SparkCluster(cid, name, options, log=log, ui_path=ui_path)


def sweep_leftovers(log: Any) -> None:
    """The cluster folders of servers that died without stopping their clusters go."""
    from ._cluster import sweep_folders

    sweep_folders(log)


def cluster_sources(log: Any) -> tuple[ClusterSource, ...]:
    """Spark lists no clusters from a service of its own (yet)."""
    return ()


def register(shell: Any) -> None:
    """`%load_ext lazyscope`: an interrupted cell also cancels its Spark jobs."""
    from . import _interrupts

    _interrupts.register(shell)


def unregister(shell: Any) -> None:
    from . import _interrupts

    _interrupts.unregister(shell)
