"""Metadata of Spark DataFrames (classic and Connect) and RDDs, without running a job.

Everything here asks the planner, never the executors: the schema, the optimizer's plan
and statistics (`explain`), the cache manager (`storageLevel`) and the session's conf.
"""

from __future__ import annotations

import re
from typing import Any

from lazyscope._errors import LazyscopeError, short_engine_message
from lazyscope.model import Column, Facts, Meta, PlanItem, parse_size

from ._connect import is_connect
from ._plan_facts import parse_explain
from ._session import spark_errors

__all__ = ["rdd_meta", "spark_meta"]

_LINEAGE_PREFIX = re.compile(r"^[\s|+\-]*(\(\d+\)\s*)?")


def _columns(schema: Any) -> list[Column]:
    return [_column(f.name, f.dataType, f.nullable) for f in schema.fields]


def _column(name: str, dtype: Any, nullable: bool | None) -> Column:
    # Nested types keep their fields as children so a struct reads as a tree, not one long line.
    fields = getattr(dtype, "fields", None)
    if fields is not None:
        return Column(
            name, "struct", nullable, tuple(_column(f.name, f.dataType, f.nullable) for f in fields)
        )
    element = getattr(dtype, "elementType", None)
    if element is not None and getattr(element, "fields", None) is not None:
        inner = _column("element", element, getattr(dtype, "containsNull", None))
        return Column(name, "array<struct>", nullable, inner.children)
    return Column(name, dtype.simpleString(), nullable)


def _check_alive(df: Any) -> None:
    session = df.sparkSession
    if is_connect(df):
        stopped = session.is_stopped
    else:
        jsc = session.sparkContext._jsc
        stopped = jsc is None or jsc.sc().isStopped()
    if stopped:
        raise LazyscopeError(
            "This Spark DataFrame belongs to a session that was stopped, so Spark cannot plan "
            "it any more. Start a session (%spark start) and build the DataFrame again."
        )


def _explain(df: Any) -> str:
    if is_connect(df):
        return str(df._explain_string(mode="cost"))  # an AnalyzePlan RPC: plans, runs nothing
    jvm = df.sparkSession.sparkContext._jvm
    return str(jvm.PythonSQLUtils.explainString(df._jdf.queryExecution(), "cost"))


def _cores(df: Any) -> int | None:
    session = df.sparkSession
    if not is_connect(df):
        return int(session.sparkContext.defaultParallelism)
    # Connect has no SparkContext: the server's conf says what its master offers.
    parallelism = session.conf.get("spark.default.parallelism", None)
    if parallelism and parallelism.isdigit():
        return int(parallelism)
    match = re.match(r"local\[(\d+)", session.conf.get("spark.master", "") or "")
    return int(match.group(1)) if match else None


def _rdd_rows_in_python(df: Any) -> bool:
    """Does a scanned RDD compute its rows in Python from cluster data (not a local list)?

    Its lineage tells: `javaToPython` (a DataFrame's rows handed to Python lambdas) or a
    Python RDD over any source but the driver's own list (`readRDDFromFile`).
    """
    if is_connect(df):
        return False  # Connect has no RDDs
    leaves = df._jdf.queryExecution().analyzed().collectLeaves().iterator()
    while leaves.hasNext():
        leaf = leaves.next()
        if leaf.getClass().getSimpleName() != "LogicalRDD":
            continue
        lineage = str(leaf.rdd().toDebugString())
        if "javaToPython" in lineage or (
            "PythonRDD" in lineage and "readRDDFromFile" not in lineage
        ):
            return True
    return False


def spark_meta(df: Any) -> Meta:
    _check_alive(df)
    try:
        text = _explain(df)
        parsed = parse_explain(text)
        meta = Meta(
            engine="spark-connect" if is_connect(df) else "spark",
            collection="DataFrame",
            columns=_columns(df.schema),
            partitions=parsed.partitions,
            plan=parsed.items,
            plan_text=text,
            size_bytes=parsed.size_bytes,
            rows=parsed.rows,
            cached=df.storageLevel.useMemory or df.storageLevel.useDisk,
            cores=_cores(df),
            facts=parsed.facts,
        )
        if meta.facts.rdd_sources:
            meta.facts.rdd_rows_in_python = _rdd_rows_in_python(df)
        meta.facts.max_result_bytes = parse_size(
            df.sparkSession.conf.get("spark.driver.maxResultSize", "1g")
        )
    except spark_errors() as exc:
        raise LazyscopeError(
            f"Spark could not plan this DataFrame: {short_engine_message(exc, 3)}"
        ) from None
    if meta.partitions is None:
        meta.partitions_note = "decided when the input is split (Spark needs a job to know)"
    if meta.partitions and meta.size_bytes:
        meta.facts.partition_bytes = meta.size_bytes // meta.partitions
    return meta


def rdd_meta(rdd: Any) -> Meta:
    """An RDD: its partitions and lineage (no job: partitions are known from the lineage)."""
    sc = rdd.context
    if sc._jsc is None:
        raise LazyscopeError(
            "This RDD's SparkContext was stopped; build it again in a new session."
        )
    try:
        raw = rdd.toDebugString()
        lineage = raw.decode() if isinstance(raw, bytes) else str(raw)
        partitions = rdd.getNumPartitions()
        level = rdd.getStorageLevel()
    except spark_errors() as exc:
        raise LazyscopeError(
            f"Spark could not describe this RDD: {short_engine_message(exc, 3)}"
        ) from None
    items = []
    for line in lineage.splitlines():
        # "+-(3) ShuffledRDD[8] at reduceByKey at <stdin>:1 []" -> ShuffledRDD[8], reduceByKey
        text = _LINEAGE_PREFIX.sub("", line)
        label, _, origin = text.partition(" at ")
        if label:
            kind = "shuffle" if "Shuffled" in label else "other"
            items.append(PlanItem(kind, label, origin.split(" at ")[0]))
    facts = Facts(is_rdd=True)
    return Meta(
        engine="spark",
        collection="RDD",
        partitions=partitions,
        plan=items,
        plan_text=lineage,
        cached=level.useMemory or level.useDisk,
        cores=int(sc.defaultParallelism),
        facts=facts,
    )
