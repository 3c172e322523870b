"""`Histogram`: what `lazyscope.hist` returns - exact counts, shown as a Bokeh bar chart with
a hover readout, with a static SVG and a text table for saved notebooks."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from typing import Any

import numpy as np

__all__ = ["Histogram"]

_W, _H, _PAD = 480, 180, 4


@dataclass
class Histogram:
    column: str
    counts: np.ndarray
    edges: np.ndarray
    engine: str

    @property
    def total(self) -> int:
        return int(self.counts.sum())

    def to_pandas(self) -> Any:
        import pandas as pd

        return pd.DataFrame(
            {"left": self.edges[:-1], "right": self.edges[1:], "count": self.counts}
        )

    def figure(self) -> Any:
        from bokeh.models import HoverTool
        from bokeh.plotting import figure

        fig = figure(
            width=_W + 120,
            height=_H + 80,
            tools="xpan,xwheel_zoom,reset",
            toolbar_location="above",
            title=f"{self.column}: {self.total:,} values ({self.engine})",
            x_axis_label=self.column,
            y_axis_label="count",
        )
        bars = fig.quad(
            left=self.edges[:-1],
            right=self.edges[1:],
            bottom=0,
            top=self.counts,
            fill_color="#4c78a8",
            line_color="white",
        )
        fig.add_tools(
            HoverTool(
                renderers=[bars],
                tooltips=[("bin", "@left{%.6g} .. @right{%.6g}"), ("count", "@top")],
                formatters={"@left": "printf", "@right": "printf"},
            )
        )
        return fig

    def _svg(self) -> str:
        top = max(int(self.counts.max()), 1) if self.counts.size else 1
        n = len(self.counts)
        bars = "".join(
            f'<rect x="{_PAD + i * _W / n:.2f}" y="{_PAD + _H * (1 - c / top):.2f}" '
            f'width="{max(_W / n - 0.5, 0.5):.2f}" height="{_H * c / top:.2f}" fill="#4c78a8"/>'
            for i, c in enumerate(self.counts.tolist())
        )
        lo, hi = float(self.edges[0]), float(self.edges[-1])
        labels = (
            f'<text x="{_PAD}" y="{_H + 20}" font-size="11">{lo:.6g}</text>'
            f'<text x="{_W + _PAD}" y="{_H + 20}" font-size="11" text-anchor="end">{hi:.6g}</text>'
            f'<text x="{_W / 2 + _PAD}" y="{_H + 20}" font-size="11" text-anchor="middle">'
            f"{escape(self.column)} (max count {top:,})</text>"
        )
        return (
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{_W + 2 * _PAD}" height="{_H + 26}">'
            f"{bars}{labels}</svg>"
        )

    def __repr__(self) -> str:
        rows = [
            f"{a:>12.6g} .. {b:<12.6g} {c:>12,}"
            for a, b, c in zip(self.edges[:-1], self.edges[1:], self.counts.tolist(), strict=True)
        ]
        shown = rows if len(rows) <= 20 else [*rows[:10], "...", *rows[-10:]]
        return "\n".join(
            [f"histogram of {self.column} ({self.engine}): {self.total:,} values", *shown]
        )

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        from jupyter_bokeh import BokehModel

        from ._display import load_bokehjs

        load_bokehjs()
        bundle: dict[str, Any] = dict(BokehModel(self.figure())._repr_mimebundle_() or {})
        bundle["image/svg+xml"] = self._svg()
        bundle["text/plain"] = repr(self)
        return bundle
