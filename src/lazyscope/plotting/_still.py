"""The plot as a still SVG, for where no widget runs: nbconvert, GitHub, nbviewer, a front
end without ipywidgets. The shaded grid (the PNG of the view) with its axes, ticks in data
coordinates, title and, for `by=`, the legend: a reader of the saved notebook sees what
the numbers are, not a bare picture."""

from __future__ import annotations

import base64
import math
from collections.abc import Callable, Sequence
from html import escape
from typing import Any

__all__ = ["nice_ticks", "still_svg"]

_LEFT, _RIGHT, _TOP, _BOTTOM = 64, 12, 26, 44
_FONT = 'font-family="sans-serif" font-size="11" fill="#333"'


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """About `count` round values (steps of 1, 2, 2.5 or 5 times a power of ten) in
    [low, high]."""
    span = high - low
    if not (math.isfinite(span) and span > 0):
        return [low] if math.isfinite(low) else []
    raw = span / count
    power = 10.0 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    first = math.ceil(low / step - 1e-9) * step
    ticks, i = [], 0
    while first + i * step <= high + step * 1e-9:
        ticks.append(round(first + i * step, 12))
        i += 1
    return ticks


def still_svg(
    png: bytes,
    x_range: tuple[float, float],
    y_range: tuple[float, float],
    size: tuple[int, int],
    labels: tuple[str, str, str],
    legend: Sequence[tuple[Any, str]] = (),
    x_text: Callable[[float], str] | None = None,
    x_ticks: Sequence[tuple[float, str]] | None = None,
) -> str:
    """An SVG of the grid image `png` (width x height pixels) spanning the ranges; labels
    are (title, x label, y label); legend pairs each category with its colour; `x_text`
    writes an x tick (a time x: its date), by default as a number; `x_ticks` gives the x
    ticks themselves as (position, text) (a bar chart's categories)."""
    (x0, x1), (y0, y1), (w, h) = x_range, y_range, size
    title, x_label, y_label = (escape(str(s)) for s in labels)
    key_width = 16 + 7 * max((len(str(c)) for c, _ in legend), default=0) if legend else 0
    width, height = _LEFT + w + _RIGHT + key_width, _TOP + h + _BOTTOM
    data = base64.b64encode(png).decode("ascii")
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}">',
        f'<text x="{_LEFT}" y="16" {_FONT} font-weight="bold">{title}</text>',
        f'<image x="{_LEFT}" y="{_TOP}" width="{w}" height="{h}" '
        f'style="image-rendering:pixelated" href="data:image/png;base64,{data}"/>',
        f'<rect x="{_LEFT}" y="{_TOP}" width="{w}" height="{h}" fill="none" stroke="#999"/>',
    ]
    if x_ticks is None:
        x_ticks = [(v, x_text(v) if x_text else f"{v:.6g}") for v in nice_ticks(x0, x1)]
    for v, text in x_ticks:
        px = _LEFT + w * (v - x0) / (x1 - x0) if x1 > x0 else _LEFT
        if not -0.5 <= px - _LEFT <= w + 0.5:  # a zoomed bar chart: categories out of view
            continue
        parts.append(_tick(px, _TOP + h, px, _TOP + h + 4))
        parts.append(
            f'<text x="{px:.1f}" y="{_TOP + h + 16}" {_FONT} text-anchor="middle">'
            f"{escape(text)}</text>"
        )
    for v in nice_ticks(y0, y1):
        py = _TOP + h * (1 - (v - y0) / (y1 - y0)) if y1 > y0 else _TOP + h
        parts.append(_tick(_LEFT - 4, py, _LEFT, py))
        parts.append(
            f'<text x="{_LEFT - 6}" y="{py + 4:.1f}" {_FONT} text-anchor="end">{v:.6g}</text>'
        )
    parts.append(
        f'<text x="{_LEFT + w / 2}" y="{height - 8}" {_FONT} text-anchor="middle">{x_label}</text>'
    )
    parts.append(
        f'<text x="14" y="{_TOP + h / 2}" {_FONT} text-anchor="middle" '
        f'transform="rotate(-90 14 {_TOP + h / 2})">{y_label}</text>'
    )
    for i, (category, color) in enumerate(legend):
        kx, ky = _LEFT + w + _RIGHT, _TOP + 4 + 16 * i
        parts.append(f'<rect x="{kx}" y="{ky}" width="10" height="10" fill="{escape(color)}"/>')
        parts.append(f'<text x="{kx + 14}" y="{ky + 9}" {_FONT}>{escape(str(category))}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _tick(x1: float, y1: float, x2: float, y2: float) -> str:
    return f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="#999"/>'
