"""`%dask start --gateway` / `%dask connect --gateway` in real kernels, against a real Dask
Gateway on loopback whose schedulers and workers run without lazyscope (tests/_gateway.py)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psutil
import pytest

from tests._gateway import PASSWORD, USERNAME, GatewayServer, wait_until
from tests._kernel import Kernel
from tests.test_failures_scheduler import run_cell  # what a cell showed, updates included

pytestmark = [pytest.mark.dask, pytest.mark.kernel, pytest.mark.slow]


def gateway_client(server: GatewayServer) -> Any:
    from dask_gateway import Gateway
    from dask_gateway.auth import BasicAuth

    return Gateway(server.address, auth=BasicAuth(USERNAME, PASSWORD))


def cluster_status(server: GatewayServer, name: str) -> str:
    gateway = gateway_client(server)
    try:
        return str(gateway.get_cluster(name).status.name)
    finally:
        gateway.close()


def cluster_name(kernel: Kernel) -> str:
    return kernel.run("print(cluster.name)").strip()


def processes_of(name: str) -> list[psutil.Process]:
    """The scheduler and workers the gateway started for cluster `name`."""
    found = []
    for proc in psutil.process_iter():
        try:
            if proc.environ().get("DASK_GATEWAY_CLUSTER_NAME") == name:
                found.append(proc)
        except psutil.Error:
            continue
    return found


@pytest.fixture
def kernel(dask_gateway: GatewayServer) -> Iterator[Kernel]:
    """A user's kernel with dask-gateway configured as daskhub does (environment)."""
    kernel = Kernel(env=dask_gateway.env())
    try:
        kernel.run("%load_ext lazyscope")
        yield kernel
    finally:
        kernel.shutdown()


def test_start_status_progress_and_the_cluster_stops_with_the_kernel(
    dask_gateway: GatewayServer, runtime_dir: Path
) -> None:
    # Under a Jupyter server with lazyscope, dashboards are linked through its proxy.
    prefix = "/user/alice/lazyscope/dashboard/"
    kernel = Kernel(env={**dask_gateway.env(), "LAZYSCOPE_DASHBOARD_PREFIX": prefix})
    shown: list[str] = []
    try:
        kernel.run("%load_ext lazyscope")
        start = kernel.run("%dask start --gateway --option worker_cores=2 --workers 2")
        shown.append(start)
        assert "Dask Gateway session" in start
        assert f"gateway       {dask_gateway.address}" in start
        assert "options       worker_cores=2, environment=base" in start
        assert "scaling       2 workers requested" in start
        assert "started here  yes (stops with the kernel)" in start
        name = cluster_name(kernel)
        assert f"cluster       {name}" in start
        assert cluster_status(dask_gateway, name) == "RUNNING"
        assert kernel.run("type(client).__name__, type(cluster).__name__").strip() == (
            "('Client', 'GatewayCluster')"
        )

        kernel.run("client.wait_for_workers(2, timeout=120)", timeout=150)
        status = kernel.run("%dask status")
        shown.append(status)
        assert "workers       2" in status
        assert "cores         4" in status  # worker_cores=2: two threads each
        page = f"/clusters/{name}/status"
        link = (
            re.escape(f"{prefix}")
            + r"(\w+)"
            + re.escape(f"{page} (direct: {dask_gateway.address}{page})")
        )
        linked = re.search("dashboard     " + link, status)
        assert linked is not None, status

        # Per-cell progress through the scheduler plugin, on a scheduler without lazyscope.
        assert "No module named 'lazyscope'" in kernel.run(
            "client.run_on_scheduler(lambda: __import__('lazyscope'))"
        )
        cell, _ = run_cell(
            kernel, "%%dask\nimport dask.array as da\nint(da.ones(1000, chunks=100).sum())"
        )
        shown.append(cell)
        assert cell.strip().endswith("1000")
        # The summary is the last line: a slow cell (a loaded machine) first shows its live
        # line, "Dask: 0/15 tasks, 1.2 s (running)", and `cell` holds every update.
        lines = re.findall(r"Dask: (\d+)/(\d+) tasks", cell)
        assert lines, cell
        done, total = lines[-1]
        assert done == total, cell
        assert int(done) >= 11  # 10 chunks and their sum

        announced = (runtime_dir / f"lazyscope-kernel-{kernel.km.kernel_id}.json").read_text()
        [session] = json.loads(announced)["sessions"]
        assert session["gateway"] == {
            "address": dask_gateway.address,
            "cluster": name,
            "options": {"worker_cores": 2, "environment": "base"},
            "keep": False,
            "workers": 2,
        }
        assert session["owned"] is True
        assert session["id"] == linked[1]
        assert session["dashboard"] == f"{dask_gateway.address}{page}"
        log = kernel.run("%dask log")
        shown += [announced, log, Path(session["log"]).read_text()]
        for text in shown:  # the password lives in the kernel's environment only
            assert PASSWORD not in text
        assert "Traceback" not in "".join(shown)
        processes = processes_of(name)
        assert len(processes) >= 3  # a scheduler, two workers (and their nannies)
    finally:
        kernel.shutdown()
    assert wait_until(lambda: cluster_status(dask_gateway, name) == "STOPPED", timeout=60)
    _gone, alive = psutil.wait_procs(processes, timeout=60)
    assert alive == []


