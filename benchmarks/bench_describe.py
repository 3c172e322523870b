"""lazyscope.describe against what pyspark and Dask print themselves, at 10^3 and 10^9 rows.

The objects (built untimed, a new query each run so no plan is served from a cache):
- Spark (plain SparkSession, local[2], broadcast joins off so both sizes plan alike):
  `range(n)` joined with itself, grouped by `id % k`, count and sum;
  pyspark's own view: `df.schema` + `df.explain()` (its printed text captured);
- Dask: a Dask DataFrame of n rows from `da.arange` (100 partitions), merged with itself
  and grouped; Dask's own views: the frame's repr, `repr(obj)` + `obj._repr_html_()` (what
  Jupyter shows for it, no plan), and with its plan as Dask optimizes it,
  `obj.optimize().pprint()` (printed text captured): the counterpart of Spark's
  schema + `explain()`, and what shows the shuffles lazyscope shows. The goal compares
  like with like, plan view with plan view; the repr is shown beside.
- lazyscope: `lazyscope.describe(obj)._repr_mimebundle_()` (read metadata, render the view).
Median [min-max] of REPEAT interleaved runs after a warm-up of each side.
`--small`: 5 runs. Run alone: `python benchmarks/bench_describe.py [--small]`.
"""

from __future__ import annotations

import contextlib
import functools
import io
import os
import sys
from collections.abc import Callable
from typing import Any

from _bench import interleave, line, note

REPEAT = 9


def _spark() -> Any:
    from pyspark.sql import SparkSession

    spark = (
        SparkSession.builder.master("local[2]")
        .appName("bench_describe")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.autoBroadcastJoinThreshold", "-1")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def _spark_query(spark: Any, rows: int, salt: int) -> Any:
    from pyspark.sql import functions as sf

    left = spark.range(rows)
    right = spark.range(rows).withColumnRenamed("id", "k")
    joined = left.join(right, left.id == right.k)
    groups = (sf.col("id") % (10 + salt)).alias("g")
    return joined.groupBy(groups).agg(sf.count("*"), sf.sum("k"))


def _dask_query(rows: int, salt: int) -> Any:
    import dask.array as da
    import dask.dataframe as dd

    frame = dd.from_dask_array(da.arange(rows, chunks=max(rows // 100, 10)), columns=["x"])
    frame = frame.assign(g=frame.x % (10 + salt))
    return frame.merge(frame[["x"]].assign(y=1), on="x").groupby("g").y.sum().to_frame()


def _spark_own(df: Any) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        print(df.schema)
        df.explain()
    return out.getvalue()


def _dask_own(obj: Any) -> str:
    return repr(obj) + obj._repr_html_()


def _dask_plan(obj: Any) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        obj.optimize().pprint()
    return _dask_own(obj) + out.getvalue()


Own = dict[str, Callable[[Any], Any]]


def _sides(query: Callable[[int, int], Any], own: Own, rows: int) -> dict[str, Callable[[], Any]]:
    from lazyscope import describe

    sides = ["lazyscope", *own]
    objs = {side: [query(rows, i) for i in range(REPEAT + 1)] for side in sides}
    timed = {"lazyscope": lambda: describe(objs["lazyscope"].pop())._repr_mimebundle_()}
    for name, view in own.items():
        timed[name] = lambda name=name, view=view: view(objs[name].pop())
    return timed


def compare(engine: str, query: Any, own: Own) -> None:
    """One line per size against the first of `own` (the goal); the others beside it."""
    peer = next(iter(own))
    for rows, label in ((10**3, "1e3"), (10**9, "1e9")):
        t = interleave(_sides(query, own, rows), REPEAT)
        line(
            f"describe_{engine}_{label}_rows",
            t["lazyscope"],
            [(name, t[name]) for name in own],
            versus=peer,
            goal=f"not slower than {peer} (within noise)",
            noise=True,
        )
        for other in list(own)[1:]:
            line(
                f"describe_{engine}_{label}_rows vs {other}",
                t["lazyscope"],
                [(other, t[other])],
                versus=other,
            )


def main() -> None:
    global REPEAT
    if "--small" in sys.argv:
        REPEAT = 5
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    spark = _spark()
    try:
        compare("spark", functools.partial(_spark_query, spark), {"schema+explain()": _spark_own})
    finally:
        spark.stop()
    compare("dask", _dask_query, {"repr+optimize().pprint()": _dask_plan, "Dask repr": _dask_own})
    note("describe: a new query each run; lazyscope = describe(obj)._repr_mimebundle_()")


if __name__ == "__main__":
    main()
