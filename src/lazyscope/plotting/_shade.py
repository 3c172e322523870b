"""Colours: Datashader shading of a grid, the PNG of it, and colour-bar ticks that match.

The colour bar runs over the shade's own 0..1 scale (so it is right for every `how`, eq_hist
included) and is labelled with the aggregate values found at those positions.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

import numpy as np

from lazyscope._errors import LazyscopeError
from lazyscope.grids._spec import HOWS

__all__ = [
    "ColorTable",
    "category_colors",
    "colorbar_labels",
    "palette",
    "png",
    "shade",
    "values_of",
]

TICKS = (0.0, 0.25, 0.5, 0.75, 1.0)


def palette(cmap: str | Sequence[str]) -> list[str]:
    """A colour list from a colorcet or Bokeh palette name, or the colours themselves."""
    if not isinstance(cmap, str):
        colors = [str(c) for c in cmap]
        if len(colors) < 2:
            raise LazyscopeError("cmap needs at least two colours.")
        return colors
    import bokeh.palettes as bp
    import colorcet

    if cmap in colorcet.palette:
        return list(colorcet.palette[cmap])
    maker = getattr(bp, cmap.lower(), None)  # viridis, magma, inferno, plasma, cividis, turbo
    if callable(maker):
        return list(maker(256))
    named = getattr(bp, cmap, None)
    if isinstance(named, (list, tuple)) and named and isinstance(named[0], str):
        return list(named)
    raise LazyscopeError(
        f"Unknown cmap {cmap!r}: give a colorcet or Bokeh palette name, or a list of colours."
    )


def category_colors(n: int) -> list[str]:
    from datashader.colors import Sets1to3

    return [Sets1to3[i % len(Sets1to3)] for i in range(n)]


def check_how(how: str) -> str:
    if how not in HOWS:
        raise LazyscopeError(f"Unknown how={how!r}; use one of {', '.join(HOWS)}.")
    return how


def shade(agg: Any, how: str, colors: list[str], categorical: bool) -> Any:
    """Datashader's RGBA image (uint32, rows bottom-up like the grid)."""
    import datashader.transfer_functions as tf

    if categorical:
        key = dict(zip(agg.coords[agg.dims[2]].values.tolist(), colors, strict=False))
        return tf.shade(agg, color_key=key, how=how)
    if _one_value(agg.values):  # Datashader's callable path would scale 0/0 and hide it
        return tf.shade(agg, cmap=colors, how=how)
    return tf.shade(agg, cmap=ColorTable(colors), how=how)


def _one_value(data: np.ndarray) -> bool:
    """Do all pixels that will be drawn hold the same value (or is nothing drawn)?"""
    shown = data[data != 0] if data.dtype.kind == "u" else data[np.isfinite(data)]
    return bool(shown.size == 0 or shown.min() == shown.max())


class ColorTable:
    """A colour list as the colormap callable Datashader also takes (Matplotlib's interface):
    a 1024-entry table of the list's colours, interpolated as Datashader interpolates a list.
    One lookup per pixel, where a list costs Datashader an `np.interp` per channel - about
    60 ms of every 800x600 re-render here."""

    SIZE = 1024

    def __init__(self, colors: list[str]) -> None:
        from datashader.colors import rgb

        channels = np.array([rgb(c) for c in colors], dtype=np.float64)  # N x 3
        at, ends = np.linspace(0.0, 1.0, self.SIZE), np.linspace(0.0, 1.0, len(colors))
        table = np.full((self.SIZE, 4), 255, dtype=np.uint8)
        for i in range(3):  # truncated to uint8, as Datashader's list path does
            table[:, i] = np.interp(at, ends, channels[:, i]).astype(np.uint8)
        self.table = table

    def __call__(self, scaled: np.ndarray, bytes: bool = True) -> np.ndarray:
        """RGBA uint8 for values scaled to 0..1 (NaN: any colour; Datashader hides it)."""
        position = np.nan_to_num(scaled, nan=0.0, posinf=1.0, neginf=0.0) * (self.SIZE - 1)
        index = np.clip(np.rint(position), 0, self.SIZE - 1).astype(np.intp)
        rgba: np.ndarray = self.table[index]
        return rgba


def png(image: Any) -> bytes:
    """PNG bytes of a shaded image; fast compression (it is redone on every display)."""
    buffer = io.BytesIO()
    image.to_pil().save(buffer, format="png", compress_level=1)
    return buffer.getvalue()


def values_of(agg: Any, categorical: bool) -> np.ndarray:
    """What the hover readout shows per pixel: the value, or the total over categories."""
    data = np.asarray(agg.values, dtype=np.float64)
    if categorical:
        with np.errstate(invalid="ignore"):
            data = (
                np.nansum(data, axis=2)
                if agg.attrs.get("agg") in ("count", "sum")
                else np.nanmax(data, axis=2)
            )
    return data


def colorbar_labels(values: np.ndarray, how: str, counts: bool) -> dict[float, str]:
    """Data values at the colour bar's TICKS, inverting the shading transform. Like
    Datashader, empty pixels (NaN, or zero for counts) take no part in the scale."""
    keep = np.isfinite(values) & (values != 0) if counts else np.isfinite(values)
    shown = values[keep]
    if shown.size == 0:
        return {}
    lo, hi = float(shown.min()), float(shown.max())
    if how == "eq_hist":
        at = np.quantile(shown, TICKS)
    else:  # Datashader interpolates linearly between the transformed min and max
        steps = np.array(TICKS)
        if how == "log":
            at = np.expm1(np.log1p(lo) + steps * (np.log1p(hi) - np.log1p(lo)))
        elif how == "cbrt":
            at = (np.cbrt(lo) + steps * (np.cbrt(hi) - np.cbrt(lo))) ** 3
        else:
            at = lo + steps * (hi - lo)
    # Few distinct values (small counts) put several ticks on one value: label it once,
    # where its colours start, rather than print "1 1 1 1 2" beside a gradient.
    labels, last = {}, None
    for tick, value in zip(TICKS, at, strict=True):
        text = f"{value:.4g}"
        labels[tick], last = ("" if text == last else text), text
    return labels
