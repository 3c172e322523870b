"""The installed package: lab and server extensions enabled, and a cheap import."""

from __future__ import annotations

import json
import re
import subprocess
import sys

from tests._paths import ROOT, package_json_version

_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _jupyter(*args: str) -> str:
    """stdout + stderr of a `jupyter` subcommand (both list commands print to stderr)."""
    proc = subprocess.run(
        [sys.executable, "-m", "jupyter", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    output = _ANSI.sub("", proc.stdout + proc.stderr)
    assert proc.returncode == 0, output
    return output


def test_labextension_is_enabled_and_ok() -> None:
    output = _jupyter("labextension", "list")
    version = re.escape(package_json_version())
    assert re.search(rf"^\s*lazyscope v{version} enabled OK", output, re.M), output


def test_server_extension_is_enabled_and_validates() -> None:
    output = _jupyter("server", "extension", "list")
    assert re.search(r"^\s*lazyscope enabled\s*$", output, re.M), output
    version = re.escape(package_json_version())
    assert re.search(rf"^\s*lazyscope {version} OK", output, re.M), output


def test_import_does_not_load_engines_or_plotting() -> None:
    heavy = ["pyspark", "dask", "distributed", "pandas", "bokeh", "datashader"]
    code = (
        "import json, sys, lazyscope, lazyscope.server\n"
        f"print(json.dumps([m for m in {heavy!r} if m in sys.modules]))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == []
