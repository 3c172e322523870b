"""pandas back-end of a bar chart: the per-category states by one groupby in the kernel."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lazyscope.grids._bar import bar_dataset, check_bar_schema
from lazyscope.grids._bar_states import FIELDS, measured, partial
from lazyscope.grids._frames import column_types
from lazyscope.grids._spec import Range, Spec, View

if TYPE_CHECKING:
    from lazyscope.grids._bar_pick import BarPick
    from lazyscope.grids._requests import Token

__all__ = ["PandasBars"]


class PandasBars:
    engine = "pandas"
    categories: tuple[Any, ...] = ()  # no by= for bars

    def __init__(self, df: Any, spec: Spec) -> None:
        check_bar_schema(column_types(dict(df.dtypes)), spec)
        self.spec, self.df = spec, df

    def extent(self) -> tuple[Range, Range]:
        """A bar chart's axes come from its bars (`aggregate`); there is no data extent."""
        return (-0.5, 0.5), (0.0, 1.0)

    def aggregate(self, view: View, token: Token) -> Any:
        token.check()
        spec = self.spec
        values = None
        if spec.value is not None:
            values = measured(self.df[spec.value], spec.agg == "count")
        table = partial(self.df[spec.x], values)
        states = {name: table[name].to_numpy() for name in FIELDS}
        return bar_dataset(table["key"].tolist(), states, spec, view, self.engine, "pandas groupby")

    def inspect(self, pick: BarPick, rows: int, token: Token) -> Any:
        """The first `rows` rows of a bar, every column."""
        token.check()
        return self.df[pick.mask(self.df[self.spec.x])].head(rows)
