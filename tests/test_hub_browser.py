"""Two people on one JupyterHub, in Chromium (issue 26, "driven as people would"): alice
signs in on the hub's login page, opens JupyterLab, runs a `%%dask` and a `%%spark` cell,
opens the Clusters panel and her Dask session's dashboard (its plots drawn, no console
error); bob does the same in a browser context of his own, his panel lists none of her
clusters, and his browser gets a refusal for the capability path alice's dashboard tab
was sent to. The browser is driven by tests/ui/hub_browser.js (Playwright with Debian's
Chromium); this module starts it once and checks what it saw. Screenshots (alice's lab
with the panel, her dashboard, bob's panel, bob's refusal) are kept in the test's
temporary folder, named in the assertion messages."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from tests._hub import Hub
from tests._paths import ROOT
from tests._venvs import run

pytestmark = [pytest.mark.slow, pytest.mark.ui, pytest.mark.server, pytest.mark.timeout(1500)]

UI = ROOT / "tests" / "ui"
NOTEBOOK = "hub-browser.ipynb"
CELLS = [
    "%load_ext lazyscope",
    "%%dask\nimport dask.array as da\nda.ones(1000, chunks=100).sum().compute()",
    '%%spark\nspark.range(1000).selectExpr("sum(id) AS total").collect()',
]
# Where alice's dashboard tab is sent: her server's proxy, through the dashboard's capability.
_CAPABILITY = re.compile(r"/user/alice/lazyscope/dashboard/[^/]+/cap-[0-9a-f]{32}/status")


def _notebook() -> dict[str, Any]:
    cells = [{"cell_type": "code", "source": src, "metadata": {}, "outputs": [],
              "execution_count": None} for src in CELLS]  # fmt: skip
    kernel = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    return {"type": "notebook", "content": {"cells": cells, "metadata": {"kernelspec": kernel},
                                            "nbformat": 4, "nbformat_minor": 5}}  # fmt: skip


def _api(hub: Hub, user: str, token: str, method: str, path: str, **kw: Any) -> Any:
    answer = requests.request(method, hub.server(user) + path, timeout=60,
                              headers={"Authorization": f"token {token}"}, **kw)  # fmt: skip
    answer.raise_for_status()
    return answer.json() if answer.content else None


def _clean_up(hub: Hub, user: str, token: str) -> None:
    """Shut the notebook's kernel down (its sessions stop with it) and wait until the
    server lists none of its sessions, so the other hub tests find the servers as they were."""
    kernels = []
    for session in _api(hub, user, token, "GET", "api/sessions"):
        if session["path"] == NOTEBOOK:
            kernels.append(session["kernel"]["id"])
            _api(hub, user, token, "DELETE", f"api/sessions/{session['id']}")
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        listed = _api(hub, user, token, "GET", "lazyscope/api/clusters")["clusters"]
        if not [c for c in listed if c.get("kernel_id") in kernels]:
            break
        time.sleep(1)
    else:
        raise AssertionError(f"{user}'s kernel sessions still listed: {listed}")
    _api(hub, user, token, "DELETE", f"api/contents/{NOTEBOOK}")


@pytest.fixture(scope="module")
def seen(hub: Hub, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """What alice's and bob's browsers showed, and what the servers listed meanwhile."""
    if shutil.which("node") is None or shutil.which("jlpm") is None:
        pytest.fail("node and jlpm are needed (Node.js 20; jlpm comes with jupyterlab)")
    if not (UI / "node_modules" / "@playwright" / "test").is_dir():
        env = {**os.environ, "YARN_ENABLE_IMMUTABLE_INSTALLS": "false"}  # as tests/test_ui.py
        run(["jlpm", "install"], env, UI, 900)
    shots = tmp_path_factory.mktemp("hub-browser")
    tokens = {user: hub.token(user, "browser test") for user in ("alice", "bob")}
    for user, token in tokens.items():
        _api(hub, user, token, "PUT", f"api/contents/{NOTEBOOK}", json=_notebook())
    given = {"hub": hub.url, "password": hub.passwords["alice"], "notebook": NOTEBOOK,
             "cells": len(CELLS), "shots": str(shots)}  # fmt: skip
    assert hub.passwords["alice"] == hub.passwords["bob"]  # the hub's one dummy password
    try:
        done = subprocess.run(["node", str(UI / "hub_browser.js")], input=json.dumps(given),
                              capture_output=True, text=True, cwd=UI, timeout=1200)  # fmt: skip
        assert done.returncode == 0, f"{done.stderr[-3000:]}\n{hub.tail()}"
        result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
        result["listed"] = {
            user: _api(hub, user, token, "GET", "lazyscope/api/clusters")["clusters"]
            for user, token in tokens.items()
        }
        yield result
    finally:
        for user, token in tokens.items():
            _clean_up(hub, user, token)


def _kernel_cards(who: dict[str, Any]) -> list[dict[str, Any]]:
    return [card for card in who["cards"] if card["kernel"] == who["kernel"]]


def _shown(path: str) -> str:
    assert Path(path).stat().st_size > 10_000, f"{path}: an empty screenshot?"
    return f"(screenshot: {path})"


@pytest.mark.parametrize("user", ["alice", "bob"])
def test_each_signs_in_runs_dask_and_spark_cells_and_sees_them_in_the_panel(
    seen: dict[str, Any], user: str
) -> None:
    who = seen[user]
    shot = _shown(seen["shots"][f"{user}Panel"])
    assert f"/user/{user}/" in who["afterLogin"], who["afterLogin"]
    _load, dask, spark = who["cells"]
    for cell in who["cells"]:
        assert re.fullmatch(r"\[\d+\]:", cell["prompt"]), (cell, shot)
        assert cell["errors"] == 0, (cell, shot)
    assert "1000" in dask["output"], (dask, shot)
    assert "499500" in spark["output"], (spark, shot)
    # The panel shows the kernel's two sessions, as the server lists them.
    cards = _kernel_cards(who)
    listed = [c for c in seen["listed"][user] if c.get("kernel_id") == who["kernel"]]
    assert sorted(c["id"] for c in cards) == sorted(c["id"] for c in listed), (cards, shot)
    assert sorted(c["engine"] for c in listed) == ["dask", "spark"], listed
    assert all(c["source"] == "kernel" for c in cards), cards
    assert sum("plots" in c["actions"] for c in cards) == 1, (cards, shot)  # the Dask one


def test_alices_dashboard_draws_its_plots_without_console_errors(seen: dict[str, Any]) -> None:
    alice = seen["alice"]
    shot = _shown(seen["shots"]["aliceDashboard"])
    assert _CAPABILITY.search(alice["dashboardUrl"] or ""), alice["dashboardUrl"]
    assert any("dashboard" in label for label in alice["dashboardTab"]), alice["dashboardTab"]
    drawn = [c for c in alice["canvases"] if c["width"] > 0 and c["height"] > 0]
    assert drawn, (alice["canvases"], shot)
    assert any(c["drawn"] > 0 for c in drawn), (alice["canvases"], shot)
    assert alice["errors"] == [], (alice["errors"], shot)


def test_bobs_panel_lists_none_of_alices_clusters(seen: dict[str, Any]) -> None:
    shot = _shown(seen["shots"]["bobPanel"])
    alice_ids = {c["id"] for c in seen["listed"]["alice"]}
    assert {c["id"] for c in _kernel_cards(seen["alice"])} <= alice_ids
    bob_cards = seen["bob"]["cards"]
    assert {c["id"] for c in bob_cards} == {c["id"] for c in seen["listed"]["bob"]}, shot
    assert not alice_ids & {c["id"] for c in bob_cards}, (bob_cards, shot)
    # Nor her clusters' addresses (a Dask scheduler's, a Spark UI's port): "local[2]" is not one.
    shown = " ".join(c["text"] for c in bob_cards)
    for cluster in seen["listed"]["alice"]:
        for value in (cluster.get("address"), cluster.get("dashboard")):
            assert not value or "://" not in value or value not in shown, (cluster, shot)
    assert seen["bob"]["errors"] == [], (seen["bob"]["errors"], shot)


def test_bobs_browser_is_refused_alices_capability_path(seen: dict[str, Any]) -> None:
    copied = seen["bob"]["copied"]
    shot = _shown(seen["shots"]["bobRefused"])
    # The hub's own refusal page: bob has no access to alice's server.
    assert copied["status"] == 403, (copied["status"], copied["url"], shot)
    assert copied["url"].startswith(seen["alice"]["dashboardUrl"].split("/user/")[0] + "/hub/")
    assert "403" in copied["text"], (copied["text"], shot)
    assert copied["canvases"] == 0, shot
    assert not re.search(r"bokeh|Task Stream", copied["html"], re.I), (copied["html"], shot)
