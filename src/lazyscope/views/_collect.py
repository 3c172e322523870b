"""Which engine reads an object's metadata: each engine package says by class names,
importing nothing (`import lazyscope` must not import an engine's library)."""

from __future__ import annotations

from typing import Any

from lazyscope._errors import LazyscopeError
from lazyscope.engines import packages
from lazyscope.model import Meta

__all__ = ["meta_of"]


def meta_of(obj: Any) -> Meta:
    """The engine-neutral metadata of `obj`; never computes anything."""
    for engine in packages():
        if engine.describes(obj):
            return engine.meta(obj)
    modules = {cls.__module__.split(".", 1)[0] for cls in type(obj).__mro__}
    if "pandas" in modules and type(obj).__name__ in ("DataFrame", "Series"):
        from ._pandas import pandas_meta

        return pandas_meta(obj)
    supported = ", ".join(package.OBJECTS for package in packages())
    raise LazyscopeError(
        f"lazyscope.describe() shows {supported}, or a pandas DataFrame or Series; "
        f"got {type(obj).__name__}. "
        "It reads metadata only and never computes."
    )
