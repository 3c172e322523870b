"""Java is checked before a JVM is started: missing, too old, new enough."""

from __future__ import annotations

from pathlib import Path

import pytest

from lazyscope._errors import LazyscopeError
from lazyscope.spark import _java
from lazyscope.spark._session import SparkEngine


def fake_jdk(root: Path, version_line: str) -> Path:
    """A JAVA_HOME whose `java -version` prints what an old JDK prints.

    Java 8 is not installable on these machines; this script is the one stand-in."""
    binary = root / "bin" / "java"
    binary.parent.mkdir(parents=True)
    binary.write_text(f"#!/bin/sh\necho '{version_line}' >&2\n")
    binary.chmod(0o755)
    return root


def test_system_java_is_new_enough() -> None:
    _java.require_java()  # Java 17 on these machines: no error
    java = _java._java_binary()
    assert java is not None
    assert (_java.java_version(java) or 0) >= _java.MIN_JAVA


def test_missing_java_is_reported_before_starting(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("JAVA_HOME", str(tmp_path / "nowhere"))
    with pytest.raises(LazyscopeError, match="no `java` was found on JAVA_HOME"):
        SparkEngine.start("local[1]", {}, "x")


def test_old_java_is_reported_with_its_version(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("JAVA_HOME", str(fake_jdk(tmp_path, 'java version "1.8.0_402"')))
    with pytest.raises(LazyscopeError, match=r"needs Java 17 or newer, but .* is Java 8"):
        SparkEngine.start("local[1]", {}, "x")


def test_java_on_path_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(LazyscopeError, match="no `java` was found on PATH"):
        _java.require_java()
