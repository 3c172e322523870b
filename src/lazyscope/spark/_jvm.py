"""The classic driver's JVM, started with its output in a log file instead of the cell.

pyspark starts its JVM with the kernel's own stdout and stderr, which Jupyter shows in
red in whatever cell runs: start-up notices, log4j WARN lines, and (local masters run
the executors in that JVM) every failed task's Java stack trace. We start the JVM the
way pyspark does, with both streams in one log file per kernel: `%spark log` shows
its end, `%spark status` its path, and errors reach the cell as one short message.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path
from typing import Any

from lazyscope import _logfile
from lazyscope._errors import LazyscopeError

__all__ = ["launch", "log_excerpt", "log_path", "log_tail"]

_NOISE = re.compile(r"^\s*(at |\.\.\. \d+ more|WARNING: |Using Spark's default)|^\s*$")

_log: Path | None = None


def log_path() -> Path | None:
    """This kernel's JVM log, once lazyscope started a JVM."""
    return _log


def _new_log() -> Path:
    global _log
    if _log is None:  # one per kernel, shared by its sessions (they share one JVM)
        _log = _logfile.new_log("driver", "spark-driver.log")
    return _log


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
    return _logfile.tail(_log, lines)


def log_excerpt(lines: int = 3) -> str:
    """The log's last meaningful lines (no Java frames, no notices), as one paragraph."""
    try:
        kept = [line for line in log_tail(200).splitlines() if not _NOISE.match(line)]
    except LazyscopeError:
        return "it wrote no log"
    return " ".join(line.strip() for line in kept[-lines:]) or "its log is empty"
