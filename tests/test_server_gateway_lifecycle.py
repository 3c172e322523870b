"""Gateway clusters end with the kernel that started them, even a killed one: kernels of a
real Jupyter server run `%dask start --gateway` against a real dask-gateway-server
(tests/_gateway.py); one kernel is killed with SIGKILL (no exit handler runs), and the
server, noticing that the kernel is gone, stops the cluster it started; a `--keep` one
stays, listed as kept with its kernel's id."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import time
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import pytest

from tests._gateway import GatewayServer
from tests.test_links_kernel import ServerKernel
from tests.test_server_gateway import Replies, assert_secret_kept

pytestmark = [
    pytest.mark.server,
    pytest.mark.kernel,
    pytest.mark.dask,
    pytest.mark.usefixtures("server_log"),
]

Fetch = Callable[..., Awaitable[Any]]


@pytest.fixture
def gateway(
    dask_gateway: GatewayServer, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> Iterator[GatewayServer]:
    """dask-gateway's configuration for the server (dask.config: it runs in this process)
    and for its kernels (the environment they inherit), as daskhub sets both."""
    import dask.config
    import dask_gateway as _defaults  # noqa: F401  # its defaults stay once the test's go

    caplog.set_level(logging.DEBUG)
    for key, value in dask_gateway.env().items():
        monkeypatch.setenv(key, value)
    with dask.config.set(dask_gateway.config()):
        yield dask_gateway
    dask_gateway.stop_all()


async def _kernel(jp_fetch: Fetch, jp_serverapp: Any, notebook: str) -> tuple[str, ServerKernel]:
    """A notebook's kernel, started as the lab starts one (a session of the server)."""
    body = {"path": notebook, "type": "notebook", "kernel": {"name": "python3"}}
    reply = await jp_fetch("api", "sessions", method="POST", body=json.dumps(body))
    kid = json.loads(reply.body)["kernel"]["id"]
    client = jp_serverapp.kernel_manager.get_kernel(kid).client()
    client.start_channels()
    await client.wait_for_ready(timeout=120)
    return kid, ServerKernel(client)


async def _started(kernel: ServerKernel, line: str) -> str:
    """Run `%dask start --gateway ...`; the cluster's name."""
    await kernel.run(f"%load_ext lazyscope\n{line}")
    shown = await kernel.run("print(cluster.name)")
    return str(shown[-1]["text/plain"]).strip()


