"""A real Dask Gateway on loopback for the tests: `dask-gateway-server` with its local
back-end (scheduler and workers are processes on this machine) and a password.

The cluster processes run from virtual environments of their own, as a team's image
would: dask, distributed, pandas, numpy, pyarrow and bokeh (the dashboard) at the kernel's
versions, and dask-gateway (the scheduler's preload is in it), but no lazyscope. The gateway's
`environment` option picks one: `base` (the default) has no datashader either, `plots`
adds it (at the kernel's version), so the tests see both what a plot says on a cluster
without it and a real plot drawn by workers that have no lazyscope. Each is built once
under `.tmp/` (pip's cache makes that quick) and reused while its package versions
still match the kernel's.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any

import psutil
import pytest

from tests import _processes as procs

__all__ = [
    "GatewayServer",
    "cluster_venv",
    "dask_gateway",
    "running_gateway",
    "server_log",
    "wait_until",
]

_TMP = Path(__file__).resolve().parent.parent / ".tmp"
VENV = _TMP / "gateway-cluster-venv"
PLOTS_VENV = _TMP / "gateway-cluster-venv-plots"
# What a team's cluster image has; `dask-gateway` because the gateway starts its
# schedulers with `--preload dask_gateway.scheduler_preload`, bokeh for the dashboard.
_PACKAGES = ("dask", "distributed", "pandas", "numpy", "pyarrow", "dask-gateway", "bokeh")
_DONE = "lazyscope-complete.json"
USERNAME = "alice"
PASSWORD = "gateway-test-secret-9f3c"  # a test's own: the tests look for it in every output

# The gateway's cluster options: a bounded integer and a choice, so that a rejected option
# can name what the gateway allows. `worker_cores` also sets the workers' threads.
_CONFIG = """
from dask_gateway_server.options import Integer, Options, Select

c.DaskGateway.address = "127.0.0.1:{api}"
c.Proxy.address = "127.0.0.1:{proxy}"
c.DaskGateway.backend_class = "dask_gateway_server.backends.local.UnsafeLocalBackend"
c.DaskGateway.authenticator_class = "dask_gateway_server.auth.SimpleAuthenticator"
c.SimpleAuthenticator.password = {password!r}
c.UnsafeLocalBackend.clusters_directory = {clusters!r}
c.UnsafeLocalBackend.inherited_environment = ["LANG", "LC_ALL"]
c.UnsafeLocalBackend.cluster_heartbeat_period = 2
# A busy scheduler on a loaded 2-core machine can be silent for seconds; the default (two
# periods) made the gateway give a working cluster up mid-cell.
c.UnsafeLocalBackend.cluster_heartbeat_timeout = 60
c.UnsafeLocalBackend.check_timeouts_period = 1
c.UnsafeLocalBackend.sigint_timeout = 5
# The suite's quieter Dask timers (tests/_processes.TEST_DASK_ENV): the clusters idle between cells.
c.LocalClusterConfig.environment = {{"PATH": "/usr/bin:/bin", **{dask_env!r}}}
c.LocalClusterConfig.worker_memory = "1 G"
c.LocalClusterConfig.scheduler_memory = "1 G"
_DASK = {{"base": {base!r}, "plots": {plots!r}}}


def _options(options):
    dask = _DASK[options.environment]
    return {{
        "worker_cores": options.worker_cores,
        "worker_threads": options.worker_cores,
        "scheduler_cmd": [dask, "scheduler"],
        "worker_cmd": [dask, "worker"],
    }}


