"""Remote engines started for real on loopback: Spark Connect, standalone, a Dask scheduler."""

from __future__ import annotations

import socket
import time
from typing import Any

import pytest

from lazyscope._errors import LazyscopeError
from lazyscope.dask._session import DaskEngine
from lazyscope.spark._connect import SparkConnectEngine


@pytest.mark.connect
@pytest.mark.kernel
@pytest.mark.slow
def test_spark_connect_session_runs_queries_and_reports_status(
    spark_connect_url: str, run_notebook: Any
) -> None:
    # In a kernel of its own: pyspark will not open Connect beside this process's classic
    # session (the next test checks that refusal).
    texts = run_notebook(
        [
            "%load_ext lazyscope",
            f"%spark start --remote {spark_connect_url} --conf spark.sql.shuffle.partitions=3",
            "spark.range(10).count()",
            'spark.conf.get("spark.sql.shuffle.partitions")',
            "from pyspark.sql import functions as F\n"
            'spark.range(3).select((F.col("id") + 1).alias("n")).collect()',
            "%spark status",
            "%spark stop",
        ]
    )
    start, count, partitions, functions, status, stop = texts[1:]
    assert spark_connect_url in start
    assert "Spark Connect session" in start
    assert "started here  no (attached)" in start
    assert count.strip() == "10"
    assert partitions.strip() == "'3'"
    assert functions.strip() == "[Row(n=1), Row(n=2), Row(n=3)]"
    assert spark_connect_url in status
    assert "Error" not in stop
    assert "Stopped" in stop


@pytest.mark.connect
@pytest.mark.spark
def test_spark_connect_beside_a_classic_session_is_refused_clearly(
    spark: Any, spark_connect_url: str
) -> None:
    with pytest.raises(LazyscopeError, match="stop it first"):
        SparkConnectEngine.start(spark_connect_url, {}, "t", 10)
    assert spark.range(5).count() == 5  # the classic session is untouched


def refused_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_unreachable_spark_connect_fails_fast() -> None:
    start = time.monotonic()
    with pytest.raises(LazyscopeError, match="Cannot reach the Spark Connect server"):
        SparkConnectEngine.start(f"sc://127.0.0.1:{refused_port()}", {}, "t", 5)
    assert time.monotonic() - start < 10


@pytest.mark.parametrize("remote", ["http://127.0.0.1:15002", "sc://", "sc://host:notaport"])
def test_bad_spark_connect_address(remote: str) -> None:
    with pytest.raises(LazyscopeError, match="Spark Connect address"):
        SparkConnectEngine.start(remote, {}, "t", 5)


@pytest.mark.dask
def test_dask_connect_to_a_separate_scheduler_process(dask_scheduler_address: str) -> None:
    engine = DaskEngine.connect(dask_scheduler_address, timeout=10)
    try:
        deadline = time.monotonic() + 60
        while engine.status().workers == 0 and time.monotonic() < deadline:
            time.sleep(0.5)
        assert engine.info.workers == 1
        assert engine.info.owned is False
        assert engine.client.submit(sum, [1, 2, 3]).result(timeout=30) == 6
        assert engine.conflicts({"address": dask_scheduler_address}) == []
        assert engine.conflicts({"address": "tcp://127.0.0.1:1"})
    finally:
        engine.stop()


@pytest.mark.standalone
@pytest.mark.slow
@pytest.mark.kernel
def test_spark_standalone_through_a_real_kernel(
    spark_standalone_url: str, run_notebook: Any
) -> None:
    # A separate kernel: this test process already owns a local SparkContext.
    outputs = run_notebook(
        [
            "%load_ext lazyscope",
            f"%spark start --master {spark_standalone_url} --conf spark.cores.max=1"
            " --conf spark.executor.memory=512m",
            "spark.range(1000).selectExpr('sum(id) AS s').first().s",
            "%spark status",
            "%spark stop",
        ]
    )
    assert "499500" in outputs[2], outputs[1]
    assert spark_standalone_url in outputs[3]
    assert "Stopped the spark session" in outputs[4]
