"""Our Spark actions named in the user's words ("lazyscope.plot: x/y ranges at cell line 3").

Classic Spark names stages after the job's call site: `spark_job` sets it (and the job
description the Spark UI lists) while our actions run. Spark Connect reports no names; its
progress source reads `OWN_WORK` instead.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from lazyscope.model import OWN_WORK

__all__ = ["spark_job"]


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
