"""Inspect latency: `PlotWidget.inspect(x, y)` (a pixel's count from the grid, and 5 rows under
it fetched from the engine) against the query a user would type by hand for the same rows.

The data: n rows of x, y ~ N(0, 1) and an id, in 8 partitions; an 800x600 points plot of the
data's own extent (its extent pass paid before timing, as a user's plot has).
- lazyscope on Dask: persisted on a 2-worker x 1-thread LocalCluster; the extent pass kept
  each partition's bounding box (x normal, not sorted: every partition can hold a pixel);
- lazyscope on Spark: the rows cached (local[2]);
- lazyscope on pandas: in the kernel, for reference;
- by hand: the pixel's ranges as a filter, 5 rows: Dask
  `ddf[(x >= x0) & (x < x1) & (y >= y0) & (y < y1)].head(5, npartitions=-1)`, Spark
  `df.where(x.between(...) & y.between(...)).limit(5).toPandas()`, pandas `df[mask].head(5)`.
Three pixels: dense (the centre, thousands of rows), sparse (the tail, a few rows) and empty
(no rows: every row must be looked at). Sides interleaved (order rotating), one warm-up run
each, median [min-max] of REPEAT. Spark jobs and Dask tasks of one inspection are counted.
Goal (issue 28): <= 1 s at 20M rows on each engine, one small job.
Run: `python benchmarks/bench_inspect.py [--small] [--n N] [--only dask|spark|pandas]`.
"""

from __future__ import annotations

import argparse
import contextlib
import os
from collections.abc import Callable
from typing import Any

from _bench import Fig, interleave, line, note
from bench_server_load import cpu_model

W, H = 800, 600
REPEAT = 5
PARTS = 8
GOAL = 1.0  # seconds


def part_of(i: int, n: int) -> Any:
    """Rows [i n/8, (i+1) n/8): the same wherever they are made."""
    import numpy as np
    import pandas as pd

    lo, hi = i * n // PARTS, (i + 1) * n // PARTS
    rng = np.random.default_rng(i)
    return pd.DataFrame(
        {
            "id": np.arange(lo, hi),
            "x": rng.standard_normal(hi - lo),
            "y": rng.standard_normal(hi - lo),
        }
    )


