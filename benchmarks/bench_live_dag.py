"""The live DAG against the live progress view it replaces, each in a real kernel.

Spark, 5,000 tasks (the progress benchmark's job), local[2]; Dask, the progress
benchmark's graph on a 2-worker x 1-thread LocalCluster (50,000 tasks by default,
`--dask-tasks 100000` for the issue's size). Sides, interleaved (order rotating):
- plain: no view at all (a bare session / client);
- progress: the job in `%%spark` / `%%dask` (the live progress view);
- live DAG: the job in `%%spark --dag live` / `%%dask --dag live`, in the same kernel
  as "progress" (same session or cluster, so only the view differs).
Figures: the cell's wall time (request sent to kernel idle) and kernel -> front-end
messages and bytes during the cell. Goal: the live DAG within 1.03 x the progress view,
and no more messages than it (the same cap: at most 10 redraws a second).
Run alone: `python benchmarks/bench_live_dag.py [--small] [--repeat N] [--dask-tasks N]`.
"""

from __future__ import annotations

import time

from _bench import Fig, Kernel, line, note
from bench_progress import DASK_JOB, DASK_LAZYSCOPE, DASK_PLAIN, SPARK_JOB, SPARK_PLAIN, options

SPARK_LAZYSCOPE = """%spark start --master local[2]
spark.sparkContext.setLogLevel("ERROR")
"""


def _cells(engine: str, n: int) -> tuple[dict[str, list[str]], dict[str, str]]:
    """(setup cells per kernel, the timed cell per side) for a job of n tasks."""
    if engine == "spark":
        job = SPARK_JOB.format(n=n)
        setup = {"plain": [SPARK_PLAIN], "lazyscope": ["%load_ext lazyscope", SPARK_LAZYSCOPE]}
        return setup, {
            "plain": job,
            "progress": "%%spark\n" + job,
            "live DAG": "%%spark --dag live\n" + job,
        }
    job = DASK_JOB.format(n=n) + "_r = x.compute()"
    setup = {"plain": [DASK_PLAIN], "lazyscope": ["%load_ext lazyscope", DASK_LAZYSCOPE]}
    return setup, {
        "plain": job,
        "progress": "%%dask\n" + job,
        "live DAG": "%%dask --dag live\n" + job,
    }


def measure(engine: str, n: int, warm_n: int, repeat: int) -> dict[str, dict[str, list[float]]]:
    setup, timed = _cells(engine, n)
    _, warm = _cells(engine, warm_n)
    results = {s: {"wall": [], "messages": [], "bytes": []} for s in timed}
    kernels = {name: Kernel() for name in setup}
    try:
        for name, cells in setup.items():
            for cell in cells:
                kernels[name].run(cell, timeout=600)
        for side, cell in warm.items():
            kernels["plain" if side == "plain" else "lazyscope"].run(cell)
        sides = list(timed)
        for i in range(repeat):
            for side in sides[i % len(sides) :] + sides[: i % len(sides)]:
                kernel = kernels["plain" if side == "plain" else "lazyscope"]
                run = kernel.run(timed[side])
                kernel.drain(3.0, quiet=1.0)  # the summary's last messages, not counted
                for key in ("wall", "messages", "bytes"):
                    results[side][key].append(run[key])
    finally:
        for kernel in kernels.values():
            kernel.close()
    return results


def report(engine: str, n: int, results: dict[str, dict[str, list[float]]]) -> None:
    name = f"live_dag_{engine}_{n}"
    ours = results["live DAG"]
    peers = [(side, Fig(results[side]["wall"])) for side in ("progress", "plain")]
    line(
        f"{name}: cell wall time",
        Fig(ours["wall"]),
        peers,
        versus="progress",
        goal="<= 1.03 x the progress view",
        max_ratio=1.03,
    )
    line(f"{name}: cell wall time vs no view", Fig(ours["wall"]), peers, versus="plain")
    # The same cap as the progress view (10 redraws/s), plus one message: the executed DAG.
    capped = Fig(ours["messages"], "n").median <= max(results["progress"]["messages"]) + 1
    for key, unit in (("messages", "n"), ("bytes", "B")):
        line(
            f"{name}: {key} to front end during cell",
            Fig(ours[key], unit),
            [(side, Fig(results[side][key], unit)) for side in ("progress", "plain")],
            versus="progress",
            goal="<= the progress view's + 1 (the executed DAG)" if key == "messages" else "",
            verdict=("met" if capped else "not met") if key == "messages" else None,
        )


def main(argv: list[str] | None = None) -> None:
    args, spark_n, dask_n = options(__doc__.splitlines()[0], argv)
    for engine, n, warm_n in (("spark", spark_n, 200), ("dask", dask_n, 1000)):
        if args.only in (None, engine):
            started = time.perf_counter()
            report(engine, n, measure(engine, n, min(warm_n, n), args.repeat))
            note(f"live_dag_{engine}: {time.perf_counter() - started:.0f} s in all")


if __name__ == "__main__":
    main()
