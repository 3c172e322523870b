"""Everything that knows Spark, classic and Connect: sessions (`_session`, `_connect`, the
quiet JVM `_jvm`, Java `_java`), metadata (`_meta`, from the explain text read by `_explain`
into `_plan_facts`), DAGs (`_dag`, `_plan_dag`, the executed plan `_executed` from the UI's
REST API `_rest`), progress (`_progress`, `_connect_progress`, call sites `_call_site`) and
error messages (`_errors`), the `%%spark --sql` cell (`_sql`), the plot back-end (`_plot`, its
job `_plot_job`, `_hist`) and the names of our own jobs (`_own_work`), the magics `%spark`
and `%%spark` (`_magics`), the progress sources of a cell (`_sources`) and its settings
(`_settings`). Each builds `lazyscope.model` objects; the engine registry
(`lazyscope.engines`, through the `lazyscope.engines` entry point), the views, the plots and
the magics reach them through the names below (`lazyscope._sessions.EnginePackage`), so
`import lazyscope` stays light."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable

    import numpy as np

    from lazyscope._clusters import ClusterSource, ManagedCluster
    from lazyscope._sessions import MagicHost
    from lazyscope.grids._backend import Backend
    from lazyscope.grids._spec import Range, Spec
    from lazyscope.grids._work import Work
    from lazyscope.model import Dag, Meta, ProgressSource

from lazyscope._errors import add_interrupt_carrier, add_rewriter
from lazyscope._sessions import StatusWords

from . import _errors

# Every short engine message in the user's words; an interrupt that py4j's dropped
# connection hid is still an interrupt.
add_rewriter(_errors.rewrite)
add_interrupt_carrier("py4j", "pyspark")

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
    "errors",
    "histogram",
    "log",
    "magic",
    "meta",
    "plot_backend",
    "plots",
    "progress_sources",
    "register",
    "run_sql",
    "server_cluster",
    "server_config",
    "sweep_leftovers",
    "unregister",
]

NAME = "spark"
ORDER = 10
TITLES = {"spark": "Spark", "spark-connect": "Spark Connect"}
OBJECTS = "a Spark DataFrame or RDD (classic or Spark Connect)"
DAG_OBJECTS = "a Spark DataFrame"
STATUS = StatusWords(start="%spark start", workers="executors", app_id="application")
SIZE_IS_ESTIMATE = True  # plan statistics: the optimizer's estimate
COLLECT = "collect() / toPandas()"
SCALE_OUT = ("spark.createDataFrame(df)", "spark.read")
SERVER_OPTIONS = frozenset({"connect"})  # a Spark Connect server beside the cluster
# `lazyscope.dag`'s help on Spark's levels and options.
DAG_HELP = {
    "level": 'Spark "parsed" | "analyzed" | "optimized" | "physical" | "executed" (a '
    'DataFrame that has run: metrics and stages from the Spark UI) | "auto" (executed if it '
    "has run, else physical).",
    "ui_url": "the Spark UI to read executed plans from (default: the session's).",
}
# The advisor's words for Spark's own findings (`views/_rules`).
ADVICE = {
    "python-udf.fix": "Use a built-in from pyspark.sql.functions, or a vectorized @pandas_udf.",
    "rdd.message": "RDD operations from Python pickle every record between the JVM and Python, "
    "and the optimizer cannot see inside them.",
    "rdd.fix": "Use the DataFrame API (spark.read, select, groupBy, join).",
    "rdd-python.fix": "Compute the columns with DataFrame functions (pyspark.sql.functions), "
    "or a vectorized @pandas_udf / mapInPandas where you need Python.",
    "rdd-local.message": "This DataFrame is built from a local list (a Python RDD): Spark "
    "cannot push filters into it, and its rows came through Python.",
    "rdd-local.fix": "Read the data with spark.read (parquet, csv, a table), or from pandas "
    "with Arrow.",
}

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
    cls = type(obj)
    return cls.__name__ == "DataFrame" and cls.__module__.startswith("pyspark.sql")


def brief(exc: BaseException) -> str | None:
    """A py4j-wrapped Java error in one line (None for any other error)."""
    return _errors.brief(exc)


def check(obj: Any) -> None:
    """Refuse a Spark DataFrame whose session has stopped (`%spark stop`, `%spark start
    --restart`): pyspark answers any use of it with an AttributeError 46 lines deep."""
    sc = getattr(obj, "__dict__", {}).get("_sc")  # classic DataFrames and RDDs hold theirs
    if sc is not None and getattr(sc, "_jsc", None) is None:
        from lazyscope._errors import LazyscopeError

        raise LazyscopeError(
            "This DataFrame belongs to a Spark session that has stopped (e.g. by %spark stop "
            "or %spark start --restart), so Spark can no longer read it. Re-create it "
            "from its source with the running session (`spark`)."
        )


def config() -> dict[str, Any]:
    """`%config Lazyscope.spark_*`."""
    from ._settings import config

    return config()


def server_config() -> dict[str, Any]:
    """Spark's clusters take no server settings."""
    return {}


def magic() -> Callable[[MagicHost, str, str | None], Any]:
    """`%spark` and `%%spark`."""
    from ._magics import spark

    return spark  # type: ignore[no-any-return]  # IPython's decorators are untyped


def progress_sources() -> list[ProgressSource]:
    """The running session's, else one the user built (only if pyspark is imported)."""
    from ._sources import progress_sources

    return progress_sources()


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

    if spec.kind == "bar":
        from ._plot_bar import SparkBars

        return SparkBars(df, spec, work)

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


def dashboard_on_server(engine: str, address: str) -> bool:
    """A classic session's driver, and its UI, runs inside a kernel of the server's
    machine, whichever address Spark's UI picked and whatever its master (``local[N]``
    included); a Connect server's does not."""
    return engine == "spark"


def sweep_leftovers(log: Any) -> None:
    """The cluster folders of servers that died without stopping their clusters go."""
    from ._cluster import sweep_folders

    sweep_folders(log)


def cluster_sources(log: Any) -> tuple[ClusterSource, ...]:
    """The user's Spark History Server (finished applications), started on demand."""
    from ._history import HistoryServer

    return (HistoryServer(log),)


def register(shell: Any) -> None:
    """`%load_ext lazyscope`: an interrupted cell also cancels its Spark jobs."""
    from . import _interrupts

    _interrupts.register(shell)


def unregister(shell: Any) -> None:
    from . import _interrupts

    _interrupts.unregister(shell)
