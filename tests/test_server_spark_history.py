"""A finished Spark application stays inspectable: a kernel of a real Jupyter server runs a
job and stops its session; the application is then listed by `GET lazyscope/api/spark/history`
and the link `%spark status` showed (saved, say, in a notebook) opens the History Server's
pages for it through the dashboard proxy, with the job's stage and its tasks. While the
session ran, the same link opened its live UI. A killed kernel's application opens too."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
from tornado.httpclient import AsyncHTTPClient, HTTPResponse

from tests.test_links_kernel import ServerKernel, _announced, _status_link, server_kernel

pytestmark = [pytest.mark.server, pytest.mark.kernel, pytest.mark.spark, pytest.mark.slow]

Fetch = Callable[..., Awaitable[Any]]
NAVIGATE = {"Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "document", "Sec-Fetch-Site": "none"}
JOB = "spark.range(0, 1000, 1, 3).selectExpr('id % 7 AS k').groupBy('k').count().collect()"


async def _browse(url: str, auth: dict[str, str]) -> tuple[HTTPResponse, list[str]]:
    """A page as a logged-in browser tab opens it (its login on every request): redirects
    followed, and the list of where they went."""
    hops = []
    for _ in range(6):
        page = await AsyncHTTPClient().fetch(url, headers={**NAVIGATE, **auth},
                                             raise_error=False, follow_redirects=False,
                                             request_timeout=300)  # fmt: skip
        if page.code not in (301, 302, 303, 307):
            return page, hops
        url = urljoin(url, page.headers["Location"])
        hops.append(urlsplit(url).path)
    raise AssertionError(f"too many redirects: {hops}")


@pytest.mark.parametrize("jp_base_url", ["/user/alice/"], ids=["hub"])
async def test_a_stopped_application_is_listed_and_its_link_opens_the_history_server(
    jp_fetch: Fetch, jp_serverapp: Any, jp_base_url: str, jp_http_port: int,
    jp_auth_header: dict[str, str], jp_data_dir: Any,
) -> None:  # fmt: skip
    origin = f"http://127.0.0.1:{jp_http_port}"
    start = "%spark start --master local[2] --name history-test"
    async with server_kernel(jp_fetch, jp_serverapp, start) as kernel:
        await kernel.run(JOB)
        href, _text = _status_link(await kernel.run("%spark status"))
        (session,) = await _announced(jp_fetch, "spark")
        app = session["app_id"]
        assert href == f"{jp_base_url}lazyscope/history/{app}/", href
        # Running: the link opens the live UI of the session.
        live, hops = await _browse(origin + href + "jobs/", jp_auth_header)
        assert live.code == 200, live.body[:300]
        assert hops[0] == f"{jp_base_url}lazyscope/dashboard/{session['id']}/jobs/", hops
        # Its event log is in the user's (here: the test's) Jupyter data directory.
        events = jp_data_dir / "lazyscope" / "spark-events"
        log = events / f"eventlog_v2_{app}"
        assert [p.name for p in events.iterdir()] == [log.name]
        assert (log / f"appstatus_{app}.inprogress").exists()
        # `%spark stop` follows (server_kernel)

    # The first request starts the History Server (a JVM): it may take a while.
    reply = await jp_fetch("lazyscope", "api", "spark", "history", request_timeout=300)
    listed = json.loads(reply.body)
    (entry,) = [a for a in listed["applications"] if a["id"] == app]
    assert entry["name"] == "history-test"
    assert entry["completed"] is True
    assert entry["ended"] >= entry["started"] > 0
    assert entry["duration"] == pytest.approx(entry["ended"] - entry["started"])
    assert entry["link"] == f"{jp_base_url}lazyscope/history/{app}/jobs/"
    assert (entry["path"], entry["page"]) == (f"/history/{app}", "jobs/")
    assert (log / f"appstatus_{app}").exists()  # closed at stop
    assert [p.name for p in log.glob("events_*")] == [f"events_1_{app}.zstd"]

    # The same link, after the application ended: the History Server's pages for it.
    jobs, hops = await _browse(origin + href + "jobs/", jp_auth_header)
    assert jobs.code == 200, (hops, jobs.body[:500])
    history = f"{jp_base_url}lazyscope/dashboard/spark-history/"
    assert hops[0] == f"{history}history/{app}/jobs/", hops
    assert hops[-1].startswith(f"{history}cap-"), hops  # sandboxed, as every dashboard
    body = jobs.body.decode()
    assert "history-test" in body, body[:2000]
    assert "collect at" in body, body[:2000]
    assert jobs.headers["Content-Security-Policy"].startswith("sandbox")

    # The stage page of the job's shuffle-map stage (3 partitions): its 3 tasks.
    prefix = urlsplit(jobs.effective_url).path.split("/history/")[0]
    stage_url = f"{origin}{prefix}/history/{app}/stages/stage/?id=0&attempt=0"
    stage, _ = await _browse(stage_url, jp_auth_header)
    assert stage.code == 200, stage.body[:500]
    page = stage.body.decode()
    assert "Details for Stage 0" in page, page[:2000]
    # Its task table, as the page's script reads it (through the same proxy path).
    tasks = await AsyncHTTPClient().fetch(
        f"{origin}{prefix}/api/v1/applications/{app}/stages/0/0/taskList?length=50",
        headers={"Origin": "null"},
    )
    listed_tasks = json.loads(tasks.body)
    # The page's script sends jQuery's X-Requested-With: the browser asks first.
    asked = await AsyncHTTPClient().fetch(
        f"{origin}{prefix}/static/stagespage-template.html", method="OPTIONS",
        headers={"Origin": "null", "Access-Control-Request-Method": "GET",
                 "Access-Control-Request-Headers": "x-requested-with"},
    )  # fmt: skip
    assert asked.code == 204
    assert asked.headers["Access-Control-Allow-Origin"] == "null"
    assert "X-Requested-With" in asked.headers["Access-Control-Allow-Headers"]
    assert sorted(t["index"] for t in listed_tasks) == [0, 1, 2], listed_tasks
    assert {t["status"] for t in listed_tasks} == {"SUCCESS"}

    # No link leaves the proxy path of the History Server.
    links = re.findall(r'(?:href|src)="(/[^"]*)"', page)
    assert links
    assert all(link.startswith(prefix) for link in links), links[:20]


async def test_an_unknown_application_is_a_short_404(
    jp_fetch: Fetch, jp_http_port: int, jp_auth_header: dict[str, str], jp_base_url: str
) -> None:
    origin = f"http://127.0.0.1:{jp_http_port}{jp_base_url}lazyscope/"
    page, _ = await _browse(f"{origin}history/local-1/jobs/", jp_auth_header)
    assert page.code == 404
    assert b"No application local-1 here" in page.body
    # Without Jupyter's login: refused, as every lazyscope route (a link: to the login).
    listed = await AsyncHTTPClient().fetch(f"{origin}api/spark/history", raise_error=False)
    assert listed.code == 403
    link = await AsyncHTTPClient().fetch(f"{origin}history/local-1/jobs/", raise_error=False,
                                         follow_redirects=False, headers=NAVIGATE)  # fmt: skip
    assert link.code in (302, 403)
    assert "login" in link.headers.get("Location", "login"), link.headers.get("Location")


async def test_the_application_of_a_killed_kernel_still_opens(
    jp_fetch: Fetch, jp_serverapp: Any, jp_http_port: int, jp_auth_header: dict[str, str]
) -> None:
    """A kernel killed mid-session (SIGKILL: no exit handler, no `%spark stop`): the link
    its status showed opens the application from the History Server, and it is listed."""
    origin = f"http://127.0.0.1:{jp_http_port}"
    reply = await jp_fetch("api", "kernels", method="POST", body=json.dumps({"name": "python3"}))
    kid = json.loads(reply.body)["id"]
    client = jp_serverapp.kernel_manager.get_kernel(kid).client()
    client.start_channels()
    try:
        await client.wait_for_ready(timeout=120)
        kernel = ServerKernel(client)
        await kernel.run("%load_ext lazyscope\n%spark start --master local[1] --name killed-test")
        await kernel.run(JOB)
        href, _text = _status_link(await kernel.run("%spark status"))
        shown = await kernel.run("import os; print(os.getpid())")
        os.kill(int(shown[-1]["text/plain"]), signal.SIGKILL)
        app = href.rstrip("/").rsplit("/", 1)[1]
        # Once the server no longer lists the kernel's session, the link goes to the
        # History Server (waiting, if need be, for its next rescan).
        for _ in range(120):
            hop = await AsyncHTTPClient().fetch(
                f"{origin}{href}jobs/", raise_error=False, headers={**NAVIGATE, **jp_auth_header},
                follow_redirects=False, request_timeout=300,
            )  # fmt: skip
            if "spark-history" in hop.headers.get("Location", ""):
                break
            await asyncio.sleep(1)
        jobs, hops = await _browse(f"{origin}{href}jobs/", jp_auth_header)
        assert jobs.code == 200, (hops, jobs.body[:500])
        assert "/lazyscope/dashboard/spark-history/" in hops[0], hops
        assert "killed-test" in jobs.body.decode()
        listed = json.loads((await jp_fetch("lazyscope", "api", "spark", "history")).body)
        (entry,) = [a for a in listed["applications"] if a["id"] == app]
        # The driver's JVM outlived the kernel a moment: its shutdown hook closed the log.
        assert entry["ended"] >= entry["started"]
    finally:
        client.stop_channels()
        await jp_serverapp.kernel_manager.shutdown_kernel(kid, now=True)
