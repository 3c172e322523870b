"""The user's limits (`lazyscope._limits`): JupyterHub's MEM_LIMIT and CPU_LIMIT, the
process's cgroup (v2 and v1 layouts, written as real files under a temporary root) and the
machine; the smallest applies, and its source is named."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import psutil
import pytest

from lazyscope import _limits
from lazyscope._limits import MACHINE, Limits, fit_cluster, fit_workers, read
from lazyscope.spark._session import _driver_memory as driver_memory

GiB = 2**30
MiB = 2**20
MACHINE_MEMORY = psutil.virtual_memory().total
MACHINE_CPUS = len(os.sched_getaffinity(0))


def _write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def test_without_limits_the_machine_applies(tmp_path: Path) -> None:
    limits = read({}, tmp_path)
    assert limits == Limits(MACHINE_CPUS, MACHINE_MEMORY, MACHINE, MACHINE)
    assert limits.rows()[1] == ("CPU limit", f"{MACHINE_CPUS} (machine)")


def test_the_spawners_variables(tmp_path: Path) -> None:
    limits = read({"MEM_LIMIT": str(2 * GiB), "CPU_LIMIT": "1.5"}, tmp_path)
    assert limits == Limits(1.5, 2 * GiB, "CPU_LIMIT", "MEM_LIMIT")
    assert limits.whole_cpus == 1
    hub = read({"MEM_LIMIT": str(4 * GiB), "CPU_LIMIT": "1.0", "JUPYTERHUB_USER": "alice"},
               tmp_path)  # fmt: skip
    assert hub.rows() == [
        ("memory limit", "4.0 GiB (MEM_LIMIT, from JupyterHub's spawner)"),
        ("CPU limit", "1 (CPU_LIMIT, from JupyterHub's spawner)"),
    ]


@pytest.mark.parametrize("memory", ["", "lots", "0", "-5", "nan", "inf"])
def test_unreadable_variables_say_nothing(tmp_path: Path, memory: str) -> None:
    limits = read({"MEM_LIMIT": memory, "CPU_LIMIT": memory}, tmp_path)
    assert (limits.memory_source, limits.cpu_source) == (MACHINE, MACHINE)


def test_cgroup_v2_limits_of_the_process_and_its_parents(tmp_path: Path) -> None:
    root = _write(tmp_path, {
        "proc/self/cgroup": "0::/user.slice/user-1000.slice/session-3.scope\n",
        "sys/fs/cgroup/user.slice/user-1000.slice/session-3.scope/memory.max": "max\n",
        "sys/fs/cgroup/user.slice/user-1000.slice/session-3.scope/cpu.max": "150000 100000\n",
        # The user's slice holds the memory limit: it holds for the session below it too.
        "sys/fs/cgroup/user.slice/user-1000.slice/memory.max": f"{GiB}\n",
        "sys/fs/cgroup/user.slice/user-1000.slice/cpu.max": "max 100000\n",
        "sys/fs/cgroup/memory.max": "max\n",
    })  # fmt: skip
    limits = read({}, root)
    assert limits == Limits(1.5, GiB, "cgroup cpu.max", "cgroup memory.max")
    assert limits.rows() == [
        ("memory limit", "1.0 GiB (cgroup memory.max)"),
        ("CPU limit", "1.5 (cgroup cpu.max)"),
    ]


def test_cgroup_v2_in_a_container_sees_its_own_cgroup_at_the_mount(tmp_path: Path) -> None:
    # Without a cgroup namespace the path from /proc names the host's folder, which the
    # container does not have: its own limits are at the mount.
    root = _write(tmp_path, {
        "proc/self/cgroup": "0::/kubepods/burstable/pod1234/abcdef\n",
        "sys/fs/cgroup/memory.max": f"{3 * GiB}\n",
        "sys/fs/cgroup/cpu.max": "200000 100000\n",
    })  # fmt: skip
    assert read({}, root) == Limits(2, 3 * GiB, "cgroup cpu.max", "cgroup memory.max")


def test_cgroup_v1_limits(tmp_path: Path) -> None:
    root = _write(tmp_path, {
        "proc/self/cgroup": "12:memory:/docker/abc\n4:cpu,cpuacct:/docker/abc\n"
                            "1:name=systemd:/docker/abc\n0::/\n",
        "sys/fs/cgroup/memory/docker/abc/memory.limit_in_bytes": f"{512 * MiB}\n",
        # v1 writes "no limit" as a huge number: the machine's memory is less.
        "sys/fs/cgroup/memory/memory.limit_in_bytes": "9223372036854771712\n",
        "sys/fs/cgroup/cpu,cpuacct/docker/abc/cpu.cfs_quota_us": "50000\n",
        "sys/fs/cgroup/cpu,cpuacct/docker/abc/cpu.cfs_period_us": "100000\n",
        "sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us": "-1\n",
        "sys/fs/cgroup/cpu,cpuacct/cpu.cfs_period_us": "100000\n",
    })  # fmt: skip
    limits = read({}, root)
    assert limits == Limits(0.5, 512 * MiB, "cgroup cpu.cfs_quota_us",
                            "cgroup memory.limit_in_bytes")  # fmt: skip
    assert limits.whole_cpus == 1  # half a core still runs one thread


def test_cgroup_v1_without_limits_leaves_the_machine(tmp_path: Path) -> None:
    root = _write(tmp_path, {
        "proc/self/cgroup": "4:memory:/\n3:cpu:/\n",
        "sys/fs/cgroup/memory/memory.limit_in_bytes": "9223372036854771712\n",
        "sys/fs/cgroup/cpu/cpu.cfs_quota_us": "-1\n",
        "sys/fs/cgroup/cpu/cpu.cfs_period_us": "100000\n",
    })  # fmt: skip
    assert read({}, root) == Limits(MACHINE_CPUS, MACHINE_MEMORY, MACHINE, MACHINE)


def test_the_smallest_applies(tmp_path: Path) -> None:
    root = _write(tmp_path, {
        "proc/self/cgroup": "0::/\n",
        "sys/fs/cgroup/memory.max": f"{2 * GiB}\n",
        "sys/fs/cgroup/cpu.max": f"{100000 * (MACHINE_CPUS + 4)} 100000\n",
    })  # fmt: skip
    limits = read({"MEM_LIMIT": str(4 * GiB), "CPU_LIMIT": "1"}, root)
    assert limits == Limits(1, 2 * GiB, "CPU_LIMIT", "cgroup memory.max")
    # A spawner's limit above the machine's says nothing more than the machine.
    above = read({"MEM_LIMIT": str(MACHINE_MEMORY * 2), "CPU_LIMIT": "1000"}, tmp_path / "none")
    assert (above.memory_source, above.cpu_source) == (MACHINE, MACHINE)


def test_the_sizing_rules() -> None:
    four = Limits(2, 4 * GiB, "CPU_LIMIT", "MEM_LIMIT")
    assert four.spare_memory == 3 * GiB  # a quarter kept for the kernel, at most 1 GiB
    assert driver_memory(four) == "2304m"  # three quarters of the spare memory
    assert Limits(2, 16 * GiB).spare_memory == 15 * GiB
    assert Limits(1, GiB).spare_memory == 768 * MiB
    assert Limits(1, 512 * MiB).spare_memory == 256 * MiB  # at least 256 MiB for the kernel
    assert driver_memory(Limits(1, 512 * MiB, memory_source="MEM_LIMIT")) == "512m"
    # Without a limit the machine may be shared: Spark's own default stays.
    assert driver_memory(Limits(2, 64 * GiB, memory_source=MACHINE)) is None
    assert fit_workers(four, 2, 4, 8 * GiB) == (1, 3 * GiB // 2)
    assert fit_workers(four, 4, 1, 8 * GiB) == (1, 3 * GiB // 4)  # at least a core each
    assert fit_workers(four, 1, 1, GiB) == (1, GiB)  # it fits: as asked


def test_a_server_cluster_is_fitted_and_says_so(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("MEM_LIMIT", str(2 * GiB))
    monkeypatch.setenv("CPU_LIMIT", "1")
    log = logging.getLogger("tests.limits")
    asked = {"workers": 2, "cores": 2, "memory": 4 * GiB, "connect": False}
    with caplog.at_level(logging.WARNING, "tests.limits"):
        fitted = fit_cluster(asked, log)
    assert fitted == {"workers": 2, "cores": 1, "memory": (2 * GiB - 512 * MiB) // 2,
                      "connect": False}  # fmt: skip
    assert "do not fit the user's limits (memory limit 2.0 GiB (MEM_LIMIT)" in caplog.text
    caplog.clear()
    small = {"workers": 1, "cores": 1, "memory": 512 * MiB}
    assert fit_cluster(small, log) == small
    assert not caplog.text


def test_this_process_reads_its_own_limits() -> None:
    # The real /proc and /sys of this machine: whatever they say, never more than it has.
    limits = _limits.read()
    assert 0 < limits.memory_bytes <= MACHINE_MEMORY
    assert 0 < limits.cpus <= MACHINE_CPUS
