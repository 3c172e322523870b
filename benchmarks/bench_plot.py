"""lazyscope.plot against its baselines, side by side in one run.

Dask (points persisted on a 2-worker LocalCluster): `lazyscope.plot` / raw
`datashader.Canvas(...).points` on the same Dask DataFrame (goal <= 1.2), and the zoom
re-render time (goal <= 300 ms), also on rows in x order (a zoom then skips partitions).
Spark (rows cached, local[2]): `lazyscope.plot` / Arrow `toPandas()` + Datashader
(goal <= 0.5), and driver peak memory (goal <= 1/4): Python plus JVM, and Python alone
(the local JVM is also the executor, so the first figure includes executor heap growth).
Then how each cost grows from the small size to the big one.

Prints `name  lazyscope_figure  baseline_figure  ratio` lines: wall seconds, then (`_cpu`)
CPU seconds of the whole process tree - driver, JVM, Spark's Python workers, Dask workers -
which other programs on a shared machine barely move; MiB for memory. A ratio below 1 means
lazyscope is cheaper. `--small` runs 200k / 2M points instead of 2M / 20M.
"""

from __future__ import annotations

import argparse
import statistics
import threading
import time
from collections.abc import Callable
from typing import Any

import psutil

W, H = 800, 600
REPEAT = 3


def row(name: str, ours: float | None, base: float | None) -> None:
    ratio = f"{ours / base:.3f}" if ours is not None and base else "n/a"
    shown = [f"{v:.3f}" if v is not None else "n/a" for v in (ours, base)]
    print(f"{name:<34} {shown[0]:>12} {shown[1]:>12} {ratio:>8}", flush=True)


def cpu_seconds() -> float:
    """CPU time of this process and all its descendants (JVM, Spark's Python workers, Dask
    workers): unlike wall time, barely moved by other programs competing for the cores."""
    me = psutil.Process()
    total = sum(me.cpu_times()[:2])
    for child in me.children(recursive=True):
        try:
            total += sum(child.cpu_times()[:2])
        except psutil.Error:
            continue
    return total


def timed(fn: Callable[[], Any], cpu: list[float] | None = None) -> float:
    start, busy = time.perf_counter(), cpu_seconds()
    fn()
    if cpu is not None:
        cpu.append(cpu_seconds() - busy)
    return time.perf_counter() - start


def median_pair(name: str, ours: Callable[[], Any], base: Callable[[], Any]) -> float:
    """Alternate the two REPEAT times (so load changes hit both); print wall and CPU medians."""
    a, b, ca, cb = [], [], [], []
    for _ in range(REPEAT):
        a.append(timed(ours, ca))
        b.append(timed(base, cb))
    row(name, statistics.median(a), statistics.median(b))
    row(name + "_cpu", statistics.median(ca), statistics.median(cb))
    return statistics.median(a)


class PeakMemory:
    """Peak resident memory above the level at entry: `peak` of this process plus its JVM,
    `python_peak` of this process alone. In local mode the JVM is also the executor, so
    `peak` includes the executors' heap growth - which the run that goes second reuses."""

    def __init__(self) -> None:
        self.peak = self.python_peak = 0
        self._stop = threading.Event()

    @staticmethod
    def _rss() -> tuple[int, int]:
        me = psutil.Process()
        python = total = me.memory_info().rss
        for child in me.children(recursive=True):
            try:
                if child.name() == "java":  # the driver JVM, not Spark's Python workers
                    total += child.memory_info().rss
            except psutil.Error:
                continue
        return total, python

    def _sample(self) -> None:
        total, python = self._rss()
        self.peak = max(self.peak, total - self.base[0])
        self.python_peak = max(self.python_peak, python - self.base[1])

    def _watch(self) -> None:
        while not self._stop.wait(0.005):
            self._sample()

    def __enter__(self) -> PeakMemory:
        self.base = self._rss()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()


def label_of(n: int) -> str:
    return f"{n // 1_000_000}M" if n >= 1_000_000 else f"{n // 1000}k"


