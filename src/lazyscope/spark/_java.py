"""Find Java and check its version before Spark tries to start a JVM."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

from lazyscope._errors import LazyscopeError

__all__ = ["MIN_JAVA", "java_version", "require_java"]

MIN_JAVA = 17
_VERSION = re.compile(r'version "(\d+)(?:\.(\d+))?')


def _java_binary() -> str | None:
    home = os.environ.get("JAVA_HOME")
    if home:
        candidate = Path(home) / "bin" / "java"
        return str(candidate) if candidate.exists() else None
    return shutil.which("java")


def java_version(java: str) -> int | None:
    """Major version of a java binary (8 for "1.8.0_402", 17 for "17.0.15")."""
    try:
        out = subprocess.run(
            [java, "-version"], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    match = _VERSION.search(out.stderr + out.stdout)
    if match is None:
        return None
    major = int(match.group(1))
    return int(match.group(2) or 0) if major == 1 else major


def require_java() -> None:
    java = _java_binary()
    where = "JAVA_HOME" if os.environ.get("JAVA_HOME") else "PATH"
    if java is None:
        raise LazyscopeError(
            f"Spark needs Java {MIN_JAVA} or newer, and no `java` was found on {where}. "
            "Install a JDK (e.g. `apt-get install openjdk-17-jre-headless`) or set JAVA_HOME."
        )
    major = java_version(java)
    if major is None or major < MIN_JAVA:
        found = f"Java {major}" if major else "a java that does not report its version"
        raise LazyscopeError(
            f"Spark needs Java {MIN_JAVA} or newer, but {java} is {found}. "
            "Point JAVA_HOME at a newer JDK."
        )
