"""Spark's error texts in the user's words: no Java class names, no Python worker stacks.

Registered with `lazyscope._errors.add_rewriter` (when the package loads), so every short
engine message (cell, plot, describe, progress summary) reads the same: py4j's wrapper and
the Java frames cut. A Python worker's error keeps its last
line and the user's own frame; a module the worker lacks names the interpreter it ran.
"""

from __future__ import annotations

import os
import re

__all__ = ["brief", "rewrite"]

_WORKER = "An exception was thrown from the Python worker"
_TRACEBACK = "Traceback (most recent call last):"
_CHAINING = ("Traceback", "During handling", "The above exception", "JVM stacktrace")
# "org.apache.spark.SparkException: text" -> "text" (a class name means nothing to a user)
_JAVA_CLASS = re.compile(r"^(?:[a-z_][\w$]*\.)+[A-Z][\w$]*(?:Exception|Error): ", re.M)
_SQLSTATE = re.compile(r"\s*SQLSTATE: \w+")
_FRAME = re.compile(r'^\s+File "(?P<file>[^"]+)", line (?P<line>\d+), in (?P<func>.+)$')
_LIBRARY = ("pyspark", "site-packages", "dist-packages", "/lib/python")
_MISSING = re.compile(r"^(ModuleNotFoundError|ImportError): ")
_JAVA_FRAME = re.compile(r"^\s*(at |\.\.\. \d+ more|Caused by:|JVM stacktrace:)")
_PY4J_PREFIX = re.compile(r"^An error occurred while calling [\w.$]+\.\s*:\s*", re.M)


def rewrite(text: str) -> str:
    text = _PY4J_PREFIX.sub("", text)
    worker = _worker_error(text)
    text = _SQLSTATE.sub("", _JAVA_CLASS.sub("", text)) if worker is None else worker
    lines = text.splitlines()
    cut = next((i for i, line in enumerate(lines) if _JAVA_FRAME.match(line)), len(lines))
    return "\n".join(lines[:cut])


# ": org.apache.spark.SparkException: Job aborted..." -> "SparkException: Job aborted..."
_JAVA_EXCEPTION = re.compile(r"^:?\s*(?:[a-z_]\w*\.)+(\w+(?:Exception|Error): .*)")


def brief(exc: BaseException) -> str | None:
    """A py4j-wrapped Java error in one line: its exception line, without the wrapper."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    if not lines or not lines[0].startswith("An error occurred while calling"):
        return None
    for line in lines[1:]:
        java = _JAVA_EXCEPTION.match(line)
        if java:
            return java.group(1)
    return None


def _worker_error(text: str) -> str | None:
    start = text.find(_TRACEBACK)
    if _WORKER not in text or start < 0:
        return None
    error, where = "", ""
    for line in text[start:].splitlines():
        if line.startswith("JVM stacktrace"):
            break
        frame = _FRAME.match(line)
        if frame and not any(part in frame["file"] for part in _LIBRARY):
            where = f" (in {frame['func'].strip()}, line {frame['line']})"
        elif line.strip() and not line[0].isspace() and not line.startswith(_CHAINING):
            error = line.strip()  # the last one is the exception that ended the task
    if not error:
        return None
    if _MISSING.match(error):
        return _missing_module(error)
    return f"A Python worker failed{where}: {error}"


def _missing_module(error: str) -> str:
    return (
        f"Spark's Python workers ran {_worker_python()}, which cannot import what this needs "
        f"({error}). Install it for that interpreter, or start Spark with one that has it: "
        "%spark start --restart --conf spark.pyspark.python=/path/to/python."
    )


def _worker_python() -> str:
    from pyspark import SparkContext

    sc = SparkContext._active_spark_context
    if sc is None:  # Spark Connect: the workers belong to the server
        return "the Spark Connect server's Python"
    python = str(sc.pythonExec)
    if os.path.isabs(python):
        return python
    return f"`{python}` (the first on the executors' PATH)"
