"""describe() must cost the same on 10^3 and 10^9 rows: it reads metadata, not data.

Each line: `name  lazyscope_figure  baseline_figure  ratio`, where the lazyscope figure
is the warm view time (ms, median) over 10^9 rows and the baseline the same view over
10^3 rows; a ratio near 1 means flat. "new" views a freshly built query each time (what
a new cell costs), "again" views the same object again (a re-display). Warm means after
one untimed view (JVM JIT, imports). Run alone: `python benchmarks/bench_describe.py`.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any

REPEAT = 15


def _timed_ms(obj: Any) -> float:
    from lazyscope import describe

    start = time.perf_counter()
    describe(obj)
    return (time.perf_counter() - start) * 1000


def _spark_query(spark: Any, rows: int, salt: int) -> Any:
    from pyspark.sql import functions as sf

    left = spark.range(rows)
    right = spark.range(rows).withColumnRenamed("id", "k")
    joined = left.join(right, left.id == right.k)
    groups = (sf.col("id") % (10 + salt)).alias("g")  # a new salt: a query never seen before
    return joined.groupBy(groups).agg(sf.count("*"), sf.sum("k"))


def _spark() -> Any:
    from lazyscope import engines

    engine = engines.current("spark") or engines.start_spark(
        master="local[2]",
        remote=None,
        app_name="bench-describe",
        default_master="local[2]",
        conf={"spark.ui.enabled": "false"},
        timeout=10,
    )
    return engine.namespace()["spark"]


def _dask_query(rows: int, salt: int) -> Any:
    import dask.array as da
    import dask.dataframe as dd

    frame = dd.from_dask_array(da.arange(rows, chunks=max(rows // 100, 10)), columns=["x"])
    frame = frame.assign(g=frame.x % (10 + salt))
    return frame.merge(frame[["x"]].assign(y=1), on="x").groupby("g").y.sum()


def _pair(query: Callable[[int, int], Any], fresh: bool) -> tuple[float, float]:
    """Median view times over 10^9 and 10^3 rows, interleaved (so the JVM's warming and
    the machine's load changes hit both sizes alike); building the query is not timed."""
    sizes = (10**9, 10**3)
    for rows in sizes:
        _timed_ms(query(rows, -1))  # warm: first plans JIT-compile in the JVM, imports
    times: dict[int, list[float]] = {rows: [] for rows in sizes}
    for i in range(REPEAT):
        for rows in sizes if i % 2 == 0 else sizes[::-1]:
            times[rows].append(_timed_ms(query(rows, i if fresh else -1)))
    big, small = (statistics.median(times[rows]) for rows in sizes)
    return big, small


def bench_spark_new() -> tuple[float, float]:
    spark = _spark()
    # Same plan shape at both sizes: otherwise 10^3 rows get a broadcast join and 10^9 a
    # sort-merge join, and the figures compare plan shapes instead of data sizes.
    key = "spark.sql.autoBroadcastJoinThreshold"
    before = spark.conf.get(key)
    spark.conf.set(key, "-1")
    try:
        return _pair(lambda rows, salt: _spark_query(spark, rows, salt), fresh=True)
    finally:
        spark.conf.set(key, before)


def bench_dask_new() -> tuple[float, float]:
    return _pair(_dask_query, fresh=True)


def bench_dask_again() -> tuple[float, float]:
    return _pair(_dask_query, fresh=False)


BENCHMARKS: list[tuple[str, Callable[[], tuple[float, float]]]] = [
    ("describe_spark_new_ms_1e9_vs_1e3_rows", bench_spark_new),
    ("describe_dask_new_ms_1e9_vs_1e3_rows", bench_dask_new),
    ("describe_dask_again_ms_1e9_vs_1e3_rows", bench_dask_again),
]


def main() -> None:
    for name, bench in BENCHMARKS:
        figure, baseline = bench()
        print(f"{name}  {figure:.2f}  {baseline:.2f}  {figure / baseline:.2f}", flush=True)
    from lazyscope import engines

    engines.stop_all()


if __name__ == "__main__":
    main()
