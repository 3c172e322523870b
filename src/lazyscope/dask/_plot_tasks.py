"""Our Dask computations as named tasks: one per partition, merged in a shallow tree.

Every key is "<name>-<token>" (`dask_key`), so the progress view and the dashboard
show the task group as what it does ("lazyscope.plot: x/y ranges at cell line 3"), not
as our function names. The functions are closures, shipped by value: workers need no
lazyscope installed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["dask_key", "per_partition", "tree"]

FAN_IN = 8  # partials merged per task: a shallow tree, each task holding few partials


def dask_key(name: str, *token: Any) -> str:
    """A task key that Dask's progress and dashboard show as `name` (key_split stops at the
    first '-', so a hyphen in a column name becomes a non-breaking one)."""
    from dask.base import tokenize

    return f"{name.replace('-', chr(0x2011))}-{tokenize(*token)}"


def per_partition(fn: Callable[[Any], Any], frame: Any, name: str, *token: Any) -> list[Any]:
    """fn(partition) as one task per partition of `frame` (a Dask DataFrame or Series, or
    its list of Delayed partitions); `token` tells apart what fn computes."""
    import dask

    parts = frame if isinstance(frame, list) else frame.to_delayed()
    task = dask.delayed(fn, pure=True)
    return [task(part, dask_key_name=dask_key(name, part.key, *token)) for part in parts]


def tree(level: list[Any], merge: Callable[..., Any], name: str) -> Any:
    """One Delayed: merge(*partials) applied FAN_IN at a time until one is left."""
    import dask

    task = dask.delayed(merge, pure=True)
    while len(level) > 1:
        level = [
            task(*group, dask_key_name=dask_key(name, [d.key for d in group]))
            for group in (level[i : i + FAN_IN] for i in range(0, len(level), FAN_IN))
        ]
    return level[0]
