"""Fresh Python environments with lazyscope installed from a clean copy of this checkout, as
a new user or a new machine would have them: the README's first command
(tests/test_readme_command.py) and the single-user servers of the test JupyterHub
(tests/_hub.py) are both installed this way."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
from collections.abc import Iterable
from pathlib import Path

from tests._kernel import user_env
from tests._paths import ROOT

__all__ = ["activated", "checkout_files", "copy_files", "digest", "run"]

# Never copied: a built lab extension makes pip skip the build (RECIPES.md), and node_modules
# or temp folders are not part of a fresh clone.
_NOT_COPIED = re.compile(r"^(src/lazyscope/labextension/|\.tmp/)|(^|/)node_modules/")
_LABEXTENSION = "src/lazyscope/labextension"
# Built with it (jlpm build): the widgets' ES modules, which pip would otherwise build too.
_BUILT = (_LABEXTENSION, "src/lazyscope/views/static")
# Settings of this test process that a user's fresh shell would not have: they would point the
# new environment's Python, Spark or Jupyter at this one's.
_NOT_INHERITED = (
    "PYTHONPATH",
    "PYTHONHOME",
    "SPARK_HOME",
    "SPARK_REMOTE",
    "SPARK_CONNECT_MODE_ENABLED",
    "PYSPARK_SUBMIT_ARGS",
    "PYSPARK_PYTHON",
    "PYSPARK_DRIVER_PYTHON",
    "JUPYTER_PATH",
    "JUPYTER_DATA_DIR",
)


def checkout_files(*, built_labextension: bool = False) -> list[str]:
    """This checkout as a fresh clone of it would be, with the working tree's edits: tracked
    and new (not ignored) files as they are now on disk, relative names, sorted.

    ``built_labextension`` adds the lab extension the editable install built, so that pip
    installs it as it is instead of building it again (about a minute of Node)."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
        timeout=120,
    ).stdout.decode()
    names = {
        name
        for name in listed.split("\0")
        # deleted in the working tree, or never part of a clone
        if name and not _NOT_COPIED.search(name) and (ROOT / name).is_file()
    }
    if built_labextension:
        built = ROOT / _LABEXTENSION
        assert (built / "package.json").is_file(), f"no built lab extension in {built}"
        for folder in _BUILT:
            files = (ROOT / folder).rglob("*")
            names |= {str(p.relative_to(ROOT)) for p in files if p.is_file()}
    return sorted(names)


def copy_files(names: Iterable[str], dest: Path) -> None:
    for name in names:
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, target)


def digest(names: Iterable[str]) -> str:
    """A hash of these files' names and contents: an environment installed from them can be
    reused while it is unchanged."""
    total = hashlib.sha256()
    for name in names:
        total.update(name.encode() + b"\0" + (ROOT / name).read_bytes() + b"\0")
    return total.hexdigest()


def activated(venv: Path) -> dict[str, str]:
    """A user's shell with ``venv`` activated."""
    bin_dir = venv / "bin"
    changes: dict[str, str | None] = dict.fromkeys(_NOT_INHERITED)
    changes |= {
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "VIRTUAL_ENV": str(venv),
        "TMPDIR": str(ROOT / ".tmp"),  # pip's build and the kernels' temp files stay here
    }
    return user_env(changes)


def run(command: list[str], env: dict[str, str], cwd: Path, timeout: float) -> str:
    """Run ``command``; its output, or a failed assertion with the end of it."""
    proc = subprocess.run(
        command,
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=timeout,
        check=False,
    )
    tail = "\n".join(proc.stdout.splitlines()[-60:])
    assert proc.returncode == 0, f"$ {' '.join(command)} (in {cwd}) failed:\n{tail}"
    return proc.stdout
