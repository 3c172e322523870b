"""The one Spark job behind a grid: binning and reduction in the JVM, a few rows back.

Each row's pixel is computed in the JVM exactly as Datashader computes it, and one Spark
aggregate reduces the rows per pixel block (`groupBy`, with partial aggregation before the
shuffle), so no row leaves the JVM and executors run no Python. The driver receives one
row per non-empty block and scatters it into the dense states of `_partials`.

Pixels are grouped in blocks of B x B (`_BLOCK_BITS`), one aggregate column per pixel of
the block and state: grouping by single pixels makes the hash table as big as the grid
(a 1600x1200 grid of 20M normal points: 0.6M keys, ~2x slower than blocks of 4x4, whose
table holds 16x fewer keys and stays in cache). Blocks are smaller for the reductions
with more states, which multiply the columns.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import numpy as np

from lazyscope.grids._partials import STATES, empty
from lazyscope.grids._spec import View

from ._connect import functions_for

if TYPE_CHECKING:
    from lazyscope.grids._requests import Token
    from lazyscope.grids._states import States

    from ._plot import SparkBackend

__all__ = ["grid_states", "pixel_column", "tagged"]

# log2 of the block side, by reduction: 4x4 pixels for a count (16 columns), 2x2 for the
# reductions of a value (8 to 12 columns, some of them wider aggregates).
_BLOCK_BITS = {"count": 2, "sum": 1, "mean": 1, "min": 1, "max": 1, "std": 1}


def pixel_column(f: Any, name: str, s: float, t: float, n: int) -> Any:
    """int(v * s + t), the last pixel taking the upper edge: Datashader's rule, in the JVM
    (Java doubles round exactly as numpy's, so both land every point in the same pixel)."""
    col = f.col(name).cast("double")
    return f.least((col * f.lit(s) + f.lit(t)).cast("int"), f.lit(n - 1))


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


def _state_aggregates(f: Any, agg: str, at: Any, v: Any) -> list[Any]:
    """The aggregates of one pixel of a block: its states (see `_partials`), where `at`
    holds. Rows without a value were dropped before, so n counts the rows with one; std
    takes Spark's population variance (n * var_pop is the m2 state)."""
    out = [f.count(f.when(at, f.lit(1)))]
    if agg in ("sum", "mean", "std"):
        out.append(f.sum(f.when(at, v)))
    if agg == "std":
        out.append(f.var_pop(f.when(at, v)))
    if agg in ("min", "max"):
        out.append((f.min if agg == "min" else f.max)(f.when(at, v)))
    return out


def grid_states(backend: SparkBackend, view: View, tag: str, token: Token) -> States:
    """One Spark job: the dense states of every pixel of `view`, shaped (categories, rows,
    columns)."""
    f = functions_for(backend.df)
    spec, cats, agg = backend.spec, backend.categories, backend.spec.agg
    bits = _BLOCK_BITS[agg]
    side = 1 << bits
    across = -(-view.width // side)  # blocks per grid row
    blocks = across * -(-view.height // side)
    sx, tx, sy, ty = view.scale()
    x, y = f.col(spec.x).cast("double"), f.col(spec.y).cast("double")
    # NaN compares above every number in Spark, so `between` drops NaN as well as null.
    keep = x.between(*view.x_range) & y.between(*view.y_range)
    row = pixel_column(f, spec.y, sy, ty, view.height)
    col = pixel_column(f, spec.x, sx, tx, view.width)
    key = f.shiftright(row, bits) * across + f.shiftright(col, bits)
    if spec.by is not None:
        code = f.array_position(f.array(*[f.lit(c) for c in cats]), f.col(spec.by)) - 1
        keep = keep & (code >= 0)
        key = code.cast("int") * blocks + key
    columns = [
        key.cast("int").alias("k"),
        (row.bitwiseAND(side - 1) * side + col.bitwiseAND(side - 1)).alias("p"),
    ]
    v = None
    if spec.value is not None:  # Datashader skips rows whose value is NaN or null
        value = f.col(spec.value).cast("double")
        keep = keep & value.isNotNull() & ~f.isnan(value)
        columns.append(value.alias("v"))
        v = f.col("v")
    aggregates = [
        a.alias(f"{name}{p}")
        for p in range(side * side)
        for a, name in zip(_state_aggregates(f, agg, f.col("p") == p, v), STATES[agg], strict=True)
    ]
    query = backend.df.where(keep).select(*columns).groupBy("k").agg(*aggregates)
    with tagged(backend.session, tag, token):
        table = query.toArrow()
    return _scatter(agg, table, view, max(len(cats), 1), bits)


def _scatter(agg: str, table: Any, view: View, layers: int, bits: int) -> States:
    """Dense states from the rows of the aggregate: (k, then per pixel of the block its
    states in `STATES[agg]` order)."""
    side, names = 1 << bits, STATES[agg]
    across, blocks = -(-view.width // side), -(-view.width // side) * -(-view.height // side)
    shape = (layers, view.height, view.width)
    acc = empty(agg, layers * view.height * view.width)
    k = table.column(0).to_numpy().astype(np.int64)
    layer, block = np.divmod(k, blocks)
    top, left = np.divmod(block, across)
    top, left = top * side, left * side
    per_pixel = len(names)
    for p in range(side * side):
        r, c = top + p // side, left + p % side
        first = 1 + p * per_pixel
        n = table.column(first).to_numpy()
        hit = n > 0  # inside the grid wherever a row fell
        at = (layer[hit] * view.height + r[hit]) * view.width + c[hit]
        acc["n"][at] = n[hit]
        for offset, name in enumerate(names[1:], start=1):
            state = table.column(first + offset).to_numpy(zero_copy_only=False)[hit]
            if name == "m2":  # var_pop back to the sum of squared deviations
                state = state * n[hit]
            acc[name][at] = state
    return {name: a.reshape(shape) for name, a in acc.items()}