c.Backend.cluster_options = Options(
    Integer("worker_cores", default=1, min=1, max=2, label="Worker cores"),
    Select("environment", ["base", "plots"], default="base", label="Environment"),
    handler=_options,
)
"""


def cluster_venv(venv: Path = VENV, extra: tuple[str, ...] = ()) -> Path:
    """A cluster processes' environment (built if missing, stale or half built)."""
    wanted = [f"{name}=={version(name)}" for name in (*_PACKAGES, *extra)]
    venv.parent.mkdir(parents=True, exist_ok=True)
    with (venv.parent / f"{venv.name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # two test runs at once build it once
        done = venv / _DONE
        if done.is_file() and json.loads(done.read_text()) == wanted:
            return venv
        shutil.rmtree(venv, ignore_errors=True)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--disable-pip-version-check"]
        result = subprocess.run([*pip, "-q", *wanted], capture_output=True, text=True)
        if result.returncode != 0:
            raise RuntimeError(f"the gateway's cluster environment did not build:\n{result.stderr}")
        done.write_text(json.dumps(wanted))
    return venv


@dataclass(frozen=True)
class GatewayServer:
    address: str  # http://127.0.0.1:P: the API and the dashboards, through the gateway's proxy
    api: str  # the gateway's own API address (behind the proxy)
    venvs: tuple[Path, Path]  # the cluster environments: base, plots
    log: Path  # the gateway's own output

    def config(self, password: str = PASSWORD) -> dict[str, object]:
        """The same configuration as Dask's (`dask.config.set`), for a Jupyter server
        that runs in the test's process."""
        return {
            "gateway.address": self.address,
            "gateway.auth.type": "basic",
            "gateway.auth.kwargs": {"username": USERNAME, "password": password},
        }

    def running_clusters(self) -> list[str]:
        """The names of the user's pending and running clusters, asked of the gateway."""
        with _client(self) as gateway:
            return [report.name for report in gateway.list_clusters()]

    def stop_all(self) -> None:
        """Stop every cluster of the user (what a test left running)."""
        with _client(self) as gateway:
            for report in gateway.list_clusters():
                gateway.stop_cluster(report.name)

    def env(self, password: str = PASSWORD) -> dict[str, str]:
        """dask-gateway's own configuration, as daskhub presets it for a user's kernel."""
        return {
            "DASK_GATEWAY__ADDRESS": self.address,
            "DASK_GATEWAY__AUTH__TYPE": "basic",
            "DASK_GATEWAY__AUTH__KWARGS__USERNAME": USERNAME,
            "DASK_GATEWAY__AUTH__KWARGS__PASSWORD": password,
        }

    def cluster_processes(self) -> list[psutil.Process]:
        """The schedulers and workers of this gateway: from the cluster environment, in its
        clusters' folders (the local back-end runs each cluster there). Another gateway's
        (a concurrent test run's, a benchmark's) share the environment, not the folder."""
        folder = str(self.log.parent / "clusters") + os.sep  # running_gateway's layout
        found = []
        for proc in psutil.process_iter(["cmdline", "cwd"]):
            cmdline = proc.info["cmdline"] or []
            here = (proc.info["cwd"] or "").startswith(folder)
            if here and any(part.startswith(tuple(map(str, self.venvs))) for part in cmdline[:2]):
                found.append(proc)
        return found


@contextlib.contextmanager
def _client(server: GatewayServer) -> Iterator[Any]:
    """dask-gateway's (synchronous) client of the test user, closed afterwards."""
    from dask_gateway import Gateway
    from dask_gateway.auth import BasicAuth

    gateway = Gateway(server.address, auth=BasicAuth(USERNAME, PASSWORD))
    try:
        yield gateway
    finally:
        gateway.close()


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM: the gateway stops its clusters, then itself (and its proxy)."""
    with contextlib.suppress(ProcessLookupError):
        proc.terminate()
    try:
        proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, 9)
        proc.wait(timeout=10)


def _wait_for_routes(server: GatewayServer, proc: subprocess.Popen[bytes]) -> None:
    """Until the gateway's proxy routes its API: it listens before the gateway gave it its
    routes, and answers 404 until then (a first request right after the start failed)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            with urllib.request.urlopen(f"{server.address}/api/version", timeout=5):  # loopback
                return
        except OSError:  # 404 (HTTPError), refused, reset
            time.sleep(0.3)
    raise RuntimeError(f"the gateway never routed its API:\n{server.log.read_text()[-3000:]}")


@contextlib.contextmanager
def running_gateway(home: Path) -> Iterator[GatewayServer]:
    """A gateway whose files live in `home`; stopped afterwards, with every cluster
    process it started (checked with psutil: a leftover fails the caller)."""
    venv, plots = cluster_venv(), cluster_venv(PLOTS_VENV, ("datashader",))
    api, proxy = procs.free_port(), procs.free_port()
    config = home / "dask_gateway_config.py"
    config.write_text(
        _CONFIG.format(
            api=api,
            proxy=proxy,
            password=PASSWORD,
            clusters=str(home / "clusters"),
            base=str(venv / "bin" / "dask"),
            plots=str(plots / "bin" / "dask"),
            dask_env=procs.TEST_DASK_ENV,
        )
    )
    log = home / "gateway.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "dask_gateway_server", "-f", str(config)],
            cwd=home,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    server = GatewayServer(
        f"http://127.0.0.1:{proxy}", f"http://127.0.0.1:{api}", (venv, plots), log
    )
    try:
        procs.wait_for_port(proxy, proc, 60, log)
        procs.wait_for_port(api, proc, 60, log)
        _wait_for_routes(server, proc)
        yield server
    finally:
        _stop(proc)
        left = [p for p in server.cluster_processes() if p.is_running()]
        _gone, alive = psutil.wait_procs(left, timeout=20)
        for p in alive:
            with contextlib.suppress(psutil.Error):
                p.kill()
        assert not alive, f"the gateway left cluster processes running: {alive}"


@pytest.fixture(scope="session")
def dask_gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GatewayServer]:
    """A running gateway for the whole test session; nothing of it runs afterwards."""
    with running_gateway(tmp_path_factory.mktemp("gateway")) as server:
        yield server


@pytest.fixture
def server_log(jp_serverapp: Any, caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """The lazyscope extension's log lines (its logger does not propagate) in caplog too,
    where the server tests look for the gateway's password."""
    log = jp_serverapp.web_app.settings["lazyscope_manager"].log
    log.addHandler(caplog.handler)
    yield
    log.removeHandler(caplog.handler)


def wait_until(check: object, timeout: float = 60, every: float = 0.5) -> bool:
    """Poll `check()` until it is true or `timeout` seconds passed."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():  # type: ignore[operator]  # any callable
            return True
        time.sleep(every)
    return False
