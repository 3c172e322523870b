"""Dask back-end: Datashader on each partition of the Dask DataFrame, always with explicit
ranges (see `_plot_grid`).

The partitions (persisted ones included) are aggregated where they live; only grids travel
to the kernel. Unknown ranges and categories cost one cached pass. In the worker thread
that serves a plot request, the distributed Client is wrapped so the request's futures can
be cancelled when a newer request arrives.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from lazyscope.grids._frames import check_categories, column_types, per_object
from lazyscope.grids._line import check_line_schema, time_ns, to_dataset
from lazyscope.grids._requests import SupersededError, Token
from lazyscope.grids._spec import Range, Spec, View, finish_extent
from lazyscope.grids._states import finalize, to_dataarray
from lazyscope.grids._work import PLOT, Work

from . import _plot_warm
from ._plot_grid import dask_states
from ._plot_line import line_states
from ._plot_scan import scan_partitions

if TYPE_CHECKING:
    import xarray as xr

    from lazyscope.grids._inspect import Pixel

__all__ = ["DaskBackend"]


def _client() -> Any:
    try:
        from distributed import default_client

        return default_client()
    except (ImportError, ValueError):  # no distributed Client: Dask's local scheduler
        return None


class DaskBackend:
    engine = "dask"

    def __init__(self, ddf: Any, spec: Spec, work: Work = PLOT) -> None:
        self.time_x = spec.kind == "line" and ddf[spec.x].dtype.kind == "M"
        check_line_schema(column_types(dict(ddf.dtypes)), spec, self.time_x)
        self.spec, self.source, self.client, self.work = spec, ddf, _client(), work
        numeric = [
            c
            for c in spec.columns
            if c != spec.by and ddf[c].dtype.kind not in "iuf" and not (self.time_x and c == spec.x)
        ]
        self.frame = ddf[spec.columns]
        if numeric:  # nullable (extension) numbers: Datashader's kernels need numpy floats
            self.frame = self.frame.astype(dict.fromkeys(numeric, "float64"))
        if self.time_x:  # binned as nanoseconds, as in every engine
            self.frame = self.frame.assign(**{spec.x: time_ns(self.frame[spec.x])})
        self._categories: tuple[Any, ...] | None = None if spec.by else ()
        points = spec.kind == "points"  # a line runs numpy only: no Datashader to warm
        if self.client is not None and points:  # first use: Datashader's import and JIT
            _plot_warm.check_workers(self.client)
            _plot_warm.import_on_workers(self.client)
            if spec.by is None:
                _plot_warm.dask_jit(self.client, self.frame, spec)

    @property
    def categories(self) -> tuple[Any, ...]:
        if self._categories is None:
            self._scan(need_extent=False)
        return self._categories or ()

    def extent(self) -> tuple[Range, Range]:
        extent: tuple[Range, Range] | None = self._scan(need_extent=True)
        assert extent is not None  # _scan(need_extent=True) always returns one
        return extent

    def _scan(self, need_extent: bool) -> tuple[Range, Range] | None:
        """One pass for whatever is unknown: row count and min/max of x and y, categories.
        The extent pass also keeps each partition's bounding box: zooms skip the partitions
        that hold no point of the window (data sorted or partitioned by x or y)."""
        spec, frame = self.spec, self.frame
        key = ("extent", spec.x, spec.y)
        cached = self._cached()
        extent = need_extent and key not in cached
        by = None
        if self._categories is None and spec.by is not None:
            col = frame[spec.by]
            known = getattr(col.dtype, "categories", None)
            if known is not None and getattr(col.cat, "known", False):
                self._categories = check_categories(spec, list(known), False)
            else:
                by = spec.by
        if extent or by is not None:
            bounds, values = scan_partitions(frame, spec, self.work, extent, by)
            if bounds is not None:  # one row per partition; pandas' min/max skip NaN
                low_high = [bounds.x0.min(), bounds.x1.max(), bounds.y0.min(), bounds.y1.max()]
                cached[key] = finish_extent(spec, int(bounds.rows.sum()), low_high)
                cached[("boxes", spec.x, spec.y)] = bounds[["x0", "x1", "y0", "y1"]].to_numpy()
            if by is not None:
                float_by = frame[by].dtype.kind == "f"
                self._categories = check_categories(spec, values, float_by)
                if self.client is not None and spec.kind == "points":
                    _plot_warm.dask_jit(self.client, self._prepared(), spec)
        return cached.get(key) if need_extent else None

    def _cached(self) -> dict[Any, Any]:
        """What the passes found about this DataFrame (it lives as long as the frame)."""
        cached: dict[Any, Any] = per_object(self.source, ("cache",), dict)
        return cached

    def _prepared(self) -> Any:
        """The frame as each partition reaches Datashader (`_plot_grid` recodes `by` to the
        plot's categories there): the warm-up compiles for these dtypes. Metadata only."""
        if not self.spec.by:
            return self.frame
        import pandas as pd

        # Through object: astype between categoricals holding the same values is a no-op.
        dtype = pd.CategoricalDtype(list(self.categories))
        by = self.frame[self.spec.by].astype(object).astype(dtype)
        return self.frame.assign(**{self.spec.by: by})

    def aggregate(self, view: View, token: Token) -> xr.DataArray:
        if self.spec.kind == "line":
            return self._line(view, token)
        if self.client is not None:
            _plot_warm.dask_jit(self.client, self._prepared(), self.spec)  # no-op after the first
        token.check()
        boxes = self._cached().get(("boxes", self.spec.x, self.spec.y))
        name = self.work.name(f"{view.width}\u00d7{view.height} grid")
        with _cancellable(self.client, token):
            states = dask_states(self.frame, self.spec, view, self.categories, name, boxes)
        values = finalize(self.spec.agg, states)
        source = "datashader on dask partitions"
        return to_dataarray(values, view, self.spec, self.categories, self.engine, source)

    def inspect(self, pixel: Pixel, rows: int, token: Token) -> Any:
        """The rows under a pixel, from the partitions that can hold them (`_plot_inspect`)."""
        from ._plot_inspect import inspect_rows

        token.check()
        with _cancellable(self.client, token):
            return inspect_rows(self, pixel, rows, self.work.name("rows under a pixel"))

    def _line(self, view: View, token: Token) -> Any:
        token.check()
        boxes = self._cached().get(("boxes", self.spec.x, self.spec.y))
        name = self.work.name(f"{view.width}-column line")
        with _cancellable(self.client, token):
            states = line_states(self.frame, self.spec, view, self.categories, name, boxes)
        source, cats = "numpy on dask partitions", self.categories
        return to_dataset(states, view, self.spec, cats, self.engine, source, self.time_x)


class _TrackingClient:
    """The user's Client as Dask's scheduler lookup sees it in a plot request's thread: the
    same, except that each computation's futures are handed to the request's token."""

    def __init__(self, client: Any, token: Token) -> None:
        self._client, self._token = client, token

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def get(self, dsk: Any, keys: Any, **kwargs: Any) -> Any:
        from distributed import futures_of

        kwargs["sync"] = False
        packed = self._client.get(dsk, keys, **kwargs)
        futures, cancel = futures_of(packed), self._client.cancel
        self._token.on_cancel(lambda: cancel(futures))
        try:
            return self._client.gather(packed)
        except Exception:
            if self._token.cancelled:
                raise SupersededError from None
            raise
        finally:  # the token outlives the request: it must not keep results on the cluster
            futures.clear()
            del packed


@contextlib.contextmanager
def _cancellable(client: Any, token: Token) -> Iterator[None]:
    if client is None:
        yield
        return
    from distributed import Client

    # `as_current` sets a context variable (so: this thread only) that Dask's scheduler
    # lookup reads; only this request's computations go through the tracking wrapper.
    with Client.as_current(_TrackingClient(client, token)):
        yield
