"""Spark histogram: bin numbers computed and counted in the JVM; `bins` rows come back.

The bin rule is numpy.histogram's, edge corrections included, so counts equal
`np.histogram` of the same values.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from lazyscope._errors import LazyscopeError
from lazyscope.grids._frames import per_object
from lazyscope.grids._spec import Range, check_column, column_range
from lazyscope.grids._work import Work

from ._connect import functions_for
from ._plot import run_spark, spark_column_types

__all__ = ["spark_histogram"]


def spark_histogram(
    df: Any, column: str, bins: int, value_range: Range | None, work: Work
) -> tuple[np.ndarray, np.ndarray]:
    f = functions_for(df)
    check_column(spark_column_types(df.schema), column)
    v = f.col(column).cast("double")
    if value_range is None:

        def scan() -> Range:
            clean = f.when(~f.isnan(v), v)
            query = df.agg(f.count(f.lit(1)), f.min(clean), f.max(clean))
            name = work.name(f"range of {column}")
            row = run_spark("find the column range", query.collect, df.sparkSession, name)[0]
            if row[0] == 0:
                raise LazyscopeError("The DataFrame has no rows: there is nothing to count.")
            return column_range(column, row[1], row[2], "range")

        value_range = per_object(df, ("range", column), scan)
    lo, hi = value_range
    edges = np.linspace(lo, hi, bins + 1)
    norm = bins / (hi - lo)
    guess = f.least(((v - f.lit(lo)) * f.lit(norm)).cast("int"), f.lit(bins - 1))
    bounds = f.array(*[f.lit(float(e)) for e in edges])
    left, right = f.element_at(bounds, guess + 1), f.element_at(bounds, guess + 2)
    # numpy's corrections where rounding put a value on the wrong side of an edge
    index = (
        f.when(v < left, guess - 1)
        .when((v >= right) & (guess != bins - 1), guess + 1)
        .otherwise(guess)
    )
    counted = df.where(v.between(lo, hi)).groupBy(index.alias("b")).count()
    name = work.name(f"{bins} bins of {column}")
    rows = run_spark("count the histogram", counted.collect, df.sparkSession, name)
    counts = np.zeros(bins, np.int64)
    for row in rows:
        counts[row["b"]] += row["count"]
    return counts, edges
