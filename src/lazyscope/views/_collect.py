"""Which engine reads an object's metadata: decided by class names, importing nothing.

`import lazyscope` must not import pyspark or dask, and an object of a library that is
not imported yet cannot be one of its collections: so we look at module names only.
"""

from __future__ import annotations

from typing import Any

from lazyscope._errors import LazyscopeError
from lazyscope.model import Meta

__all__ = ["meta_of"]

_SUPPORTED = (
    "a Spark DataFrame or RDD (classic or Spark Connect), a Dask DataFrame, Series, Index, "
    "Array, Bag or Delayed, or a pandas DataFrame or Series"
)


# Graph-based Dask collections (Array, Bag, Delayed); dataframes are expression-based.
_DASK_GRAPH_MODULES = ("dask.array", "dask.bag", "dask.delayed")


def _classes(obj: Any) -> set[tuple[str, str]]:
    return {(cls.__module__, cls.__name__) for cls in type(obj).__mro__}


def meta_of(obj: Any) -> Meta:
    """The engine-neutral metadata of `obj`; never computes anything."""
    classes = _classes(obj)
    modules = {module.split(".", 1)[0] for module, _ in classes}
    if ("pyspark.sql.dataframe", "DataFrame") in classes:
        from lazyscope.spark._meta import spark_meta

        return spark_meta(obj)
    if ("pyspark.core.rdd", "RDD") in classes:
        from lazyscope.spark._meta import rdd_meta

        return rdd_meta(obj)
    if ("dask.dataframe.dask_expr._collection", "FrameBase") in classes or any(
        module.startswith(_DASK_GRAPH_MODULES) for module, _ in classes
    ):
        from lazyscope.dask._meta import dask_meta

        return dask_meta(obj)
    if "pandas" in modules and type(obj).__name__ in ("DataFrame", "Series"):
        from ._pandas import pandas_meta

        return pandas_meta(obj)
    raise LazyscopeError(
        f"lazyscope.describe() shows {_SUPPORTED}; got {type(obj).__name__}. "
        "It reads metadata only and never computes."
    )
