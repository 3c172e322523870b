"""dag() of Dask graphs at any size: call to MIME bundle for 10^4 and 10^6 tasks.

Each line: `name  lazyscope_figure  baseline_figure  ratio`.
- "call to bundle": median time of `lazyscope.dag(x)._repr_mimebundle_()` (all three
  formats) against materializing the low-level task graph of the same object, which any
  task-level drawing (dask.visualize included) must do before drawing a single node.
- "nodes shown": what the default view draws against the tasks in the graph.
- "growth": the same figure at 10^6 tasks against 10^4 (flat is the goal), for lazyscope
  and for the baseline.
- dask.visualize itself is tried on both; without graphviz it fails, and the line says so.
Run alone: `python benchmarks/bench_dag.py [--small]` (--small: 10^5 instead of 10^6).
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

REPEAT = 5


def _array(tasks: int) -> Any:
    import dask.array as da

    side = round(tasks**0.5)
    return da.ones((side, side), chunks=(1, 1)) * 2  # one Blockwise layer of side² tasks


def _median(action: Callable[[], Any], repeat: int = REPEAT) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _line(name: str, ours: float, base: float, unit: str = "s") -> None:
    """Times (seconds) print as ms, counts as they are; the ratio is lazyscope / baseline."""
    fmt = (lambda v: f"{v * 1000:>10.1f}ms") if unit == "s" else (lambda v: f"{v:>12,.0f}")
    print(f"{name:<44} {fmt(ours)} {fmt(base)} {ours / base:>7.4f}")


def _visualize(obj: Any) -> str:
    import dask

    start = time.perf_counter()
    try:
        dask.visualize(obj, filename=None)
    except Exception as exc:  # report why, whatever dask raises
        return f"failed ({type(exc).__name__}: {str(exc).splitlines()[0][:70]})"
    return f"{time.perf_counter() - start:.2f} s"


def main() -> None:
    from lazyscope import dag

    big_n = 10**5 if "--small" in sys.argv else 10**6
    small, big = _array(10**4), _array(big_n)
    dag(_array(4))._repr_mimebundle_()  # warm imports; steady state is what a user sees
    figures = {}
    for label, obj in (("1e4", small), (f"1e{len(str(big_n)) - 1}", big)):
        ours = _median(lambda obj=obj: dag(obj)._repr_mimebundle_())
        base = _median(lambda obj=obj: dict(obj.__dask_graph__()), repeat=1 if obj is big else 3)
        figures[label] = (ours, base)
        tasks = len(obj.__dask_graph__())
        _line(f"dag {label}-chunk array: call to bundle", ours, base)
        shown = dag(obj).to_json()["stats"]["nodes"]
        _line(f"dag {label}-chunk array: nodes shown / tasks", shown, tasks, unit="")
    (small_ours, small_base), (big_ours, big_base) = figures.values()
    _line("dag growth 1e4 -> big (lazyscope)", big_ours, small_ours)
    _line("dag growth 1e4 -> big (materialize graph)", big_base, small_base)
    _frame(big_n)
    _delayed()
    print(f"# dask.visualize on 1e4 chunks: {_visualize(small)}")
    print(f"# dask.visualize on the big array: {_visualize(big)}")


def _frame(partitions: int) -> None:
    """A DataFrame of `partitions` partitions: our optimized-expression view against Dask's
    own text rendering of the same optimized tree (`optimize().pprint()` minus printing)."""
    import dask.dataframe as dd
    import pandas as pd

    from lazyscope import dag

    meta = pd.DataFrame({"x": pd.Series([], dtype=float), "k": pd.Series([], dtype=int)})
    frame = dd.from_map(lambda i: meta, range(partitions), meta=meta, enforce_metadata=False)
    query = frame[frame.x > 0].assign(y=frame.x * 2).groupby("k").y.mean()
    ours = _median(lambda: dag(query)._repr_mimebundle_())
    base = _median(lambda: query.optimize().expr.tree_repr())
    _line(f"dag {partitions:.0e}-partition DataFrame vs tree_repr", ours, base)


def _delayed() -> None:
    """10^4 Delayed calls (a layer each): merged by key prefix into a few nodes."""
    from dask import delayed

    from lazyscope import dag

    def load(i: int) -> int:
        return i

    total = delayed(sum)([delayed(load)(i) for i in range(10**4)])
    ours = _median(lambda: dag(total)._repr_mimebundle_(), repeat=3)
    base = _median(lambda: dict(total.__dask_graph__()), repeat=3)
    _line("dag 1e4-call Delayed: call to bundle", ours, base)
    shown = dag(total).to_json()["stats"]["nodes"]
    _line("dag 1e4-call Delayed: nodes shown / tasks", shown, 10**4 + 1, unit="")


if __name__ == "__main__":
    main()
