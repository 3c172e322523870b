"""Shared fixtures: one local Spark and one Dask cluster per test session (they are slow
to start), real remote servers on loopback started on demand, and an IPython shell."""

from __future__ import annotations

import os
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests import _jvm_classes as jvm_classes
from tests import _processes as procs

_CONNECT_MODE = "SPARK_CONNECT_MODE_ENABLED"

pytest_plugins = (
    "pytest_jupyter.jupyter_server",
    "tests._hub",
    "tests._gateway",
    "tests._readme_machine",
)

for _name, _value in procs.TEST_ENV.items():
    os.environ.setdefault(_name, _value)

# Announcements of the in-process sessions go to a private runtime dir, not the user's.
_RUNTIME = tempfile.mkdtemp(prefix="lazyscope-runtime-")
os.environ["JUPYTER_RUNTIME_DIR"] = _RUNTIME


# The README's command runs the suite on pytest-xdist workers (pyproject's addopts), each a
# process with its own session fixtures. Tests go out in groups: one file, or the files that
# share a costly session fixture (a real JupyterHub, which takes turns per machine since its
# OS users are machine-wide; a Dask Gateway; the README's fresh environment), or what a test
# marks itself (the parts of the browser suite). The longest groups go first (durations of
# a 2-core run), so that no worker starts a long one while the others run out of work.
_SHARED = (("test_hub_", "hub"), ("test_gateway", "gateway"), ("test_server_gateway", "gateway"),
           ("test_readme_command", "readme"))  # fmt: skip
# The files with a test on the session's own local Spark or Spark Connect server (the fixtures
# below) form one group too: one worker starts those JVMs for the suite, instead of each
# worker its own (a JVM's start and its JIT warm-up are CPU the two cores share with
# everything else); whole files, so that a file's other costly fixtures start once.
_SPARK_FIXTURES = ("spark_engine", "spark_connect_server")
_LONGEST_FIRST = ("readme", "ui-lab", "ui-others", "hub", "spark-session", "gateway",
                  "test_kernel", "test_binder", "test_server_spark_history",
                  "test_server_orphans")  # fmt: skip


def _group(item: pytest.Item, on_spark: set[Path]) -> str:
    marked = item.get_closest_marker("xdist_group")
    if marked is not None:
        return str(marked.args[0])
    if item.path in on_spark:
        return "spark-session"
    name = item.path.stem
    return next((group for prefix, group in _SHARED if name.startswith(prefix)), name)


@pytest.hookimpl(tryfirst=True)  # before xdist's own hook reads the groups
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    on_spark = {
        item.path
        for item in items
        if any(name in getattr(item, "fixturenames", ()) for name in _SPARK_FIXTURES)
    }
    groups = {item.nodeid: _group(item, on_spark) for item in items}
    for item in items:
        if item.get_closest_marker("xdist_group") is None:
            item.add_marker(pytest.mark.xdist_group(groups[item.nodeid]))
    rank = {group: i for i, group in enumerate(_LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(groups[item.nodeid], len(rank)))  # stable in a group


_ARCHIVE_MAKER = pytest.StashKey[threading.Thread | None]()


def pytest_configure(config: pytest.Config) -> None:
    if not hasattr(config, "workerinput"):  # the run's controller, before its workers start
        env = dict(os.environ)  # TEST_ENV is in it (above); the maker sets its own JVM options
        config.stash[_ARCHIVE_MAKER] = jvm_classes.start(procs.TEST_JVM_BASE_OPTIONS, env)


def pytest_unconfigure(config: pytest.Config) -> None:
    maker = config.stash.get(_ARCHIVE_MAKER, None)
    if maker is not None:
        maker.join(timeout=300)


@pytest.fixture
def jp_server_config() -> dict[str, object]:
    return {"ServerApp": {"jpserver_extensions": {"lazyscope": True}}}


@pytest.fixture(scope="session")
def runtime_dir() -> Path:
    return Path(_RUNTIME)


@pytest.fixture(scope="session")
def ipshell() -> Any:
    """A real IPython shell with `%load_ext lazyscope` done."""
    from IPython.core.interactiveshell import InteractiveShell
    from IPython.testing import globalipapp

    # Reuse a shell some earlier test made: IPython allows one instance per process.
    if InteractiveShell.initialized():
        shell = InteractiveShell.instance()
    else:
        shell = globalipapp.start_ipython() or globalipapp.get_ipython()
    shell.run_line_magic("load_ext", "lazyscope")
    return shell


@pytest.fixture(scope="session")
def spark_engine() -> Any:
    """The test session's one local Spark (2 cores), registered as the kernel's session."""
    from lazyscope import engines
    from lazyscope.spark._magics import start_session

    return engines.current("spark") or engines.register(
        start_session(
            master="local[2]",
            remote=None,
            app_name="lazyscope-tests",
            default_master="local[2]",
            conf={"spark.sql.shuffle.partitions": "4", "spark.ui.port": "0"},
            timeout=10,
        )
    )


@pytest.fixture(scope="session")
def spark(spark_engine: Any) -> Any:
    return spark_engine.session


@pytest.fixture(scope="session")
def dask_engine() -> Any:
    """The test session's one Dask LocalCluster: 2 worker processes, 1 thread each."""
    from lazyscope import engines
    from lazyscope.dask._magics import start_session

    return engines.current("dask") or engines.register(
        start_session(workers=2, threads=1, memory="2GiB")
    )


@pytest.fixture(scope="session")
def dask_client(dask_engine: Any) -> Any:
    return dask_engine.client


@dataclass(frozen=True)
class ConnectServer:
    url: str  # sc://127.0.0.1:PORT
    ui: str  # the server's Spark UI (REST API under /api/v1), to count jobs


@pytest.fixture(scope="session")
def spark_connect_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ConnectServer]:
    """A real Spark Connect server (its own JVM, local[2]) on loopback."""
    port, ui = procs.free_port(), procs.free_port()
    log = tmp_path_factory.mktemp("connect") / "server.log"
    cmd = procs.spark_connect_cmd(port, ui)
    with procs.running(cmd, port, log, timeout=180, env=procs.spark_env()):
        yield ConnectServer(f"sc://127.0.0.1:{port}", f"http://127.0.0.1:{ui}")


