"""What a line plot takes and shows besides its picture: its colours, datetimes given as
ranges (a time x is held as nanoseconds since the epoch), and dates on a still's ticks."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["LINE_COLOR", "as_numbers", "line_colors", "time_text"]

LINE_COLOR = "#1f77b4"  # one series: a plain blue line, as most plotting libraries draw it


def line_colors(cmap: str | Sequence[str]) -> list[str]:
    """A line's colour: one colour (a name or hex), a palette name, or a list of colours."""
    from datashader.colors import rgb

    from ._shade import palette

    if isinstance(cmap, str):
        try:
            rgb(cmap)
        except (ValueError, KeyError):
            return palette(cmap)
        return [cmap]
    return [str(c) for c in cmap] or [LINE_COLOR]


def as_numbers(pair: Any) -> Any:
    """A (low, high) pair whose datetimes are nanoseconds since the epoch (a time x's unit);
    anything else is left for `check_range` to judge."""
    if not isinstance(pair, (tuple, list)) or len(pair) != 2:
        return pair
    return tuple(_number(v) for v in pair)


def _number(value: Any) -> Any:
    if isinstance(value, (datetime.date, np.datetime64)):
        import pandas as pd

        stamp = pd.Timestamp(value)
        if stamp.tz is not None:
            stamp = stamp.tz_convert("UTC").tz_localize(None)
        return float(stamp.as_unit("ns").value)
    return value


def time_text(ns: float) -> str:
    """A tick of a time axis (nanoseconds since the epoch) as a date, to the second."""
    return str(np.datetime64(round(ns), "ns").astype("datetime64[s]")).replace("T", " ")
