"""Where the time of `lazyscope.plot` on a cached Spark DataFrame goes (not a comparison).

For ranges unknown, ranges given and a re-plot of the same DataFrame, and for the baseline
(`toPandas()` + Datashader): wall time split into the Spark jobs the call ran (from the
driver's own REST API on loopback: each job's description, duration, tasks, and its stages'
executor run/CPU time) and the rest (driver-side Python: planning the query, scattering
the aggregated pixel blocks into grids, building the widget). Runs each case RUNS times
after a warm-up and prints the last run's breakdown plus the median wall.
Run: `python benchmarks/profile_spark_plot.py [--n 20000000]`.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
import urllib.request
from datetime import datetime
from typing import Any

from bench_plot import RANGES, H, W, spark_points, spark_session

RUNS = 3


def _get(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=10) as r:  # the local driver's UI, loopback
        return json.loads(r.read())


def _t(s: str) -> float:
    return datetime.strptime(s.replace("GMT", "+0000"), "%Y-%m-%dT%H:%M:%S.%f%z").timestamp()


def jobs_since(api: str, first: int) -> list[dict[str, Any]]:
    jobs = [j for j in _get(f"{api}/jobs") if j["jobId"] >= first]
    out = []
    for j in sorted(jobs, key=lambda j: j["jobId"]):
        run = cpu = 0.0
        for sid in j["stageIds"]:
            for st in _get(f"{api}/stages/{sid}"):
                run += st.get("executorRunTime", 0) / 1000
                cpu += st.get("executorCpuTime", 0) / 1e9
        end = j.get("completionTime")
        out.append(
            {
                "id": j["jobId"],
                "what": (j.get("description") or j["name"])[:70],
                "seconds": (_t(end) - _t(j["submissionTime"])) if end else float("nan"),
                "tasks": j["numTasks"],
                "executor_run_s": run,
                "executor_cpu_s": cpu,
            }
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20_000_000)
    args = parser.parse_args()
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    import datashader as ds

    import lazyscope

    spark = spark_session()
    sc = spark.sparkContext
    api = f"{sc.uiWebUrl}/api/v1/applications/{sc.applicationId}"
    sdf = spark_points(spark, args.n)
    same = sdf.select("x", "y")
    cases = {
        "lazyscope, ranges unknown": lambda: lazyscope.plot(sdf.select("x", "y"), "x", "y"),
        "lazyscope, ranges given": lambda: lazyscope.plot(sdf.select("x", "y"), "x", "y", **RANGES),
        "lazyscope, re-plot (extent cached)": lambda: lazyscope.plot(same, "x", "y"),
        "toPandas (Arrow) alone": lambda: sdf.toPandas(),
        "toPandas + datashader": lambda: ds.Canvas(W, H).points(sdf.toPandas(), "x", "y"),
    }
    for fn in cases.values():
        fn()  # warm
    for name, fn in cases.items():
        walls = []
        for _ in range(RUNS):
            time.sleep(1)
            first = max([j["jobId"] for j in _get(f"{api}/jobs")], default=-1) + 1
            start = time.perf_counter()
            fn()
            walls.append(time.perf_counter() - start)
        time.sleep(2)  # the listener bus catches up
        jobs = jobs_since(api, first)
        in_jobs = sum(j["seconds"] for j in jobs)
        print(
            f"\n{name}: wall {statistics.median(walls):.3f} s "
            f"[{min(walls):.3f}-{max(walls):.3f}]; last run: {walls[-1]:.3f} s, "
            f"in Spark jobs {in_jobs:.3f} s, outside jobs (driver) {walls[-1] - in_jobs:.3f} s"
        )
        for j in jobs:
            print(
                f"  job {j['id']:>3} {j['seconds']:6.3f} s  {j['tasks']:>4} tasks  "
                f"executor run {j['executor_run_s']:6.2f} s cpu {j['executor_cpu_s']:6.2f} s  "
                f"{j['what']}"
            )
    spark.stop()


if __name__ == "__main__":
    main()
