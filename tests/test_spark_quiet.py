"""A real kernel's Spark cells say what happened in one paragraph, and nothing in red.

The JVM's start-up notices, log4j lines and executors' Java stack traces go to a log file
(`%spark log`), failed starts and failed tasks read as one paragraph, and the workers run
the kernel's own Python even when another `python3` comes first on PATH.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest

from tests._kernel import Kernel

pytestmark = [pytest.mark.kernel, pytest.mark.spark, pytest.mark.slow]

JAVA_STACK = ("\tat ", "org.apache.", "java.lang.", "Caused by:", "py4j")


class Cells:
    """A kernel whose PATH starts with a `python3` that has no site-packages (no pyarrow)."""

    def __init__(self, bin_dir: Path) -> None:
        fake = bin_dir / "python3"
        fake.write_text(f'#!/bin/sh\nexec "{sys.executable}" -S "$@"\n')
        fake.chmod(0o755)
        path = f"{bin_dir}{os.pathsep}{os.environ['PATH']}"
        self.kernel = Kernel(env={"PATH": path, "PYSPARK_PYTHON": None})
        self.client = self.kernel.client

    def run(self, code: str) -> dict[str, str]:
        """What the cell showed, by kind: stdout, stderr, result, error."""
        shown: dict[str, str] = {}

        def hook(msg: dict[str, Any]) -> None:
            content, kind = msg["content"], msg["msg_type"]
            if kind == "stream":
                shown[content["name"]] = shown.get(content["name"], "") + content["text"]
            elif kind in ("execute_result", "display_data"):
                shown["result"] = shown.get("result", "") + content["data"].get("text/plain", "")
            elif kind == "error":
                shown["error"] = "\n".join(content["traceback"])

        self.client.execute_interactive(code, timeout=300, output_hook=hook)
        return shown

    def close(self) -> None:
        self.kernel.shutdown()


@pytest.fixture(scope="module")
def cells(tmp_path_factory: pytest.TempPathFactory) -> Any:
    kernel = Cells(tmp_path_factory.mktemp("bin"))
    kernel.run("%load_ext lazyscope")
    yield kernel
    kernel.close()


def one_paragraph(shown: dict[str, str]) -> str:
    """The cell's error, checked to be short and free of Java; nothing went to stderr."""
    assert "stderr" not in shown, shown["stderr"]
    error = shown["error"]
    assert "Traceback" not in error
    assert not [marker for marker in JAVA_STACK if marker in error], error
    assert len(error.strip().splitlines()) <= 3, error
    return error


def dead_pid() -> int:
    done = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(done.stdout)


def test_first_start_is_quiet_and_its_log_is_one_magic_away(cells: Any) -> None:
    # A killed kernel's log folder: the next kernel to start a JVM removes it.
    stale = Path(tempfile.gettempdir()) / f"lazyscope-driver-log-{dead_pid()}-x"
    stale.mkdir()
    (stale / "spark-driver.log").write_text("old\n")
    started = cells.run("%spark start --master local[1]")
    assert not stale.exists()
    assert "stderr" not in started, started["stderr"]  # no JVM notices in red
    assert "log" in started["result"]
    tail = cells.run("%spark log")
    assert "log4j" in tail["stdout"]  # the start-up notices went there instead
    job = cells.run("spark.range(10).count()")
    assert job == {"result": "10"}
    level = cells.run("sc.getConf().get('spark.log.level')")  # Lazyscope.spark_log_level
    assert level == {"result": "'ERROR'"}


def test_a_failing_task_is_one_paragraph(cells: Any) -> None:
    cells.run("from pyspark.sql import functions as F")
    failing = "spark.range(3).select(F.assert_true(F.col('id') < 1)).collect()"
    in_magic = one_paragraph(cells.run(f"%%spark\n{failing}"))
    assert "'(id < 1)' is not true!" in in_magic
    plain = cells.run(failing)  # pyspark's own exception; the executors' stacks stay in the log
    assert "stderr" not in plain, plain["stderr"]
    assert "\tat " not in plain["error"]
    assert "Exception in task" in cells.run("%spark log")["stdout"]
    udf = one_paragraph(
        cells.run("%%spark\nspark.range(1).select(F.udf(lambda x: 1 / x)('id')).collect()")
    )
    assert "A Python worker failed (in <lambda>" in udf
    assert "ZeroDivisionError: division by zero" in udf


def test_workers_run_the_kernels_python(cells: Any) -> None:
    """The first `python3` on PATH has no pyarrow: Arrow-based work fails if workers use it."""
    arrow = cells.run(
        "%%spark\nspark.range(3).mapInArrow(lambda batches: batches, 'id long').count()"
    )
    assert "error" not in arrow, arrow["error"]
    assert arrow["result"].endswith("3")
    assert cells.run("sc.pythonExec")["result"] == repr(sys.executable)


def test_a_worker_without_a_module_names_its_interpreter(cells: Any, tmp_path: Path) -> None:
    python = tmp_path / "python3"
    python.write_text(f'#!/bin/sh\nexec "{sys.executable}" -S "$@"\n')
    python.chmod(0o755)
    restart = f"%spark start --restart --master local[1] --conf spark.pyspark.python={python}"
    assert "error" not in cells.run(restart)
    shown = cells.run("%%spark\nspark.range(3).mapInArrow(lambda b: b, 'id long').count()")
    said = one_paragraph(shown)
    assert f"Spark's Python workers ran {python}" in said
    assert "No module named 'pyarrow'" in said


@pytest.mark.parametrize(
    ("options", "said"),
    [
        ("--master local[0]", "local[0] asks for no threads"),
        (
            "--master local[1] --conf spark.executor.memory=lots",
            "--conf spark.executor.memory=lots",
        ),
    ],
)
def test_a_failed_start_is_one_paragraph_and_the_kernel_goes_on(
    cells: Any, options: str, said: str
) -> None:
    cells.run("%spark stop")
    error = one_paragraph(cells.run(f"%spark start {options}"))
    assert said in error
    assert "SparkException" not in error
    assert "error" not in cells.run("%spark start --master local[1]")
    assert cells.run("spark.range(5).count()") == {"result": "5"}


def test_a_jvm_that_cannot_start_is_one_paragraph(tmp_path: Path) -> None:
    """spark.driver.memory applies as the JVM starts: the JVM itself refuses a bad one."""
    kernel = Cells(tmp_path)
    try:
        kernel.run("%load_ext lazyscope")
        error = one_paragraph(
            kernel.run("%spark start --master local[1] --conf spark.driver.memory=lots")
        )
        assert "JVM exited" in error
        assert "--conf spark.driver.memory=lots" in error
        assert "error" not in kernel.run("%spark start --master local[1]")  # a new JVM
        assert kernel.run("spark.range(4).count()") == {"result": "4"}
    finally:
        kernel.close()