async def test_a_killed_kernels_cluster_stops_and_a_kept_one_stays(
    gateway: GatewayServer,
    jp_fetch: Fetch,
    jp_serverapp: Any,
    http_server_client: Any,
    jp_auth_header: dict[str, str],
    jp_base_url: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    replies = Replies(jp_fetch)
    manager = jp_serverapp.kernel_manager
    (doomed_id, doomed), (keeper_id, keeper) = await asyncio.gather(
        _kernel(jp_fetch, jp_serverapp, "doomed.ipynb"),
        _kernel(jp_fetch, jp_serverapp, "team/keeper.ipynb"),
    )
    try:
        doomed_name, kept_name = await asyncio.gather(
            _started(doomed, "%dask start --gateway --workers 0"),
            _started(keeper, "%dask start --gateway --workers 0 --keep"),
        )
        assert set(gateway.running_clusters()) == {doomed_name, kept_name}

        # Listed once each, as the gateway's clusters, with the kernel that started them;
        # the kernels' own sessions are not listed beside them.
        listing = (await replies.listed())["clusters"]
        assert sorted(c["id"] for c in listing) == sorted(
            [f"gateway-{doomed_name}", f"gateway-{kept_name}"]
        )
        doomed_entry = await replies.entry(f"gateway-{doomed_name}")
        assert doomed_entry is not None
        assert doomed_entry["started_by"] == "kernel"
        assert (doomed_entry["kernel_id"], doomed_entry["kernel_running"]) == (doomed_id, True)
        assert doomed_entry["kernel_name"] == "doomed.ipynb"
        assert doomed_entry["gateway"]["keep"] is False
        assert doomed_entry["gateway"]["workers"] == 0
        [session_id] = doomed_entry["sessions"]

        # The kernel's own dashboard link (its session id) reaches that cluster's pages
        # only, never the gateway's API.
        prefix = f"{jp_base_url}lazyscope/dashboard/{session_id}"
        page = await http_server_client.fetch(
            f"{prefix}/clusters/{doomed_name}/status", headers=jp_auth_header, raise_error=False
        )
        assert page.code == 200
        api = await http_server_client.fetch(
            f"{prefix}/api/v1/clusters/", headers=jp_auth_header, raise_error=False
        )
        assert api.code == 400

        pid = manager.get_kernel(doomed_id).provisioner.pid
        os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 60
        while doomed_name in gateway.running_clusters():
            assert time.monotonic() < deadline, "the killed kernel's cluster still runs"
            await asyncio.sleep(1)
        assert any(
            "stopped Dask Gateway cluster" in r.getMessage() and doomed_name in r.getMessage()
            for r in caplog.records
        )

        # The kept one stays; once its kernel is killed too, it is still listed as kept,
        # with that kernel's id.
        one = await replies("api", "clusters", f"gateway-{kept_name}")  # as the panel's card
        assert (one["kernel_name"], one["gateway"]["keep"]) == ("team/keeper.ipynb", True)
        pid = manager.get_kernel(keeper_id).provisioner.pid
        os.kill(pid, signal.SIGKILL)
        kept = await replies.until(
            f"gateway-{kept_name}", lambda e: e is not None and e["kernel_running"] is False
        )
        assert kept is not None
        assert (kept["kernel_id"], kept["gateway"]["keep"]) == (keeper_id, True)
        assert kept["kernel_name"] == "team/keeper.ipynb"
        await asyncio.sleep(2 * jp_serverapp.web_app.settings["lazyscope_manager"].watch_interval)
        assert gateway.running_clusters() == [kept_name]

        # Stopped from the list, as the panel does.
        await replies("api", "clusters", f"gateway-{kept_name}", method="DELETE")
        assert gateway.running_clusters() == []
    finally:
        for kid, kernel in ((doomed_id, doomed), (keeper_id, keeper)):
            kernel.client.stop_channels()
            await manager.shutdown_kernel(kid, now=True)
    assert_secret_kept(replies, caplog)


async def test_a_cluster_stopped_from_the_list_leaves_no_card_of_its_kernel(
    gateway: GatewayServer,
    jp_fetch: Fetch,
    jp_serverapp: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The panel's Stop on a notebook's Gateway cluster: the list then has neither the
    cluster nor the session its kernel still announces (a card of a cluster that is gone,
    "running" with no workers, was what the panel showed)."""
    replies = Replies(jp_fetch)
    kid, kernel = await _kernel(jp_fetch, jp_serverapp, "stopped-from-list.ipynb")
    try:
        name = await _started(kernel, "%dask start --gateway --workers 0")
        entry = await replies.until(
            f"gateway-{name}", lambda e: e is not None and bool(e["sessions"])
        )
        assert entry is not None
        [session_id] = entry["sessions"]

        await replies("api", "clusters", f"gateway-{name}", method="DELETE")
        deadline = time.monotonic() + 60
        while (listing := (await replies.listed())["clusters"]) != []:
            assert time.monotonic() < deadline, f"still listed after the stop: {listing}"
            await asyncio.sleep(1)
        assert gateway.running_clusters() == []
        # The kernel still announces its session (its own link still resolves it); the
        # list shows no card for it.
        still = await replies("api", "clusters", session_id)
        assert still["kernel_id"] == kid
    finally:
        kernel.client.stop_channels()
        await jp_serverapp.kernel_manager.shutdown_kernel(kid, now=True)
    assert_secret_kept(replies, caplog)
