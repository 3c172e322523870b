"""Inspecting a bar chart: a bar's name, its position or a click on it gives its value and
its first rows, exactly rows of its category as a pandas filter finds them; "other" holds
the rows of none of the drawn categories, a missing x among them unless "(null)" is drawn;
bad input is one short sentence. tests/test_plot_bar_engines.py checks Dask's and Spark's
rows with the same helpers."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pandas as pd
import pytest

import lazyscope
from lazyscope._errors import LazyscopeError
from tests._mathsafe import root_classes
from tests.test_plot_bar import frame

# A missing x and three categories: "(null)" drawn with top=3, folded into "other" with 1.
MISSING = pd.DataFrame({"k": ["a", "a", "a", "b", "b", None], "v": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]})


def _bar_names(df: pd.DataFrame, x: str) -> pd.Series:
    """The bar each row is counted in, by name, before top N: its x as text, or "(null)"."""
    keys = df[x].astype(object)
    return keys.map(str).where(keys.notna(), "(null)")


def _tuples(rows: pd.DataFrame) -> list[tuple[Any, ...]]:
    """Rows as plain tuples, missing values as None (engines differ in NaN and None)."""
    plain = rows.astype(object).where(rows.notna(), None)
    return list(plain.itertuples(index=False, name=None))


def check_inspect(p: Any, df: pd.DataFrame, x: str, rows: int = 5, every: bool = True) -> None:
    """Each bar inspected by name (or the first two and the last): its count and rows are
    those of its category in `df` (of no drawn category for "other"), every column, at most
    `rows` of them."""
    agg = p.aggregate
    names = [str(n) for n in agg[agg["value"].dims[0]].values]
    drawn = names[:-1] if agg.attrs["other"] else names
    bar = _bar_names(df, x)
    picked = range(len(names)) if every else sorted({0, 1, len(names) - 1} & {*range(len(names))})
    for i in picked:
        name = names[i]
        found = p.inspect(name, rows=rows)
        mine = df[bar == name] if name in drawn else df[~bar.isin(drawn)]
        assert found.count == len(mine) == agg["rows"].values[i], name
        assert list(found.rows.columns) == list(df.columns)
        assert len(found.rows) == min(rows, len(mine)), name
        assert set(_tuples(found.rows)) <= set(_tuples(mine)), name
        assert found.message.startswith(f"{x} = {name}: ")


def check_missing_x(make: Callable[[pd.DataFrame], Any]) -> None:
    """A missing x is in the "(null)" bar when it is drawn, else in "other"."""
    data = make(MISSING)
    drawn = lazyscope.plot(data, "k", kind="bar", top=3)
    assert drawn.inspect("(null)").rows.v.tolist() == [6.0]
    assert sorted(drawn.inspect("a").rows.v) == [1.0, 2.0, 3.0]
    folded = lazyscope.plot(data, "k", kind="bar", top=1)
    assert sorted(folded.inspect("other (2)").rows.v) == [4.0, 5.0, 6.0]
    assert sorted(folded.inspect(0.3).rows.v) == [1.0, 2.0, 3.0]  # a position: the nearest bar


def test_each_bar_holds_the_rows_of_its_category() -> None:
    df = frame(seed=41)
    check_inspect(lazyscope.plot(df, "k", kind="bar", top=10), df, "k")
    mean = lazyscope.plot(df, "n", "v", kind="bar", agg="mean", top=4)
    check_inspect(mean, df, "n", rows=3)
    found = mean.inspect(str(mean.aggregate["n"].values[0]))
    assert found.values == {"mean of v": float(mean.aggregate["value"].values[0])}
    assert "(mean of v " in found.message


def test_a_missing_x_is_in_the_null_bar_or_in_other() -> None:
    check_missing_x(lambda df: df)


@pytest.mark.parametrize(
    ("x", "message"),
    [
        ("nope", "No bar is called 'nope'. The bars: 'a', '(null)'."),
        (2.0, "x=2.0 is beside the bars: they stand at 0 to 1, or give a bar's name."),
        (None, "A bar is picked by its name or its position on the axis, not None."),
        (True, "A bar is picked by its name or its position on the axis, not True."),
    ],
)
def test_a_bar_that_is_not_there_is_one_sentence(x: Any, message: str) -> None:
    p = lazyscope.plot(MISSING[MISSING.k != "b"], "k", kind="bar")  # "a" and "(null)"
    with pytest.raises(LazyscopeError) as err:
        p.inspect(x)
    assert str(err.value) == message


def test_a_click_on_a_bar_shows_its_rows_under_the_chart_escaped() -> None:
    from bokeh.events import Tap

    df = pd.DataFrame({"k": ["<b>$5</b>", "<b>$5</b>", "plain"], "v": [1.0, 2.0, 3.0]})
    p = lazyscope.plot(df, "k", kind="bar")
    box = p.widget.children[-1]
    assert box.value == ""  # nothing until a click
    fig = p.figure.fig
    fig._trigger_event(Tap(fig, x=0.2, y=0.5))  # in the first bar's slot
    deadline = time.monotonic() + 10
    while "<table" not in box.value and time.monotonic() < deadline:
        time.sleep(0.02)
    html = box.value
    assert "k = &lt;b&gt;$5&lt;/b&gt;: 2 rows" in html
    assert "<b>" not in html
    assert {"tex2jax_ignore", "mathjax_ignore"} <= root_classes(html)
    clicked = p.inspected
    assert clicked is not None
    assert clicked.rows.v.tolist() == [1.0, 2.0]
    fig._trigger_event(Tap(fig, x=5.0, y=0.5))  # beside the bars: a short error
    deadline = time.monotonic() + 10
    while "beside" not in box.value and time.monotonic() < deadline:
        time.sleep(0.02)
    assert "Inspect failed: x=5.0 is beside the bars" in box.value
