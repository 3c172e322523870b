"""The CPUs and memory this user may use: what the engines' local sessions size themselves
from, and what their status shows.

On a shared node the machine is not the user's. JupyterHub's spawners state the user's
share in ``MEM_LIMIT`` (bytes) and ``CPU_LIMIT`` (cores, a float); container spawners also
enforce it with the process's cgroup (v2 ``memory.max`` and ``cpu.max``, v1
``memory.limit_in_bytes`` and ``cpu.cfs_quota_us``/``cpu.cfs_period_us``). The smallest of
these and the machine applies. Engine-neutral: plain files and the environment, no engine
library; the root folder is a parameter, so tests lay out cgroup trees of their own.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lazyscope._sessions import SessionInfo
from lazyscope.model import format_bytes

__all__ = ["MACHINE", "Limits", "SizedInfo", "fit_cluster", "fit_workers", "read"]

MACHINE = "machine"
_MiB = 2**20
_CGROUP = Path("sys/fs/cgroup")


@dataclass(frozen=True)
class Limits:
    """What applies, and where each figure came from (shown by `status`)."""

    cpus: float
    memory_bytes: int
    cpu_source: str = MACHINE
    memory_source: str = MACHINE

    @property
    def whole_cpus(self) -> int:
        """Threads to run: the whole cores of the limit, at least one (1.5 cores -> 1)."""
        return max(1, math.floor(self.cpus + 1e-9))

    @property
    def spare_memory(self) -> int:
        """The memory a cluster of this kernel may take: the limit minus room for the
        Python kernel itself (a quarter of the limit, between 256 MiB and 1 GiB)."""
        room = min(max(self.memory_bytes // 4, 256 * _MiB), 1024 * _MiB)
        return max(self.memory_bytes - room, 0)

    def rows(self) -> list[tuple[str, str]]:
        """The status rows: each limit, and its source."""
        cpus = f"{self.cpus:g}"
        return [
            ("memory limit", f"{format_bytes(self.memory_bytes)} ({self.memory_source})"),
            ("CPU limit", f"{cpus} ({self.cpu_source})"),
        ]


@dataclass
class SizedInfo(SessionInfo):
    """A local session of this kernel (its cluster runs on this machine): its status also
    shows the limits it was sized from."""

    limits: Limits | None = None

    def scaling_rows(self) -> list[tuple[str, str]]:
        return self.limits.rows() if self.limits is not None else []


def fit_workers(limits: Limits, workers: int, cores: int, memory: int) -> tuple[int, int]:
    """``cores`` and ``memory`` per worker, lowered so that ``workers`` of them fit the
    limits: together at most the whole CPUs (each at least one core) and the spare memory."""
    count = max(workers, 1)
    share = limits.spare_memory // count
    cores = min(cores, max(1, limits.whole_cpus // count))
    return cores, min(memory, share) if share > 0 else memory


def fit_cluster(options: dict[str, Any], log: Any) -> dict[str, Any]:
    """The options of a cluster the Jupyter server starts (``workers``, and ``cores`` and
    ``memory`` bytes per worker), fitted to the user's limits: the server and its clusters
    share them with the user's kernels, and a cgroup kills what goes over. What was
    lowered is logged; the cluster's card shows what it runs with."""
    limits = read()
    cores, memory = fit_workers(limits, options["workers"], options["cores"], options["memory"])
    if (cores, memory) != (options["cores"], options["memory"]):
        log.warning(
            "lazyscope: %d worker(s) of %d core(s) and %s each do not fit the user's limits "
            "(%s); each gets %d core(s) and %s", options["workers"], options["cores"],
            format_bytes(options["memory"]), "; ".join(f"{k} {v}" for k, v in limits.rows()),
            cores, format_bytes(memory),
        )  # fmt: skip
    return {**options, "cores": cores, "memory": memory}


def read(env: Mapping[str, str] | None = None, root: Path = Path("/")) -> Limits:
    """The limits that apply to this process: the smallest of the spawner's variables, the
    cgroup's limits and the machine (on a tie, the first of these names the source)."""
    env = os.environ if env is None else env
    spawner = "from JupyterHub's spawner" if env.get("JUPYTERHUB_USER") else None
    memory: list[tuple[float, str]] = []
    cpus: list[tuple[float, str]] = []
    if (value := _number(env.get("MEM_LIMIT"))) is not None and value >= 1:
        memory.append((value, ", ".join(filter(None, ["MEM_LIMIT", spawner]))))
    if (value := _number(env.get("CPU_LIMIT"))) is not None and value > 0:
        cpus.append((value, ", ".join(filter(None, ["CPU_LIMIT", spawner]))))
    groups = _cgroups(root)
    memory += _cgroup_memory(root, groups)
    cpus += _cgroup_cpus(root, groups)
    memory.append((float(_machine_memory()), MACHINE))
    cpus.append((float(_machine_cpus()), MACHINE))
    mem_value, mem_source = min(memory, key=lambda pair: pair[0])
    cpu_value, cpu_source = min(cpus, key=lambda pair: pair[0])
    return Limits(cpu_value, int(mem_value), cpu_source, mem_source)


