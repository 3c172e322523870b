"""The README's first command, as written in README.md, on a fresh machine: its install part
runs in a new virtual environment, in a clean copy of this checkout (no node_modules, no built
lab extension: pip builds it as it would for a new user), and every tutorial then runs on that
environment's own kernel. The suite itself runs in the environment of the *second* command, so
without this test the first one could lack what a tutorial imports and nobody would notice.

The browser runs of the tutorials (tests/ui/tests/tutorials.spec.ts) check what the lab shows;
this one checks that the README's environment is enough, with nbclient."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient

from tests._paths import ROOT, package_json_version
from tests._readme import FirstCommand, first_command
from tests._venvs import activated, checkout_files, copy_files, run

pytestmark = [pytest.mark.slow, pytest.mark.notebook, pytest.mark.timeout(1800)]

TUTORIALS = sorted((ROOT / "notebooks").glob("0*.ipynb"))
# Run after each tutorial, in its kernel: where the kernel's Python and lazyscope come from.
_WHERE_FROM = "import json, sys, lazyscope\nprint(json.dumps([sys.prefix, lazyscope.__file__]))"


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


@pytest.fixture(scope="module")
def machine() -> Iterator[Machine]:
    command = first_command()
    (ROOT / ".tmp").mkdir(exist_ok=True)
    base = Path(tempfile.mkdtemp(prefix="readme-command-", dir=ROOT / ".tmp"))
    try:
        checkout, venv = base / "lazyscope", base / "venv"
        copy_files(checkout_files(), checkout)
        assert not (checkout / "src" / "lazyscope" / "labextension").exists()
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
        env = activated(venv)
        assert shutil.which("pip", path=env["PATH"]) == str(venv / "bin" / "pip")
        # The install part exactly as written, in the shell of the README's code block.
        run(["bash", "-c", command.install], env, checkout, timeout=1500)
        # The kernel spec that `jupyter lab` in this environment offers, with its Python named
        # absolutely: jupyter_client would run a bare `python` with this test's interpreter.
        run(
            [str(venv / "bin" / "python"), "-m", "ipykernel", "install", "--sys-prefix"],
            env,
            base,
            120,
        )
        yield Machine(command, checkout, venv, env)
    finally:
        shutil.rmtree(base, ignore_errors=True)


def test_install_part_puts_lazyscope_and_its_lab_extension_in_the_new_environment(
    machine: Machine,
) -> None:
    code = "import json, lazyscope; print(json.dumps(lazyscope.__file__))"
    where = Path(json.loads(run([str(machine.python), "-c", code], machine.env, ROOT, 120)))
    assert where.is_relative_to(machine.venv), f"lazyscope imported from {where}"
    assert not where.is_relative_to(ROOT / "src"), where
    # pip built the lab extension itself (the copy had none) and installed it enabled.
    listed = run(["jupyter", "labextension", "list"], machine.env, machine.checkout, 120)
    listed = re.sub(r"\x1b\[[0-9;]*m", "", listed)  # it colours "enabled" and "OK"
    version = re.escape(package_json_version(machine.checkout / "package.json"))
    assert re.search(rf"^\s*lazyscope v{version} enabled OK", listed, re.M), listed


def test_run_part_opens_jupyterlab_on_the_tutorials(machine: Machine) -> None:
    assert machine.command.run[:2] == ["jupyter", "lab"], machine.command.line
    assert machine.tutorials == machine.checkout / "notebooks", machine.command.line
    # `jupyter lab` in the activated environment is the new environment's.
    assert shutil.which("jupyter-lab", path=machine.env["PATH"]) == str(
        machine.venv / "bin" / "jupyter-lab"
    )


@pytest.mark.parametrize("tutorial", TUTORIALS, ids=[path.stem for path in TUTORIALS])
def test_tutorial_runs_clean_on_the_new_environments_kernel(
    machine: Machine, tutorial: Path
) -> None:
    folder = machine.tutorials
    nb = nbformat.read(folder / tutorial.name, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(_WHERE_FROM))
    specs = KernelSpecManager(
        kernel_dirs=[str(machine.venv / "share" / "jupyter" / "kernels")],
        ensure_native_kernel=False,
    )
    km = KernelManager(kernel_name=nb.metadata.kernelspec.name, kernel_spec_manager=specs)
    assert km.kernel_spec is not None
    assert km.kernel_spec.argv[0] == str(machine.python), km.kernel_spec.argv
    client = NotebookClient(
        nb, km=km, timeout=600, allow_errors=True, resources={"metadata": {"path": str(folder)}}
    )
    env = {**machine.env, "LAZYSCOPE_TUTORIAL_SCALE": "0.02"}  # small, as tests/ui runs them
    try:
        client.execute(env=env, cleanup_kc=True)  # shuts the kernel down when done
    finally:
        if km.has_kernel:
            km.shutdown_kernel(now=True)

    problems = []
    for index, cell in enumerate(nb.cells[:-1]):
        expected = "expect-stderr" in cell.metadata.get("tags", [])
        for out in cell.get("outputs", []):
            if out.output_type == "error":
                problems.append(f"cell {index}: {out.ename}: {out.evalue}")
            # A cell tagged `expect-stderr` announces its stderr (as in tutorials.spec.ts).
            elif out.output_type == "stream" and out.name == "stderr" and not expected:
                problems.append(f"cell {index}: stderr {out.text[:400]!r}")
    assert not problems, f"{tutorial.name} after `{machine.command.install}`:\n" + "\n".join(
        problems[:10]
    )
    prefix, where = json.loads(nb.cells[-1].outputs[-1].text)
    assert Path(prefix) == machine.venv, f"the kernel ran in {prefix}"
    assert Path(where).is_relative_to(machine.venv), f"lazyscope imported from {where}"
