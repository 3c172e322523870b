"""Shared helpers of the benchmarks: one result line per comparison, interleaved timing,
peak memory sampling, and a real Jupyter kernel driven through jupyter_client.

A result line is a Markdown table row:
`| name | lazyscope | peers | ratio | goal | verdict |`
- figures are `median [min-max]` of the runs (or a single value when there is one run);
- `peers` names each peer with its figure, or `peer not installed` / `not measured: why`;
- `ratio` is lazyscope / the peer the goal names (below 1: lazyscope is cheaper);
- `verdict` is `met`, `not met` or `-` (a line that only informs).
Only ratios are meaningful: the machine is shared and small (2 cores).
"""

from __future__ import annotations

import contextlib
import json
import os
import statistics
import sys
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import psutil

HERE = Path(__file__).resolve().parent
SRC = HERE.parent / "src"

HEADER = (
    "| comparison | lazyscope | peers | ratio | goal | verdict |\n"
    "| --- | --- | --- | --- | --- | --- |"
)


def src_on_path() -> None:
    """Run the lazyscope of this checkout (not whatever an editable install points at)."""
    if str(SRC) not in sys.path:
        sys.path.insert(0, str(SRC))
    parts = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    if str(SRC) not in parts:
        os.environ["PYTHONPATH"] = os.pathsep.join([str(SRC), *parts])


src_on_path()


# ------------------------------------------------------------------------ figures
class Fig:
    """Runs of one side: median with min-max; `unit` says how to print them."""

    def __init__(self, values: Sequence[float], unit: str = "s") -> None:
        self.values = [float(v) for v in values]
        self.unit = unit

    @property
    def median(self) -> float:
        return statistics.median(self.values)

    @property
    def lo(self) -> float:
        return min(self.values)

    @property
    def hi(self) -> float:
        return max(self.values)

    def _fmt(self, v: float) -> str:
        if self.unit == "s":
            return f"{v:.3f}" if v < 10 else f"{v:.1f}"
        if self.unit in ("n", "B"):
            return f"{v:,.0f}"
        return f"{v:,.1f}" if abs(v) < 1000 else f"{v:,.0f}"

    def __str__(self) -> str:
        unit = "" if self.unit == "n" else f" {self.unit}"
        if len(self.values) == 1 or self.lo == self.hi:
            return f"{self._fmt(self.median)}{unit}"
        return f"{self._fmt(self.median)}{unit} [{self._fmt(self.lo)}-{self._fmt(self.hi)}]"


Peer = tuple[str, "Fig | str"]  # a peer's name and its figure, or why there is none


def line(
    name: str,
    ours: Fig | str | None,
    peers: Sequence[Peer] = (),
    *,
    versus: str | None = None,
    goal: str = "",
    max_ratio: float | None = None,
    noise: bool = False,
    min_ratio: float | None = None,
    verdict: str | None = None,
    ratio: str | None = None,
) -> None:
    """Print one comparison. `versus` names the peer the ratio and goal compare with.

    max_ratio: met when ratio <= it. noise: met when the ratio is <= 1, or lazyscope's
    fastest run is no slower than the peer's slowest (the ranges overlap: within noise).
    min_ratio: met when ratio >= it (for "higher is better" figures).
    """
    shown = []
    ref: Fig | None = None
    for peer, fig in peers:
        shown.append(f"{peer}: {fig}")
        if peer == versus and isinstance(fig, Fig):
            ref = fig
    shown_ratio, forced = ratio, verdict
    ratio = "-"
    verdict = "-"
    if isinstance(ours, Fig) and ref is not None and ref.median:
        r = ours.median / ref.median
        ratio = f"{r:.3f}"
        if max_ratio is not None or noise or min_ratio is not None:
            ok = True
            if max_ratio is not None:
                ok = ok and r <= max_ratio
            if min_ratio is not None:
                ok = ok and r >= min_ratio
            if noise:
                ok = r <= 1.0 or ours.lo <= ref.hi
            verdict = "met" if ok else "not met"
    elif versus is not None and goal:
        verdict = "not measured"
    if forced is not None:
        verdict = forced
    if shown_ratio is not None:
        ratio = shown_ratio
    print(
        f"| {name} | {ours if ours is not None else '-'} | {'; '.join(shown) or '-'} "
        f"| {ratio} | {goal or '-'} | {verdict} |",
        flush=True,
    )