def test_a_restarted_kernel_stops_its_cluster(kernel: Kernel, dask_gateway: GatewayServer) -> None:
    kernel.run("%dask start --gateway --workers 0")
    name = cluster_name(kernel)
    kernel.km.restart_kernel()
    kernel.client.wait_for_ready(timeout=60)
    assert wait_until(lambda: cluster_status(dask_gateway, name) == "STOPPED", timeout=60)


def test_connect_by_name_and_a_kept_cluster_outlives_its_kernel(
    dask_gateway: GatewayServer,
) -> None:
    owner = Kernel(env=dask_gateway.env())
    other = Kernel(env=dask_gateway.env())
    name = ""
    try:
        owner.run("%load_ext lazyscope")
        started = owner.run("%dask start --gateway --adapt 1:2 --keep")
        assert "scaling       adaptive, 1 to 2 workers" in started
        assert "started here  yes, kept (outlives the kernel; %dask stop stops it)" in started
        name = cluster_name(owner)
        owner.shutdown()
        assert cluster_status(dask_gateway, name) == "RUNNING"

        other.run("%load_ext lazyscope")
        attached = other.run(f"%dask connect --gateway {name}")
        assert f"cluster       {name}" in attached
        assert "options       worker_cores=1, environment=base" in attached
        assert "started here  no (attached)" in attached
        cell, _ = run_cell(other, "%%dask\nclient.submit(sum, [1, 2]).result(120)", timeout=180)
        assert cell.strip().endswith("3")
        assert re.search(r"Dask: 1/1 task", cell), cell
        stopped = other.run("%dask stop")
        assert f"Detached from the Dask Gateway cluster {name}" in stopped
        assert cluster_status(dask_gateway, name) == "RUNNING"

        # With an explicit address, and the name after it; %dask stop of the kernel that
        # attached never stops it, its own exit neither.
        again = other.run(f"%dask connect --gateway {dask_gateway.address} {name}")
        assert "started here  no (attached)" in again
    finally:
        other.shutdown()
        if name:
            assert cluster_status(dask_gateway, name) == "RUNNING"
            gateway = gateway_client(dask_gateway)
            gateway.stop_cluster(name)
            gateway.close()


def test_failures_are_one_paragraph_and_the_kernel_goes_on(
    kernel: Kernel, dask_gateway: GatewayServer
) -> None:
    from tests._processes import free_port

    cases = {
        f"%dask start --gateway http://127.0.0.1:{free_port()}": (
            "Cannot reach the Dask Gateway at 127.0.0.1:"
        ),
        "%dask start --gateway --option worker_cores=9": (
            f"The Dask Gateway at {dask_gateway.address} does not allow --option worker_cores=9:"
            " worker_cores takes an integer from 1 to 2 (default 1)."
        ),
        "%dask start --gateway --option environment=gpu": (
            "does not allow --option environment=gpu: environment takes one of base, plots "
            "(default base)."
        ),
        "%dask start --gateway --option memory=4": (
            f"The Dask Gateway at {dask_gateway.address} has no cluster option 'memory'. It "
            "offers: worker_cores: an integer from 1 to 2 (default 1); environment: one of base,"
            " plots (default base)."
        ),
        "%dask connect --gateway no-such-cluster": (
            f"The Dask Gateway at {dask_gateway.address} has no cluster named 'no-such-cluster'."
            " Its running clusters: "
        ),
        "%dask start --gateway --workers 2 --adapt 1:3": "Use either --workers N or --adapt",
        "%dask start --gateway --adapt 3": "Bad --adapt '3': expected MIN:MAX",
        "%dask start --option worker_cores=2": "apply to a Dask Gateway cluster: add --gateway",
        "%dask connect --gateway": "Which cluster?",
        "%dask start --gateway --threads 2": "describe a local cluster or a scheduler",
        "%dask connect --gateway x --keep": "--option and --keep apply to a cluster this kernel",
    }
    for line, expected in cases.items():
        shown = kernel.run(line)
        assert expected in shown, (line, shown)
        assert "Traceback" not in shown, (line, shown)
        assert shown.count("\n") <= 1, (line, shown)  # one paragraph
        assert kernel.run("6 * 7").strip() == "42"
    assert "No Dask session is running" in kernel.run("%dask status")


