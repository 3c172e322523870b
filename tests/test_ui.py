"""The galata browser tests (tests/ui/tests/*.spec.ts): a real JupyterLab in Chromium."""

from __future__ import annotations

import os
import shutil
import socket

import pytest

from tests._paths import ROOT
from tests._venvs import run

UI = ROOT / "tests" / "ui"

pytestmark = [pytest.mark.ui, pytest.mark.slow, pytest.mark.timeout(1800)]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _run(command: list[str], env: dict[str, str], timeout: float) -> None:
    run(command, env, UI, timeout)


def test_galata_specs_pass() -> None:
    if shutil.which("jlpm") is None:
        pytest.fail("jlpm not found: it comes with the jupyterlab Python package")
    tmp = ROOT / ".tmp"
    tmp.mkdir(exist_ok=True)
    # The kernels the galata server starts must make their own sessions, not reuse a
    # Spark Connect or a submit configuration of this test process.
    ignored = ("SPARK_REMOTE", "PYSPARK_SUBMIT_ARGS", "SPARK_CONNECT_MODE_ENABLED")
    env = {
        **{k: v for k, v in os.environ.items() if k not in ignored},
        # galata and Jupyter put their temp folders (server root, workspaces) here.
        "TMPDIR": str(tmp),
        # A free port, so a JupyterLab already on 8888 is neither reused nor in the way.
        "LAZYSCOPE_UI_PORT": str(_free_port()),
        # The hub-style server and the one without our lab extension: free ports too.
        "LAZYSCOPE_UI_HUB_PORT": str(_free_port()),
        "LAZYSCOPE_UI_NOEXT_PORT": str(_free_port()),
        # The lab of the Gateway spec (tests/ui/gateway_lab.py starts a gateway for it).
        "LAZYSCOPE_UI_GATEWAY_PORT": str(_free_port()),
        # Under CI=true, Yarn refuses to touch the lockfile; these specs' lockfile is
        # committed, and a drift in its metadata must not fail the browser tests.
        "YARN_ENABLE_IMMUTABLE_INSTALLS": "false",
    }
    if not (UI / "node_modules").is_dir():
        _run(["jlpm", "install"], env, timeout=900)
    _run(["jlpm", "playwright", "test"], env, timeout=1500)