def _number(text: str | None) -> float | None:
    try:
        value = float(text) if text is not None else None
    except ValueError:
        return None  # a value we cannot read says nothing: the other sources apply
    return value if value is not None and math.isfinite(value) else None


def _machine_memory() -> int:
    return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))


def _machine_cpus() -> int:
    # The CPUs this process may run on (taskset, a cpuset), else all of them.
    affinity = getattr(os, "sched_getaffinity", None)
    return len(affinity(0)) if affinity is not None else os.cpu_count() or 1


def _cgroups(root: Path) -> dict[str, str]:
    """``/proc/self/cgroup``: {controllers: path}, v1's controllers as listed (``memory``,
    ``cpu,cpuacct``); cgroup v2's single line is under ""."""
    try:
        lines = (root / "proc/self/cgroup").read_text().splitlines()
    except OSError:
        return {}
    found: dict[str, str] = {}
    for line in lines:
        fields = line.split(":", 2)
        if len(fields) != 3:
            continue
        found[fields[1]] = fields[2]
    return found


def _folders(mount: Path, path: str) -> list[Path]:
    """The process's cgroup folder and each above it, up to the mount: a parent's limit
    holds for its children. A container sees its own cgroup at the mount itself (a cgroup
    namespace), where the path from /proc may not exist."""
    parts = [p for p in path.strip("/").split("/") if p]
    folders = [mount.joinpath(*parts[:n]) for n in range(len(parts), -1, -1)]
    return [folder for folder in folders if folder.is_dir()]


def _read(path: Path) -> str | None:
    try:
        return path.read_text().strip()
    except OSError:
        return None


def _v1_mount(root: Path, groups: dict[str, str], controller: str) -> tuple[Path, str] | None:
    """Where v1 mounts ``controller`` (alone, or with others: ``cpu,cpuacct``), and its path."""
    for key, path in groups.items():
        if controller in key.split(","):
            for name in (controller, key):
                mount = root / _CGROUP / name
                if mount.is_dir():
                    return mount, path
    return None


def _cgroup_memory(root: Path, groups: dict[str, str]) -> list[tuple[float, str]]:
    found: list[tuple[float, str]] = []
    if "" in groups:  # v2 ("max" means none)
        for folder in _folders(root / _CGROUP, groups[""]):
            value = _number(_read(folder / "memory.max"))
            if value is not None and value >= 1:
                found.append((value, "cgroup memory.max"))
    if (v1 := _v1_mount(root, groups, "memory")) is not None:
        for folder in _folders(*v1):  # no limit is a huge number, which the machine beats
            value = _number(_read(folder / "memory.limit_in_bytes"))
            if value is not None and value >= 1:
                found.append((value, "cgroup memory.limit_in_bytes"))
    return found


def _cgroup_cpus(root: Path, groups: dict[str, str]) -> list[tuple[float, str]]:
    found: list[tuple[float, str]] = []
    if "" in groups:  # v2: "QUOTA PERIOD", or "max PERIOD" for none
        for folder in _folders(root / _CGROUP, groups[""]):
            quota, _, period = (_read(folder / "cpu.max") or "").partition(" ")
            cpus = _ratio(_number(quota), _number(period))
            if cpus is not None:
                found.append((cpus, "cgroup cpu.max"))
    if (v1 := _v1_mount(root, groups, "cpu")) is not None:
        for folder in _folders(*v1):  # a quota of -1 means none
            quota_us = _number(_read(folder / "cpu.cfs_quota_us"))
            cpus = _ratio(quota_us, _number(_read(folder / "cpu.cfs_period_us")))
            if cpus is not None:
                found.append((cpus, "cgroup cpu.cfs_quota_us"))
    return found


def _ratio(quota: float | None, period: float | None) -> float | None:
    if quota is None or period is None or quota <= 0 or period <= 0:
        return None
    return quota / period
