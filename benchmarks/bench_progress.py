"""What the live progress view costs: a Spark job of 5,000 tasks and Dask computations of
100,000 tasks, each timed with the view and without, in a real kernel.

Each line: `name  lazyscope_figure  baseline_figure  ratio`.
- `*_wall_s`: seconds with `lazyscope.progress()` (widget live, messages really sent on
  the kernel's IOPub socket) / without; goal <= 1.03. Best of REPEAT interleaved runs.
- `*_kernel_cpu_s`: CPU seconds of the kernel process (our polling thread included),
  best of the runs; steadier than wall time on a busy machine.
- `*_messages_per_s`: widget messages the kernel sent per second / the 10 per second cap.
- `*_bytes_per_s`: bytes of those messages per second / the bytes of one full row set
  10 times a second (what an unthrottled view sending every row would at least cost).
- `*_kernel_rss_mib`: kernel memory after the run with the view / without: does not
  grow with the task count.
- `*_state_rows`: rows the view keeps / tasks run: bounded by stages or key prefixes.
Run alone: `python benchmarks/bench_progress.py [--small] [--repeat N]`.
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any

REPEAT = 3  # interleaved pairs of runs; `--repeat N` to change

_TIMED = """
import gc, time, psutil, lazyscope
{setup}
gc.collect()
_t, _cpu = time.perf_counter(), time.process_time()
{body}
_dt, _cpu = time.perf_counter() - _t, time.process_time() - _cpu
gc.collect()
print("RESULT", _dt, psutil.Process().memory_info().rss / 2**20, {rows}, _cpu)
"""
_WITH_VIEW = "with lazyscope.progress({engine!r}) as _run:\n    _job()"
_ROWS = "sum(len(s.board.stages()) for s in _run.sources)"

SPARK_SETUP = """%spark start --master local[2]
def _job(n={n}):
    spark.range(0, n, 1, n).write.format("noop").mode("overwrite").save()
"""
DASK_SETUP = """%dask start --workers 2 --threads 1
import operator
def _job(n={n}):
    client.gather(client.map(operator.neg, range(n), pure=False))
"""
LOCAL_SETUP = """import dask, operator
def _job(n=None):
    dask.compute(*_graph[:n], scheduler="threads", num_workers=2)
"""
LOCAL_GRAPH = "_graph = [dask.delayed(operator.neg)(i) for i in range({n})]"


class Kernel:
    """A real kernel; `run` returns its stdout and the widget messages it sent."""

    def __init__(self) -> None:
        from jupyter_client.manager import KernelManager

        self.km = KernelManager(kernel_name="python3")
        self.km.start_kernel()
        self.kc = self.km.client()
        self.kc.start_channels()
        self.kc.wait_for_ready(timeout=120)

    def run(self, code: str, timeout: float = 1800) -> tuple[str, int, int]:
        msg_id = self.kc.execute(code)
        out, messages, size = [], 0, 0
        while True:
            msg = self.kc.get_iopub_msg(timeout=timeout)
            kind, content = msg["msg_type"], msg["content"]
            if kind == "comm_msg":  # the view's updates, whatever thread sent them
                messages += 1
                size += len(json.dumps(content))
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            if kind == "stream":
                out.append(content["text"])
            elif kind == "error":
                raise RuntimeError(f"{content['ename']}: {content['evalue']}")
            elif kind == "status" and content["execution_state"] == "idle":
                return "".join(out), messages, size

    def close(self) -> None:
        self.kc.stop_channels()
        self.km.shutdown_kernel()


def _measure(
    kernel: Kernel, name: str, engine: str, tasks: int, repeat: int, setup: str = ""
) -> list[Any]:
    """Interleaved runs without / with the view; the best wall time of each."""
    plain = _TIMED.format(setup=setup, body="_job()", rows=0)
    viewed = _TIMED.format(setup=setup, body=_WITH_VIEW.format(engine=engine), rows=_ROWS)
    # Warm-up on a small job, with the view: JVM JIT, imports, the widget's first use.
    kernel.run(viewed.replace("_job()", f"_job({max(tasks // 50, 10)})"))
    base: list[list[float]] = []
    ours: list[list[float]] = []
    sent = [0, 0]
    for _ in range(repeat):
        base.append([float(x) for x in kernel.run(plain)[0].split("RESULT")[1].split()])
        out, messages, size = kernel.run(viewed)
        ours.append([float(x) for x in out.split("RESULT")[1].split()])
        sent = [sent[0] + messages, sent[1] + size]
    wall, wall0 = min(r[0] for r in ours), min(r[0] for r in base)
    seconds = sum(r[0] for r in ours)
    per_message = sent[1] / max(sent[0], 1)
    return [
        (f"{name}_wall_s", wall, wall0),
        (f"{name}_kernel_cpu_s", min(r[3] for r in ours), min(r[3] for r in base)),
        (f"{name}_messages_per_s", sent[0] / seconds, 10.0),
        (f"{name}_bytes_per_s", sent[1] / seconds, per_message * 10),
        (f"{name}_kernel_rss_mib", max(r[1] for r in ours), max(r[1] for r in base)),
        (f"{name}_state_rows", max(r[2] for r in ours), float(tasks)),
    ]


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    small = "--small" in args
    repeat = int(args[args.index("--repeat") + 1]) if "--repeat" in args else REPEAT
    spark_tasks, dask_tasks = (500, 10_000) if small else (5_000, 100_000)
    kernel = Kernel()
    try:
        kernel.run("%load_ext lazyscope")
        kernel.run(SPARK_SETUP.format(n=spark_tasks))
        _report(_measure(kernel, f"progress_spark_{spark_tasks}", "spark", spark_tasks, repeat))
        kernel.run(DASK_SETUP.format(n=dask_tasks))
        _report(_measure(kernel, f"progress_dask_{dask_tasks}", "dask", dask_tasks, repeat))
        kernel.run(LOCAL_SETUP)
        graph = LOCAL_GRAPH.format(n=dask_tasks)
        name = f"progress_dask_threads_{dask_tasks}"
        _report(_measure(kernel, name, "dask", dask_tasks, repeat, setup=graph))
    finally:
        kernel.close()


def _report(results: list[Any]) -> None:
    for name, ours, base in results:
        ratio = ours / base if base else 0.0
        print(f"{name:<44} {ours:>12.3f} {base:>12.3f} {ratio:>7.3f}", flush=True)


if __name__ == "__main__":
    started = time.perf_counter()
    main()
    print(f"# bench_progress: {time.perf_counter() - started:.0f} s", file=sys.stderr)
