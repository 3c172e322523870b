"""What every plot back-end offers, whichever engine holds the data.

A back-end knows one engine: it reads the schema without running anything, finds the data
extent in one cached pass when the caller gave no ranges, and aggregates a `View` into an
`xarray.DataArray` - inside the engine, never by pulling rows. The engine packages build
theirs (`EnginePackage.plot_backend`); pandas' lives in `lazyscope.plotting`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from ._spec import Range, Spec, View

if TYPE_CHECKING:
    import xarray as xr

    from ._requests import Token

__all__ = ["Backend"]


class Backend(Protocol):
    engine: str  # "pandas" or the NAME of the engine package that built it
    spec: Spec

    @property
    def categories(self) -> tuple[Any, ...]:
        """Values of spec.by in legend order (may cost one pass); () without by."""
        ...

    def extent(self) -> tuple[Range, Range]:
        """Full data ranges of x and y: one pass over the data, cached."""
        ...

    def aggregate(self, view: View, token: Token) -> xr.DataArray:
        """Every point of `view` reduced into its pixel grid; dims (y, x[, by]). For
        spec.kind "line" an xarray.Dataset of per-column M4 states instead (`_line`)."""
        ...
