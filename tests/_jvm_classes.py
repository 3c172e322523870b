"""A class-data archive for the suite's Spark JVMs (Java's AppCDS).

A Spark JVM reads and verifies about 5,000 classes from its jars before it does any work.
Java can map them from an archive made by one earlier run instead: a local session's start,
a shuffle query and a Spark UI read took 9.4 s of CPU without the archive and 5.3 s with it
(measured on 2 cores), and the suite starts dozens of JVMs (kernels, Connect, standalone,
history). The JVMs themselves are unchanged: same Java, same jars, same code.

The archive is made once per machine and Spark version, in the background at the start of a
run (`start`, from tests/conftest.py); JVMs started before it exists, or whose class path is
another Spark's (the README's and the hub's environments), run as they would without it:
Java checks the archive against the jars and ignores it, silently (`-Xlog:cds=off`).
"""

from __future__ import annotations

import os
import subprocess
import textwrap
import threading
from pathlib import Path

import pyspark

from tests._paths import ROOT

__all__ = ["ARCHIVE", "JVM_OPTIONS", "start"]

ARCHIVE = ROOT / ".tmp" / "jvm-classes" / f"spark-{pyspark.__version__}.jsa"
JVM_OPTIONS = f"-XX:SharedArchiveFile={ARCHIVE} -Xlog:cds=off -Xlog:cds+dynamic=off"

# What the suite's JVMs load: a session, a shuffle, Arrow to pandas, the UI's REST API.
_WORKLOAD = textwrap.dedent("""
    import json, urllib.request
    from pyspark.sql import SparkSession
    arrow = "spark.sql.execution.arrow.pyspark.enabled"
    spark = SparkSession.builder.config(arrow, "true").getOrCreate()
    df = spark.range(10000).selectExpr("id % 7 AS k", "id AS v")
    df.groupBy("k").count().join(df, "k").groupBy("k").sum("v").toPandas()
    with urllib.request.urlopen(spark.sparkContext.uiWebUrl + "/api/v1/applications") as page:
        json.load(page)
    spark.stop()
""")


def start(base_options: str, env: dict[str, str]) -> threading.Thread | None:
    """Make the archive in a thread, unless it exists; the caller joins it at the end."""
    if ARCHIVE.exists():
        return None
    thread = threading.Thread(target=_make, args=(base_options, env), daemon=True)
    thread.start()
    return thread


def _make(base_options: str, env: dict[str, str]) -> None:
    ARCHIVE.parent.mkdir(parents=True, exist_ok=True)
    partial = ARCHIVE.with_suffix(f".{os.getpid()}.part")
    script = ARCHIVE.with_suffix(f".{os.getpid()}.py")
    script.write_text(_WORKLOAD, encoding="utf-8")
    options = f"{base_options} -XX:ArchiveClassesAtExit={partial} -Xlog:cds=off"
    spark_submit = Path(pyspark.__file__).parent / "bin" / "spark-submit"
    try:
        # spark-submit runs the script and exits when it ends; Java writes the archive then.
        subprocess.run(
            [str(spark_submit), "--master", "local[2]", "--conf", "spark.ui.port=0", str(script)],
            env={**env, "SPARK_SUBMIT_OPTS": options, "SPARK_LOCAL_IP": "127.0.0.1"},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=300,
            check=True,
        )
        os.replace(partial, ARCHIVE)  # whole or absent for the JVMs reading it
    except (OSError, subprocess.SubprocessError):
        pass  # no archive: the JVMs start as they would without one
    finally:
        partial.unlink(missing_ok=True)
        script.unlink(missing_ok=True)
