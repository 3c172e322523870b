"""Live progress against what a user would run instead, each in its own real kernel.

Spark, 5,000 tasks (`spark.range(0, 10**7, numPartitions=5000)` -> sum), local[2]:
- plain: a bare `SparkSession` (console progress bar off, as on every side), no view;
- lazyscope: `%load_ext lazyscope`, `%spark start --master local[2]`, the job in `%%spark`;
- sparkmonitor: `%load_ext sparkmonitor.kernelextension`, its Spark 4 listener jar from
  inside the installed package via `spark.extraListeners` + `spark.driver.extraClassPath`.
  Its kernel extension forwards the listener's events only once a front end has opened a
  comm to its target `SparkMonitor` (without one its socket thread dies on the first
  event); this client opens that comm, as the notebook page would.
Dask, a 2-worker x 1-thread LocalCluster on every side (the distributed scheduler):
- plain: `x.compute()`; lazyscope: `%%dask` around it;
- distributed.progress, the two ways a notebook uses it: blocking (`client.compute(x)`,
  `display(distributed.progress(f, notebook=True))`, `f.result()`), whose widget does not
  move until the cell ends (it is updated from the kernel's event loop, blocked meanwhile),
  and live (the same without `f.result()`: the cell ends at once and the widget moves
  while the kernel is idle; its time runs until the widget says "Finished").
  The graph is `da.ones(n // 2, chunks=1).sum(split_every=100)`: n tasks and a small
  reduction tree. The scheduler runs about 1,100 such tasks/s on this 2-core machine, so
  100,000 tasks cost ~90 s a run; the default is 50,000 (`--dask-tasks 100000` for the
  issue's size) to keep one run under a minute.

Figures: wall time of the cell (request sent to kernel idle, measured by the client);
kernel -> front-end IOPub messages and bytes (not counting status / execute_input)
during the cell, and after it (listening up to 60 s after idle, until 10 s pass quiet;
3 s with --small).
Sides run interleaved (order rotating), each warmed once on a small job; median [min-max].
Run alone: `python benchmarks/bench_progress.py [--small] [--repeat N] [--dask-tasks N]`.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from typing import Any

from _bench import Fig, Kernel, line, note

LATE_MAX, LATE_QUIET = 60.0, 10.0

SPARK_JOB = '_r = spark.range(0, 10**7, numPartitions={n}).selectExpr("sum(id)").collect()'
SPARK_PLAIN = """
from pyspark.sql import SparkSession
spark = (SparkSession.builder.master("local[2]").appName("bench-plain")
         .config("spark.ui.showConsoleProgress", "false").getOrCreate())
spark.sparkContext.setLogLevel("ERROR")
"""
SPARK_MONITOR = """
import os, sparkmonitor
from pyspark.sql import SparkSession
_jar = os.path.join(os.path.dirname(sparkmonitor.__file__), "listener_spark4_2.13.jar")
spark = (SparkSession.builder.master("local[2]").appName("bench-sparkmonitor").config(conf=conf)
         .config("spark.extraListeners", "sparkmonitor.listener.JupyterSparkMonitorListener")
         .config("spark.driver.extraClassPath", _jar)
         .config("spark.ui.showConsoleProgress", "false").getOrCreate())
spark.sparkContext.setLogLevel("ERROR")
"""
SPARK_LAZYSCOPE = """%spark start --master local[2]
spark.sparkContext.setLogLevel("ERROR")
"""

DASK_JOB = "x = da.ones({n} // 2, chunks=1).sum(split_every=100)\n"
DASK_PLAIN = """
import dask.array as da
from distributed import Client, LocalCluster
client = Client(LocalCluster(n_workers=2, threads_per_worker=1))
"""
DISTRIBUTED_PROGRESS = "from distributed import progress\nfrom IPython.display import display"
DASK_LAZYSCOPE = """%dask start --workers 2 --threads 1
import dask.array as da
"""


def _has(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


# A side that ends before its work does names the text of its last message.
FINISHED = {"distributed.progress live": "<b>Finished:</b>"}


def _sides(engine: str, n: int) -> dict[str, tuple[list[str], str]]:
    """side -> (setup cells, the timed cell) for a job of n tasks."""
    if engine == "spark":
        job = SPARK_JOB.format(n=n)
        sides = {
            "plain": ([SPARK_PLAIN], job),
            "lazyscope": (["%load_ext lazyscope", SPARK_LAZYSCOPE], "%%spark\n" + job),
        }
        if _has("sparkmonitor"):
            sides["sparkmonitor"] = (["%load_ext sparkmonitor.kernelextension", SPARK_MONITOR], job)
        return sides
    job = DASK_JOB.format(n=n)
    return {
        "plain": ([DASK_PLAIN], job + "_r = x.compute()"),
        "lazyscope": (
            ["%load_ext lazyscope", DASK_LAZYSCOPE],
            "%%dask\n" + job + "_r = x.compute()",
        ),
        "distributed.progress": (
            [DASK_PLAIN + DISTRIBUTED_PROGRESS],
            job + "_f = client.compute(x)\ndisplay(progress(_f, notebook=True))\n_r = _f.result()",
        ),
        "distributed.progress live": (
            [DASK_PLAIN + DISTRIBUTED_PROGRESS],
            job + "_f = client.compute(x)\ndisplay(progress(_f, notebook=True))",
        ),
    }


def measure(engine: str, n: int, warm_n: int, repeat: int) -> dict[str, dict[str, list[float]]]:
    sides = _sides(engine, n)
    warm = _sides(engine, warm_n)
    kernels: dict[str, Kernel] = {}
    results: dict[str, dict[str, list[float]]] = {
        s: {k: [] for k in ("wall", "messages", "bytes", "late_messages", "late_bytes")}
        for s in sides
    }
    try:
        for side, (setup, _) in sides.items():
            kernels[side] = k = Kernel()
            for i, cell in enumerate(setup):
                k.run(cell, timeout=600)
                if side == "sparkmonitor" and i == 0:
                    k.open_comm("SparkMonitor")  # what its front-end part would do
            _run(k, side, warm[side][1])
            k.drain(LATE_MAX, quiet=LATE_QUIET)
        names = list(sides)
        for i in range(repeat):
            for side in names[i % len(names) :] + names[: i % len(names)]:
                k = kernels[side]
                r = _run(k, side, sides[side][1])
                late = k.drain(LATE_MAX, quiet=LATE_QUIET)
                res = results[side]
                res["wall"].append(r["wall"])
                res["messages"].append(r["messages"])
                res["bytes"].append(r["bytes"])
                res["late_messages"].append(late["messages"])
                res["late_bytes"].append(late["bytes"])
    finally:
        for k in kernels.values():
            k.close()
    return results


def _run(kernel: Kernel, side: str, cell: str) -> dict[str, Any]:
    """The cell's figures; for a side whose work outlives its cell, until it finished."""
    r = kernel.run(cell)
    if side in FINISHED:
        rest = kernel.until(FINISHED[side])
        r = {key: r[key] + rest[key] for key in ("wall", "messages", "bytes", "comm")}
    return r


