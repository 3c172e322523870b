"""Everything that knows Spark, classic and Connect: sessions (`_session`, `_connect`, the
quiet JVM `_jvm`, Java `_java`), metadata (`_meta`, from the explain text read by `_explain`
into `_plan_facts`), DAGs (`_dag`, `_plan_dag`, the executed plan `_executed` from the UI's
REST API `_rest`), progress (`_progress`, `_connect_progress`, call sites `_call_site`) and
error messages (`_errors`). Each builds `lazyscope.model` objects; the engine registry
(`lazyscope.engines`) and the views reach them by name, so `import lazyscope` stays light."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lazyscope.model import Dag, Meta

__all__ = ["LAZY_TYPES", "dag", "describes", "draws", "meta", "register", "unregister"]

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


def register(shell: Any) -> None:
    """`%load_ext lazyscope`: an interrupted cell also cancels its Spark jobs."""
    from . import _interrupts

    _interrupts.register(shell)


def unregister(shell: Any) -> None:
    from . import _interrupts

    _interrupts.unregister(shell)
