"""The plot back-end and the histogram of a DataFrame, from the engine package that holds it.

An engine's comes from its package (`lazyscope.engines.packages()`); a pandas DataFrame is
aggregated here, in process.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from lazyscope._errors import LazyscopeError
from lazyscope.engines import packages
from lazyscope.grids._backend import Backend
from lazyscope.grids._spec import Range, Spec
from lazyscope.grids._work import Work

if TYPE_CHECKING:
    import numpy as np

    from lazyscope._sessions import EnginePackage

__all__ = ["Backend", "engine_of", "histogram", "open_backend"]


def _package(df: object) -> EnginePackage | None:
    for package in packages():
        if package.plots(df):
            return package
    if _is_pandas(df):
        return None
    titles = [package.TITLES[package.NAME] for package in packages()]
    raise LazyscopeError(
        f"lazyscope.plot takes a {', '.join(titles)} or pandas DataFrame, not {type(df).__name__}."
    )


def _is_pandas(df: object) -> bool:
    pandas = sys.modules.get("pandas")  # not imported: df cannot be a pandas DataFrame
    return pandas is not None and isinstance(df, pandas.DataFrame)


def engine_of(df: object) -> str:
    """ "pandas" or an engine's NAME - judged without importing an engine that is not loaded."""
    package = _package(df)
    return "pandas" if package is None else package.NAME


def open_backend(df: object, spec: Spec, work: Work) -> Backend:
    """The back-end for df's engine; `work` names the engine work it runs."""
    package = _package(df)
    if package is not None:
        return package.plot_backend(df, spec, work)
    if spec.kind == "bar":
        from ._bar_pandas import PandasBars

        return PandasBars(df, spec)
    from ._pandas import PandasBackend

    return PandasBackend(df, spec)


def histogram(
    df: object, column: str, bins: int, value_range: Range | None, work: Work
) -> tuple[np.ndarray, np.ndarray]:
    """Exact counts and edges (numpy.histogram's convention), computed by the engine."""
    package = _package(df)
    if package is not None:
        return package.histogram(df, column, bins, value_range, work)
    from ._pandas import pandas_histogram

    return pandas_histogram(df, column, bins, value_range)
