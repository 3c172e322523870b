"""Long life: one kernel running 1,000 `%%dask` and `%%spark` cells (alternating, tiny work,
live progress on, as by default), and what it holds afterwards against before.

A real IPython kernel (jupyter_client, lazyscope of this checkout) loads lazyscope and runs
warm-up cells first (the sessions start, the progress views' code is imported); "before" is
measured then. After the cells, "after". Figures, each after / before: the kernel process's
RSS, threads and open file descriptors; the Spark driver JVM's RSS and threads; the number
of the kernel's child processes (the JVM, the local Dask cluster's workers), and the threads
again after 75 s idle (Spark retires its pools' idle threads after 60 s). The goal is
flat; the figures are printed, not judged (a JVM's heap grows until its next full GC, and
Python's allocator keeps freed arenas). A line every 10% of the cells shows the trend.

Run alone: `python benchmarks/bench_kernel_longlife.py [--cells N] [--small]`
(`--small`: 100 cells).
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import psutil
from _bench import Fig, Kernel, line, note

WARM = 20
# Spark's own cached thread pools (shuffle-exchange, ResultQueryStage, block-manager-*) start
# a thread per concurrent use and retire idle ones after 60 s: the JVM's thread count after a
# burst of queries says how fast they came, and after this pause whether anything stayed.
IDLE = 75.0
DASK = "%%dask\nimport dask.array as da\nda.ones(100, chunks=10).sum().compute()"
SPARK = "%%spark\nspark.range(100).selectExpr('sum(id)').collect()[0][0]"


def _java(kernel: psutil.Process) -> psutil.Process | None:
    for child in kernel.children(recursive=True):
        try:
            if child.name() == "java":
                return child
        except psutil.Error:
            continue
    return None


def snapshot(kernel: psutil.Process) -> dict[str, float]:
    """What the kernel holds now (MiB, counts)."""
    jvm = _java(kernel)
    with kernel.oneshot():
        figures = {"rss": kernel.memory_info().rss / 2**20, "threads": kernel.num_threads(),
                   "fds": kernel.num_fds(),
                   "children": len(kernel.children(recursive=True))}  # fmt: skip
    figures["jvm_rss"] = jvm.memory_info().rss / 2**20 if jvm else 0.0
    figures["jvm_threads"] = jvm.num_threads() if jvm else 0
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", type=int, default=1000, help="measured cells (default 1000)")
    parser.add_argument("--small", action="store_true", help="100 cells")
    args = parser.parse_args()
    cells = 100 if args.small else args.cells
    kernel = Kernel()
    try:
        pid = kernel.km.provisioner.process.pid  # type: ignore[union-attr]  # a local kernel
        proc = psutil.Process(pid)
        kernel.run("%load_ext lazyscope")
        for i in range(WARM):
            kernel.run(DASK if i % 2 == 0 else SPARK)
        before = snapshot(proc)
        walls: dict[str, list[float]] = {"dask": [], "spark": []}
        messages: list[int] = []
        start = time.perf_counter()
        for i in range(cells):
            engine = "dask" if i % 2 == 0 else "spark"
            ran: dict[str, Any] = kernel.run(DASK if engine == "dask" else SPARK)
            walls[engine].append(ran["wall"])
            messages.append(ran["messages"])
            if (i + 1) % max(1, cells // 10) == 0:
                now = snapshot(proc)
                took = time.perf_counter() - start
                note(f"longlife after {i + 1} cells ({took:.0f} s): "
                     f"kernel RSS {now['rss']:.1f} MiB, threads {now['threads']:.0f}, "
                     f"fds {now['fds']:.0f}, children {now['children']:.0f}; JVM RSS "
                     f"{now['jvm_rss']:.0f} MiB, threads {now['jvm_threads']:.0f}")  # fmt: skip
        after = snapshot(proc)
        time.sleep(IDLE)
        rested = snapshot(proc)
    finally:
        kernel.close()
    report(cells, before, after, walls, messages)
    note(f"longlife: after {IDLE:.0f} s idle: kernel threads {rested['threads']:.0f}, "
         f"fds {rested['fds']:.0f}; JVM threads {rested['jvm_threads']:.0f}, "
         f"RSS {rested['jvm_rss']:.0f} MiB")  # fmt: skip


def report(
    cells: int,
    before: dict[str, float],
    after: dict[str, float],
    walls: dict[str, list[float]],
    messages: list[int],
) -> None:
    name = f"kernel longlife, {cells:,} cells"
    rows = [("kernel RSS", "rss", "MiB"), ("kernel threads", "threads", "n"),
            ("kernel open fds", "fds", "n"), ("kernel child processes", "children", "n"),
            ("Spark JVM RSS", "jvm_rss", "MiB"),
            ("Spark JVM threads", "jvm_threads", "n")]  # fmt: skip
    for label, key, unit in rows:
        growth = after[key] - before[key]
        line(f"{name}: {label}, after vs before", Fig([after[key]], unit),
             [("before", Fig([before[key]], unit))], versus="before",
             goal=f"flat (growth {growth:+,.1f}{'' if unit == 'n' else ' ' + unit})")  # fmt: skip
    kib = (after["rss"] - before["rss"]) * 1024 / max(1, cells)
    note(f"longlife: kernel RSS growth {kib:+.1f} KiB per cell")
    for engine, values in walls.items():
        if values:
            half = len(values) // 2
            line(f"{name}: %%{engine} cell wall time, last half vs first half",
                 Fig(values[half:]), [("first half", Fig(values[:half] or values))],
                 versus="first half", goal="flat")  # fmt: skip
    line(f"{name}: front-end messages per cell", Fig(messages, "n"))


if __name__ == "__main__":
    main()
