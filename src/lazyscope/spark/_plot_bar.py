"""The one Spark job behind a bar chart: one groupBy aggregate in the JVM (partial
aggregation before the shuffle, as Spark does for any groupBy), one Arrow row of states
per category back to the driver, which ranks the top N and folds the rest into "other"
(`grids._bar`). Executors run no Python.

A float x's NaN is taken as null, so that "missing" is one bar, as in pandas.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

import numpy as np

from lazyscope._errors import LazyscopeError
from lazyscope.grids._bar import bar_dataset, check_bar_schema
from lazyscope.grids._bar_states import FIELDS
from lazyscope.grids._requests import SupersededError
from lazyscope.grids._spec import Range, Spec, View
from lazyscope.grids._work import PLOT, Work

from ._connect import functions_for
from ._plot import run_spark, spark_column_types

if TYPE_CHECKING:
    from lazyscope.grids._bar_pick import BarPick
    from lazyscope.grids._requests import Token

__all__ = ["SparkBars"]


class SparkBars:
    engine = "spark"
    categories: tuple[Any, ...] = ()  # no by= for bars

    def __init__(self, df: Any, spec: Spec, work: Work = PLOT) -> None:
        check_bar_schema(spark_column_types(df.schema), spec)  # analysed schema: no job
        self.df, self.spec, self.session, self.work = df, spec, df.sparkSession, work
        self.jobs = 0  # Spark actions run: one per aggregate, one per inspected bar

    def extent(self) -> tuple[Range, Range]:
        """A bar chart's axes come from its bars (`aggregate`); there is no data extent."""
        return (-0.5, 0.5), (0.0, 1.0)

    def _key(self, f: Any) -> Any:
        """x, a float's NaN as null (one "missing" bar, as in pandas)."""
        key = f.col(self.spec.x)
        if self.df.schema[self.spec.x].dataType.typeName() in ("double", "float"):
            key = f.when(~f.isnan(key), key)
        return key

    def _query(self) -> Any:
        f, spec = functions_for(self.df), self.spec
        key = self._key(f)
        measures = [f.count(f.lit(1)).alias("rows")]
        if spec.value is None:
            measures += [f.count(f.lit(1)).alias("n")]
        elif spec.agg == "count":  # any type: its values that are not missing
            measures += [f.count(f.col(spec.value)).alias("n")]
        else:
            v = f.col(spec.value).cast("double")
            v = f.when(~f.isnan(v), v)  # NaN is missing, as in pandas
            measures += [f.count(v).alias("n"), f.sum(v).alias("sum")]
            measures += [f.min(v).alias("lo"), f.max(v).alias("hi")]
        return self.df.groupBy(key.alias("key")).agg(*measures)

    def _arrow(self, query: Any, what: str, name: str, token: Token) -> Any:
        """query as an Arrow table: one action, its jobs called `name`, stopped by `token`."""
        from ._plot_job import tagged

        token.check()
        tag = f"lazyscope-plot-{uuid.uuid4().hex[:12]}"

        def run() -> Any:
            with tagged(self.session, tag, token):
                return query.toArrow()

        self.jobs += 1
        try:
            return run_spark(what, run, self.session, name)
        except LazyscopeError:
            if token.cancelled:  # interrupted on purpose, not a failure
                raise SupersededError from None
            raise

    def inspect(self, pick: BarPick, rows: int, token: Token) -> Any:
        """The first `rows` rows of a bar, every column: a filtered limit query."""
        f = functions_for(self.df)
        key = self._key(f)
        hit = key.isin(pick.known) if pick.known else f.lit(False)
        # A missing x: in "(null)" if that is the bar, else in no drawn bar (so in "other").
        hit = (hit | key.isNull()) if None in pick.keys else f.coalesce(hit, f.lit(False))
        query = self.df.where(hit if pick.inside else ~hit).limit(rows)
        name = self.work.name("rows of a bar")
        return self._arrow(query, "fetch the rows of the bar", name, token).to_pandas()

    def aggregate(self, view: View, token: Token) -> Any:
        name = self.work.name(f"bars of {self.spec.x}")
        table = self._arrow(self._query(), "aggregate the bars", name, token)
        rows = table.num_rows
        states = {
            field: (
                table.column(field).to_numpy(zero_copy_only=False).astype(np.float64)
                if field in table.column_names
                else np.full(rows, np.nan)
            )
            for field in FIELDS
        }
        states["rows"] = states["rows"].astype(np.int64)
        states["n"] = states["n"].astype(np.int64)
        keys = table.column("key").to_pylist()
        return bar_dataset(keys, states, self.spec, view, self.engine, "spark job")
