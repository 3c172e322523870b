"""The advisor's rules: one small function each, from a `Meta` to a list of findings.

Each encodes one piece of practitioners' advice on the engines' performance; the message
says why, the fix says what to do instead, in the engine's words where they differ (its
package's ADVICE). Thresholds are module constants.
Severity follows the likely cost, not the rule: "warning" where the advice saves a
multiple of the run time or memory (row-at-a-time Python, RDDs computed in Python,
cross joins, big collects), "info" for costs the query itself needs (a groupBy's shuffle).
"""

from __future__ import annotations

from collections.abc import Callable

from lazyscope.engines import package_for
from lazyscope.model import Finding, Meta, format_bytes

__all__ = ["RULES"]

EMBEDDED_LIMIT = 10_000_000  # schedulers warn about graphs above 10 MB, for the same reason
COLLECT_LIMIT = 2**30  # when the engine does not say (a usual default result limit: 1 GiB)
TINY_PARTITION = 2**20  # below ~1 MiB a task's overhead outweighs its work
SMALL_DATA = 128 * 2**20  # below this, too few partitions does not matter
MANY_PARTITIONS = 100  # fewer tiny tasks than this cost well under a second in total


def _advice(meta: Meta, key: str) -> str:
    """The engine's words for part of a finding (its package's ADVICE[key])."""
    package = package_for(meta.engine)
    return "" if package is None else package.ADVICE.get(key, "")


def python_udf(meta: Meta) -> list[Finding]:
    found = []
    for udf in meta.facts.udfs:
        if udf.style == "pandas":
            continue  # vectorized already: what the advice recommends
        row = udf.style == "python-row"
        # Arrow only batches the transfer: the function still runs once per row in Python
        # (tutorial 03 measures it at ~2x the built-in way), so both styles cost a warning.
        found.append(
            Finding(
                "python-udf",
                "warning",
                f"Python UDF {udf.name} runs row by row in a Python worker"
                + (
                    " (BatchEvalPython: every row is pickled both ways)."
                    if row
                    else " (Arrow batches, one call per row)."
                ),
                udf.where,
                _advice(meta, "python-udf.fix"),
            )
        )
    return found


def rdd(meta: Meta) -> list[Finding]:
    if meta.facts.is_rdd:
        return [
            Finding(
                "rdd",
                "warning",
                _advice(meta, "rdd.message"),
                "this RDD",
                _advice(meta, "rdd.fix"),
            )
        ]
    if meta.facts.rdd_rows_in_python:  # e.g. df.rdd.map(...).toDF(): ~20x the DataFrame way
        return [
            Finding(
                "rdd",
                "warning",
                "This DataFrame is built from a Python RDD: every row was computed in a Python "
                "worker and pickled both ways, and the optimizer cannot see inside the lambdas.",
                where,
                _advice(meta, "rdd-python.fix"),
            )
            for where in meta.facts.rdd_sources
        ]
    # Rows from a local list: bounded by what the driver held, a one-off cost.
    return [
        Finding(
            "rdd",
            "info",
            _advice(meta, "rdd-local.message"),
            where,
            _advice(meta, "rdd-local.fix"),
        )
        for where in meta.facts.rdd_sources
    ]


def shuffles(meta: Meta) -> list[Finding]:
    found, total = [], len(meta.facts.shuffles)
    for i, shuffle in enumerate(meta.facts.shuffles, 1):
        keys = f" on {', '.join(shuffle.keys)}" if shuffle.keys else ""
        into = f" into {shuffle.partitions} partitions" if (shuffle.partitions or 0) > 1 else ""
        sampled = shuffle.how in ("SetIndex", "SortValues")
        fix = (
            "set_index once and persist the result, or pass divisions= if you know them."
            if sampled
            else "Filter and select columns before it; broadcast a small join side; "
            "reuse a partitioning (persist, bucketing) when you shuffle on the same key again."
        )
        message = (
            f"Shuffle {i} of {total}: {shuffle.how}{keys}{into}, all data crosses the network."
        )
        if sampled:
            message += " It first samples the data to find divisions (a computation of its own)."
        found.append(Finding("shuffle", "info", message, shuffle.where, fix))
    return found


