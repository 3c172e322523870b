"""Real engine servers on loopback for the tests: Spark Connect, Spark standalone, Dask.

Each is a child process of the test run, started in the foreground (no daemon
scripts) so that teardown can kill it and nothing outlives the run.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pyspark

from tests import _jvm_classes as jvm_classes

SPARK_HOME = Path(pyspark.__file__).parent
# Test JVMs live seconds: the client compiler alone and the serial collector halve the CPU
# of a Spark start and a small query (22-25 s -> 10-14 s, measured on 2 cores), and the suite
# starts dozens side by side. Only tests run so (tests/conftest.py puts TEST_ENV in the
# environment every kernel, server and JVM of the suite inherits); users' and the
# benchmarks' JVMs keep Java's defaults.
# They also map their classes from the suite's class-data archive (tests/_jvm_classes.py).
TEST_JVM_BASE_OPTIONS = "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC"
TEST_JVM_OPTIONS = f"{TEST_JVM_BASE_OPTIONS} {jvm_classes.JVM_OPTIONS}"
TEST_JVM_ENV = {"SPARK_SUBMIT_OPTS": TEST_JVM_OPTIONS, "SPARK_DAEMON_JAVA_OPTS": TEST_JVM_OPTIONS}
# Test Dask clusters idle most of their lives (the session's cluster between its tests, a
# kernel's between cells, a hub user's while the other tests run). Dask's timers cost that:
# an idle LocalCluster of 2 workers took 6.3 s of CPU a minute, 1.8 s with the event-loop
# check every second (not every 20 ms), no statistical profiler and the system monitor every
# 2 s (measured on 2 cores). Nothing of lazyscope reads these; users keep Dask's defaults.
TEST_DASK_ENV = {
    "DASK_DISTRIBUTED__ADMIN__TICK__INTERVAL": "1s",
    "DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED": "False",
    "DASK_DISTRIBUTED__ADMIN__SYSTEM_MONITOR__INTERVAL": "2s",
}
TEST_ENV = {**TEST_JVM_ENV, **TEST_DASK_ENV}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, proc: subprocess.Popen[bytes], timeout: float, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited early:\n{log.read_text()[-3000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"port {port} not open after {timeout} s:\n{log.read_text()[-3000:]}")


@contextmanager
def running(
    cmd: list[str], port: int, log: Path, timeout: float = 120, env: dict[str, str] | None = None
) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("wb") as out:
        proc = subprocess.Popen(
            cmd,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env={**os.environ, **(env or {})},
            start_new_session=True,
        )
    try:
        wait_for_port(port, proc, timeout, log)
        yield proc
    finally:
        _kill_group(proc)


def wait_for_workers(master_json: str, timeout: float) -> None:
    """Until the standalone master's JSON status lists an alive worker."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(master_json, timeout=5) as response:
                if json.load(response).get("aliveworkers", 0) >= 1:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"no Spark worker registered with the master after {timeout} s")


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(proc.pid, 15)
        proc.wait(timeout=20)
    except ProcessLookupError:
        return
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, 9)
        proc.wait(timeout=10)


def spark_env() -> dict[str, str]:
    return {
        "SPARK_HOME": str(SPARK_HOME),
        "SPARK_LOCAL_IP": "127.0.0.1",
        "PYSPARK_PYTHON": sys.executable,
    }


def spark_connect_cmd(port: int, ui_port: int) -> list[str]:
    return [
        str(SPARK_HOME / "bin" / "spark-submit"),
        "--class",
        "org.apache.spark.sql.connect.service.SparkConnectServer",
        "--master",
        "local[2]",
        "--conf",
        f"spark.connect.grpc.binding.port={port}",
        "--conf",
        "spark.connect.grpc.binding.address=127.0.0.1",
        "--conf",
        f"spark.ui.port={ui_port}",
        "--conf",
        "spark.driver.host=127.0.0.1",
        "--conf",
        "spark.driver.bindAddress=127.0.0.1",
        "--conf",
        "spark.sql.shuffle.partitions=4",
        "spark-internal",
    ]


def spark_master_cmd(port: int, ui_port: int) -> list[str]:
    return [
        str(SPARK_HOME / "bin" / "spark-class"),
        "org.apache.spark.deploy.master.Master",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--webui-port",
        str(ui_port),
    ]


def spark_worker_cmd(master: str, ui_port: int) -> list[str]:
    return [
        str(SPARK_HOME / "bin" / "spark-class"),
        "org.apache.spark.deploy.worker.Worker",
        "--host",
        "127.0.0.1",
        "--cores",
        "1",
        "--memory",
        "1g",
        "--webui-port",
        str(ui_port),
        master,
    ]


def dask_cmd(*args: str) -> list[str]:
    exe = shutil.which("dask")
    return [exe, *args] if exe else [sys.executable, "-m", "distributed.cli.dask_spec", *args]
