"""lazyscope.plot(kind="line") against what a user would otherwise run, same series, 800 px.

The series: x = 0..n-1 (sorted, as the samplers need), y = sin(x / 1e5) + noise, and 1,000
isolated one-sample spikes to 100 (every n/1000-th row, half-way between).
- lazyscope on Dask: 8 partitions persisted on a 2-worker x 1-thread LocalCluster, a new
  frame object each run (its extent pass paid), and with x/y ranges given;
- lazyscope on Spark: the same rows cached (local[2], 8 partitions); ranges unknown, given;
- lazyscope on pandas: in the kernel, for reference;
- plotly-resampler: `FigureResampler(...).add_trace(go.Scattergl(), hf_x=x, hf_y=y)` with
  1,600 shown samples (its MinMaxLTTB default: 2 per pixel column), on the pandas columns,
  and on Spark after `toPandas()` (what a Spark user must do to use it);
- hvPlot: `df.hvplot.line("x", "y", downsample=True, width=800)` evaluated once (`[()]`,
  which runs its LTTB downsampling; no Bokeh rendering on any side);
- PySpark's own `sdf.plot.line(x="x", y="y")` (plotly; it plots a sample of the rows,
  `spark.sql.pyspark.plotting.max_rows`).
Spikes drawn: a spike counts when the drawn line reaches 100 in its pixel column (lazyscope:
that pixel of its image is lit; the samplers: a kept point at y = 100 in that column).
Python peak RSS of one run of each side (PeakMemory, fresh high-water mark), the JVM apart.
Python peak RSS excludes what the frame already holds: the pandas-based peers need the whole
series in the kernel first (16 bytes a row), lazyscope on Dask or Spark does not.
Sides interleaved (order rotating), one warm-up run each, median [min-max] of --repeat (5).
Run: `python benchmarks/bench_line.py [--small] [--n ROWS] [--only dask|spark|pandas]`.
"""

from __future__ import annotations

import argparse
import contextlib
import os
from typing import Any

import numpy as np
from _bench import Fig, PeakMemory, interleave, line, note, release_memory
from bench_server_load import cpu_model

W, H = 800, 400
REPEAT = 5
SPIKES, SPIKE = 1000, 100.0  # spikes every n / SPIKES rows, half-way between


def spike_rows(n: int) -> tuple[int, int]:
    every = n // SPIKES
    return every, every // 2


PARTS = 8


def part_of(i: int, n: int) -> Any:
    """Rows [i n/8, (i+1) n/8) of the series, the same wherever they are made."""
    import pandas as pd

    lo, hi = i * n // PARTS, (i + 1) * n // PARTS
    x = np.arange(lo, hi, dtype=np.float64)
    y = np.sin(x / 1e5) + 0.1 * np.random.default_rng(i).standard_normal(hi - lo)
    every, phase = spike_rows(n)
    y[(np.arange(lo, hi) % every) == phase] = SPIKE
    return pd.DataFrame({"x": x, "y": y})


def spike_columns(n: int) -> np.ndarray:
    """Each spike's pixel column over the full x range."""
    every, phase = spike_rows(n)
    x = np.arange(phase, n, every, dtype=np.float64)
    return np.minimum((x * (W / (n - 1))).astype(int), W - 1)


def drawn_by_image(plot: Any, n: int) -> int:
    top = np.asarray(plot._shaded(plot.aggregate).values)[-1] != 0  # the row of y = 100
    return int(top[spike_columns(n)].sum())


def drawn_by_points(x: np.ndarray, y: np.ndarray, n: int) -> int:
    cols = np.minimum((x[y == SPIKE] * (W / (n - 1))).astype(int), W - 1)
    return int(np.isin(spike_columns(n), cols).sum())


