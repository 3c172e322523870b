"""Datashader's start-up cost on Dask workers, paid once and overlapped with other work.

Importing Datashader takes seconds, and Numba compiles a reduction the first time it runs
in a process (about a second each). On first use - never at import - we start that work
early, in the background, so it overlaps the extent pass and the other imports:

- Dask workers import Datashader while the kernel imports it too. Not in a task: on the
  worker's event loop (see `import_on_workers`), where the worker unpickles the tasks.
- Each worker then runs the real per-partition function (`_plot_grid`) on a two-row frame
  with the same columns and dtypes: Numba compiles there once per worker process, and
  Datashader memoises the result per schema and reduction for the real tasks.
"""

from __future__ import annotations

import contextlib
import sys
import uuid
from typing import Any

from lazyscope._errors import LazyscopeError
from lazyscope.grids._spec import Spec
from lazyscope.grids._warm import once

__all__ = ["check_workers", "dask_jit", "import_on_workers"]

_futures: set[Any] = set()  # a released future cancels its task: keep them until done


# What the progress view shows for the warm-up tasks (it groups tasks by key prefix).
WARM_UP = "lazyscope.plot: worker warm-up"


def _on_each_worker(client: Any, fn: Any, *args: Any) -> None:
    """Run fn(*args) once on every worker, in the background."""
    for worker in client.scheduler_info(n_workers=-1).get("workers", {}):
        future = client.submit(
            fn,
            *args,
            key=f"{WARM_UP}-{uuid.uuid4().hex}",
            workers=[worker],
            allow_other_workers=False,
        )
        _futures.add(future)
        future.add_done_callback(_futures.discard)


def check_workers(client: Any) -> None:
    """One sentence, not a worker's traceback, when the workers' environment (a team's
    image, a Dask Gateway's) lacks Datashader. Asked once per cluster, without importing."""
    key = ("datashader", client.scheduler.address)
    if key in _checked:
        return
    _ship_by_value()
    lacking = client.run(_lacks, "datashader")
    if any(lacking.values()):
        raise LazyscopeError(
            "datashader is not installed on the cluster's workers; plots of this cluster need "
            "it (install it in the workers' environment, e.g. pip install datashader)."
        )
    _checked.add(key)


_checked: set[tuple[str, str]] = set()


def _lacks(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is None


def _ship_by_value() -> None:
    """The functions of this module that run on workers travel by value: workers need no
    lazyscope installed (their globals are the standard library's)."""
    import cloudpickle  # type: ignore[import-untyped]  # no type information shipped

    cloudpickle.register_pickle_by_value(sys.modules[__name__])


def import_on_workers(client: Any) -> None:
    """Each worker imports Datashader on its event loop, not in a task's thread.

    A worker unpickles the tasks it is sent on its event loop, and unpickling the plot's
    tasks imports pandas. An import of Datashader (and so of pandas) in a task's thread at
    the same time broke the worker: two threads importing pandas' circular modules meet
    Python's import-deadlock guard, which hands one of them a partially initialised module
    ("cannot import name 'DataFrame' from partially initialized module
    'pandas.core.frame'"); the worker's link to the scheduler died with that error, the
    worker closed, and the plot waited for ever. On the loop, the import runs before the
    worker unpickles the next message, so imports on a worker never overlap.
    """
    if once(("import", client.scheduler.address)):
        _ship_by_value()
        client.run(_import_on_loop, "datashader", wait=False)


async def _import_on_loop(*modules: str) -> None:
    # A coroutine, so that `client.run(..., wait=False)` returns at once; its body blocks
    # the worker's loop on purpose (see import_on_workers).
    import importlib

    for name in modules:
        importlib.import_module(name)


def _jit_key(client: Any, frame: Any, spec: Spec) -> object:
    dtypes = tuple((str(c), str(dt)) for c, dt in frame.dtypes.items())
    return ("jit", client.scheduler.address, spec, dtypes)


def dask_jit(client: Any, frame: Any, spec: Spec) -> None:
    """Each worker compiles this reduction for these dtypes on a two-row frame, in a task
    queued ahead of the real ones (with one thread per worker they then find it compiled)."""
    if not once(_jit_key(client, frame, spec)):
        return
    from lazyscope.grids._spec import View

    from ._plot_grid import partition_states

    states = partition_states(spec, View((-1.0, 1.0), (-1.0, 1.0), 2, 2))
    _ship_by_value()
    _on_each_worker(client, _quietly, states, _tiny_frame(frame._meta))


def _quietly(states: Any, tiny: Any) -> None:
    # A warm-up that fails only means the real run compiles: it must never surface.
    with contextlib.suppress(Exception):
        states(tiny)


def _tiny_frame(meta: Any) -> Any:
    """Two rows with the dtypes (and categories) of `meta`."""
    import pandas as pd

    rows: dict[str, Any] = {}
    for name, dtype in meta.dtypes.items():
        if isinstance(dtype, pd.CategoricalDtype):
            rows[name] = pd.Categorical([dtype.categories[0]] * 2, dtype=dtype)
        else:
            rows[name] = pd.Series([0, 0]).astype(dtype)
    return pd.DataFrame(rows)
