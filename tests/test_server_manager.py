"""The cluster manager on its own (no tornado, no Jupyter server): option checks, the
configurable Dask factory, failed clusters, failures to stop in the log, and no
process, port or folder left behind once it shuts down."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psutil
import pytest
from distributed import LocalCluster

from lazyscope.dask._cluster import DaskCluster
from lazyscope.server._manager import ClusterManager, UnknownClusterError
from lazyscope.server._options import OptionsError, parse_memory, validate_create, validate_scale
from lazyscope.spark._cluster import SparkCluster

DEFAULTS = {"workers": 1, "cores": 1, "memory": "1GiB"}


class ThreadsCluster(LocalCluster):  # type: ignore[misc]
    """A cluster class other than LocalCluster, as a dask-jobqueue class would be."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(processes=False, n_workers=0, dashboard_address="127.0.0.1:0", **kwargs)


class UnstoppableCluster(ThreadsCluster):
    """Stops, then reports a failure, as a batch system's cluster class may."""

    def close(self, timeout: float | None = None) -> Any:
        closing = super().close(timeout)

        async def fail() -> None:
            await closing
            raise RuntimeError("the batch system did not confirm the stop")

        return fail()


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
def test_a_cluster_that_failed_to_start_does_not_count_against_max_clusters() -> None:
    async def run() -> list[str]:
        manager = ClusterManager(dask_factory="distributed.NoSuchCluster", max_clusters=1)
        failed = await manager.create({"engine": "dask"})
        await manager.wait_started(failed["id"])
        manager.dask_factory = f"{__name__}.ThreadsCluster"  # fixed by the admin
        started = await manager.create({"engine": "dask", "workers": 1})
        info = await manager.wait_started(started["id"])
        with pytest.raises(OptionsError, match="already runs 1 clusters"):
            await manager.create({"engine": "dask"})  # the running one does count
        statuses = [c["status"] for c in await manager.list()]
        await manager.shutdown()
        assert info["status"] == "running"
        return statuses

    assert asyncio.run(run()) == ["failed", "running"]  # the failed card stays, to say why


