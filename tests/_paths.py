"""Locations in the checkout that several tests need."""

from __future__ import annotations

import json
from pathlib import Path

__all__ = ["ROOT", "package_json_version"]

ROOT = Path(__file__).resolve().parent.parent


def package_json_version(path: Path = ROOT / "package.json") -> str:
    version = json.loads(path.read_text(encoding="utf-8"))["version"]
    assert isinstance(version, str)
    return version
