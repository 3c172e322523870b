"""Local sessions sized to the user's limits (issue 26, "Limits"): a kernel started with
JupyterHub's MEM_LIMIT and CPU_LIMIT gets a Dask LocalCluster whose workers fit them and a
local[N] Spark whose N is the CPU limit and whose driver heap comes from the memory limit;
`status` shows each limit and where it came from; what the user asks for still wins."""

from __future__ import annotations

import ast

import pytest

from lazyscope import _limits
from lazyscope.model import format_bytes, parse_size
from lazyscope.spark._session import _driver_memory as driver_memory
from tests._kernel import Kernel

pytestmark = [pytest.mark.kernel, pytest.mark.slow]

GiB = 2**30
MiB = 2**20

_WORKERS = (
    "print([(w['nthreads'], w['memory_limit']) "
    "for w in client.scheduler_info(n_workers=-1)['workers'].values()])"
)


def _workers(kernel: Kernel) -> list[tuple[int, int]]:
    shown = kernel.run(_WORKERS)
    workers: list[tuple[int, int]] = ast.literal_eval(shown.strip())
    return workers


@pytest.mark.dask
def test_a_dask_cluster_fits_the_spawners_limits() -> None:
    kernel = Kernel({"MEM_LIMIT": str(2 * GiB), "CPU_LIMIT": "1"})
    try:
        assert "Error" not in kernel.run("%load_ext lazyscope\n%dask start")
        workers = _workers(kernel)
        # One CPU: one worker, one thread; its memory the limit less the kernel's share.
        assert workers == [(1, 2 * GiB - 512 * MiB)], workers
        status = kernel.run("%dask status")
        assert "  memory limit  2.0 GiB (MEM_LIMIT)\n" in status, status
        assert "  CPU limit     1 (CPU_LIMIT)\n" in status, status
        assert "  memory        1.5 GiB\n" in status, status

        # What the user asks for wins; the status still says what the limits are.
        kernel.run("%dask stop")
        assert "Error" not in kernel.run("%dask start --workers 2 --threads 2 --memory 1GiB")
        assert _workers(kernel) == [(2, GiB), (2, GiB)]
        assert "  memory limit  2.0 GiB (MEM_LIMIT)\n" in kernel.run("%dask status")
        kernel.run("%dask stop")
    finally:
        kernel.shutdown()


@pytest.mark.spark
def test_a_local_spark_takes_the_cpu_limit_and_its_memory() -> None:
    kernel = Kernel({"MEM_LIMIT": str(3 * GiB), "CPU_LIMIT": "1", "SPARK_DRIVER_MEMORY": None})
    try:
        assert "Error" not in kernel.run("%load_ext lazyscope\n%spark start")
        status = kernel.run("%spark status")
        assert "  address       local[1]\n" in status, status
        assert "  cores         1\n" in status, status
        assert "  memory limit  3.0 GiB (MEM_LIMIT)\n" in status, status
        assert "  CPU limit     1 (CPU_LIMIT)\n" in status, status
        # The driver's heap: 3/4 of (3 GiB less 768 MiB for the kernel), set before its JVM
        # started (the JVM's own maximum says so).
        assert "  memory        1.7 GiB\n" in status, status
        heap = kernel.run("print(sc._jvm.java.lang.Runtime.getRuntime().maxMemory())")
        assert 1.5 * GiB < int(heap) <= 1728 * MiB, heap
        # local[*] again is what runs: no conflict; another master is one.
        assert "Error" not in kernel.run("%spark start --master local[*]")
        assert "already running" in kernel.run("%spark start --master local[2]")

        # An explicit local[N] wins (the JVM, and its heap, stay the kernel's).
        kernel.run("%spark stop")
        assert "Error" not in kernel.run("%spark start --master local[2]")
        status = kernel.run("%spark status")
        assert "  address       local[2]\n" in status, status
        assert "  cores         2\n" in status, status
        kernel.run("%spark stop")
    finally:
        kernel.shutdown()


@pytest.mark.spark
def test_without_the_spawners_limits_the_machine_applies() -> None:
    # The cgroup's limits or the machine's, whichever this machine has: the same process
    # tree, so what this process reads is what the kernel reads.
    here = _limits.read({})
    kernel = Kernel({"MEM_LIMIT": None, "CPU_LIMIT": None, "SPARK_DRIVER_MEMORY": None})
    try:
        assert "Error" not in kernel.run("%load_ext lazyscope\n%spark start")
        status = kernel.run("%spark status")
        assert f"  address       local[{here.whole_cpus}]\n" in status, status
        memory = f"{format_bytes(here.memory_bytes)} ({here.memory_source})"
        assert f"  memory limit  {memory}\n" in status, status
        assert f"  CPU limit     {here.cpus:g} ({here.cpu_source})\n" in status, status
        # The driver's heap: the limit's, or Spark's own default (1g) on the machine.
        driver = kernel.run("print(sc.getConf().get('spark.driver.memory', None))").strip()
        assert driver == str(driver_memory(here)), driver
        shown = format_bytes(parse_size(driver_memory(here) or "1g"))
        assert f"  memory        {shown}\n" in status, status
        kernel.run("%spark stop")
    finally:
        kernel.shutdown()
