"""The classic driver's JVM, started with its output in a log file instead of the cell.

pyspark starts its JVM with the kernel's own stdout and stderr, which Jupyter shows in
red in whatever cell runs: start-up notices, log4j WARN lines, and (local masters run
the executors in that JVM) every failed task's Java stack trace. We start the JVM the
way pyspark does, with both streams in one log file per kernel: `%spark log` shows
its end, `%spark status` its path, and errors reach the cell as one short message.
"""

from __future__ import annotations

import atexit
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from lazyscope._errors import LazyscopeError

__all__ = ["launch", "log_excerpt", "log_path", "log_tail"]

_TAIL_BYTES = 256 * 1024  # enough for the last few dozen lines, however long the log grew
_NOISE = re.compile(r"^\s*(at |\.\.\. \d+ more|WARNING: |Using Spark's default)|^\s*$")

# One folder per kernel, named with its pid, so a later kernel can tell which are stale.
_PREFIX = "lazyscope-driver-log-"

_log: Path | None = None


def log_path() -> Path | None:
    """This kernel's JVM log, once lazyscope started a JVM."""
    return _log


def _new_log() -> Path:
    global _log
    if _log is None:
        _sweep()
        folder = Path(tempfile.mkdtemp(prefix=f"{_PREFIX}{os.getpid()}-"))
        # The log lives as long as the kernel: removed at exit, like the JVM itself.
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        _log = folder / "spark-driver.log"
    return _log


def _sweep() -> None:
    """Remove the logs of kernels that died without running their exit handlers.

    A killed kernel, or one the kernel manager killed when stopping Spark outlasted its
    patience, leaves its folder behind.
    """
    for folder in Path(tempfile.gettempdir()).glob(f"{_PREFIX}*"):
        pid = folder.name.removeprefix(_PREFIX).split("-", 1)[0]
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True


def launch(conf: Any) -> None:
    """Start pyspark's JVM gateway, output to the log, unless this process has one already.

    `conf` (a SparkConf) goes to spark-submit, as pyspark passes it: options such as
    spark.driver.memory only take effect when the JVM starts.
    """
    from pyspark import SparkContext
    from pyspark.errors import PySparkException
    from pyspark.java_gateway import launch_gateway

    with SparkContext._lock:
        if SparkContext._gateway is not None or "PYSPARK_GATEWAY_PORT" in os.environ:
            return  # one JVM per kernel: later sessions reuse it, and its log
        log = _new_log()
        with log.open("ab") as out:
            try:
                gateway = launch_gateway(
                    conf, popen_kwargs={"stdout": out, "stderr": subprocess.STDOUT}
                )
            except PySparkException:
                raise LazyscopeError(f"its JVM exited: {log_excerpt()}") from None
        SparkContext._gateway = gateway
        SparkContext._jvm = gateway.jvm


def log_tail(lines: int = 40) -> str:
    """The last `lines` lines of the JVM log."""
    if _log is None or not _log.exists():
        raise LazyscopeError(
            "No Spark log in this kernel: it is written by a classic session started here "
            "(%spark start); Spark Connect keeps its log on the server."
        )
    with _log.open("rb") as f:
        f.seek(max(0, _log.stat().st_size - _TAIL_BYTES))
        text = f.read().decode("utf-8", "replace")
    return "\n".join(text.splitlines()[-lines:])


def log_excerpt(lines: int = 3) -> str:
    """The log's last meaningful lines (no Java frames, no notices), as one paragraph."""
    try:
        kept = [line for line in log_tail(200).splitlines() if not _NOISE.match(line)]
    except LazyscopeError:
        return "it wrote no log"
    return " ".join(line.strip() for line in kept[-lines:]) or "its log is empty"