def resampled(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    import plotly.graph_objects as go
    from plotly_resampler import FigureResampler

    fig = FigureResampler(go.Figure(), default_n_shown_samples=2 * W)
    fig.add_trace(go.Scattergl(name="y"), hf_x=x, hf_y=y)
    return np.asarray(fig.data[0].x, dtype=np.float64), np.asarray(fig.data[0].y)


def hvplot_line(df: Any) -> tuple[np.ndarray, np.ndarray]:
    import hvplot.pandas  # noqa: F401  # registers .hvplot

    curve = df.hvplot.line("x", "y", downsample=True, width=W, height=H)[()]
    return curve.dimension_values(0).astype(np.float64), curve.dimension_values(1)


def pyspark_line(sdf: Any) -> tuple[np.ndarray, np.ndarray]:
    fig = sdf.plot.line(x="x", y="y")
    return np.asarray(fig.data[0].x, dtype=np.float64), np.asarray(fig.data[0].y)


def _has(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


def report(label: str, t: dict[str, Fig], spikes: dict[str, int], mem: dict[str, Fig]) -> None:
    missing = "peer not installed"
    peers = [(k, t.get(k, missing)) for k in ("plotly-resampler", "hvplot")]
    for ours in [k for k in t if k.startswith("lazyscope")]:
        line(
            f"line_{label}: {ours}, vs plotly-resampler",
            t[ours],
            peers,
            versus="plotly-resampler",
            goal="faster than plotly-resampler",
            max_ratio=1.0,
        )
    if "pyspark plot.line" in t:
        line(
            f"line_{label}: lazyscope spark, vs PySpark's plot.line (a sample)",
            t["lazyscope spark"],
            [("pyspark plot.line", t["pyspark plot.line"])],
            versus="pyspark plot.line",
            goal="every spike drawn (time: for reference)",
            verdict="met" if spikes["lazyscope spark"] == SPIKES else "not met",
        )
    for side in t:
        note(f"{label} {side}: spikes drawn {spikes[side]}/{SPIKES}; python peak {mem[side]}")


def measure(
    sides: dict[str, Any], draws: dict[str, Any], repeat: int
) -> tuple[dict[str, Fig], ...]:
    t = interleave(sides, repeat)
    spikes, mem = {}, {}
    for name, fn in sides.items():
        release_memory()
        with PeakMemory() as peak:
            result = fn()
        mem[name] = Fig([peak.python / 2**20], "MiB")
        spikes[name] = draws[name](result)
        del result
    return t, spikes, mem  # type: ignore[return-value]


def bench(n: int, only: str | None, repeat: int, stack: contextlib.ExitStack) -> None:
    import pandas as pd

    import lazyscope

    label = f"{n // 1_000_000}M" if n >= 1_000_000 else f"{n // 1000}k"
    pdf = pd.concat([part_of(i, n) for i in range(PARTS)], ignore_index=True)
    x, y = pdf.x.to_numpy(), pdf.y.to_numpy()
    ranges = {"x_range": (0.0, float(n - 1)), "y_range": (-2.0, SPIKE)}
    size = {"width": W, "height": H}
    image = lambda p: drawn_by_image(p, n)  # noqa: E731
    points = lambda r: drawn_by_points(r[0], r[1], n)  # noqa: E731
    sides: dict[str, Any] = {}
    draws: dict[str, Any] = {}
    if _has("plotly_resampler"):
        sides["plotly-resampler"], draws["plotly-resampler"] = (lambda: resampled(x, y)), points
    if _has("hvplot"):
        sides["hvplot"], draws["hvplot"] = (lambda: hvplot_line(pdf)), points
    if only in (None, "pandas"):
        sides["lazyscope pandas"] = lambda: lazyscope.plot(pdf, "x", "y", kind="line", **size)
        draws["lazyscope pandas"] = image
    if only in (None, "dask"):
        import dask.dataframe as dd
        from distributed import Client, LocalCluster, wait

        cluster = stack.enter_context(LocalCluster(n_workers=2, threads_per_worker=1))
        stack.enter_context(Client(cluster))
        ddf = dd.from_map(part_of, range(PARTS), n=n).persist()
        wait(ddf)
        sides["lazyscope dask"] = lambda: lazyscope.plot(
            ddf[["x", "y"]], "x", "y", kind="line", **size
        )
        sides["lazyscope dask ranges given"] = lambda: lazyscope.plot(
            ddf, "x", "y", kind="line", **size, **ranges
        )
        draws["lazyscope dask"] = draws["lazyscope dask ranges given"] = image
    if only in (None, "spark"):
        from bench_plot import spark_session
        from pyspark.sql import functions as f

        # toPandas() of 100M rows (1.6 GB) fails with Spark's default 1g of results per
        # action ("bigger than spark.driver.maxResultSize"): raised, so the peer runs at all.
        spark = spark_session(result_size="4g")
        i = f.col("id")
        noise = f.sin(i / f.lit(1e5)) + f.lit(0.1) * f.randn(1)
        every, phase = spike_rows(n)
        sy = f.when(i % every == phase, f.lit(SPIKE)).otherwise(noise)
        sdf = spark.range(n, numPartitions=PARTS).select(i.cast("double").alias("x"), sy.alias("y"))
        sdf = sdf.cache()
        sdf.count()
        sides["lazyscope spark"] = lambda: lazyscope.plot(
            sdf.select("x", "y"), "x", "y", kind="line", **size
        )
        sides["lazyscope spark ranges given"] = lambda: lazyscope.plot(
            sdf, "x", "y", kind="line", **size, **ranges
        )
        draws["lazyscope spark"] = draws["lazyscope spark ranges given"] = image
        if _has("plotly_resampler"):

            def spark_resampled() -> Any:
                local = sdf.toPandas()
                return resampled(local.x.to_numpy(), local.y.to_numpy())

            sides["toPandas+plotly-resampler"] = spark_resampled
            draws["toPandas+plotly-resampler"] = points
        if _has("plotly"):
            sides["pyspark plot.line"] = lambda: pyspark_line(sdf)
            draws["pyspark plot.line"] = points
    t, spikes, mem = measure(sides, draws, repeat)
    report(label, t, spikes, mem)
    if "toPandas+plotly-resampler" in t:
        line(
            f"line_{label}: lazyscope spark, vs toPandas+plotly-resampler",
            t["lazyscope spark"],
            [("toPandas+plotly-resampler", t["toPandas+plotly-resampler"])],
            versus="toPandas+plotly-resampler",
            goal="<= 1.0x toPandas+plotly-resampler",
            max_ratio=1.0,
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--small", action="store_true", help="1M rows instead of 10M")
    parser.add_argument("--only", choices=("dask", "spark", "pandas"))
    parser.add_argument("--n", type=int, default=None)
    parser.add_argument("--repeat", type=int, default=REPEAT)
    args = parser.parse_args()
    n = args.n or (1_000_000 if args.small else 10_000_000)
    note(f"CPU: {cpu_model()}, {os.cpu_count()} cores; line plots of {n:,} rows, {W} px")
    with contextlib.ExitStack() as stack:
        bench(n, args.only, args.repeat, stack)


if __name__ == "__main__":
    main()
