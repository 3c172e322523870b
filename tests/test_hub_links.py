"""Links on a JupyterHub (issue 26, "Links"): every link alice's server and kernel give her
(the Clusters API's dashboard paths, `%dask status`, a `%%dask` cell's progress summary) is
a path below her server, `/user/alice/`, and opens the Dask dashboard through the hub's
proxy; `%dask status` saved in a notebook still points there."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

import nbformat
import pytest

from tests._hub import OPENED, Hub, Work, xsrf

pytestmark = [pytest.mark.slow, pytest.mark.server]

_HREF = re.compile(r'href="([^"]+)"')
_DASK = re.compile(rb"<title>Dask", re.I)  # the Dask dashboard's page, not an error
STATUS_NOTEBOOK = "dask-status.ipynb"


def hrefs(outputs: list[dict[str, Any]]) -> list[str]:
    """Every link in the HTML the outputs show (saved notebooks keep exactly these)."""
    found = []
    for out in outputs:
        html = out.get("data", {}).get("text/html", "")
        found += [unescape(h) for h in _HREF.findall("".join(html))]
    return found


def _contents(outputs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [out["content"] for out in outputs]


def _opens_the_dashboard(hub: Hub, browser: Any, path: str) -> None:
    """``path`` opened in the browser: through the hub's proxy to the Dask dashboard."""
    page = browser.get(hub.url + path, headers=OPENED, timeout=60)
    assert page.status_code == 200, (path, page.status_code, page.url)
    assert page.url.startswith(hub.server("alice") + "lazyscope/dashboard/"), page.url
    assert _DASK.search(page.content), (path, page.text[:300])


def test_the_cluster_lists_dashboard_paths_open_through_the_hub(hub: Hub, alice_work: Work) -> None:
    listed = alice_work.browser.get(hub.server("alice") + "lazyscope/api/clusters", timeout=30)
    clusters = listed.json()["clusters"]
    assert sorted(c["id"] for c in clusters) == sorted(alice_work.ids)
    for cluster in clusters:
        proxy = cluster["proxy"]
        assert proxy.startswith(f"/user/alice/lazyscope/dashboard/{cluster['id']}/"), cluster
        _opens_the_dashboard(hub, alice_work.browser, proxy)
        # The lab fetches single plots with its cookie, not navigating: proxied as well.
        plot = alice_work.browser.get(hub.url + proxy, timeout=60)
        assert plot.status_code == 200, proxy
        assert _DASK.search(plot.content), proxy


def test_the_kernels_links_are_alices_server_paths_and_open(hub: Hub, alice_work: Work) -> None:
    status = _contents(alice_work.status)
    links = hrefs(status)
    assert len(links) == 1, status  # the dashboard of the kernel's session
    assert links[0].startswith(f"/user/alice/lazyscope/dashboard/{alice_work.session['id']}/")
    _opens_the_dashboard(hub, alice_work.browser, links[0])
    text = "".join(out.get("data", {}).get("text/plain", "") for out in status)
    assert links[0] in text, text
    # A cell's progress summary links nowhere else (today it holds no link at all).
    summary = _contents(alice_work.summary)
    assert summary, "the %%dask cell showed nothing"
    assert all(link.startswith("/user/alice/") for link in hrefs(summary)), hrefs(summary)


def save_status_notebook(hub: Hub, work: Work) -> str:
    """Alice's `%dask status` cell saved as a notebook in her server; its contents path."""
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("%dask status")
    cell.outputs = [nbformat.v4.output_from_msg(msg) for msg in work.status]
    nb.cells.append(cell)
    server = hub.server("alice")
    url = f"{server}api/contents/{STATUS_NOTEBOOK}"
    body = {"type": "notebook", "format": "json", "content": nb}
    saved = work.browser.put(url, json=body, headers=xsrf(work.browser, server), timeout=60)
    assert saved.status_code in (200, 201), saved.text
    return url


def saved_links(browser: Any, url: str) -> list[str]:
    """The links in the saved notebook, as read back from the server."""
    read = browser.get(url, timeout=60)
    assert read.status_code == 200, read.text
    return hrefs(read.json()["content"]["cells"][0]["outputs"])


def test_dask_status_saved_in_a_notebook_still_points_at_alices_server(
    hub: Hub, alice_work: Work
) -> None:
    url = save_status_notebook(hub, alice_work)
    links = saved_links(alice_work.browser, url)
    assert links == hrefs(_contents(alice_work.status)), links
    for link in links:
        assert link.startswith("/user/alice/lazyscope/dashboard/"), link
        _opens_the_dashboard(hub, alice_work.browser, link)
