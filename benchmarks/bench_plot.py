"""lazyscope.plot against what a user would otherwise run, same data, same 800x600 grid.

Dask, 20M points persisted on a 2-worker x 1-thread LocalCluster (8 partitions):
- datashader: `ds.Canvas(800, 600).points(ddf, "x", "y")`, ranges unknown (Datashader's
  own bounds pass) and given;
- lazyscope: `lazyscope.plot(ddf[["x", "y"]], "x", "y")` (a new frame object each time, so
  its per-object extent cache never helps), and with x_range/y_range given;
- hvPlot: `ddf.hvplot.points("x", "y", rasterize=True, width=800, height=600)[()]`: the
  DynamicMap built and evaluated once, which runs HoloViews' rasterize operation (Datashader
  underneath) and returns the aggregated `hv.Image`; no Bokeh rendering on any side.
- one zoom each to x, y in (-1, 1): lazyscope `p.zoom(...)` on a displayed plot; Datashader
  a Canvas with those ranges; hvPlot `dmap.event(x_range=..., y_range=...)` then `dmap[()]`.
Spark, 20M rows cached (local[2], 8 partitions, driver memory 6g):
- toPandas + Datashader: Arrow `sdf.toPandas()` then `ds.Canvas(800, 600).points(...)`;
- SQL binning: a min/max pass (`agg(min, max)`, skipped with ranges given), then
  `floor` pixel indices (clipped to the last pixel), `groupBy(px, py).count().toPandas()`
  and the counts put in an 800x600 numpy grid;
- lazyscope: `lazyscope.plot(sdf.select("x", "y"), "x", "y")` (a new DataFrame: extent pass
  paid), with ranges given, and a re-plot of one same DataFrame (its extent cached).
  Peak memory: each side once in a fresh process (data cached first, untouched by the other
  sides), peak RSS above the level before the call, Python and the JVM (psutil on the java
  child; in local mode it is also the executor) apart.
Sides interleaved (order rotating), one warm-up run each, median [min-max] of REPEAT.
`--small`: 1M points. Run alone: `python benchmarks/bench_plot.py [--small] [--only dask|spark]`.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from typing import Any

from _bench import Fig, PeakMemory, interleave, line, note, release_memory

W, H = 800, 600
REPEAT = 3
RANGES = {"x_range": (-3.0, 3.0), "y_range": (-3.0, 3.0)}
ZOOM = ((-1.0, 1.0), (-1.0, 1.0))


def label_of(n: int) -> str:
    return f"{n // 1_000_000}M" if n >= 1_000_000 else f"{n // 1000}k"


def _has(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


# -------------------------------------------------------------------------- Dask
def bench_dask(n: int) -> None:
    import dask.array as da
    import dask.dataframe as dd
    import datashader as ds
    from distributed import Client, LocalCluster, wait

    import lazyscope

    label = label_of(n)
    with LocalCluster(n_workers=2, threads_per_worker=1) as cluster, Client(cluster):
        arr = da.random.default_rng(1).standard_normal((n, 2), chunks=(max(n // 8, 1), 2))
        ddf = dd.from_dask_array(arr, columns=["x", "y"]).persist()
        wait(ddf)
        sides: dict[str, Any] = {
            "datashader": lambda: ds.Canvas(W, H).points(ddf, "x", "y"),
            "lazyscope": lambda: lazyscope.plot(ddf[["x", "y"]], "x", "y"),
            "datashader ranges given": lambda: ds.Canvas(W, H, **RANGES).points(ddf, "x", "y"),
            "lazyscope ranges given": lambda: lazyscope.plot(ddf, "x", "y", **RANGES),
        }
        hv_missing = "peer not installed"
        if _has("hvplot"):
            import hvplot.dask  # noqa: F401  # registers .hvplot on Dask frames

            def hvplot_points() -> Any:
                return ddf.hvplot.points("x", "y", rasterize=True, width=W, height=H)[()]

            sides["hvplot"] = hvplot_points
        t = interleave(sides, REPEAT)
        hv: Fig | str = t.get("hvplot", hv_missing)
        line(
            f"dask_plot_{label}: ranges unknown, vs datashader",
            t["lazyscope"],
            [("datashader", t["datashader"]), ("hvplot", hv)],
            versus="datashader",
            goal="not slower than datashader (within noise)",
            noise=True,
        )
        line(
            f"dask_plot_{label}: ranges unknown, vs hvplot",
            t["lazyscope"],
            [("hvplot", hv)],
            versus="hvplot",
            goal="not slower than hvplot (within noise)",
            noise=True,
        )
        line(
            f"dask_plot_{label}: ranges given",
            t["lazyscope ranges given"],
            [("datashader", t["datashader ranges given"])],
            versus="datashader",
            goal="not slower than datashader (within noise)",
            noise=True,
        )
        # One zoom each, to the same window; each side zooms from its own home view.
        p = lazyscope.plot(ddf, "x", "y")
        p._repr_mimebundle_()  # displayed: a zoom re-shades and updates the Bokeh figure
        wins = [((-1.0 - i / 100, 1.0), (-1.0, 1.0 + i / 100)) for i in range(REPEAT + 1)]
        zooms: dict[str, Any] = {
            "lazyscope": lambda: p.zoom(*wins.pop()),
            "datashader": lambda: ds.Canvas(W, H, *ZOOM).points(ddf, "x", "y"),
        }
        if _has("hvplot"):
            dmap = ddf.hvplot.points("x", "y", rasterize=True, width=W, height=H)
            dmap[()]
            hv_wins = list(wins)

            def hv_zoom() -> Any:
                xr, yr = hv_wins.pop()
                dmap.event(x_range=xr, y_range=yr)
                return dmap[()]

            zooms["hvplot"] = hv_zoom
        z = interleave(zooms, REPEAT)
        line(
            f"dask_zoom_{label}: one zoom to (-1, 1)",
            z["lazyscope"],
            [("datashader", z["datashader"]), ("hvplot", z.get("hvplot", hv_missing))],
            versus="datashader",
            goal="not slower than datashader (within noise)",
            noise=True,
        )
        if "hvplot" in z:
            line(
                f"dask_zoom_{label}: one zoom, vs hvplot",
                z["lazyscope"],
                [("hvplot", z["hvplot"])],
                versus="hvplot",
                goal="not slower than hvplot (within noise)",
                noise=True,
            )


# -------------------------------------------------------------------------- Spark
def spark_session(memory: str = "6g", result_size: str = "1g") -> Any:
    from pyspark.sql import SparkSession

    spark = (
        SparkSession.builder.master("local[2]")
        .appName("bench_plot")
        .config("spark.driver.memory", memory)
        .config("spark.driver.maxResultSize", result_size)
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def spark_points(spark: Any, n: int, partitions: int = 8) -> Any:
    from pyspark.sql import functions as f

    sdf = spark.range(n, numPartitions=partitions).select(
        f.randn(1).alias("x"), f.randn(2).alias("y")
    )
    sdf = sdf.cache()
    sdf.count()
    return sdf


def to_pandas_datashader(sdf: Any, ranges: dict[str, Any] | None = None) -> Any:
    import datashader as ds

    return ds.Canvas(W, H, **(ranges or {})).points(sdf.toPandas(), "x", "y")


def sql_binning(sdf: Any, ranges: dict[str, Any] | None = None) -> Any:
    """The hand-written Spark way: ranges, pixel indices, groupBy count, a small pandas."""
    import numpy as np
    from pyspark.sql import functions as f

    if ranges is None:
        r = sdf.agg(f.min("x"), f.max("x"), f.min("y"), f.max("y")).first()
        (x0, x1), (y0, y1) = (r[0], r[1]), (r[2], r[3])
    else:
        (x0, x1), (y0, y1) = ranges["x_range"], ranges["y_range"]
    x, y = f.col("x"), f.col("y")
    px = f.least(f.floor((x - x0) / (x1 - x0) * W), f.lit(W - 1)).cast("int")
    py = f.least(f.floor((y - y0) / (y1 - y0) * H), f.lit(H - 1)).cast("int")
    inside = x.between(x0, x1) & y.between(y0, y1)
    counts = (
        sdf.where(inside).select(px.alias("px"), py.alias("py")).groupBy("px", "py").count()
    ).toPandas()
    grid = np.zeros((H, W), dtype=np.uint32)
    grid[counts["py"].to_numpy(), counts["px"].to_numpy()] = counts["count"].to_numpy()
    return grid


def lazyscope_plot(sdf: Any, ranges: dict[str, Any] | None = None) -> Any:
    import lazyscope

    return lazyscope.plot(sdf.select("x", "y"), "x", "y", **(ranges or {}))


MEMORY_SIDES = ("toPandas+datashader", "sql binning", "lazyscope")


def memory_child(side: str, n: int) -> None:
    """In a fresh process: one run of `side` after the data is cached; print its peaks."""
    spark = spark_session()
    sdf = spark_points(spark, n)
    fn = {
        "toPandas+datashader": to_pandas_datashader,
        "sql binning": sql_binning,
        "lazyscope": lazyscope_plot,
    }[side]
    fn(spark_points(spark, 1000))  # imports and JIT outside the measure
    release_memory()
    with PeakMemory() as mem:
        result = fn(sdf)
    del result
    print("MEMORY", json.dumps({"python": mem.python, "jvm": mem.jvm}), flush=True)
    spark.stop()


def memory_of(side: str, n: int) -> dict[str, float] | str:
    args = [sys.executable, __file__, "--memory-child", side, "--n", str(n)]
    proc = subprocess.run(args, capture_output=True, text=True, check=False)
    for text in proc.stdout.splitlines():
        if text.startswith("MEMORY "):
            return {k: v / 2**20 for k, v in json.loads(text[7:]).items()}
    return f"not measured: {proc.stderr.strip().splitlines()[-1:]}"


def bench_spark(n: int) -> None:
    label = label_of(n)
    spark = spark_session()
    try:
        sdf = spark_points(spark, n)
        same = sdf.select("x", "y")  # the re-plot side plots this one object every time

        import lazyscope

        sides = {
            "toPandas+datashader": lambda: to_pandas_datashader(sdf),
            "sql binning": lambda: sql_binning(sdf),
            "lazyscope": lambda: lazyscope_plot(sdf),
            "toPandas+datashader ranges given": lambda: to_pandas_datashader(sdf, RANGES),
            "sql binning ranges given": lambda: sql_binning(sdf, RANGES),
            "lazyscope ranges given": lambda: lazyscope_plot(sdf, RANGES),
            "lazyscope re-plot": lambda: lazyscope.plot(same, "x", "y"),
        }
        t = interleave(sides, REPEAT)
    finally:
        spark.stop()
    tp, sql = t["toPandas+datashader"], t["sql binning"]
    tpg, sqlg = t["toPandas+datashader ranges given"], t["sql binning ranges given"]
    line(
        f"spark_plot_{label}: ranges unknown",
        t["lazyscope"],
        [("toPandas+datashader", tp), ("sql binning", sql)],
        versus="toPandas+datashader",
        goal="<= 1.0 x toPandas+datashader",
        max_ratio=1.0,
    )
    line(
        f"spark_plot_{label}: ranges given",
        t["lazyscope ranges given"],
        [("toPandas+datashader", tpg), ("sql binning", sqlg)],
        versus="toPandas+datashader",
        goal="<= 0.5 x toPandas+datashader",
        max_ratio=0.5,
    )
    line(
        f"spark_plot_{label}: re-plot, ranges cached",
        t["lazyscope re-plot"],
        [("toPandas+datashader", tp), ("sql binning", sql)],
        versus="toPandas+datashader",
        goal="<= 0.5 x toPandas+datashader",
        max_ratio=0.5,
    )
    line(
        f"spark_plot_{label}: ranges unknown, vs SQL binning",
        t["lazyscope"],
        [("sql binning", sql)],
        versus="sql binning",
        goal="ahead of SQL binning (< 1.0)",
        max_ratio=0.999,
    )
    line(
        f"spark_plot_{label}: ranges given, vs SQL binning",
        t["lazyscope ranges given"],
        [("sql binning", sqlg)],
        versus="sql binning",
        goal="ahead of SQL binning (< 1.0)",
        max_ratio=0.999,
    )
    mem = {side: memory_of(side, n) for side in MEMORY_SIDES}
    for key, what in (("python", "Python"), ("jvm", "JVM"), ("total", "Python + JVM")):

        def fig(side: str, key: str = key) -> Fig | str:
            m = mem[side]
            if isinstance(m, str):
                return m
            return Fig([m["python"] + m["jvm"] if key == "total" else m[key]], "MiB")

        goal = "<= 0.25 x toPandas+datashader"
        line(
            f"spark_plot_{label}: driver peak memory, {what}",
            fig("lazyscope"),
            [
                ("toPandas+datashader", fig("toPandas+datashader")),
                ("sql binning", fig("sql binning")),
            ],
            versus="toPandas+datashader",
            goal=goal if key != "jvm" else "",
            max_ratio=0.25 if key != "jvm" else None,
        )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="1M points instead of 20M")
    parser.add_argument("--only", choices=["dask", "spark"], help="run one engine")
    parser.add_argument("--memory-child", choices=MEMORY_SIDES, help=argparse.SUPPRESS)
    parser.add_argument("--n", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    if args.memory_child:
        memory_child(args.memory_child, args.n)
        return
    n = 1_000_000 if args.small else 20_000_000
    if args.only != "spark":
        bench_dask(n)
    if args.only != "dask":
        bench_spark(n)
    note(f"bench_plot: {label_of(n)} points, {W}x{H} grid, {REPEAT} interleaved runs per side")


if __name__ == "__main__":
    main()
