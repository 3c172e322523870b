"""Static checks as tests, so `pytest` alone says whether the tree is clean (the Python's here;
the TypeScript's, ESLint and tsc, in test_lint_ts.py)."""

from __future__ import annotations

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
}


@pytest.mark.parametrize("name", CHECKS)
def test_check_passes(name: str) -> None:
    command = CHECKS[name]
    proc = subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, timeout=300, check=False
    )
    assert proc.returncode == 0, f"$ {' '.join(command)}\n{proc.stdout}\n{proc.stderr}"
