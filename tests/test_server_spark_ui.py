"""The Spark UI of a server-started standalone cluster, as a browser sees it through the
dashboard proxy: the master page and the page of its worker, each link and resource of
either inside the proxy (the workers' own ports are never linked), under the server's
root and under a JupyterHub-style base URL."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
from tornado.httpclient import AsyncHTTPClient, HTTPResponse

pytestmark = [pytest.mark.server, pytest.mark.spark, pytest.mark.standalone, pytest.mark.slow]

Fetch = Callable[..., Awaitable[Any]]
NAVIGATE = {"Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "iframe"}


@pytest.fixture(params=["/", "/user/alice/"])
def jp_base_url(request: pytest.FixtureRequest) -> str:
    return str(request.param)


class _Links(HTMLParser):
    """Every URL a page links or loads (href, src, action)."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.urls += [v for k, v in attrs if k in ("href", "src", "action") and v]


def _links(page: HTTPResponse) -> list[str]:
    """The page's links, resolved as the browser resolves them (fragments aside)."""
    parser = _Links()
    parser.feed(page.body.decode())
    return [urljoin(page.effective_url, u) for u in parser.urls if not u.startswith("#")]


async def _get(url: str, headers: dict[str, str] | None = None) -> HTTPResponse:
    return await AsyncHTTPClient().fetch(url, headers=headers or {}, raise_error=False,
                                         follow_redirects=False)  # fmt: skip


async def _browse(url: str, auth: dict[str, str] | None = None) -> HTTPResponse:
    """A page as an iframe in the lab gets it: redirects followed, Jupyter's credential
    (``auth``) only on the plain path (the capability path is the grant)."""
    for _ in range(5):
        page = await _get(url, {**NAVIGATE, **(auth or {})})
        auth = None
        if page.code not in (301, 302, 303, 307):
            return page
        url = urljoin(url, page.headers["Location"])
    raise AssertionError(f"too many redirects from {url}")


def _outside(links: list[str], origin: str, prefix: str) -> list[str]:
    """Links that leave the proxy path of this dashboard (another host, port or path)."""
    return [u for u in links if not u.startswith(origin + prefix)]


async def _running(jp_fetch: Fetch, body: dict[str, Any]) -> dict[str, Any]:
    created = await jp_fetch("lazyscope", "api", "clusters", method="POST", body=json.dumps(body))
    cid = json.loads(created.body)["id"]
    for _ in range(360):
        reply = await jp_fetch("lazyscope", "api", "clusters", cid)
        info: dict[str, Any] = json.loads(reply.body)
        if info["status"] != "starting":
            assert info["status"] == "running", info
            return info
        await asyncio.sleep(0.5)
    raise AssertionError(f"{cid} still starting")


async def test_spark_master_and_worker_pages_stay_inside_the_proxy(
    jp_fetch: Fetch, jp_http_port: int, jp_auth_header: dict[str, str], jp_base_url: str
) -> None:
    info = await _running(jp_fetch, {"engine": "spark", "workers": 1, "cores": 1,
                                     "memory": "512m"})  # fmt: skip
    try:
        origin = f"http://127.0.0.1:{jp_http_port}"
        # The link the panel opens; the browser lands in the dashboard's capability path.
        assert info["proxy"].startswith(f"{jp_base_url}lazyscope/dashboard/{info['id']}/")
        master = await _browse(origin + info["proxy"], jp_auth_header)
        assert master.code == 200, master.body[:500]
        assert b"Spark Master at spark://" in master.body
        prefix = urlsplit(master.effective_url).path.rstrip("/")
        assert prefix.startswith(f"{jp_base_url}lazyscope/dashboard/{info['id']}/cap-"), prefix
        links = _links(master)
        assert _outside(links, origin, prefix) == []

        # The worker's page, through the master, through the proxy: no port of its own.
        workers = [u for u in links if "/proxy/worker-" in u]
        assert len(set(workers)) == 1, links
        worker = await _browse(workers[0])
        assert worker.code == 200, worker.body[:500]
        assert b"Spark Worker at 127.0.0.1:" in worker.body
        assert _outside(_links(worker), origin, prefix) == []

        # What both pages load (styles, scripts, images) is served, not only linked.
        for page in (master, worker):
            parser = _Links()
            parser.feed(page.body.decode())
            for src in {urljoin(page.effective_url, u) for u in parser.urls
                        if "/static/" in u}:  # fmt: skip
                assert (await _get(src)).code == 200, src
    finally:
        await jp_fetch("lazyscope", "api", "clusters", info["id"], method="DELETE")
