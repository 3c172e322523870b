"""Names for the engine work a plot or histogram runs, in the user's words.

Progress views, the Spark UI and the Dask dashboard name work after what ran it. Left to
the engines, a plot shows up as `collect at .../lazyscope/plot/_spark.py:60` or as Dask
task groups called `bounds` and `states`: our internals, presented as the user's code.
Each public call instead names its work for what it does and where the user asked for it,
"lazyscope.plot: x/y ranges at cell line 3":

- Dask groups tasks by key prefix (`dask.utils.key_split`), so our tasks get keys
  "<name>-<token>" (`dask_key`).
- Classic Spark names stages after the job's call site: `spark_job` sets it (and the job
  description the Spark UI lists) while our actions run.
- Spark Connect reports no names; its progress source reads `OWN_WORK` instead.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from lazyscope.model import OWN_WORK, is_cell_file

__all__ = ["PLOT", "Work", "call_site", "dask_key", "spark_job"]

_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep


def call_site() -> str:
    """Where the user called us: "cell line 3" in a notebook, "script.py:12" in a file."""
    frame = sys._getframe(1)
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE):
        frame = frame.f_back  # type: ignore[assignment]  # None ends the loop
    if frame is None:
        return ""
    filename = frame.f_code.co_filename
    if is_cell_file(filename):
        return f"cell line {frame.f_lineno}"
    return f"{os.path.basename(filename)}:{frame.f_lineno}"


@dataclass(frozen=True)
class Work:
    """One public call ("lazyscope.plot") made at `where`; `name` labels each step of it."""

    call: str
    where: str = ""

    @classmethod
    def here(cls, call: str) -> Work:
        """The call being made now, placed at the user's frame that made it."""
        return cls(call, call_site())

    def name(self, what: str) -> str:
        text = f"{self.call}: {what}"
        return f"{text} at {self.where}" if self.where else text


PLOT = Work("lazyscope.plot")  # a plot whose back-end was made without saying where


def dask_key(name: str, *token: Any) -> str:
    """A task key that Dask's progress and dashboard show as `name` (key_split stops at the
    first '-', so a hyphen in a column name becomes a non-breaking one)."""
    from dask.base import tokenize

    return f"{name.replace('-', chr(0x2011))}-{tokenize(*token)}"


@contextlib.contextmanager
def spark_job(session: Any, name: str) -> Iterator[None]:
    """Spark actions of this thread, inside the block, are named `name`."""
    token = OWN_WORK.set(name)  # Spark Connect: read by its progress source
    try:
        sc = session.sparkContext
    except Exception:  # Spark Connect has no SparkContext (the error type differs by version)
        sc = None
    try:
        if sc is None:
            yield
            return
        with _classic_call_site(sc, name):
            yield
    finally:
        OWN_WORK.reset(token)


@contextlib.contextmanager
def _classic_call_site(sc: Any, name: str) -> Iterator[None]:
    # PySpark's own helper: its actions set the call site only when no SCCallSiteSync is
    # open (a process-wide depth count), so inside ours their stages keep our name. The
    # job description (thread-local in the JVM, as the call site) is what the UI lists.
    from pyspark.traceback_utils import SCCallSiteSync

    site = SCCallSiteSync(sc)
    site._call_site = name
    description = "spark.job.description"
    before = sc.getLocalProperty(description)
    sc.setLocalProperty(description, name)
    try:
        with site:
            yield
    finally:
        sc.setLocalProperty(description, before)  # None removes it
