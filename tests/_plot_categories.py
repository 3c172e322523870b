"""Plots by category: seeded frames whose categories are out of sorted order, integers, or
missing from some partitions, and the check that a plot labels and colours each as its rows
say."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

__all__ = ["CATEGORY_CASES", "categories_frame", "check_categories", "plain"]


# Categories of `by` whose order is not the sorted one, or whose values are integers (sorted
# as numbers, not as text), or that are missing from some partitions (rows sorted by kind).
CATEGORY_CASES = {
    "unsorted": ["district", "background", "stadium"],
    "integers": [10, 2, 7],
    "in some partitions": ["b", "c", "a"],
}
# The window every category plot is drawn in: all three strips of x, all of y.
_WINDOW = {"x_range": (0.0, 6.0), "y_range": (-4.0, 4.0), "width": 36, "height": 24}


def categories_frame(case: str, n: int = 3000, seed: int = 5) -> pd.DataFrame:
    """x, y and `kind`: each category in its own strip of x (category i at 2i..2i+1), with
    unequal counts, so a grid with swapped labels or colours is wrong in every cell.
    `kind` is a categorical in the case's own category order."""
    values = CATEGORY_CASES[case]
    rng = np.random.default_rng(seed)
    index = rng.choice(len(values), n, p=[0.6, 0.3, 0.1])
    if case == "in some partitions":
        index = np.sort(index)  # 4 partitions: none holds all three categories
    df = pd.DataFrame(
        {"x": 2.0 * index + rng.random(n), "y": np.clip(rng.normal(size=n), -3.9, 3.9)}
    )
    df["kind"] = pd.Categorical(np.asarray(values)[index], categories=values)
    return df


def plain(df: pd.DataFrame) -> pd.DataFrame:
    """`kind` as plain values (strings or integers): what Spark and unknown categories hold."""
    return df.assign(kind=np.asarray(df["kind"]))


def check_categories(frame: Any, df: pd.DataFrame) -> None:
    """What the user sees of `frame` (df's rows on any engine) plotted by `kind` agrees
    with the rows: each category's layer of `.aggregate` is the grid of that category's
    rows alone (so also its count equals groupby(kind).size()), and in the drawn figure
    each category's pixels have the colour its legend entry shows."""
    import lazyscope

    plot = lazyscope.plot(frame, "x", "y", by="kind", **_WINDOW)
    agg = plot.aggregate
    sizes = df.groupby("kind", observed=True).size()
    shown = {_plain_value(k): int(agg.sel(kind=k).sum()) for k in agg.kind.values}
    assert shown == {k: int(v) for k, v in sizes.items()}
    for label in sizes.index:
        alone = lazyscope.plot(df[df["kind"] == label], "x", "y", **_WINDOW).aggregate
        np.testing.assert_array_equal(agg.sel(kind=label).values, alone.values, err_msg=str(label))
    legend = _legend(plot.figure.fig)
    assert list(legend) == [str(k) for k in sorted(sizes.index, key=lambda v: (str(type(v)), v))]
    rgba = plot.figure.source.data["rgba"][0].view(np.uint8).reshape(*agg.shape[:2], 4)
    for label in sizes.index:
        drawn = rgba[agg.sel(kind=label).values > 0][:, :3]
        assert len(drawn), label
        colours = {"#" + bytes(px.astype(np.uint8)).hex() for px in drawn}
        assert colours == {legend[str(label)]}, (label, colours, legend)


def _plain_value(v: Any) -> Any:
    return v.item() if isinstance(v, np.generic) else v


def _legend(fig: Any) -> dict[str, str]:
    """The legend's entries in order: label -> swatch colour (#rrggbb)."""
    from bokeh.models import Legend

    (legend,) = [r for r in fig.right if isinstance(r, Legend)]
    return {
        item.label.value: str(item.renderers[0].glyph.fill_color).lower() for item in legend.items
    }