def note(text: str) -> None:
    """A comment line: shown in the output, not a comparison."""
    print(f"# {text}", flush=True)


# ------------------------------------------------------------------------ timing
def timed(fn: Callable[[], Any]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def interleave(
    sides: dict[str, Callable[[], Any]], repeat: int, warm: bool = True
) -> dict[str, Fig]:
    """Run the sides A B C A B C ... (`repeat` rounds, the order rotating each round so no
    side always follows the same one); one untimed warm-up run of each first."""
    names = list(sides)
    if warm:
        for n in names:
            sides[n]()
    times: dict[str, list[float]] = {n: [] for n in names}
    for i in range(repeat):
        order = names[i % len(names) :] + names[: i % len(names)]
        for n in order:
            times[n].append(timed(sides[n]))
    return {n: Fig(v) for n, v in times.items()}


# ------------------------------------------------------------------------ memory
def _rss(pid: int) -> int:
    try:
        return psutil.Process(pid).memory_info().rss
    except psutil.Error:
        return 0


def jvm_pids() -> list[int]:
    """The java children of this process (the local Spark driver JVM)."""
    out = []
    for child in psutil.Process().children(recursive=True):
        try:
            if child.name() == "java":
                out.append(child.pid)
        except psutil.Error:
            continue
    return out


def _reset_peak(pid: int) -> bool:
    """Reset the kernel's peak-RSS mark of `pid` (Linux: write 5 to clear_refs)."""
    try:
        with open(f"/proc/{pid}/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def _peak_rss(pid: int) -> int:
    """The kernel's peak-RSS mark (VmHWM) of `pid`, in bytes; 0 if unreadable."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for text in f:
                if text.startswith("VmHWM:"):
                    return int(text.split()[1]) * 1024
    except OSError:
        pass
    return 0


class PeakMemory:
    """Peak RSS above the level at entry: `python` of this process, `jvm` of the driver JVM
    (in local mode also the executors), each apart. Exact where Linux lets us reset the
    peak-RSS mark (VmHWM via /proc/PID/clear_refs); else sampled every 5 ms."""

    def __init__(self) -> None:
        self.python = self.jvm = 0
        self._stop = threading.Event()
        self._jvms = jvm_pids()
        self._pids = [os.getpid(), *self._jvms]
        self._exact = False

    def _now(self) -> tuple[int, int]:
        return _rss(os.getpid()), sum(_rss(p) for p in self._jvms)

    def _sample(self) -> None:
        py, jvm = self._now()
        self.python = max(self.python, py - self.base[0])
        self.jvm = max(self.jvm, jvm - self.base[1])

    def _watch(self) -> None:
        while not self._stop.wait(0.005):
            self._sample()

    def __enter__(self) -> PeakMemory:
        self._exact = all(_reset_peak(p) for p in self._pids)
        self.base = self._now()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()
        if self._exact:
            self.python = max(self.python, _peak_rss(os.getpid()) - self.base[0])
            jvm = sum(_peak_rss(p) for p in self._jvms)
            self.jvm = max(self.jvm, jvm - self.base[1])


def release_memory() -> None:
    """Give freed memory back to the OS, so the next side's peak starts from a low level."""
    import ctypes
    import gc

    gc.collect()
    with contextlib.suppress(OSError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


# ------------------------------------------------------------------------ kernel
class Kernel:
    """A real IPython kernel of this interpreter, with lazyscope of this checkout on its
    path; `run` counts what the kernel sends the front end (IOPub) while a cell runs, and
    `drain` what it sends after the cell went idle."""

    IGNORED = ("status", "execute_input")  # protocol bookkeeping, sent for any cell

    def __init__(self, env: dict[str, str] | None = None) -> None:
        import subprocess

        from jupyter_client.manager import KernelManager

        self.km = KernelManager(kernel_name="python3")
        self.km.kernel_spec.argv[0] = sys.executable  # our venv's interpreter
        kernel_env = {**os.environ, **(env or {})}
        self.km.start_kernel(env=kernel_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.kc = self.km.client()
        self.kc.start_channels()
        self.kc.wait_for_ready(timeout=120)

    @staticmethod
    def _size(msg: dict[str, Any]) -> int:
        size = len(json.dumps(msg["content"], default=str)) + len(
            json.dumps(msg["header"], default=str)
        )
        for buf in msg.get("buffers") or ():
            size += len(buf)
        return size

    @classmethod
    def _count(cls, stats: dict[str, int], msg: dict[str, Any]) -> None:
        """Add `msg` to the message, byte and comm counts (protocol bookkeeping aside)."""
        if msg["msg_type"] not in cls.IGNORED:
            stats["messages"] += 1
            stats["bytes"] += cls._size(msg)
            stats["comm"] += msg["msg_type"].startswith("comm_")

    def run(self, code: str, timeout: float = 1800) -> dict[str, Any]:
        """Execute `code`; return its wall time (request to idle), stdout, and the IOPub
        messages (count, bytes, comm messages) that arrived meanwhile."""
        start = time.perf_counter()
        msg_id = self.kc.execute(code)
        out: list[str] = []
        stats = {"messages": 0, "bytes": 0, "comm": 0}
        while True:
            msg = self.kc.get_iopub_msg(timeout=timeout)
            kind, content = msg["msg_type"], msg["content"]
            mine = msg["parent_header"].get("msg_id") == msg_id
            self._count(stats, msg)
            if not mine:
                continue
            if kind == "stream":
                out.append(content["text"])
            elif kind == "error":
                raise RuntimeError(f"{content['ename']}: {content['evalue']}")
            elif kind == "status" and content["execution_state"] == "idle":
                return {"wall": time.perf_counter() - start, "stdout": "".join(out), **stats}

    def until(self, marker: str, timeout: float = 1800) -> dict[str, Any]:
        """IOPub messages until one whose content holds `marker` (a widget's last update,
        sent while the kernel is idle); with the time it took."""
        start = time.perf_counter()
        stats = {"messages": 0, "bytes": 0, "comm": 0}
        while True:
            msg = self.kc.get_iopub_msg(timeout=timeout)
            self._count(stats, msg)
            if marker in json.dumps(msg["content"], default=str):
                return {"wall": time.perf_counter() - start, **stats}

    def drain(self, seconds: float, quiet: float | None = None) -> dict[str, int]:
        """IOPub messages for `seconds` (or until `quiet` seconds pass without one)."""
        stats = {"messages": 0, "bytes": 0, "comm": 0}
        end = time.monotonic() + seconds
        while (left := end - time.monotonic()) > 0:
            try:
                msg = self.kc.get_iopub_msg(timeout=min(left, quiet or left))
            except Exception:  # queue.Empty: quiet for long enough
                if quiet is not None:
                    break
                continue
            self._count(stats, msg)
        return stats

    def open_comm(self, target: str, data: dict[str, Any] | None = None) -> str:
        """Open a comm to `target` as a front end would (a notebook page does this)."""
        comm_id = uuid.uuid4().hex
        content = {"comm_id": comm_id, "target_name": target, "data": data or {}}
        msg = self.kc.session.msg("comm_open", content)
        self.kc.shell_channel.send(msg)
        return comm_id

    def close(self) -> None:
        try:
            self.kc.stop_channels()
            self.km.shutdown_kernel(now=False)
        except Exception:  # a kernel that already died: nothing to close
            pass
