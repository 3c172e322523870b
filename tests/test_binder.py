"""The Binder environment (binder/): Java for Spark, and Python requirements that resolve to
what the README's first command installs."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests._paths import ROOT
from tests._readme import first_command

BINDER = ROOT / "binder"
# Where a resolved distribution may come from: this checkout, PyPI, or a local mirror of it
# (pip's own configuration may add file:// indexes; nothing else: no git, no other hosts).
_ALLOWED_URL = re.compile(r"^(https://files\.pythonhosted\.org/|https://pypi\.org/|file://)")


def _requirement_lines() -> list[str]:
    lines = (BINDER / "requirements.txt").read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]


def test_apt_txt_installs_java_17_or_newer() -> None:
    packages = (BINDER / "apt.txt").read_text(encoding="utf-8").split()
    jre = re.compile(r"openjdk-(\d+)-jre(-headless)?")
    versions = [int(m.group(1)) for p in packages if (m := jre.fullmatch(p))]
    assert versions, f"apt.txt names no OpenJDK runtime: {packages}"
    assert max(versions) >= 17, f"Spark 4 needs Java 17 or newer, apt.txt has {versions}"


def test_requirements_install_what_the_readmes_first_command_installs() -> None:
    """Binder is the first command on someone else's machine: lazyscope from the repository
    with the same extras (the tutorials' imports), nothing more."""
    local = [line for line in _requirement_lines() if line.startswith(".")]
    assert local == [first_command().pip_target], (
        f"binder/requirements.txt installs {local}; the README's first command "
        f"{first_command().line!r}"
    )


def test_requirements_install_this_repository_from_pypi_only() -> None:
    lines = _requirement_lines()
    assert any(line.startswith(".") for line in lines), (
        "binder/requirements.txt must install lazyscope from the repository (.)"
    )
    for line in lines:
        assert not line.startswith("-"), f"no pip options (indexes, links) in Binder: {line}"
        assert "://" not in line, f"only PyPI names and '.': {line}"
        assert "@" not in line, f"only PyPI names and '.': {line}"
    # No run-time download steps: Binder needs no postBuild/start (the lab extension is prebuilt).
    assert not (BINDER / "postBuild").exists()
    assert not (BINDER / "start").exists()


@pytest.mark.slow
def test_requirements_resolve_in_a_fresh_virtualenv(tmp_path: Path) -> None:
    """pip, in a new venv (sharing this interpreter's site-packages so it stays fast and works
    from local mirrors), resolves binder/requirements.txt and builds lazyscope's metadata."""
    venv = tmp_path / "venv"
    subprocess.run(
        [sys.executable, "-m", "venv", "--system-site-packages", str(venv)],
        check=True,
        timeout=120,
    )
    python = venv / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")
    report = tmp_path / "report.json"
    proc = subprocess.run(
        [
            str(python),
            "-m",
            "pip",
            "install",
            "--dry-run",
            "--quiet",
            "--report",
            str(report),
            "-r",
            str(BINDER / "requirements.txt"),
        ],
        cwd=ROOT,  # as repo2docker runs it: `.` is the repository root
        capture_output=True,
        text=True,
        timeout=540,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    resolved = json.loads(report.read_text(encoding="utf-8"))["install"]
    by_name = {item["metadata"]["name"].lower(): item for item in resolved}
    assert "lazyscope" in by_name, sorted(by_name)
    lazyscope = by_name["lazyscope"]
    assert lazyscope["download_info"]["url"] == ROOT.as_uri()
    requires = " ".join(lazyscope["metadata"].get("requires_dist", []))
    for dependency in ("pyspark", "dask", "distributed", "jupyterlab", "scikit-learn"):
        assert dependency in requires, requires
    # The tutorials' extra is asked for (what it brings may already be in site-packages).
    assert lazyscope.get("requested_extras") == first_command().extras, lazyscope
    for name, item in by_name.items():
        url = item["download_info"]["url"]
        assert _ALLOWED_URL.match(url), f"{name} would come from {url}"
