"""Everything that knows Dask: the session (`_session`, its workers' preload `_worker`),
metadata (`_meta`, `_graph`, `_common`), DAGs (`_dag` over expressions `_expr_dag` or
high-level graphs `_hlg_dag`, grouped into `_units`), progress (`_progress` through the
scheduler plugin `_plugin`; `_local_progress` for the threaded scheduler). Each builds
`lazyscope.model` objects; the engine registry (`lazyscope.engines`) and the views reach them
by name, so `import lazyscope` stays light."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lazyscope.model import Dag, Meta

__all__ = ["LAZY_TYPES", "dag", "describes", "draws", "meta", "register", "unregister"]

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


def dag(obj: Any, level: str, *, max_nodes: int, expand_limit: int, **_: Any) -> Dag:
    """The DAG of a collection or a list of them (other engines' options are ignored)."""
    from ._dag import dask_dag

    return dask_dag(obj, level, max_nodes=max_nodes, expand_limit=expand_limit)


def register(shell: Any) -> None:
    """`%load_ext lazyscope`: Dask needs no cell hooks (its progress is per cell magic)."""


def unregister(shell: Any) -> None:
    """Nothing registered, nothing to undo."""
