"""lazyscope.dag against Dask's own views of the same object, at 10^4 and 10^6 tasks.

The object: `da.ones((s, s), chunks=(1, 1)) * 2` with 2 * s * s = 10^4 or 10^6 tasks (two
layers of s * s), and a Delayed sum of 10^4 calls (one layer per call; 10^3 with --small).
- lazyscope: `lazyscope.dag(x)._repr_mimebundle_()` (all the formats a front end receives);
- dask.visualize: `dask.visualize(x, filename=None)` (graphviz: Python builds the dot
  source, Debian's `dot` lays it out and renders the PNG), in a child process stopped after
  VIZ_TIMEOUT s; `dask.visualize` without graphviz installed: the line says so;
- HLG listing: `x.__dask_graph__()._repr_html_()`, the HighLevelGraph layer table Jupyter
  shows for `x.dask` (one row per layer, no task drawn).
Median [min-max] of REPEAT interleaved runs after a warm-up, lazyscope on a new object each
time (nothing cached); the HLG listing runs once when one run takes over 5 s; visualize
runs once per size.
`--small`: 10^5 instead of 10^6, visualize stopped after 10 s.
Run alone: `python benchmarks/bench_dag.py [--small]`.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from typing import Any

from _bench import Fig, interleave, line, note, timed

REPEAT = 5
VIZ_TIMEOUT = 60.0

VIZ = """
import sys, time
sys.path.insert(0, {here!r})
import dask
from bench_dag import build
x = build({kind!r}, {n})
t = time.perf_counter()
dask.visualize(x, filename=None)
print("SECONDS", time.perf_counter() - t)
"""


def build(kind: str, n: int) -> Any:
    if kind == "array":
        import dask.array as da

        side = round((n / 2) ** 0.5)  # two layers of side^2 tasks: n tasks in all
        return da.ones((side, side), chunks=(1, 1)) * 2
    from dask import delayed

    def load(i: int) -> int:
        return i

    return delayed(sum)([delayed(load)(i) for i in range(n)])


def visualize(kind: str, n: int) -> Fig | str:
    import importlib.util
    import shutil

    if importlib.util.find_spec("graphviz") is None or shutil.which("dot") is None:
        return "peer not installed (graphviz)"
    from pathlib import Path

    code = VIZ.format(here=str(Path(__file__).parent), kind=kind, n=n)
    # Its own process group: on timeout the graphviz `dot` it started must stop too.
    proc = subprocess.Popen(
        [sys.executable, "-c", code],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        stdout, stderr = proc.communicate(timeout=VIZ_TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        return f"> {VIZ_TIMEOUT:.0f} s (stopped)"
    for text in stdout.splitlines():
        if text.startswith("SECONDS "):
            return Fig([float(text.split()[1])])
    return f"failed: {(stderr.strip().splitlines() or ['?'])[-1][:100]}"


def compare(kind: str, n: int, label: str) -> None:
    from lazyscope import dag

    # A new object for every run: lazyscope must not be served from a cache of the last one.
    fresh = [build(kind, n) for _ in range(REPEAT + 2)]
    dag(fresh.pop())._repr_mimebundle_()  # warm-up
    x = fresh[0]
    tasks = len(x.__dask_graph__())
    sides = {
        "lazyscope": lambda: dag(fresh.pop())._repr_mimebundle_(),
        "HLG listing": lambda: x.__dask_graph__()._repr_html_(),
    }
    once = timed(sides["HLG listing"])  # also its warm-up
    if once < 5:
        t = interleave(sides, REPEAT, warm=False)
    else:  # too slow to repeat: its one run is its figure
        t = {**interleave({"lazyscope": sides["lazyscope"]}, REPEAT), "HLG listing": Fig([once])}
    ours = t["lazyscope"]
    viz = visualize(kind, n)
    ratio = None
    verdict = None
    if isinstance(viz, str) and viz.startswith(">"):  # stopped: lazyscope finished in less
        ratio = f"< {ours.median / VIZ_TIMEOUT:.4f}"
        verdict = "met" if ours.hi < VIZ_TIMEOUT else "not met"
    line(
        f"dag {label} ({tasks:,} tasks): vs dask.visualize",
        ours,
        [("dask.visualize", viz), ("HLG listing", t["HLG listing"])],
        versus="dask.visualize",
        goal="not slower than dask.visualize (within noise)",
        noise=True,
        ratio=ratio,
        verdict=verdict,
    )
    line(
        f"dag {label} ({tasks:,} tasks): vs HLG listing",
        ours,
        [("HLG listing", t["HLG listing"])],
        versus="HLG listing",
        goal="not slower than the HLG listing (within noise)",
        noise=True,
    )
    shown = dag(x).to_json()["stats"]["nodes"]
    note(f"dag {label}: lazyscope draws {shown} nodes for {tasks:,} tasks")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="10^5 instead of 10^6 chunks")
    args = parser.parse_args(argv)
    from lazyscope import dag

    dag(build("array", 4))._repr_mimebundle_()  # warm imports
    global VIZ_TIMEOUT
    big, calls = (10**5, 10**3) if args.small else (10**6, 10**4)
    VIZ_TIMEOUT = 10.0 if args.small else VIZ_TIMEOUT
    started = time.perf_counter()
    compare("array", 10**4, "1e4-task array")
    compare("array", big, f"1e{len(str(big)) - 1}-task array")
    compare("delayed", calls, f"1e{len(str(calls)) - 1}-call Delayed")
    note(f"bench_dag: {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
