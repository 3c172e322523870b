"""The README's first command, as written in README.md, on a fresh machine
(tests/_readme_machine.py): its install part runs in a new virtual environment, in a clean
copy of this checkout, and puts lazyscope and its lab extension there. The suite itself
runs in the environment of the *second* command, so without these tests the first one
could lack what a tutorial imports and nobody would notice.

Every tutorial then runs on that environment's JupyterLab and kernel, in Chromium: the
tutorials part of tests/test_ui.py (tests/ui/tests/tutorials.spec.ts), which also checks
that the kernel's Python and lazyscope are the new environment's."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from tests._paths import ROOT, package_json_version
from tests._readme_machine import Machine
from tests._venvs import run

pytestmark = [pytest.mark.slow, pytest.mark.notebook, pytest.mark.timeout(1800)]


def test_install_part_puts_lazyscope_and_its_lab_extension_in_the_new_environment(
    readme_machine: Machine,
) -> None:
    code = "import json, lazyscope; print(json.dumps(lazyscope.__file__))"
    where = Path(
        json.loads(run([str(readme_machine.python), "-c", code], readme_machine.env, ROOT, 120))
    )
    assert where.is_relative_to(readme_machine.venv), f"lazyscope imported from {where}"
    assert not where.is_relative_to(ROOT / "src"), where
    # pip installed the lab extension with lazyscope, enabled.
    listed = run(
        ["jupyter", "labextension", "list"], readme_machine.env, readme_machine.checkout, 120
    )
    listed = re.sub(r"\x1b\[[0-9;]*m", "", listed)  # it colours "enabled" and "OK"
    version = re.escape(package_json_version(readme_machine.checkout / "package.json"))
    assert re.search(rf"^\s*lazyscope v{version} enabled OK", listed, re.M), listed


def test_run_part_opens_jupyterlab_on_the_tutorials(readme_machine: Machine) -> None:
    assert readme_machine.command.run[:2] == ["jupyter", "lab"], readme_machine.command.line
    assert readme_machine.tutorials == readme_machine.checkout / "notebooks", (
        readme_machine.command.line
    )
    # `jupyter lab` in the activated environment is the new environment's.
    assert shutil.which("jupyter-lab", path=readme_machine.env["PATH"]) == str(
        readme_machine.venv / "bin" / "jupyter-lab"
    )
