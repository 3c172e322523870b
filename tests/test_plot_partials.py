"""The grid arithmetic, on plain numpy: merging partial states and coarsening must give
what one pass over all rows gives."""

from __future__ import annotations

import numpy as np
import pytest

from lazyscope.grids._partials import STATES, empty, merge, partial
from lazyscope.grids._states import coarsen, finalize

CELLS = 8 * 6


def _rows(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    values = rng.normal(size=n)
    values[::7] = np.nan
    return rng.integers(0, CELLS, n), values


@pytest.mark.parametrize("agg", sorted(STATES))
@pytest.mark.parametrize("rows", [10, 5000])  # sparse and dense partials
def test_merged_partials_equal_one_pass(agg: str, rows: int) -> None:
    idx, values = _rows(rows, 1)
    acc = empty(agg, CELLS)
    for part in np.array_split(np.arange(rows), 3):  # three "partitions"
        states = partial(agg, CELLS, idx[part], values[part])
        where = np.flatnonzero(states["n"])  # the non-empty pixels, as Spark's rows are
        merge(agg, acc, where, {k: a[where] for k, a in states.items()})
    whole = partial(agg, CELLS, idx, values)
    shape = (1, 6, 8)
    got = finalize(agg, {k: a.reshape(shape) for k, a in acc.items()})
    want = finalize(agg, {k: a.reshape(shape) for k, a in whole.items()})
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("agg", sorted(STATES))
def test_coarsening_equals_binning_coarser(agg: str) -> None:
    rng = np.random.default_rng(2)
    col, row, values = rng.integers(0, 8, 3000), rng.integers(0, 6, 3000), rng.normal(size=3000)
    fine = partial(agg, CELLS, row * 8 + col, values)
    coarse = partial(agg, CELLS // 4, (row // 2) * 4 + col // 2, values)
    got = coarsen(agg, {k: a.reshape(1, 6, 8) for k, a in fine.items()}, 2)
    np.testing.assert_allclose(
        finalize(agg, got),
        finalize(agg, {k: a.reshape(1, 3, 4) for k, a in coarse.items()}),
        rtol=1e-12,
    )
