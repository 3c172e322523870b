"""Run a script of the root package.json with jlpm, as the front-end tests do.

Skips nothing: a missing jlpm or node_modules is a failure that says how to get them.
"""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from tests._paths import ROOT

__all__ = ["run_jlpm"]


def run_jlpm(*args: str, timeout: float = 300) -> None:
    """`jlpm <args>` at the checkout's root; the test fails with its output unless it exits 0."""
    if shutil.which("jlpm") is None:
        pytest.fail("jlpm not found: it comes with the jupyterlab Python package")
    if not (ROOT / "node_modules").is_dir():
        pytest.fail("node_modules missing: `pip install -e .` or `jlpm install` installs them")
    env = {**os.environ, "FORCE_COLOR": "0", "NO_COLOR": "1"}  # plain text in a failure
    proc = subprocess.run(
        ["jlpm", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert proc.returncode == 0, f"$ jlpm {' '.join(args)}\n{proc.stdout}\n{proc.stderr}"
