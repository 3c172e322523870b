"""The Jupyter server's Dask Gateway clusters (`GET/POST /lazyscope/api/clusters`,
`PATCH/DELETE /lazyscope/api/clusters/gateway-<name>`, `GET /lazyscope/api/gateway/options`,
the dashboard proxy), against a real dask-gateway-server on loopback whose clusters run
without lazyscope (tests/_gateway.py). The server is configured as daskhub configures a
single-user server: dask-gateway's own configuration (here `dask.config`, the server runs
in the test's process); its password must never appear in a reply or a log line."""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import time
import urllib.request
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import pytest
from tornado.httpclient import HTTPClientError

from tests._gateway import PASSWORD, GatewayServer

pytestmark = [pytest.mark.server, pytest.mark.dask, pytest.mark.usefixtures("server_log")]

Fetch = Callable[..., Awaitable[Any]]


@pytest.fixture
def gateway(
    dask_gateway: GatewayServer, caplog: pytest.LogCaptureFixture
) -> Iterator[GatewayServer]:
    """The server's dask-gateway configuration (read when the server first lists); every
    log line of the test is captured, to look for the password. Whatever a test left on
    the gateway is stopped afterwards."""
    import dask.config
    import dask_gateway as _defaults  # noqa: F401  # its defaults stay once the test's go

    caplog.set_level(logging.DEBUG)
    with dask.config.set(dask_gateway.config()):
        yield dask_gateway
    dask_gateway.stop_all()


class Replies:
    """Every reply body of the test, to look for the password."""

    def __init__(self, fetch: Fetch) -> None:
        self.fetch = fetch
        self.bodies: list[str] = []

    async def __call__(self, *path: str, **kwargs: Any) -> Any:
        try:
            reply = await self.fetch("lazyscope", *path, **kwargs)
        except HTTPClientError as exc:
            if exc.response is not None:
                self.bodies.append(exc.response.body.decode())
            raise
        self.bodies.append(reply.body.decode() if reply.body else "")
        return json.loads(reply.body) if reply.body else None

    async def refused(self, code: int, *path: str, **kwargs: Any) -> str:
        with pytest.raises(HTTPClientError) as error:
            await self(*path, **kwargs)
        assert error.value.code == code, error.value
        message: str = json.loads(error.value.response.body)["message"]
        return message

    async def listed(self) -> dict[str, Any]:
        listing: dict[str, Any] = await self("api", "clusters")
        return listing

    async def entry(self, cid: str) -> dict[str, Any] | None:
        clusters = (await self.listed())["clusters"]
        return next((c for c in clusters if c["id"] == cid), None)

    async def until(
        self, cid: str, check: Callable[[dict[str, Any] | None], bool], timeout: float = 120
    ) -> dict[str, Any] | None:
        """The cluster's entry once `check` holds (polling the list as the panel does)."""
        deadline = time.monotonic() + timeout
        while True:
            entry = await self.entry(cid)
            if check(entry):
                return entry
            assert time.monotonic() < deadline, f"{cid} never got there: {entry}"
            await asyncio.sleep(1)


@pytest.fixture
def replies(jp_fetch: Fetch) -> Replies:
    return Replies(jp_fetch)


def assert_secret_kept(replies: Replies, caplog: pytest.LogCaptureFixture) -> None:
    shown = [*replies.bodies, *(r.getMessage() for r in caplog.records)]
    assert any("lazyscope" in text for text in shown)  # the extension's lines are there
    assert [text for text in shown if PASSWORD in text] == []


def _outside(server: GatewayServer) -> str:
    """A cluster made outside Jupyter (a script with dask-gateway), one worker."""
    from dask_gateway import Gateway
    from dask_gateway.auth import BasicAuth

    from tests._gateway import USERNAME

    with Gateway(server.address, auth=BasicAuth(USERNAME, PASSWORD)) as gateway:
        cluster = gateway.new_cluster(shutdown_on_close=False)
        cluster.scale(1)
        name: str = cluster.name
        cluster.close()
    return name


