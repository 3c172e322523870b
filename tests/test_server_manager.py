"""The cluster manager on its own (no tornado, no Jupyter server): option checks, the
configurable Dask factory, and no process left behind once it shuts down."""

from __future__ import annotations

import asyncio
from typing import Any

import psutil
import pytest
from distributed import LocalCluster

from lazyscope.server._manager import ClusterManager
from lazyscope.server._options import OptionsError, parse_memory, validate_create, validate_scale

DEFAULTS = {"workers": 1, "cores": 1, "memory": "1GiB"}


class ThreadsCluster(LocalCluster):  # type: ignore[misc]
    """A cluster class other than LocalCluster, as a dask-jobqueue class would be."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(processes=False, n_workers=0, dashboard_address="127.0.0.1:0", **kwargs)


def _alive(proc: psutil.Process) -> bool:
    """Running and not a zombie (a zombie has exited; only its exit status remains)."""
    try:
        return proc.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _children() -> set[int]:
    """Our live descendants, except multiprocessing's resource tracker: one per Python
    process, started by the first worker spawn, it ends when its parent ends (pipe EOF)."""
    pids = set()
    for proc in psutil.Process().children(recursive=True):
        try:
            if _alive(proc) and "multiprocessing.resource_tracker" not in " ".join(proc.cmdline()):
                pids.add(proc.pid)
        except (psutil.NoSuchProcess, psutil.ZombieProcess):
            continue
    return pids


@pytest.mark.parametrize(
    ("value", "expected"),
    [("2GiB", 2 * 2**30), ("512m", 512 * 2**20), ("1g", 2**30), ("1.5 GB", 3 * 2**29), (10, 10)],
)
def test_memory_sizes(value: Any, expected: int) -> None:
    assert parse_memory(value) == expected


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ([], "JSON object"),
        ({"engine": "ray"}, "engine must be one of dask, spark"),
        ({"engine": "dask", "workers": -1}, "workers must be an integer from 0"),
        ({"engine": "dask", "workers": True}, "workers must be an integer"),
        ({"engine": "spark", "cores": 0}, "cores must be an integer from 1"),
        ({"engine": "spark", "memory": "1; rm -rf /"}, "memory must look like"),
        ({"engine": "dask", "connect": True}, "Spark clusters only"),
        ({"engine": "dask", "master": "yarn"}, "unknown option(s): master"),
    ],
)
def test_bad_create_options_are_refused(body: Any, message: str) -> None:
    with pytest.raises(OptionsError, match=message.replace("(", r"\(").replace(")", r"\)")):
        validate_create(body, DEFAULTS)


def test_scale_takes_only_workers() -> None:
    assert validate_scale({"workers": 3}) == 3
    with pytest.raises(OptionsError):
        validate_scale({"workers": 3, "cores": 2})


@pytest.mark.dask
def test_dask_factory_is_configurable() -> None:
    async def run() -> dict[str, Any]:
        manager = ClusterManager(dask_factory=f"{__name__}.ThreadsCluster")
        created = await manager.create({"engine": "dask", "workers": 1, "cores": 1})
        info = await manager.wait_started(created["id"])
        scaled = await manager.scale(created["id"], {"workers": 2})
        await manager.shutdown()
        assert await manager.list() == [] or all(
            c["source"] == "kernel" for c in await manager.list()
        )
        return {"started": info, "scaled": scaled}

    result = asyncio.run(run())
    assert result["started"]["status"] == "running"
    assert result["started"]["workers"] == 1  # scaled to the request after construction
    assert result["scaled"]["workers"] == 2


@pytest.mark.dask
def test_a_factory_that_fails_marks_the_cluster_failed() -> None:
    async def run() -> dict[str, Any]:
        manager = ClusterManager(dask_factory="distributed.NoSuchCluster")
        created = await manager.create({"engine": "dask"})
        info = await manager.wait_started(created["id"])
        await manager.shutdown()
        return info

    info = asyncio.run(run())
    assert info["status"] == "failed"
    assert "NoSuchCluster" in info["error"]


@pytest.mark.dask
@pytest.mark.spark
@pytest.mark.standalone
@pytest.mark.slow
def test_shutdown_leaves_no_process_behind() -> None:
    before = _children()

    async def run() -> tuple[set[int], list[dict[str, Any]]]:
        manager = ClusterManager()
        dask = await manager.create({"engine": "dask", "workers": 1, "cores": 1})
        spark = await manager.create({"engine": "spark", "workers": 1, "memory": "512m"})
        infos = [await manager.wait_started(c["id"]) for c in (dask, spark)]
        running = _children() - before
        await manager.shutdown()
        return running, infos

    running, infos = asyncio.run(run())
    assert [i["status"] for i in infos] == ["running", "running"], infos
    # Dask: one worker process (its nanny lives in this process); Spark: master + worker JVMs.
    assert len(running) >= 3
    leftovers = [p for p in running if psutil.pid_exists(p) and _alive(psutil.Process(p))]
    assert leftovers == [], [psutil.Process(p).cmdline() for p in leftovers]
