"""The galata browser tests (tests/ui/tests/*.spec.ts): a real JupyterLab in Chromium."""

from __future__ import annotations

import fcntl
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


# The browser suite in parts that run side by side on pytest-xdist workers (tests/conftest.py
# groups them), each starting only its own JupyterLab servers (tests/ui/playwright.config.js):
# the tutorials on the README's fresh environment, the lab specs, and the specs of the other
# servers (JupyterHub-style base URL, no lab extension, a Dask Gateway).
PARTS = [
    pytest.param("tutorials", marks=pytest.mark.xdist_group("readme")),
    pytest.param("lab", marks=pytest.mark.xdist_group("ui-lab")),
    pytest.param("others", marks=pytest.mark.xdist_group("ui-others")),
]


@pytest.mark.parametrize("part", PARTS)
def test_galata_specs_pass(part: str, request: pytest.FixtureRequest) -> None:
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
        "LAZYSCOPE_UI_PART": part,
        # Free ports, so a JupyterLab already on 8888 is neither reused nor in the way.
        "LAZYSCOPE_UI_PORT": str(_free_port()),
        "LAZYSCOPE_UI_HUB_PORT": str(_free_port()),
        "LAZYSCOPE_UI_NOEXT_PORT": str(_free_port()),
        "LAZYSCOPE_UI_GATEWAY_PORT": str(_free_port()),
        # Under CI=true, Yarn refuses to touch the lockfile; these specs' lockfile is
        # committed, and a drift in its metadata must not fail the browser tests.
        "YARN_ENABLE_IMMUTABLE_INSTALLS": "false",
    }
    if part == "tutorials":
        # The README's first command's environment: its own `jupyter lab` and kernel.
        env["LAZYSCOPE_README_VENV"] = str(request.getfixturevalue("readme_machine").venv)
    _install_once()
    _run(["jlpm", "playwright", "test"], env, timeout=1500)


def _install_once() -> None:
    """The specs' node_modules, installed by the first part that needs them (the parts run
    in parallel: the others wait for it)."""
    with (ROOT / ".tmp" / "ui-install.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (UI / "node_modules").is_dir():
            env = {**os.environ, "YARN_ENABLE_IMMUTABLE_INSTALLS": "false"}
            _run(["jlpm", "install"], env, timeout=900)
