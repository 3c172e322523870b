"""Static checks as tests, so `pytest` alone says whether the tree is clean."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from tests._paths import ROOT

_PY_PATHS = ["src", "tests", "benchmarks"]

CHECKS = {
    "ruff-check": [sys.executable, "-m", "ruff", "check", *_PY_PATHS],
    "ruff-format": [sys.executable, "-m", "ruff", "format", "--check", *_PY_PATHS],
    "mypy": [sys.executable, "-m", "mypy"],  # files and strictness come from pyproject.toml
    # DESIGN.md's layers, as import-linter contracts in pyproject.toml.
    "import-linter": [  # its `lint-imports` script, run by this Python
        sys.executable,
        "-c",
        "import sys; from importlinter.cli import lint_imports_command as c; sys.exit(c())",
    ],
    "tsc": ["jlpm", "tsc", "--noEmit"],
}


@pytest.mark.parametrize("name", CHECKS)
def test_check_passes(name: str) -> None:
    command = CHECKS[name]
    if name == "tsc":
        if not (ROOT / "node_modules").is_dir():
            pytest.skip("node_modules missing: `pip install -e .` or `jlpm install` installs them")
        if shutil.which("jlpm") is None:
            pytest.fail("jlpm not found: it comes with the jupyterlab Python package")
    proc = subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, timeout=300, check=False
    )
    assert proc.returncode == 0, f"$ {' '.join(command)}\n{proc.stdout}\n{proc.stderr}"
