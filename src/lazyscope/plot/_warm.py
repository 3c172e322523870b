"""Datashader's start-up cost, paid once per kernel and overlapped with other work.

Importing Datashader takes seconds, and Numba compiles a reduction the first time it runs
in a process (about a second each). On first use - never at import - we start that work
early, in the background, so it overlaps the extent pass and the other imports:

- Dask workers import Datashader in a task while the kernel imports it too.
- The kernel runs the same reduction on a two-row Dask frame with the same columns and
  dtypes. Datashader memoises its compiled functions per schema and reduction, in the
  kernel, and the workers keep the compiled code of the functions they were sent, so the
  real aggregation reuses both. (A warm-up inside a worker would compile different function
  objects and save nothing.)
- For Spark, the kernel imports the shading and widget stack while the Spark jobs run.
"""

from __future__ import annotations

import contextlib
import importlib
import threading
from typing import Any

from ._spec import Spec

__all__ = ["dask_jit", "import_on_workers", "local_imports", "wait"]

_lock = threading.Lock()
_seen: set[object] = set()
_threads: dict[object, threading.Thread] = {}
_futures: set[Any] = set()  # a released future cancels its task: keep them until done


def _once(key: object) -> bool:
    with _lock:
        if key in _seen:
            return False
        _seen.add(key)
        return True


def _background(key: object, target: Any, *args: Any) -> None:
    thread = threading.Thread(target=target, args=args, name="lazyscope-warm", daemon=True)
    _threads[key] = thread
    thread.start()


def local_imports() -> None:
    if _once("local"):
        _background("local", _import, "datashader.transfer_functions", "bokeh.plotting")


def _import(*modules: str) -> None:
    for name in modules:
        importlib.import_module(name)


def import_on_workers(client: Any) -> None:
    if not _once(("import", client.scheduler.address)):
        return
    for worker in client.scheduler_info(n_workers=-1).get("workers", {}):
        future = client.submit(
            importlib.import_module,
            "datashader",
            pure=False,
            workers=[worker],
            allow_other_workers=False,
            key=f"lazyscope-warm-import-{worker}",
        )
        _futures.add(future)
        future.add_done_callback(_futures.discard)


def _jit_key(client: Any, frame: Any, spec: Spec) -> object:
    dtypes = tuple((str(c), str(dt)) for c, dt in frame.dtypes.items())
    return ("jit", client.scheduler.address, spec, dtypes)


def dask_jit(client: Any, frame: Any, spec: Spec) -> None:
    key = _jit_key(client, frame, spec)
    if _once(key):
        nparts = max(2, 2 * len(client.scheduler_info(n_workers=-1).get("workers", {})))
        _background(key, _tiny_aggregation, frame._meta, spec, nparts)


def _tiny_aggregation(meta: Any, spec: Spec, nparts: int) -> None:
    # A warm-up that fails only means the real run compiles: it must never surface.
    with contextlib.suppress(Exception):
        _run_tiny(meta, spec, nparts)


def _run_tiny(meta: Any, spec: Spec, nparts: int) -> None:
    import dask.dataframe as dd
    import pandas as pd

    from ._frames import canvas, reduction
    from ._spec import View

    rows: dict[str, Any] = {}
    for name, dtype in meta.dtypes.items():
        if isinstance(dtype, pd.CategoricalDtype):
            rows[name] = pd.Categorical([dtype.categories[0]] * nparts, dtype=dtype)
        else:
            rows[name] = pd.Series([0] * nparts).astype(dtype)
    tiny = dd.from_pandas(pd.DataFrame(rows), npartitions=nparts)
    view = View((-1.0, 1.0), (-1.0, 1.0), 2, 2)
    canvas(view).points(tiny, spec.x, spec.y, agg=reduction(spec))


def wait(client: Any, frame: Any, spec: Spec, timeout: float = 120.0) -> None:
    """Let a running warm-up finish first: two first runs would compile everything twice."""
    thread = _threads.get(_jit_key(client, frame, spec))
    if thread is not None and thread is not threading.current_thread():
        thread.join(timeout)
