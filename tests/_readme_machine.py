"""The machine of the README's first command: a clean copy of this checkout and a new
virtual environment where the command's install part ran, as written in README.md.

The copy carries the lab extension this checkout's install built, so pip installs it as it
is (the build hook logs "Skipping build"): building it again would be Node work (jlpm
install, webpack) on the two cores the suite shares, and CI's own install (`.ci/run`, the
second command) builds it from a clean clone through the same build hook before the suite.

One per test session (the ``readme_machine`` fixture): tests/test_readme_command.py checks
what the install part put there, and the tutorials part of tests/test_ui.py runs every
tutorial in JupyterLab in Chromium on that environment's server and kernel. Both are in one
pytest-xdist group (tests/conftest.py), so the environment is made once."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests._paths import ROOT
from tests._readme import FirstCommand, first_command
from tests._venvs import activated, checkout_files, copy_files, run

__all__ = ["Machine", "readme_machine"]


@dataclass(frozen=True)
class Machine:
    """The fresh machine after the install part: the copy it ran in and its environment."""

    command: FirstCommand
    checkout: Path
    venv: Path
    env: dict[str, str]  # a shell with the venv activated, as the README's reader has

    @property
    def python(self) -> Path:
        return self.venv / "bin" / "python"

    @property
    def tutorials(self) -> Path:
        """The folder the run part opens JupyterLab on."""
        folders = [word for word in self.command.run[2:] if not word.startswith("-")]
        assert len(folders) == 1, self.command.line
        return (self.checkout / folders[0]).resolve()


@pytest.fixture(scope="session")
def readme_machine() -> Iterator[Machine]:
    command = first_command()
    (ROOT / ".tmp").mkdir(exist_ok=True)
    base = Path(tempfile.mkdtemp(prefix="readme-command-", dir=ROOT / ".tmp"))
    try:
        checkout, venv = base / "lazyscope", base / "venv"
        copy_files(checkout_files(built_labextension=True), checkout)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
        env = activated(venv)
        assert shutil.which("pip", path=env["PATH"]) == str(venv / "bin" / "pip")
        # The install part exactly as written, in the shell of the README's code block.
        run(["bash", "-c", command.install], env, checkout, timeout=1500)
        # The kernel spec that `jupyter lab` in this environment offers, with its Python named
        # absolutely: jupyter_client would run a bare `python` with this test's interpreter.
        run([str(venv / "bin" / "python"), "-m", "ipykernel", "install", "--sys-prefix"],
            env, base, 120)  # fmt: skip
        yield Machine(command, checkout, venv, env)
    finally:
        shutil.rmtree(base, ignore_errors=True)
