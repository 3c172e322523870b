"""The one Spark job behind a grid: JVM binning, `mapInArrow` partials, a few rows back."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from lazyscope.grids import _partials
from lazyscope.grids._spec import View

from ._connect import functions_for

if TYPE_CHECKING:
    from lazyscope.grids._requests import Token

    from ._plot import SparkBackend

__all__ = ["partial_grids", "pixel_column", "tagged"]

_CONNECT_PARALLELISM = 16  # Spark Connect does not tell the client its cluster's core count


def pixel_column(f: Any, name: str, s: float, t: float, n: int) -> Any:
    """int(v * s + t), the last pixel taking the upper edge: Datashader's rule, in the JVM
    (Java doubles round exactly as numpy's, so both land every point in the same pixel)."""
    col = f.col(name).cast("double")
    return f.least((col * f.lit(s) + f.lit(t)).cast("int"), f.lit(n - 1))


def _parallelism(session: Any) -> int:
    try:
        return int(session.sparkContext.defaultParallelism)
    except Exception:  # Spark Connect has no SparkContext (the error type differs by version)
        return _CONNECT_PARALLELISM


@contextlib.contextmanager
def tagged(session: Any, tag: str, token: Token) -> Iterator[None]:
    """Jobs started by this thread carry `tag`; cancelling the token interrupts them.

    Classic Spark scopes a session's tags to the thread that added them (another thread
    cannot interrupt them), so there we tag through the SparkContext; Spark Connect's
    session tags are interruptible from any thread.
    """
    try:
        sc = session.sparkContext
    except Exception:  # Spark Connect (the error type differs by version)
        sc = None
    if sc is not None:
        sc.setInterruptOnCancel(True)  # this worker thread only: stop running tasks too
        add, cancel, remove = sc.addJobTag, sc.cancelJobsWithTag, sc.removeJobTag
    else:
        add, cancel, remove = session.addTag, session.interruptTag, session.removeTag
    add(tag)
    token.on_cancel(lambda: cancel(tag))
    try:
        yield
    finally:
        remove(tag)


def partial_grids(backend: SparkBackend, view: View, tag: str, token: Token) -> list[Any]:
    """One partial grid (a buffer, see `_partials.encode`) per coalesced partition."""
    from pyspark import cloudpickle

    f = functions_for(backend.df)
    spec, cats = backend.spec, backend.categories
    sx, tx, sy, ty = view.scale()
    x, y = f.col(spec.x).cast("double"), f.col(spec.y).cast("double")
    # NaN compares above every number in Spark, so `between` drops NaN as well as null.
    keep = x.between(*view.x_range) & y.between(*view.y_range)
    row = pixel_column(f, spec.y, sy, ty, view.height)
    cell = row * view.width + pixel_column(f, spec.x, sx, tx, view.width)
    if spec.by is not None:
        code = f.array_position(f.array(*[f.lit(c) for c in cats]), f.col(spec.by)) - 1
        keep = keep & (code >= 0)
        cell = code.cast("int") * (view.width * view.height) + cell
    columns = [cell.cast("int").alias("c")]
    if spec.value is not None:
        columns.append(f.col(spec.value).cast("double").alias("v"))
    frame = backend.df.where(keep).select(*columns).coalesce(_parallelism(backend.session))
    cells = view.width * view.height * max(len(cats), 1)
    # Executors need not have lazyscope installed: ship the partial-grid code by value.
    cloudpickle.register_pickle_by_value(_partials)
    grids = frame.mapInArrow(
        _partials.mapper(spec.agg, cells, spec.value is not None), "part binary"
    )
    with tagged(backend.session, tag, token):
        table = grids.toArrow()
    return [
        chunk[i].as_buffer() for chunk in table.column("part").chunks for i in range(len(chunk))
    ]