def test_wrong_credentials_and_no_configuration(dask_gateway: GatewayServer) -> None:
    wrong = "not-the-password-7c1e"
    kernel = Kernel(env=dask_gateway.env(password=wrong))
    try:
        kernel.run("%load_ext lazyscope")
        shown = kernel.run("%dask start --gateway")
        assert (
            f"The Dask Gateway at {dask_gateway.address} refused this kernel's credentials "
            "(HTTP 401)." in shown
        )
        assert wrong not in shown
        assert "Traceback" not in shown
        assert kernel.run("6 * 7").strip() == "42"
    finally:
        kernel.shutdown()
    unset = dict.fromkeys(dask_gateway.env(), None)
    kernel = Kernel(env=unset)
    try:
        kernel.run("%load_ext lazyscope")
        shown = kernel.run("%dask start --gateway")
        assert "No Dask Gateway address: give one" in shown
        assert "DASK_GATEWAY__ADDRESS" in shown
    finally:
        kernel.shutdown()


def test_describe_dag_hist_and_plots_on_workers_without_lazyscope(kernel: Kernel) -> None:
    kernel.run("%dask start --gateway --workers 1")
    kernel.run("client.wait_for_workers(1, timeout=120)", timeout=150)
    frame = (
        "import lazyscope, numpy as np, pandas as pd, dask.dataframe as dd\n"
        "ddf = dd.from_pandas(pd.DataFrame({'x': np.arange(1000.0), 'y': np.arange(1000.0) % 7})"
        ", npartitions=4)"
    )
    kernel.run(frame)
    assert "4 partitions" in kernel.run("lazyscope.describe(ddf)")
    assert "nodes" in kernel.run("lazyscope.dag(ddf)")
    assert kernel.run("int(lazyscope.hist(ddf, 'x', bins=10).counts.sum())").strip() == "1000"
    shown = kernel.run("lazyscope.plot(ddf, 'x', 'y')")
    assert shown.strip().endswith(
        "datashader is not installed on the cluster's workers; plots of this cluster need it "
        "(install it in the workers' environment, e.g. pip install datashader)."
    ), shown
    assert "Traceback" not in shown
    assert "ModuleNotFoundError" not in shown
    # Lines and bars need numpy and pandas only: they draw on these workers as they are.
    line = "int(lazyscope.plot(ddf, 'x', 'y', kind='line').aggregate['count'].sum())"
    assert kernel.run(line, timeout=240).strip() == "1000"
    bars = "int(lazyscope.plot(ddf, 'y', kind='bar').aggregate['rows'].sum())"
    assert kernel.run(bars, timeout=240).strip() == "1000"

    # A cluster whose workers have Datashader but still no lazyscope draws the plot.
    kernel.run("%dask start --gateway --option environment=plots --workers 1 --restart")
    kernel.run("client.wait_for_workers(1, timeout=120)", timeout=150)
    assert "No module named 'lazyscope'" in kernel.run(
        "client.run(lambda: __import__('lazyscope'))"
    )
    kernel.run(frame)
    drawn = kernel.run("int(lazyscope.plot(ddf, 'x', 'y').aggregate.sum())", timeout=240)
    assert drawn.strip() == "1000"


def test_help_documents_the_gateway(ipshell: Any) -> None:
    doc = ipshell.find_line_magic("dask").__doc__
    for option in ("--gateway", "--option", "--adapt", "--keep", "connect --gateway"):
        assert option in doc
    assert "DASK_GATEWAY__ADDRESS" in doc


@pytest.mark.parametrize(
    ("given", "shown"),
    [
        ("https://alice:s3cret@gw.example.org/", "https://gw.example.org/"),
        ("http://tok@127.0.0.1:8000", "http://127.0.0.1:8000"),
        ("http://[::1]:8000", "http://[::1]:8000"),
    ],
)
def test_addresses_are_shown_without_credentials(given: str, shown: str) -> None:
    from lazyscope.dask._gateway import public_address

    assert public_address(given) == shown