async def test_the_list_has_the_users_gateway_clusters_and_their_dashboards(
    gateway: GatewayServer,
    replies: Replies,
    http_server_client: Any,
    jp_auth_header: dict[str, str],
    jp_base_url: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    name = await asyncio.to_thread(_outside, gateway)
    cid = f"gateway-{name}"
    entry = await replies.until(cid, lambda e: e is not None and e["workers"] == 1)
    assert entry is not None
    dashboard = f"{gateway.address}/clusters/{name}/status"
    assert entry["address"] == f"gateway://{gateway.address.split('://')[1]}/{name}"
    assert {k: entry[k] for k in ("engine", "name", "status", "workers", "cores", "memory")} == {
        "engine": "dask",
        "name": name,
        "status": "running",
        "workers": 1,
        "cores": 1,
        "memory": 2**30,  # the gateway's worker_memory, "1 G"
    }
    assert entry["dashboard"] == dashboard
    assert entry["proxy"] == f"{jp_base_url}lazyscope/dashboard/{cid}/clusters/{name}/status"
    # Made by a script: not this server's nor a kernel's, so nothing stops it but its owner.
    assert (entry["owned"], entry["started_by"], entry["kernel_id"]) == (False, None, None)
    assert (entry["kernel_name"], entry["kernel_running"], entry["sessions"]) == (None, None, [])
    assert entry["source"] == "gateway"
    assert entry["gateway"] == {
        "address": gateway.address,
        "cluster": name,
        "options": {"worker_cores": 1, "environment": "base"},
        "keep": None,
    }
    listing = await replies.listed()
    assert listing["sources"] == {"gateway": {"address": gateway.address, "error": None}}
    assert await replies("api", "clusters", cid) == {**entry, "proxy": entry["proxy"]}

    # The dashboard, through the proxy: the Bokeh page the gateway serves (it asks for no
    # credentials, and the proxy sends none).
    with urllib.request.urlopen(dashboard, timeout=30) as direct:  # loopback, no credentials
        assert direct.status == 200
    page = await http_server_client.fetch(entry["proxy"], headers=jp_auth_header, raise_error=False)
    assert page.code == 200, page.body[:300]
    assert page.headers["Content-Type"].startswith("text/html")
    assert b"bokeh" in page.body.lower()
    assert page.headers["Content-Security-Policy"].startswith("sandbox")
    # Only that cluster's dashboard: not the gateway's API, nor another cluster's pages.
    prefix = f"{jp_base_url}lazyscope/dashboard/{cid}"
    for path in ("/api/v1/clusters/", "/api/version", "/clusters/other/status", "/", ""):
        refused = await http_server_client.fetch(
            prefix + path, headers=jp_auth_header, raise_error=False
        )
        assert refused.code == 400, (path, refused.code)
        assert f"only /clusters/{name}/ and below" in refused.body.decode()
    assert_secret_kept(replies, caplog)


async def test_create_scale_adapt_and_stop_through_the_server(
    gateway: GatewayServer, replies: Replies, caplog: pytest.LogCaptureFixture
) -> None:
    form = await replies("api", "gateway", "options")
    assert form == {
        "address": gateway.address,
        "fields": [
            {
                "name": "worker_cores",
                "label": "Worker cores",
                "type": "integer",
                "default": 1,
                "min": 1,
                "max": 2,
                "allows": "an integer from 1 to 2 (default 1)",
            },
            {
                "name": "environment",
                "label": "Environment",
                "type": "select",
                "default": "base",
                "choices": ["base", "plots"],
                "allows": "one of base, plots (default base)",
            },
        ],
        "scaling": {"workers": True, "adapt": True},
    }

    body = {"engine": "dask", "gateway": True, "options": {"worker_cores": 2}, "workers": 1}
    made = await replies("api", "clusters", method="POST", body=json.dumps(body))
    name, cid = made["name"], made["id"]
    assert cid == f"gateway-{name}"
    assert made["status"] in ("starting", "running")
    assert (made["owned"], made["started_by"]) == (True, "server")
    assert made["gateway"] == {
        "address": gateway.address,
        "cluster": name,
        "options": {"worker_cores": 2, "environment": "base"},
        "keep": False,
        "workers": 1,
    }
    assert name in gateway.running_clusters()
    entry = await replies.until(cid, lambda e: e is not None and e["workers"] == 1)
    assert entry is not None
    assert (entry["status"], entry["cores"]) == ("running", 2)  # worker_cores=2

    scaled = await replies("api", "clusters", cid, method="PATCH", body='{"workers": 2}')
    assert scaled["gateway"]["workers"] == 2
    await replies.until(cid, lambda e: e is not None and e["workers"] == 2)

    # Adaptive, 0 to 1: without work the scheduler lets its workers go.
    adapted = await replies("api", "clusters", cid, method="PATCH", body='{"adapt": [0, 1]}')
    assert adapted["gateway"]["adapt"] == [0, 1]
    assert "workers" not in adapted["gateway"]
    await replies.until(cid, lambda e: e is not None and e["workers"] == 0)

    await replies("api", "clusters", cid, method="DELETE")
    assert await replies.entry(cid) is None
    assert name not in gateway.running_clusters()
    await replies.refused(404, "api", "clusters", cid, method="DELETE")
    assert_secret_kept(replies, caplog)


async def test_requests_the_gateway_refuses_are_one_sentence(
    gateway: GatewayServer, replies: Replies, caplog: pytest.LogCaptureFixture
) -> None:
    address = gateway.address

    def create(**body: Any) -> dict[str, Any]:
        return {"method": "POST", "body": json.dumps({"engine": "dask", "gateway": True, **body})}

    cases = {
        json.dumps({"options": {"worker_cores": 9}}): (
            f"The Dask Gateway at {address} does not allow worker_cores=9: worker_cores takes "
            "an integer from 1 to 2 (default 1)."
        ),
        json.dumps({"options": {"environment": "gpu"}}): (
            f"The Dask Gateway at {address} does not allow environment=gpu: environment takes "
            "one of base, plots (default base)."
        ),
        json.dumps({"options": {"memory": "4G"}}): (
            f"The Dask Gateway at {address} has no cluster option 'memory'. It offers: "
            "worker_cores: an integer from 1 to 2 (default 1); environment: one of base, plots "
            "(default base)."
        ),
        json.dumps({"workers": 2, "adapt": [1, 3]}): (
            "Give either workers (a fixed size) or adapt ([MIN, MAX]), not both."
        ),
        json.dumps({"adapt": [3, 1]}): (
            "adapt must be [MIN, MAX], integers with 0 <= MIN <= MAX <= 1000, not [3, 1]."
        ),
        json.dumps({"workers": -1}): "workers must be an integer from 0 to 1000, not -1.",
        json.dumps({"name": "mine"}): (
            "A Dask Gateway cluster does not take name; it takes engine, gateway, options, "
            "workers, adapt, keep (the gateway names its clusters itself)."
        ),
        json.dumps({"options": ["worker_cores"]}): "options must be a JSON object",
    }
    for body, expected in cases.items():
        message = await replies.refused(400, "api", "clusters", **create(**json.loads(body)))
        assert message.startswith(expected), (body, message)
        assert "\n" not in message
        assert "Traceback" not in message
    spark = {"engine": "spark", "gateway": True}
    message = await replies.refused(400, "api", "clusters", method="POST", body=json.dumps(spark))
    assert message == "A Gateway cluster is a Dask cluster: engine must be 'dask', not 'spark'."
    assert gateway.running_clusters() == []  # nothing reached the gateway

    unknown = await replies.refused(
        404, "api", "clusters", "gateway-nosuch", method="PATCH", body='{"workers": 1}'
    )
    assert unknown == f"The Dask Gateway at {address} has no cluster 'gateway-nosuch'."
    bad = await replies.refused(
        400, "api", "clusters", "gateway-nosuch", method="PATCH", body='{"cores": 1}'
    )
    assert (
        bad == 'Scale a Gateway cluster with {"workers": N} or adapt it with {"adapt": [MIN, MAX]}.'
    )
    await replies.refused(404, "api", "nosuch", "options")
    assert_secret_kept(replies, caplog)


async def test_wrong_credentials_are_said_and_not_shown(
    dask_gateway: GatewayServer, replies: Replies, caplog: pytest.LogCaptureFixture
) -> None:
    import dask.config
    import dask_gateway as _defaults  # noqa: F401  # its defaults stay once the test's go

    wrong = "not-the-password-5d2a"
    caplog.set_level(logging.DEBUG)
    with dask.config.set(dask_gateway.config(password=wrong)):
        listing = await replies.listed()
        assert listing["clusters"] == []
        error = listing["sources"]["gateway"]["error"]
        assert error.startswith(
            f"The Dask Gateway at {dask_gateway.address} refused this Jupyter server's "
            "credentials (HTTP 401)."
        )
        message = await replies.refused(502, "api", "gateway", "options")
        assert message == error
    shown = [*replies.bodies, *(r.getMessage() for r in caplog.records)]
    assert [text for text in shown if wrong in text or PASSWORD in text] == []


async def test_without_a_gateway_nothing_is_listed_and_creating_says_why(
    replies: Replies,
) -> None:
    import dask.config

    assert dask.config.get("gateway.address", None) is None
    listing = await replies.listed()
    assert listing == {"clusters": []}  # no "sources": none is configured
    message = await replies.refused(
        404, "api", "clusters", method="POST", body='{"engine": "dask", "gateway": true}'
    )
    assert message.startswith("No Dask Gateway is configured for this Jupyter server: set ")
    await replies.refused(404, "api", "gateway", "options")


async def test_a_silent_gateway_holds_neither_the_server_nor_the_list_for_long(
    jp_fetch: Fetch, replies: Replies
) -> None:
    import dask.config
    import dask_gateway as _defaults  # noqa: F401  # its defaults stay once the test's go

    from lazyscope.dask._gateway_clusters import TIMEOUT

    with socket.socket() as silent:  # accepts connections (the backlog), never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        address = f"http://127.0.0.1:{silent.getsockname()[1]}"
        with dask.config.set({"gateway.address": address, "gateway.auth.type": "basic"}):
            listing = asyncio.ensure_future(replies.listed())
            # The server answers other requests while the gateway keeps the list waiting.
            status = await jp_fetch("api", "status")
            assert status.code == 200
            assert not listing.done()
            reply = await listing
    assert reply["clusters"] == []
    assert reply["sources"] == {
        "gateway": {
            "address": address,
            "error": f"The Dask Gateway at {address} did not answer within {TIMEOUT:g} s.",
        }
    }