def pixels(plot: Any) -> dict[str, tuple[float, float]]:
    """Data points of a dense, a sparse and an empty pixel of the plot's grid."""
    import numpy as np

    counts = plot.aggregate.values
    (x0, x1), (y0, y1) = plot.aggregate.attrs["x_range"], plot.aggregate.attrs["y_range"]

    def at(row: int, col: int) -> tuple[float, float]:
        return x0 + (col + 0.5) * (x1 - x0) / W, y0 + (row + 0.5) * (y1 - y0) / H

    dense = np.unravel_index(int(np.argmax(counts)), counts.shape)
    sparse = np.argwhere(counts == 1)[0]
    empty = np.argwhere(counts == 0)[len(np.argwhere(counts == 0)) // 2]
    return {"dense": at(*dense), "sparse": at(*sparse), "empty": at(*empty)}


def by_hand(plot: Any, xy: tuple[float, float]) -> tuple[float, float, float, float]:
    """The pixel's data ranges (what a user reads off the axes), for the hand-written query."""
    found = plot.inspect(*xy, rows=1)
    (a, b), (c, d) = found.x_range, found.y_range
    return a, b, c, d


def report(engine: str, label: str, t: dict[str, Fig], runs: dict[str, str]) -> None:
    for kind in ("dense", "sparse", "empty"):
        ours = t[f"lazyscope {kind}"]
        peer = t[f"by hand {kind}"]
        line(
            f"inspect_{label}: {engine}, {kind} pixel, vs a hand-written filter + limit",
            ours,
            [("by hand", peer)],
            versus="by hand",
            goal=f"<= {GOAL:g} s",
            verdict="met" if ours.median <= GOAL else "not met",
        )
        note(f"{label} {engine} {kind}: one inspection ran {runs[kind]}")


def dask_side(n: int, stack: contextlib.ExitStack) -> tuple[dict[str, Callable[[], Any]], Any]:
    import dask.dataframe as dd
    from distributed import Client, LocalCluster, get_task_stream, wait

    import lazyscope

    cluster = stack.enter_context(LocalCluster(n_workers=2, threads_per_worker=1))
    client = stack.enter_context(Client(cluster))
    ddf = dd.from_map(part_of, range(PARTS), n=n).persist()
    wait(ddf)
    plot = lazyscope.plot(ddf, "x", "y", width=W, height=H)
    sides: dict[str, Callable[[], Any]] = {}
    runs = {}
    for kind, xy in pixels(plot).items():
        a, b, c, d = by_hand(plot, xy)
        sides[f"lazyscope {kind}"] = lambda xy=xy: plot.inspect(*xy)
        sides[f"by hand {kind}"] = lambda a=a, b=b, c=c, d=d: ddf[
            (ddf.x >= a) & (ddf.x < b) & (ddf.y >= c) & (ddf.y < d)
        ].head(5, npartitions=-1)
        with get_task_stream(client) as stream:
            plot.inspect(*xy)
        ours = [t for t in stream.data if "rows under a pixel" in str(t["key"])]
        runs[kind] = f"{len(ours)} tasks of {ddf.npartitions} partitions, in 1 graph"
    return sides, runs


def spark_side(n: int) -> tuple[dict[str, Callable[[], Any]], Any]:
    from bench_plot import spark_session
    from pyspark.sql import functions as f

    import lazyscope

    spark = spark_session()
    rnd = spark.range(n, numPartitions=PARTS)
    sdf = rnd.select(f.col("id"), f.randn(1).alias("x"), f.randn(2).alias("y")).cache()
    sdf.count()
    plot = lazyscope.plot(sdf, "x", "y", width=W, height=H)
    scheduler = spark.sparkContext._jsc.sc().dagScheduler()
    sides: dict[str, Callable[[], Any]] = {}
    runs = {}
    for kind, xy in pixels(plot).items():
        a, b, c, d = by_hand(plot, xy)
        keep = f.col("x").between(a, b) & f.col("y").between(c, d)
        sides[f"lazyscope {kind}"] = lambda xy=xy: plot.inspect(*xy)
        sides[f"by hand {kind}"] = lambda keep=keep: sdf.where(keep).limit(5).toPandas()
        start = int(scheduler.nextJobId())
        plot.inspect(*xy)
        jobs = int(scheduler.nextJobId()) - start
        by = int(scheduler.nextJobId())
        sdf.where(keep).limit(5).toPandas()
        runs[kind] = f"{jobs} Spark job(s) (by hand: {int(scheduler.nextJobId()) - by})"
    return sides, runs


def pandas_side(n: int) -> tuple[dict[str, Callable[[], Any]], Any]:
    import pandas as pd

    import lazyscope

    pdf = pd.concat([part_of(i, n) for i in range(PARTS)], ignore_index=True)
    plot = lazyscope.plot(pdf, "x", "y", width=W, height=H)
    sides: dict[str, Callable[[], Any]] = {}
    runs = {}
    for kind, xy in pixels(plot).items():
        a, b, c, d = by_hand(plot, xy)
        sides[f"lazyscope {kind}"] = lambda xy=xy: plot.inspect(*xy)
        sides[f"by hand {kind}"] = lambda a=a, b=b, c=c, d=d: pdf[
            (pdf.x >= a) & (pdf.x < b) & (pdf.y >= c) & (pdf.y < d)
        ].head(5)
        runs[kind] = "no engine work (a mask in the kernel)"
    return sides, runs


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--small", action="store_true", help="2M rows instead of 20M")
    parser.add_argument("--only", choices=("dask", "spark", "pandas"))
    parser.add_argument("--n", type=int, default=None)
    args = parser.parse_args()
    n = args.n or (2_000_000 if args.small else 20_000_000)
    label = f"{n // 1_000_000}M" if n >= 1_000_000 else f"{n // 1000}k"
    note(f"CPU: {cpu_model()}, {os.cpu_count()} cores; inspect a pixel of {n:,} rows, {W}x{H}")
    for engine in ("dask", "spark", "pandas"):
        if args.only not in (None, engine):
            continue
        with contextlib.ExitStack() as stack:
            if engine == "dask":
                sides, runs = dask_side(n, stack)
            elif engine == "spark":
                sides, runs = spark_side(n)
            else:
                sides, runs = pandas_side(n)
            report(engine, label, interleave(sides, REPEAT), runs)


if __name__ == "__main__":
    main()