def too_few_partitions(meta: Meta) -> list[Finding]:
    n, cores = meta.partitions, meta.cores
    part = meta.facts.partition_bytes
    total = meta.size_bytes if meta.size_bytes is not None else (part * n if part and n else None)
    # Only with a known, large size: a small or aggregated result in one partition is normal.
    if not n or not cores or n >= 2 * cores or total is None or total < SMALL_DATA:
        return []
    return [
        Finding(
            "too-few-partitions",
            "info",
            f"{n} partition{'s' if n > 1 else ''} for {cores} cores: fewer than 2-3 tasks per core "
            "leaves cores idle behind the slowest task.",
            "output partitioning",
            f"Repartition to about {2 * cores}-{3 * cores} partitions.",
        )
    ]


def tiny_partitions(meta: Meta) -> list[Finding]:
    n, size = meta.partitions, meta.facts.partition_bytes
    if (
        not n
        or size is None
        or size >= TINY_PARTITION
        or n <= max(MANY_PARTITIONS, 4 * (meta.cores or 1))
    ):
        return []
    return [
        Finding(
            "tiny-partitions",
            "warning",
            f"{n} partitions of about {format_bytes(size)} each: scheduling every tiny task "
            "costs more than its work.",
            "partitioning",
            "Use fewer, larger partitions (about 100 MiB each): repartition / coalesce / rechunk.",
        )
    ]


def large_collect(meta: Meta) -> list[Finding]:
    limit = meta.facts.max_result_bytes or COLLECT_LIMIT
    if meta.size_bytes is None or meta.size_bytes <= limit:
        return []
    package = package_for(meta.engine)
    verb = "compute()" if package is None else package.COLLECT
    return [
        Finding(
            "large-collect",
            "warning",
            f"{verb} would bring about {format_bytes(meta.size_bytes)} to this kernel "
            f"(limit {format_bytes(limit)}).",
            "the whole result",
            "Aggregate, filter or sample first (limit, sample, head), or write the result out.",
        )
    ]


def cross_join(meta: Meta) -> list[Finding]:
    return [
        Finding(
            "cross-join",
            "warning",
            "A cross join pairs every row of one side with every row of the other.",
            where,
            "Add a join condition; cross join only a small side, on purpose.",
        )
        for where in meta.facts.cross_joins
    ]


def embedded_data(meta: Meta) -> list[Finding]:
    total = sum(e.nbytes for e in meta.facts.embedded)
    if total < EMBEDDED_LIMIT:
        return []
    where = ", ".join(sorted({e.where for e in meta.facts.embedded}))
    return [
        Finding(
            "embedded-data",
            "warning",
            f"{format_bytes(total)} of local data ({meta.facts.embedded[0].what}) is embedded "
            "in the task graph: it is pickled and sent through the scheduler.",
            where,
            "Write it to parquet and read it with dd.read_parquet, or client.scatter it first.",
        )
    ]


def unaligned_join(meta: Meta) -> list[Finding]:
    return [
        Finding(
            "unknown-divisions-join",
            "info",
            f"{where}: the sides are not partitioned alike (a column join, or unknown "
            "divisions), so both sides are hash-shuffled.",
            where,
            "set_index on the join key once (and persist), then join on the index; or read "
            "sorted data with read_parquet(calculate_divisions=True).",
        )
        for where in meta.facts.unaligned_joins
    ]


RULES: list[Callable[[Meta], list[Finding]]] = [
    python_udf,
    rdd,
    cross_join,
    large_collect,
    embedded_data,
    shuffles,
    unaligned_join,
    too_few_partitions,
    tiny_partitions,
]
