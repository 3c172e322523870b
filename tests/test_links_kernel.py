"""Dashboard links a kernel shows, in a real kernel started by a real Jupyter server:
`%dask status` and `%spark status` link through the server's `/lazyscope/dashboard/`
proxy (so they work on Binder and JupyterHub), the direct URL stays as secondary text,
and following the link through the server reaches that dashboard. Also under a
JupyterHub-style base URL."""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from html import unescape
from typing import Any

import pytest

pytestmark = [pytest.mark.server, pytest.mark.kernel]

Fetch = Callable[..., Awaitable[Any]]
Browser = tuple[Any, Any]  # (HTTP client on the server's origin, auth headers)
_HREF = re.compile(r'<a href="([^"]+)"')


@pytest.fixture(params=["/", "/user/alice/"], ids=["root", "hub"])
def jp_base_url(request: pytest.FixtureRequest) -> str:
    return str(request.param)


class ServerKernel:
    """A kernel the Jupyter server started (POST /api/kernels), driven by a client."""

    def __init__(self, client: Any) -> None:
        self.client = client

    async def run(self, code: str, timeout: float = 240) -> list[dict[str, Any]]:
        """The MIME bundles and streams the cell showed; an error fails the test."""
        shown: list[dict[str, Any]] = []

        def hook(msg: dict[str, Any]) -> None:
            content = msg["content"]
            if msg["msg_type"] in ("execute_result", "display_data"):
                shown.append(content["data"])
            elif msg["msg_type"] == "stream":
                shown.append({"text/plain": content["text"]})
            elif msg["msg_type"] == "error":
                shown.append({"error": f"{content['ename']}: {content['evalue']}"})

        await self.client.execute_interactive(code, timeout=timeout, output_hook=hook)
        errors = [s["error"] for s in shown if "error" in s]
        assert not errors, errors
        return shown


@contextlib.asynccontextmanager
async def server_kernel(
    jp_fetch: Fetch, jp_serverapp: Any, start: str
) -> AsyncIterator[ServerKernel]:
    """A kernel of the server with lazyscope loaded and a session started by the `start`
    magic (`%dask start ...`), stopped afterwards. (pytest-jupyter runs async tests, not
    async fixtures: a context manager instead.)"""
    reply = await jp_fetch("api", "kernels", method="POST", body=json.dumps({"name": "python3"}))
    kid = json.loads(reply.body)["id"]
    client = jp_serverapp.kernel_manager.get_kernel(kid).client()
    client.start_channels()
    await client.wait_for_ready(timeout=120)
    kernel = ServerKernel(client)
    try:
        await kernel.run(f"%load_ext lazyscope\n{start}")
        try:
            yield kernel
        finally:
            await kernel.run(f"{start.split()[0]} stop")
    finally:
        client.stop_channels()
        await jp_serverapp.kernel_manager.shutdown_kernel(kid)


def _status_link(shown: list[dict[str, Any]]) -> tuple[str, str]:
    """(href of the dashboard link, text/plain) of a status table."""
    bundle = next(s for s in shown if "text/html" in s)
    hrefs = _HREF.findall(bundle["text/html"])
    assert len(hrefs) == 1, bundle["text/html"]
    return unescape(hrefs[0]), bundle["text/plain"]


async def _announced(jp_fetch: Fetch, engine: str) -> list[dict[str, Any]]:
    reply = await jp_fetch("lazyscope", "api", "clusters")
    clusters = json.loads(reply.body)["clusters"]
    return [c for c in clusters if c["engine"] == engine and c["source"] == "kernel"]


async def _through_server(client: Any, auth: dict[str, str], base_url: str, href: str) -> Any:
    """Follow a link the way the browser does: the path as it is, on the server's origin."""
    assert href.startswith(base_url), href
    return await client.fetch(href, headers=auth, follow_redirects=False, raise_error=False)


@pytest.fixture
def browser(http_server_client: Any, jp_auth_header: Any) -> Browser:
    """How a logged-in browser reaches the server."""
    return http_server_client, jp_auth_header


@pytest.mark.dask
async def test_dask_status_links_through_the_server(
    jp_fetch: Fetch, jp_serverapp: Any, jp_base_url: str, browser: Browser
) -> None:
    start = "%dask start --workers 1 --threads 1"
    async with server_kernel(jp_fetch, jp_serverapp, start) as kernel:
        shown = await kernel.run("%dask status")
        href, text = _status_link(shown)
        (session,) = await _announced(jp_fetch, "dask")
        assert href == f"{jp_base_url}lazyscope/dashboard/{session['id']}/status"
        direct = re.search(r"direct: (http://127\.0\.0\.1:\d+/status)", text)
        assert direct, text  # the direct URL stays visible, as secondary text
        assert href in text

        page = await _through_server(*browser, jp_base_url, href)
        assert page.code == 200
        assert page.headers["Content-Type"].startswith("text/html")
        assert b"Bokeh" in page.body or b"bokeh" in page.body  # the Dask dashboard's document


@pytest.mark.spark
@pytest.mark.slow
# Under a hub's base URL only: one Spark JVM is enough, the Dask test covers both URLs.
@pytest.mark.parametrize("jp_base_url", ["/user/alice/"], ids=["hub"])
async def test_spark_status_links_through_the_server(
    jp_fetch: Fetch, jp_serverapp: Any, jp_base_url: str, browser: Browser
) -> None:
    start = "%spark start --master local[1] --name links"
    async with server_kernel(jp_fetch, jp_serverapp, start) as kernel:
        href, text = _status_link(await kernel.run("%spark status"))
        (announced,) = await _announced(jp_fetch, "spark")
        session = f"{jp_base_url}lazyscope/dashboard/{announced['id']}/"
        # Named by its application (kept for the History Server), sent to the live UI.
        assert href == f"{jp_base_url}lazyscope/history/{announced['app_id']}/"
        assert re.search(r"direct: http://127\.0\.0\.1:\d+", text), text
        live = await _through_server(*browser, jp_base_url, href)
        assert (live.code, live.headers.get("Location")) == (302, session)
        href = session

        # The Spark UI's jobs page through the proxy, and its own links stay inside it.
        jobs = await _through_server(*browser, jp_base_url, href.rstrip("/") + "/jobs/")
        assert jobs.code == 200, (jobs.code, jobs.headers.get("Location"))
        body = jobs.body.decode()
        assert "Spark Jobs" in body
        links = re.findall(r'href="(/[^"]*)"', body)
        assert links, body[:2000]
        outside = [link for link in links if not link.startswith(session)]
        assert outside == [], outside
