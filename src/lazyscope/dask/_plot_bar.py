"""The one Dask computation behind a bar chart: each partition's per-category states
(`grids._bar_states`: one pandas groupby where the partition lives), merged in a tree on
the workers; one table of states per category reaches the kernel, which ranks the top N
and folds the rest into "other" (`grids._bar`).

The closures and `_bar_states` are shipped by value: workers need numpy and pandas, not
lazyscope (nor Datashader).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from lazyscope.grids import _bar_pick, _bar_states
from lazyscope.grids._bar import bar_dataset, check_bar_schema
from lazyscope.grids._frames import column_types
from lazyscope.grids._spec import Range, Spec, View
from lazyscope.grids._work import PLOT, Work

from ._plot import _cancellable, _client
from ._plot_tasks import per_partition, tree

if TYPE_CHECKING:
    from lazyscope.grids._bar_pick import BarPick
    from lazyscope.grids._requests import Token

__all__ = ["DaskBars"]


def _partition_states(spec: Spec) -> Callable[[Any], Any]:
    x, value, counted_only = spec.x, spec.value, spec.agg == "count"

    def states(part: Any) -> Any:
        values = None if value is None else _bar_states.measured(part[value], counted_only)
        return _bar_states.partial(part[x], values)

    return states


def _merger() -> Callable[..., Any]:
    """The tree's merge, as a closure: cloudpickle ships closures by value, where a
    module-level function would be pickled by reference (workers importing lazyscope)."""

    def merged(*tables: Any) -> Any:
        return _bar_states.merge(*tables)

    return merged


class DaskBars:
    engine = "dask"
    categories: tuple[Any, ...] = ()  # no by= for bars

    def __init__(self, ddf: Any, spec: Spec, work: Work = PLOT) -> None:
        check_bar_schema(column_types(dict(ddf.dtypes)), spec)
        self.spec, self.work, self.client = spec, work, _client()
        self.source, self.frame = ddf, ddf[spec.columns]

    def extent(self) -> tuple[Range, Range]:
        """A bar chart's axes come from its bars (`aggregate`); there is no data extent."""
        return (-0.5, 0.5), (0.0, 1.0)

    def aggregate(self, view: View, token: Token) -> Any:
        """One graph: a groupby per partition, a tree of merges, one table back."""
        import cloudpickle  # type: ignore[import-untyped]  # no type information shipped
        import dask

        token.check()
        spec = self.spec
        name = self.work.name(f"bars of {spec.x}")
        cloudpickle.register_pickle_by_value(_bar_states)  # workers need not have lazyscope
        level = per_partition(_partition_states(spec), self.frame, name, "bar", spec)
        with _cancellable(self.client, token):
            (table,) = dask.compute(tree(level, _merger(), name))
        states = {field: table[field].to_numpy() for field in _bar_states.FIELDS}
        keys = table["key"].tolist()
        return bar_dataset(keys, states, spec, view, self.engine, "pandas on dask partitions")

    def inspect(self, pick: BarPick, rows: int, token: Token) -> Any:
        """The first `rows` rows of a bar, every column: each partition's task keeps at
        most that many of its own, so no partition moves to the kernel."""
        import cloudpickle
        import dask
        import pandas as pd

        token.check()
        x, keys, inside = self.spec.x, pick.keys, pick.inside

        def head(part: Any) -> Any:
            return part[_bar_pick.mask(part[x], keys, inside)].head(rows)

        cloudpickle.register_pickle_by_value(_bar_pick)  # workers need not have lazyscope
        name = self.work.name("rows of a bar")
        with _cancellable(self.client, token):
            (heads,) = dask.compute(per_partition(head, self.source, name, x, keys, inside, rows))
        found = [h for h in heads if len(h)]
        return pd.concat(found).head(rows) if found else self.source._meta.copy()