def report(
    engine: str, n: int, peer: str, results: dict[str, Any], more: tuple[str, ...] = ()
) -> None:
    """Lines against `plain` and `peer` (the goals); `more` peers are shown beside them."""
    ours = results["lazyscope"]
    peers_of = ["plain", peer, *more]

    def peers(key: str, unit: str) -> list[tuple[str, Fig | str]]:
        out: list[tuple[str, Fig | str]] = []
        for p in peers_of:
            if p in results:
                out.append((p, Fig(results[p][key], unit)))
            else:
                out.append((p, "peer not installed"))
        return out

    name = f"progress_{engine}_{n}"
    line(
        f"{name}: cell wall time",
        Fig(ours["wall"]),
        peers("wall", "s"),
        versus="plain",
        goal="<= 1.03 x plain",
        max_ratio=1.03,
    )
    line(
        f"{name}: cell wall time vs {peer}",
        Fig(ours["wall"]),
        peers("wall", "s")[1:],
        versus=peer,
        goal=f"not slower than {peer} (within noise)",
        noise=True,
    )
    for key, what, unit in (
        ("messages", "messages to front end during cell", "n"),
        ("late_messages", "messages to front end after cell", "n"),
        ("bytes", "bytes to front end during cell", "B"),
        ("late_bytes", "bytes to front end after cell", "B"),
    ):
        line(f"{name}: {what}", Fig(ours[key], unit), peers(key, unit), versus=peer)
    for key, what, unit in (("messages", "messages", "n"), ("bytes", "bytes", "B")):
        both = {
            s: {key: [a + b for a, b in zip(r[key], r["late_" + key], strict=False)]}
            for s, r in results.items()
        }
        ours_total = Fig(both["lazyscope"][key], unit)
        peers_total: list[tuple[str, Fig | str]] = [
            (p, Fig(both[p][key], unit) if p in both else "peer not installed") for p in peers_of
        ]
        line(
            f"{name}: {what} to front end, cell + after",
            ours_total,
            peers_total,
            versus=peer,
            goal=f"fewer than {peer}",
            max_ratio=1.0,
        )


def options(description: str, argv: list[str] | None) -> tuple[argparse.Namespace, int, int]:
    """The progress benchmarks' options; with the Spark and Dask task counts they ask for."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--small", action="store_true", help="200 Spark / 2,000 Dask tasks")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--dask-tasks", type=int, default=None)
    parser.add_argument("--only", choices=["spark", "dask"])
    args = parser.parse_args(argv)
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    return args, 200 if args.small else 5000, args.dask_tasks or (2_000 if args.small else 50_000)


def main(argv: list[str] | None = None) -> None:
    args, spark_n, dask_n = options(__doc__.splitlines()[0], argv)
    global LATE_QUIET
    if args.small:
        LATE_QUIET = 3.0
    if args.only != "dask":
        started = time.perf_counter()
        res = measure("spark", spark_n, min(200, spark_n), args.repeat)
        report("spark", spark_n, "sparkmonitor", res)
        note(f"progress_spark: {time.perf_counter() - started:.0f} s in all")
    if args.only != "spark":
        started = time.perf_counter()
        res = measure("dask", dask_n, min(1000, dask_n), args.repeat)
        report("dask", dask_n, "distributed.progress live", res, ("distributed.progress",))
        runs = res["plain"]["wall"]
        note(
            f"progress_dask: {dask_n} tasks, plain run {min(runs):.1f}-{max(runs):.1f} s "
            f"(~{dask_n / min(runs):,.0f} tasks/s); {time.perf_counter() - started:.0f} s in all"
        )


if __name__ == "__main__":
    main()