def bench_dask(sizes: list[int]) -> dict[int, float]:
    import dask.array as da
    import dask.dataframe as dd
    from distributed import Client, LocalCluster, wait

    per_size = {}
    with LocalCluster(n_workers=2, threads_per_worker=1) as cluster, Client(cluster):
        for n in sizes:
            arr = da.random.default_rng(1).standard_normal((n, 2), chunks=(max(n // 8, 1), 2))
            ddf = dd.from_dask_array(arr, columns=["x", "y"]).persist()
            wait(ddf)
            per_size[n] = dask_size(ddf, label_of(n), first=n == sizes[0])
        dask_ordered_zoom(sizes[-1])
    return per_size


def dask_ordered_zoom(n: int) -> None:
    """Rows in x order (a time series, a sorted table): a zoom reads only the partitions
    that reach its window. Raw Datashader reads them all."""
    import dask.array as da
    import dask.dataframe as dd
    import datashader as ds
    from distributed import wait

    import lazyscope

    chunks = max(n // 8, 1)
    x = da.linspace(-3.0, 3.0, n, chunks=chunks)
    y = da.random.default_rng(2).standard_normal(n, chunks=chunks)
    ddf = dd.from_dask_array(da.stack([x, y], axis=1), columns=["x", "y"]).persist()
    wait(ddf)
    p = lazyscope.plot(ddf, "x", "y")
    p._repr_mimebundle_()
    windows = iter([((-0.5 - i / 10, 0.5), (-1, 1 + i / 10)) for i in range(REPEAT)])
    median_pair(
        f"dask_zoom_ordered_rows_{label_of(n)}",
        lambda: p.zoom(*next(windows)),
        lambda: ds.Canvas(W, H, x_range=(-0.5, 0.5), y_range=(-1, 1)).points(ddf, "x", "y"),
    )


def dask_size(ddf: Any, label: str, first: bool) -> float:
    import datashader as ds

    import lazyscope

    if first:
        row(f"dask_first_plot_cold_{label}", timed(lambda: lazyscope.plot(ddf, "x", "y")), None)
        ds.Canvas(W, H).points(ddf, "x", "y")  # the baseline's JIT, outside the timing
    # A new frame object each time: lazyscope's cached extent pass is paid every time,
    # as Datashader pays its own bounds pass when not given ranges.
    ours = median_pair(
        f"dask_plot_{label}",
        lambda: lazyscope.plot(ddf[["x", "y"]], "x", "y"),
        lambda: ds.Canvas(W, H).points(ddf, "x", "y"),
    )
    median_pair(  # + shading, the Bokeh document and the PNG of the display bundle
        f"dask_plot_and_display_{label}",
        lambda: lazyscope.plot(ddf[["x", "y"]], "x", "y")._repr_mimebundle_(),
        lambda: ds.Canvas(W, H).points(ddf, "x", "y"),
    )
    ranges = {"x_range": (-3.0, 3.0), "y_range": (-3.0, 3.0)}
    median_pair(
        f"dask_plot_given_ranges_{label}",
        lambda: lazyscope.plot(ddf, "x", "y", **ranges),
        lambda: ds.Canvas(W, H, **ranges).points(ddf, "x", "y"),
    )
    p = lazyscope.plot(ddf, "x", "y")
    p._repr_mimebundle_()  # displayed: each zoom then re-shades and updates the Bokeh figure
    windows = iter([((-1 - i / 10, 1), (-1, 1 + i / 10)) for i in range(REPEAT)])
    median_pair(
        f"dask_zoom_rerender_{label}",
        lambda: p.zoom(*next(windows)),
        lambda: ds.Canvas(W, H, x_range=(-1, 1), y_range=(-1, 1)).points(ddf, "x", "y"),
    )
    return ours


def bench_spark(sizes: list[int]) -> dict[int, float]:
    from pyspark.sql import SparkSession
    from pyspark.sql import functions as f

    spark = (
        SparkSession.builder.master("local[2]")
        .appName("bench_plot")
        .config("spark.driver.memory", "6g")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    per_size = {}
    try:
        for n in sizes:
            sdf = spark.range(n, numPartitions=8).select(
                f.randn(1).alias("x"), f.randn(2).alias("y")
            )
            sdf = sdf.cache()
            sdf.count()
            per_size[n] = spark_size(sdf, label_of(n), first=n == sizes[0])
            sdf.unpersist()
    finally:
        spark.stop()
    return per_size


def spark_size(sdf: Any, label: str, first: bool) -> float:
    import datashader as ds

    import lazyscope

    def ours() -> Any:
        return lazyscope.plot(sdf.select("x", "y"), "x", "y")  # a new object: no cached extent

    def base() -> Any:
        return ds.Canvas(W, H).points(sdf.toPandas(), "x", "y")

    if first:
        row(f"spark_first_plot_cold_{label}", timed(ours), None)
        base()  # the baseline's JIT, outside the timing
    t_ours = median_pair(f"spark_plot_{label}", ours, base)
    with PeakMemory() as ours_mem:  # ours first: a JVM heap grown by it favours toPandas
        ours()
    with PeakMemory() as base_mem:
        base()
    row(f"spark_driver_peak_MiB_{label}", ours_mem.peak / 2**20, base_mem.peak / 2**20)
    python_peaks = ours_mem.python_peak / 2**20, base_mem.python_peak / 2**20
    row(f"spark_driver_python_peak_MiB_{label}", *python_peaks)
    p = ours()
    p._repr_mimebundle_()  # displayed: each zoom then re-shades and updates the Bokeh figure
    # half the extent each way: served by the home pyramid, no Spark job
    windows = iter([((-3 - i / 10, 3), (-3, 3 + i / 10)) for i in range(REPEAT)])
    zooms = [timed(lambda: p.zoom(*next(windows))) for _ in range(REPEAT)]
    row(f"spark_zoom_pyramid_{label}", statistics.median(zooms), None)
    row(f"spark_zoom_new_job_{label}", timed(lambda: p.zoom((0.0, 0.01), (0.0, 0.01))), None)
    return t_ours


def growth(engine: str, per_size: dict[int, float]) -> None:
    small, big = sorted(per_size)
    row(f"{engine}_cost_growth_x{big // small}", per_size[big], per_size[small])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="200k and 2M points (quick)")
    parser.add_argument("--only", choices=["dask", "spark"], help="run one engine")
    args = parser.parse_args(argv)
    sizes = [200_000, 2_000_000] if args.small else [2_000_000, 20_000_000]
    print(f"{'name':<34} {'lazyscope':>12} {'baseline':>12} {'ratio':>8}")
    if args.only != "spark":
        growth("dask", bench_dask(sizes))
    if args.only != "dask":
        growth("spark", bench_spark(sizes))


if __name__ == "__main__":
    main()
