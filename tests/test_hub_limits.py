"""Limits on a JupyterHub (issue 26, "Limits"): the hub gives every user a share
(``c.Spawner.mem_limit``, ``cpu_limit``; the spawner passes it on as MEM_LIMIT and
CPU_LIMIT), and what alice starts fits it: the Dask cluster of her kernel, sized from it,
with `%dask status` saying which limits it used and that they came from JupyterHub's
spawner; and a cluster she asks her server for that would not fit."""

from __future__ import annotations

import ast
import time

import pytest

from lazyscope import _limits
from lazyscope.model import format_bytes
from tests._hub import CPU_LIMIT, MEM_LIMIT, Hub, xsrf
from tests._hub_kernel import HubKernel, texts

pytestmark = [pytest.mark.slow, pytest.mark.server, pytest.mark.kernel, pytest.mark.dask]

_WORKERS = (
    "print([(w['nthreads'], w['memory_limit']) "
    "for w in client.scheduler_info(n_workers=-1)['workers'].values()])"
)


def _alices_limits() -> _limits.Limits:
    """What alice's processes read: the hub's share, unless this machine has less (her
    server runs on it, in the same cgroup as this test)."""
    env = {"MEM_LIMIT": str(MEM_LIMIT), "CPU_LIMIT": str(CPU_LIMIT), "JUPYTERHUB_USER": "alice"}
    return _limits.read(env)


def test_alices_dask_cluster_fits_her_share_and_says_so(hub: Hub) -> None:
    limits = _alices_limits()
    kernel = HubKernel(hub.server("alice"), hub.token("alice"))
    try:
        started = kernel.run("%load_ext lazyscope\n%dask start")
        assert not [o for o in started if o["header"]["msg_type"] == "error"], texts(started)
        workers = ast.literal_eval(texts(kernel.run(_WORKERS)).strip())
        assert sum(memory for _, memory in workers) <= MEM_LIMIT - 2**30, workers
        assert sum(threads for threads, _ in workers) <= limits.whole_cpus, workers

        status = texts(kernel.run("%dask status"))
        assert "  memory limit  4.0 GiB (MEM_LIMIT, from JupyterHub's spawner)\n" in status
        cpus = f"{limits.cpus:g} ({limits.cpu_source})"
        assert f"  CPU limit     {cpus}\n" in status, status
        if limits.cpu_source != _limits.MACHINE:  # a machine with fewer CPUs says so instead
            assert "(CPU_LIMIT, from JupyterHub's spawner)" in status, status
        html = texts(kernel.run("%dask status"), "text/html")
        assert "<th style='text-align:left'>memory limit</th><td>4.0 GiB (MEM_LIMIT, from " \
               "JupyterHub&#x27;s spawner)</td>" in html, html  # fmt: skip
        kernel.run("%dask stop")
    finally:
        kernel.close()


def test_a_cluster_alice_asks_her_server_for_is_fitted_to_her_share(hub: Hub) -> None:
    limits = _alices_limits()
    browser = hub.login("alice")
    server = hub.server("alice")
    api = server + "lazyscope/api/clusters"
    body = {"engine": "dask", "workers": 2, "cores": 8, "memory": "4GiB"}
    made = browser.post(api, json=body, headers=xsrf(browser, server), timeout=120)
    assert made.status_code == 201, made.text
    cid = made.json()["id"]
    try:
        deadline = time.monotonic() + 180
        cluster = made.json()
        while cluster["status"] == "starting" and time.monotonic() < deadline:
            time.sleep(0.5)
            cluster = browser.get(f"{api}/{cid}", timeout=30).json()
        assert cluster["status"] == "running", cluster
        each = limits.spare_memory // 2  # 4 GiB less 1 GiB for her kernel, over 2 workers
        assert cluster["options"]["memory"] == each, cluster
        assert cluster["options"]["cores"] == max(1, limits.whole_cpus // 2), cluster
        # What the workers report (the card shows it), within her 4 GiB.
        assert cluster["workers"] == 2, cluster
        assert cluster["memory"] == 2 * each <= MEM_LIMIT, format_bytes(cluster["memory"])
        assert cluster["cores"] == 2 * max(1, limits.whole_cpus // 2), cluster
    finally:
        browser.delete(f"{api}/{cid}", headers=xsrf(browser, server), timeout=120)
