"""One interface over the aggregation back-ends, and the choice of back-end for a DataFrame.

A back-end knows one engine: it reads the schema without running anything, finds the data
extent in one cached pass when the caller gave no ranges, aggregates a `View` into an
`xarray.DataArray`, and counts a histogram - all inside the engine, never by pulling rows.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any, Protocol

from lazyscope._errors import LazyscopeError

from ._spec import Range, Spec, View
from ._work import Work

if TYPE_CHECKING:
    import numpy as np
    import xarray as xr

    from ._requests import Token

__all__ = ["Backend", "engine_of", "open_backend"]


class Backend(Protocol):
    engine: str  # "pandas" | "dask" | "spark"
    spec: Spec

    @property
    def categories(self) -> tuple[Any, ...]:
        """Values of spec.by in legend order (may cost one pass); () without by."""
        ...

    def extent(self) -> tuple[Range, Range]:
        """Full data ranges of x and y: one pass over the data, cached."""
        ...

    def aggregate(self, view: View, token: Token) -> xr.DataArray:
        """Every point of `view` reduced into its pixel grid; dims (y, x[, by])."""
        ...


def engine_of(df: object) -> str:
    """ "pandas", "dask" or "spark" - judged without importing an engine that is not loaded."""
    spark_sql = sys.modules.get("pyspark.sql")
    if spark_sql is not None and isinstance(df, spark_sql.DataFrame):
        return "spark"
    dask_df = sys.modules.get("dask.dataframe")
    if dask_df is not None and isinstance(df, dask_df.DataFrame):
        return "dask"
    pandas = sys.modules.get("pandas")
    if pandas is not None and isinstance(df, pandas.DataFrame):
        return "pandas"
    raise LazyscopeError(
        f"lazyscope.plot takes a Spark, Dask or pandas DataFrame, not {type(df).__name__}."
    )


def open_backend(df: object, spec: Spec, work: Work) -> Backend:
    """The back-end for df's engine; `work` names the engine work it runs."""
    engine = engine_of(df)
    if engine == "spark":
        from ._spark import SparkBackend

        return SparkBackend(df, spec, work)
    if engine == "dask":
        from ._dask import DaskBackend

        return DaskBackend(df, spec, work)
    from ._pandas import PandasBackend

    return PandasBackend(df, spec)


def histogram(
    df: object, column: str, bins: int, value_range: Range | None, work: Work
) -> tuple[np.ndarray, np.ndarray]:
    """Exact counts and edges (numpy.histogram's convention), computed by the engine."""
    engine = engine_of(df)
    if engine == "spark":
        from ._spark_hist import spark_histogram

        return spark_histogram(df, column, bins, value_range, work)
    if engine == "dask":
        from ._dask_hist import dask_histogram

        return dask_histogram(df, column, bins, value_range, work)
    from ._pandas import pandas_histogram

    return pandas_histogram(df, column, bins, value_range)