@pytest.fixture(scope="module")
def remote(spark_connect_server: Any) -> Iterator[Any]:
    """Our own Connect session. Creating one switches pyspark.sql.functions to Connect mode
    for the whole process (an environment variable): restore it so classic tests still work."""
    from pyspark.sql import SparkSession

    before = os.environ.get(_CONNECT_MODE)
    session = SparkSession.builder.remote(spark_connect_server.url).create()
    yield session
    session.stop()
    if before is None:
        os.environ.pop(_CONNECT_MODE, None)


@pytest.fixture(scope="module")
def connect(spark_connect_url: str) -> Iterator[Any]:
    """A Spark Connect session on the test session's server, opened as a user's notebook
    opens one (tests/_connect.connect_session), for one test file."""
    from tests._connect import connect_session

    with connect_session(spark_connect_url) as session:
        yield session


@pytest.fixture(scope="session")
def spark_connect_url(spark_connect_server: ConnectServer) -> str:
    return spark_connect_server.url


@pytest.fixture(scope="session")
def spark_standalone_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real Spark standalone master with one worker (1 core, 1 GiB) on loopback."""
    logs = tmp_path_factory.mktemp("standalone")
    port, ui = procs.free_port(), procs.free_port()
    master = f"spark://127.0.0.1:{port}"
    env = procs.spark_env()
    with (
        procs.running(procs.spark_master_cmd(port, ui), port, logs / "master.log", env=env),
        procs.running(
            procs.spark_worker_cmd(master, procs.free_port()), ui, logs / "worker.log", env=env
        ),
    ):
        procs.wait_for_workers(f"http://127.0.0.1:{ui}/json/", timeout=120)
        yield master


@pytest.fixture(scope="session")
def dask_scheduler_address(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real `dask scheduler` and one `dask worker`, separate processes on loopback."""
    logs = tmp_path_factory.mktemp("dask")
    port = procs.free_port()
    address = f"tcp://127.0.0.1:{port}"
    scheduler = procs.dask_cmd(
        "scheduler",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--dashboard-address",
        "127.0.0.1:0",
    )
    worker = procs.dask_cmd(
        "worker",
        address,
        "--nworkers",
        "1",
        "--nthreads",
        "1",
        "--host",
        "127.0.0.1",
        "--no-dashboard",
    )
    with (
        procs.running(scheduler, port, logs / "scheduler.log"),
        procs.running(worker, port, logs / "worker.log"),
    ):
        yield address


@pytest.fixture
def run_notebook() -> Any:
    """Execute cells in a fresh kernel (nbclient); returns the text each cell showed."""
    from tests._kernel import run_notebook as run

    return lambda sources, timeout=300: run(sources, timeout)[0]