@pytest.mark.dask
def test_a_cluster_that_does_not_stop_is_logged_and_the_others_still_stop(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def run() -> list[Any]:
        manager = ClusterManager(log=logging.getLogger("jupyter-server-log"))
        clusters = []
        for factory in (UnstoppableCluster, ThreadsCluster):
            manager.dask_factory = f"{__name__}.{factory.__name__}"
            created = await manager.create({"engine": "dask", "workers": 1})
            await manager.wait_started(created["id"])
            cluster = manager.clusters[created["id"]]
            assert isinstance(cluster, DaskCluster)
            clusters.append(cluster.proc)
        await manager.shutdown()  # no exception: server exit goes on
        assert manager.clusters == {}
        return clusters

    with caplog.at_level(logging.ERROR, logger="jupyter-server-log"):
        procs = asyncio.run(run())
    # Both clusters' processes have ended, the one that reported a failure too.
    assert [p.poll() is not None for p in procs] == [True, True]
    [record] = [r for r in caplog.records if r.name == "jupyter-server-log"]
    assert "did not stop cleanly" in record.getMessage()
    assert "did not confirm the stop" in str(record.exc_info[1] if record.exc_info else "")


def _workers_spawned(pids: set[int]) -> bool:
    """Is one of ``pids`` a worker process (a nanny's multiprocessing child)?"""
    for pid in pids:
        try:
            if "multiprocessing.spawn" in " ".join(psutil.Process(pid).cmdline()):
                return True
        except psutil.Error:
            continue
    return False


@pytest.mark.dask
def test_a_dask_cluster_stopped_while_starting_leaves_no_worker_behind() -> None:
    before = _children()

    async def run() -> tuple[set[int], set[int]]:
        manager = ClusterManager()
        created = await manager.create({"engine": "dask", "workers": 2, "cores": 1})
        # Its cluster's process, then its first worker process, are being spawned.
        while not _workers_spawned(_children() - before):
            await asyncio.sleep(0.05)
        assert manager.clusters[created["id"]].status == "starting"
        spawned = _children() - before
        await manager.delete(created["id"])  # the Stop button on a "starting" card
        return spawned, _children() - before

    spawned, left = asyncio.run(run())
    assert spawned
    assert left == set(), [psutil.Process(p).cmdline() for p in left]


@pytest.mark.dask
def test_a_stopping_cluster_stays_registered_until_it_has_stopped() -> None:
    async def run() -> None:
        manager = ClusterManager()
        created = await manager.create({"engine": "dask", "workers": 1, "cores": 1})
        await manager.wait_started(created["id"])
        stopping = asyncio.ensure_future(manager.delete(created["id"]))
        while manager.clusters[created["id"]].status != "stopped":
            await asyncio.sleep(0)
        # Still there while its worker process stops: the exit hook would find it.
        assert not stopping.done()
        with pytest.raises(UnknownClusterError):  # a second Stop meanwhile
            await manager.delete(created["id"])
        await stopping
        assert manager.clusters == {}

    asyncio.run(run())


@pytest.mark.dask
def test_a_dask_cluster_whose_process_dies_is_listed_as_failed() -> None:
    async def run() -> tuple[dict[str, Any], bool]:
        manager = ClusterManager()
        created = await manager.create({"engine": "dask", "workers": 1, "cores": 1})
        await manager.wait_started(created["id"])
        cluster = manager.clusters[created["id"]]
        assert isinstance(cluster, DaskCluster)
        assert cluster.proc is not None
        cluster.proc.kill()  # as the OOM killer would: its scheduler and nanny go with it
        while (info := await manager.get(created["id"]))["status"] == "running":
            await asyncio.sleep(0.1)
        log_kept = (cluster.folder / "cluster.log").exists()  # the error points to it
        await manager.shutdown()
        return info, log_kept

    info, log_kept = asyncio.run(run())
    assert info["status"] == "failed"
    assert (info["workers"], info["cores"], info["memory"]) == (0, 0, 0)
    assert "the Dask cluster's process ended; its log is" in info["error"]
    assert log_kept


_SQUAT = "import socket, sys; socket.socket().bind(('127.0.0.1', int(sys.argv[1])))"


def _can_take(port: int) -> bool:
    """Can another process bind ``port`` (as a server started beside ours would)?"""
    squatter = [sys.executable, "-c", _SQUAT, str(port)]
    return subprocess.run(squatter, capture_output=True, timeout=60, check=False).returncode == 0


@pytest.mark.dask
@pytest.mark.spark
@pytest.mark.standalone
@pytest.mark.slow
def test_shutdown_leaves_no_process_behind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = _children()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # where the Spark folder goes
    user_option = "-Dlazyscope.test.user=kept"  # the user's daemon options reach the JVMs
    daemon_options = f"{os.environ.get('SPARK_DAEMON_JAVA_OPTS', '')} {user_option}"
    monkeypatch.setenv("SPARK_DAEMON_JAVA_OPTS", daemon_options)

    async def run() -> tuple[set[int], list[dict[str, Any]], list[bool], list[str], list[str]]:
        manager = ClusterManager()
        dask = await manager.create({"engine": "dask", "workers": 1, "cores": 1})
        # With a Connect server: a third JVM, its port held too, and the smallest memory.
        body = {"engine": "spark", "workers": 1, "memory": "512m", "connect": True}
        spark = await manager.create(body)
        cluster = manager.clusters[spark["id"]]
        assert isinstance(cluster, SparkCluster)
        while cluster.master is None:  # spawned; its JVM needs seconds to bind its ports
            await asyncio.sleep(0.01)
        ports = [urlsplit(url).port or 0 for url in (cluster.master_url, cluster.dashboard)]
        taken = [await asyncio.to_thread(_can_take, port) for port in ports]
        infos = [await manager.wait_started(c["id"]) for c in (dask, spark)]
        master = psutil.Process(cluster.master.pid).cmdline()
        running = _children() - before
        files = sorted(p.name for p in cluster.folder.iterdir())
        await manager.shutdown()
        return running, infos, taken, files, master

    running, infos, taken, files, master = asyncio.run(run())
    assert [i["status"] for i in infos] == ["running", "running"], infos
    assert infos[1]["address"].startswith("sc://127.0.0.1:")
    # Between picking its ports and its JVM listening, nobody else could take them.
    assert taken == [False, False]
    assert user_option in master, master
    assert master.index(user_option) < master.index("-Dspark.port.maxRetries=0"), master
    # Dask: its cluster's process and a worker process; Spark: master, worker and Connect
    # server JVMs.
    assert len(running) >= 5
    leftovers = [p for p in running if psutil.pid_exists(p) and _alive(psutil.Process(p))]
    assert leftovers == [], [psutil.Process(p).cmdline() for p in leftovers]
    # Logs, work dirs and temporary files were in the cluster's folder, now deleted.
    assert {"master.log", "worker-0.log", "connect.log", "tmp"} <= set(files), files
    assert [p.name for p in tmp_path.glob("lazyscope-*")] == []


def test_the_server_starts_clusters_without_importing_an_engine_library() -> None:
    # The contract of pyproject.toml checks direct imports only: the cluster code the
    # server reaches through the engine packages' interface must load neither pyspark nor
    # dask: a Dask cluster runs in a process of its own, its scheduler and dashboard too.
    code = """
import asyncio, json, logging, sys
from lazyscope import spark
from lazyscope.server._manager import ClusterManager
manager = ClusterManager()  # sweeps leftovers through every engine package
cluster = spark.server_cluster(
    "spark-test", "t", {"workers": 1, "cores": 1, "memory": 2**30, "connect": False},
    log=logging.getLogger("t"), ui_path=None,
)
cluster.remove_files()

async def dask():
    created = await manager.create({"engine": "dask", "workers": 1, "cores": 1})
    info = await manager.wait_started(created["id"])
    await manager.shutdown()
    return info

info = asyncio.run(dask())
print(json.dumps([info["status"], info["workers"],
                  [m for m in ("pyspark", "py4j", "dask", "distributed") if m in sys.modules]]))
"""
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=180, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout.strip().splitlines()[-1]) == ["running", 1, []]
