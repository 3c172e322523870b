"""describe() must cost the same on 10^3 and 10^9 rows: it reads metadata, not data.

Each line: `name  lazyscope_figure  baseline_figure  ratio`, where the lazyscope figure
is the warm view time (ms, median) over 10^9 rows and the baseline the same view over
10^3 rows; a ratio near 1 means flat. Run alone: `python benchmarks/bench_describe.py`.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any

REPEAT = 15


def _median_ms(fn: Callable[[], Any]) -> float:
    fn()  # warm: first plans JIT-compile in the JVM, dask imports its modules
    times = []
    for _ in range(REPEAT):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def _spark_query(spark: Any, rows: int) -> Any:
    from pyspark.sql import functions as sf

    left = spark.range(rows)
    right = spark.range(rows).withColumnRenamed("id", "k")
    joined = left.join(right, left.id == right.k)
    return joined.groupBy((sf.col("id") % 10).alias("g")).agg(sf.count("*"), sf.sum("k"))


def bench_spark() -> tuple[float, float]:
    from lazyscope import describe, engines

    engine = engines.current("spark") or engines.start_spark(
        master="local[2]",
        remote=None,
        app_name="bench-describe",
        default_master="local[2]",
        conf={"spark.ui.enabled": "false"},
        timeout=10,
    )
    spark = engine.namespace()["spark"]
    big, small = _spark_query(spark, 10**9), _spark_query(spark, 10**3)
    return _median_ms(lambda: describe(big)), _median_ms(lambda: describe(small))


def _dask_query(rows: int) -> Any:
    import dask.array as da
    import dask.dataframe as dd

    frame = dd.from_dask_array(da.arange(rows, chunks=max(rows // 100, 10)), columns=["x"])
    frame = frame.assign(g=frame.x % 10)
    return frame.merge(frame[["x"]].assign(y=1), on="x").groupby("g").y.sum()


def bench_dask() -> tuple[float, float]:
    from lazyscope import describe

    big, small = _dask_query(10**9), _dask_query(10**3)
    return _median_ms(lambda: describe(big)), _median_ms(lambda: describe(small))


BENCHMARKS: list[tuple[str, Callable[[], tuple[float, float]]]] = [
    ("describe_spark_ms_1e9_vs_1e3_rows", bench_spark),
    ("describe_dask_ms_1e9_vs_1e3_rows", bench_dask),
]


def main() -> None:
    for name, bench in BENCHMARKS:
        figure, baseline = bench()
        print(f"{name}  {figure:.2f}  {baseline:.2f}  {figure / baseline:.2f}", flush=True)
    from lazyscope import engines

    engines.stop_all()


if __name__ == "__main__":
    main()
