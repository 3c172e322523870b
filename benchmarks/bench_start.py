"""Session start: `%dask start` / `%spark start` vs the bare library calls (goal: ratio <= 1.05).

Spark runs each start in a fresh process (one JVM per process); the clock runs inside
the process, from just before the call until the session answers, so interpreter start-up
is not counted on either side. Runs alternate between lazyscope and the baseline.
"""

from __future__ import annotations

import contextlib
import io
import subprocess
import sys
import textwrap
import time
from typing import Any

SPARK_LAZYSCOPE = """
from IPython.testing.globalipapp import start_ipython
ip = start_ipython(); ip.run_line_magic("load_ext", "lazyscope")
import time; t = time.perf_counter()
ip.run_line_magic("spark", "start --master local[2]")
ip.user_ns["spark"].range(1).count()
print(time.perf_counter() - t)
"""
SPARK_BASELINE = """
import time; t = time.perf_counter()
from pyspark.sql import SparkSession
spark = SparkSession.builder.master("local[2]").getOrCreate()
spark.range(1).count()
print(time.perf_counter() - t)
"""


def timed_process(code: str) -> float:
    out = subprocess.run(  # our own interpreter and code
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, check=True
    )
    return float(out.stdout.strip().splitlines()[-1])


def dask_pair(ip: Any, ours_first: bool) -> tuple[float, float]:
    """One start of each; the order alternates, so the clean-up of the previous cluster
    (ports, worker processes still exiting) slows both sides alike."""
    from distributed import Client, LocalCluster

    def ours() -> float:
        with contextlib.redirect_stdout(io.StringIO()):  # the magics' status lines
            t = time.perf_counter()
            ip.run_line_magic("dask", "start --workers 2 --threads 1")
            took = time.perf_counter() - t
            ip.run_line_magic("dask", "stop")
        return took

    def base() -> float:
        t = time.perf_counter()
        cluster = LocalCluster(
            n_workers=2, threads_per_worker=1, host="127.0.0.1", dashboard_address="127.0.0.1:0"
        )
        client = Client(cluster)
        took = time.perf_counter() - t
        client.close()
        cluster.close()
        return took

    if ours_first:
        mine = ours()
        return mine, base()
    theirs = base()
    return ours(), theirs


def report(name: str, peer: str, ours: list[float], base: list[float]) -> None:
    from _bench import Fig, line

    line(name, Fig(ours), [(peer, Fig(base))], versus=peer, goal="<= 1.05 x", max_ratio=1.05)


def main() -> None:
    import distributed  # noqa: F401  # imports are not what we measure: warm them for both sides
    from IPython.testing.globalipapp import start_ipython

    ip = start_ipython()
    ip.run_line_magic("load_ext", "lazyscope")
    runs = 1 if "--small" in sys.argv else 3
    # A Dask start takes whole 50 ms ticks of the nanny's poll for its worker (about 0.39 s
    # or 0.44 s here, on either side alike), so a median of few runs is mostly luck: take 16.
    pairs = [dask_pair(ip, ours_first=i % 2 == 0) for i in range(2 if runs == 1 else 16)]
    report(
        "session start: %dask start",
        "LocalCluster+Client",
        [p[0] for p in pairs],
        [p[1] for p in pairs],
    )
    ours, base = [], []
    for _ in range(runs):
        ours.append(timed_process(SPARK_LAZYSCOPE))
        base.append(timed_process(SPARK_BASELINE))
    report("session start: %spark start", "getOrCreate", ours, base)


if __name__ == "__main__":
    main()
