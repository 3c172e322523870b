"""Which engine reads an object's metadata: each engine package says by class names,
importing nothing (`import lazyscope` must not import pyspark or dask)."""

from __future__ import annotations

from typing import Any

from lazyscope._errors import LazyscopeError
from lazyscope.engines import packages
from lazyscope.model import Meta

__all__ = ["meta_of"]

_SUPPORTED = (
    "a Spark DataFrame or RDD (classic or Spark Connect), a Dask DataFrame, Series, Index, "
    "Array, Bag or Delayed, or a pandas DataFrame or Series"
)


def meta_of(obj: Any) -> Meta:
    """The engine-neutral metadata of `obj`; never computes anything."""
    for engine in packages():
        if engine.describes(obj):
            return engine.meta(obj)
    modules = {cls.__module__.split(".", 1)[0] for cls in type(obj).__mro__}
    if "pandas" in modules and type(obj).__name__ in ("DataFrame", "Series"):
        from ._pandas import pandas_meta

        return pandas_meta(obj)
    raise LazyscopeError(
        f"lazyscope.describe() shows {_SUPPORTED}; got {type(obj).__name__}. "
        "It reads metadata only and never computes."
    )
