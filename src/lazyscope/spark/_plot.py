"""Spark back-end: the aggregation runs in the executors; only grids reach the driver.

The JVM filters the window, computes each row's pixel exactly as Datashader would
(int(x * s + t), upper edge inclusive) and reduces the rows per pixel with one Spark
aggregate (`_plot_job`); the driver receives the non-empty pixels' states only.
Each job aggregates its window at 2-8x the screen resolution into a pyramid (`_pyramid`),
from which later zooms are served without a Spark job until they need more resolution
than it holds.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from lazyscope._errors import LazyscopeError, short_engine_message
from lazyscope.grids import _partials
from lazyscope.grids._frames import check_categories, per_object
from lazyscope.grids._line import check_line_schema
from lazyscope.grids._pyramid import Pyramid, levels_for, scaled
from lazyscope.grids._requests import SupersededError
from lazyscope.grids._spec import MAX_CATEGORIES, Range, Spec, View, finish_extent
from lazyscope.grids._states import States, finalize, to_dataarray
from lazyscope.grids._warm import local_imports
from lazyscope.grids._work import PLOT, Work

from ._connect import functions_for
from ._own_work import spark_job

if TYPE_CHECKING:
    import xarray as xr

    from lazyscope.grids._inspect import Pixel
    from lazyscope.grids._requests import Token

__all__ = ["SparkBackend", "engine_errors", "run_spark", "spark_column_types"]

_PYRAMIDS = 4  # kept per plot: home, and the windows of the latest deep zooms


def spark_column_types(schema: Any) -> dict[str, str]:
    from pyspark.sql import types as t

    out = {}
    for field in schema.fields:
        dt = field.dataType
        if isinstance(dt, t.NumericType):
            out[field.name] = "numeric"
        elif isinstance(dt, (t.StringType, t.BooleanType)):
            out[field.name] = "category"
        else:
            out[field.name] = "other"
    return out


def engine_errors() -> tuple[type[BaseException], ...]:
    from ._session import spark_errors

    return spark_errors()


def run_spark(what: str, action: Any, session: Any, name: str) -> Any:
    """Run a Spark action, its jobs called `name`; Java-laden errors become one short
    message."""
    try:
        with spark_job(session, name):
            return action()
    except engine_errors() as exc:
        raise LazyscopeError(f"Spark could not {what}: {short_engine_message(exc, 3)}") from None


def _double(f: Any, name: str) -> Any:
    """The column as a double, NaN turned into null (Spark sorts NaN above every number)."""
    col = f.col(name).cast("double")
    return f.when(~f.isnan(col), col)


class SparkBackend:
    engine = "spark"

    def __init__(self, df: Any, spec: Spec, work: Work = PLOT) -> None:
        from ._plot_line import time_type

        schema = df.schema  # analysed schema: no job
        self.column_types = spark_column_types(schema)
        x_type = schema[spec.x].dataType if spec.x in schema.names else None
        self.x_time = time_type(x_type) if spec.kind == "line" else None  # Spark's type name
        check_line_schema(self.column_types, spec, self.time_x)
        self.df, self.spec, self.session, self.work = df, spec, df.sparkSession, work
        self.pyramids: list[Pyramid] = []
        self.jobs = 0  # Spark jobs run for grids (tests check pyramid zooms run none)
        local_imports()  # shading and widget imports overlap the Spark jobs

    @property
    def time_x(self) -> bool:
        """x is a time, binned as nanoseconds since the epoch."""
        return self.x_time is not None

    @property
    def categories(self) -> tuple[Any, ...]:
        if self.spec.by is None:
            return ()
        f = functions_for(self.df)
        by = self.spec.by

        def scan() -> tuple[Any, ...]:
            query = (
                self.df.select(by).where(f.col(by).isNotNull()).distinct().limit(MAX_CATEGORIES + 1)
            )
            name = self.work.name(f"categories of {by}")
            rows = run_spark("list the categories", query.collect, self.session, name)
            float_by = self.df.schema[by].dataType.typeName() in ("double", "float")
            return check_categories(self.spec, [r[0] for r in rows], float_by)

        return per_object(self.df, ("categories", by), scan)

    def extent(self) -> tuple[Range, Range]:
        from ._plot_line import x_number

        f = functions_for(self.df)
        x, y = x_number(f, self.spec.x, self.x_time), _double(f, self.spec.y)

        def scan() -> tuple[Range, Range]:
            query = self.df.agg(f.count(f.lit(1)), f.min(x), f.max(x), f.min(y), f.max(y))
            name = self.work.name("x/y ranges")
            row = run_spark("find the data range", query.collect, self.session, name)[0]
            return finish_extent(self.spec, int(row[0]), list(row[1:]))

        return per_object(self.df, ("extent", self.spec.x, self.spec.y), scan)

    def aggregate(self, view: View, token: Token) -> xr.DataArray:
        if self.spec.kind == "line":  # one job per window: no pyramid (see _plot_line)
            from ._plot_line import line_dataset, line_table

            name = self.work.name(f"{view.width}-column line")
            table = self._job(lambda tag: line_table(self, view, tag, token), token, name)
            agg: xr.DataArray = line_dataset(self, table, view)
            return agg
        served, source = None, "spark pyramid"
        for pyramid in self.pyramids:  # the most recently used first
            served = pyramid.serve(view)
            if served is not None:
                self.pyramids.remove(pyramid)
                self.pyramids.insert(0, pyramid)
                break
        if served is None:  # a job aggregates this window finer, kept for the next zooms
            state_count = len(_partials.STATES[self.spec.agg])
            levels = levels_for(view, len(self.categories), state_count)
            finest = self._grid(scaled(view, levels), token, view)
            pyramid = Pyramid(self.spec.agg, view, levels, finest)
            self.pyramids = [pyramid, *self.pyramids[: _PYRAMIDS - 1]]
            served, source = pyramid.serve(view), "spark job"
        assert served is not None  # a pyramid always serves its own home view
        window, states = served
        values = finalize(self.spec.agg, states)
        return to_dataarray(values, window, self.spec, self.categories, self.engine, source)

    def inspect(self, pixel: Pixel, rows: int, token: Token) -> Any:
        """The rows under a pixel: a filtered limit query, one small job (`_plot_inspect`)."""
        from ._plot_inspect import inspect_rows

        name = self.work.name("rows under a pixel")
        fetch = lambda: inspect_rows(self, pixel, rows, token)  # noqa: E731
        try:
            return run_spark("fetch the rows under the pixel", fetch, self.session, name)
        except LazyscopeError:
            if token.cancelled:  # a newer click interrupted it on purpose
                raise SupersededError from None
            raise

    def _grid(self, view: View, token: Token, shown: View) -> States:
        """One Spark job: the states of every pixel of `view`. It is named after the grid
        the user sees (`shown`); `view` is that at 2^levels."""
        from ._plot_job import grid_states

        name = self.work.name(f"{shown.width}\u00d7{shown.height} grid")
        states: States = self._job(lambda tag: grid_states(self, view, tag, token), token, name)
        return states

    def _job(self, action: Any, token: Token, name: str) -> Any:
        """action(tag): one Spark job called `name`, its jobs tagged so `token` stops them."""
        tag = f"lazyscope-plot-{uuid.uuid4().hex[:12]}"
        self.jobs += 1
        try:
            return run_spark("aggregate the plot", lambda: action(tag), self.session, name)
        except LazyscopeError:
            if token.cancelled:  # the job was interrupted on purpose, not a failure
                raise SupersededError from None
            raise
