"""The one Spark job behind a grid: binning and reduction in the JVM, a few rows back.

Each row's pixel is computed in the JVM exactly as Datashader computes it, and one Spark
aggregate reduces the rows per pixel block (`groupBy`, with partial aggregation before the
shuffle), so no row leaves the JVM and executors run no Python. The driver receives one
row per non-empty block and scatters it into the dense states of `_partials`.

Pixels are grouped in blocks (`_BLOCKS`), one aggregate column per pixel of the block
and state: grouping by single pixels makes the hash table as big as the grid (a 1600x1200
grid of 20M normal points: 0.6M keys, ~2x slower than blocks of 4x4, whose table holds
16x fewer keys and stays in cache). Blocks are smaller for the reductions with more
states, which multiply the columns.

A count packs four pixels' counts into one long, 16 bits each: each row adds
1 << 16 * (pixel % 4) to its group of four, so an 8x4 block needs 8 sums, not 32 counts.
20M points in a window they fill densely (1600x1200): 4x4 blocks of plain counts 3.2 s,
packed 2.2 s; packed 8x4 blocks (half the keys) ~10% less again. A pixel that reaches
65,536 rows carries into its neighbour; the block's row count then differs from the
sum of its fields, which is exact to check, and the grid is counted again unpacked.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from lazyscope.grids._partials import STATES, empty
from lazyscope.grids._spec import View

from ._connect import functions_for

if TYPE_CHECKING:
    from lazyscope.grids._requests import Token
    from lazyscope.grids._states import States

    from ._plot import SparkBackend

__all__ = ["grid_states", "pixel_column", "tagged"]


class _Blocks(NamedTuple):
    """Pixel blocks of 2^wide x 2^tall over a grid of `view`'s size."""

    wide: int
    tall: int
    view: View

    @property
    def across(self) -> int:  # blocks per grid row
        return -(-self.view.width // (1 << self.wide))

    @property
    def blocks(self) -> int:  # per layer (category)
        return self.across * -(-self.view.height // (1 << self.tall))

    @property
    def pixels(self) -> int:
        return 1 << (self.wide + self.tall)


# log2 of a block's width and height, by reduction: 8x4 pixels for a count (8 packed sums),
# 2x2 for the reductions of a value (8 to 12 columns, some of them wider aggregates).
_BLOCKS = {"count": (3, 2), **dict.fromkeys(("sum", "mean", "min", "max", "std"), (1, 1))}
_FIELD = 16  # bits per pixel in a packed count
_PACKED_BITS = 2
_PACKED = 1 << _PACKED_BITS  # pixels per packed long: 4 x 16 bits


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
    grid = _Blocks(*_BLOCKS[agg], view)
    sx, tx, sy, ty = view.scale()
    x, y = f.col(spec.x).cast("double"), f.col(spec.y).cast("double")
    # NaN compares above every number in Spark, so `between` drops NaN as well as null.
    keep = x.between(*view.x_range) & y.between(*view.y_range)
    row = pixel_column(f, spec.y, sy, ty, view.height)
    col = pixel_column(f, spec.x, sx, tx, view.width)
    key = f.shiftright(row, grid.tall) * grid.across + f.shiftright(col, grid.wide)
    if spec.by is not None:
        code = f.array_position(f.array(*[f.lit(c) for c in cats]), f.col(spec.by)) - 1
        keep = keep & (code >= 0)
        key = code.cast("int") * grid.blocks + key
    columns = [
        key.cast("int").alias("k"),
        (
            row.bitwiseAND((1 << grid.tall) - 1) * (1 << grid.wide)
            + col.bitwiseAND((1 << grid.wide) - 1)
        ).alias("p"),
    ]
    v = None
    if spec.value is not None:  # Datashader skips rows whose value is NaN or null
        value = f.col(spec.value).cast("double")
        keep = keep & value.isNotNull() & ~f.isnan(value)
        columns.append(value.alias("v"))
        v = f.col("v")
    rows = backend.df.where(keep).select(*columns).groupBy("k")
    layers = max(len(cats), 1)
    with tagged(backend.session, tag, token):
        if agg == "count":
            table = rows.agg(*_packed_counts(f, grid.pixels)).toArrow()
            counts = _unpacked(table, grid.pixels)
            if counts is not None:
                return _scatter(agg, table.column(0), counts, layers, grid)
        aggregates = [
            a.alias(f"{name}{p}")
            for p in range(grid.pixels)
            for a, name in zip(
                _state_aggregates(f, agg, f.col("p") == p, v), STATES[agg], strict=True
            )
        ]
        table = rows.agg(*aggregates).toArrow()
    states = [table.column(i).to_numpy(zero_copy_only=False) for i in range(1, table.num_columns)]
    return _scatter(agg, table.column(0), states, layers, grid)


def _packed_counts(f: Any, pixels: int) -> list[Any]:
    """The block's row count, then per group of `_PACKED` pixels the sum of
    1 << 16 * (pixel % `_PACKED`) over its rows. `try_sum` gives null where the long
    overflows (ANSI mode would raise instead), as where no row fell: both become 0, and an
    overflow then shows as rows missing from the fields."""
    group, at = f.shiftright(f.col("p"), _PACKED_BITS), f.col("p").bitwiseAND(_PACKED - 1)
    one = f.pow(f.lit(float(1 << _FIELD)), at).cast("long")  # exact below 2^53
    sums = [
        f.coalesce(f.try_sum(f.when(group == j, one)), f.lit(0)) for j in range(pixels // _PACKED)
    ]
    return [f.count(f.lit(1)), *sums]


def _unpacked(table: Any, pixels: int) -> list[np.ndarray] | None:
    """Per pixel of the block its count, from `_packed_counts`'s row; None if a pixel
    overflowed its field (the fields do not add up to the block's rows)."""
    shifts = np.arange(_PACKED, dtype=np.int64) * _FIELD
    counts = []
    for j in range(pixels // _PACKED):
        packed = table.column(2 + j).to_numpy().astype(np.int64)
        counts.extend(((packed[:, None] >> shifts) & ((1 << _FIELD) - 1)).T)
    rows = table.column(1).to_numpy()
    return counts if np.array_equal(np.sum(counts, axis=0), rows) else None


def _scatter(agg: str, keys: Any, states: list[np.ndarray], layers: int, grid: _Blocks) -> States:
    """Dense states from the rows of the aggregate: block keys, and per pixel of the block
    its states in `STATES[agg]` order, one array each."""
    names, wide, tall, view = STATES[agg], 1 << grid.wide, 1 << grid.tall, grid.view
    shape = (layers, view.height, view.width)
    acc = empty(agg, layers * view.height * view.width)
    k = keys.to_numpy().astype(np.int64)
    layer, block = np.divmod(k, grid.blocks)
    top, left = np.divmod(block, grid.across)
    top, left = top * tall, left * wide
    per_pixel = len(names)
    for p in range(grid.pixels):
        r, c = top + p // wide, left + p % wide
        first = p * per_pixel
        n = states[first]
        hit = n > 0  # inside the grid wherever a row fell
        at = (layer[hit] * view.height + r[hit]) * view.width + c[hit]
        acc["n"][at] = n[hit]
        for offset, name in enumerate(names[1:], start=1):
            state = states[first + offset][hit]
            if name == "m2":  # var_pop back to the sum of squared deviations
                state = state * n[hit]
            acc[name][at] = state
    return {name: a.reshape(shape) for name, a in acc.items()}
