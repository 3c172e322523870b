"""Small display helpers of the plot widget: BokehJS for the page, status line, spinner."""

from __future__ import annotations

import html
from typing import Any

import numpy as np

__all__ = ["SPINNER", "error_line", "load_bokehjs", "summary"]

SPINNER = (
    '<span class="lazyscope-plot-busy" style="display:inline-flex;gap:6px;align-items:center">'
    '<svg width="14" height="14" viewBox="0 0 50 50"><circle cx="25" cy="25" r="20" fill="none" '
    'stroke="currentColor" stroke-width="6" stroke-dasharray="90 150"><animateTransform '
    'attributeName="transform" type="rotate" from="0 25 25" to="360 25 25" dur="0.8s" '
    'repeatCount="indefinite"/></circle></svg>aggregating&#8230;</span>'
)

_bokehjs_loaded = False


def load_bokehjs() -> None:
    """jupyter_bokeh draws with the page's BokehJS, which a kernel must publish once. Inline
    (no CDN: notebooks work offline), core only (1.3 MB; we use no Bokeh widgets)."""
    global _bokehjs_loaded
    from IPython import get_ipython

    if _bokehjs_loaded or getattr(get_ipython(), "kernel", None) is None:
        return  # already sent, or no Jupyter frontend to send it to
    from bokeh.io.notebook import load_notebook
    from bokeh.resources import Resources

    load_notebook(Resources(mode="inline", components=["bokeh"]), hide_banner=True)
    _bokehjs_loaded = True


def summary(agg: Any, values: np.ndarray, elapsed: float | None) -> str:
    """The status line under a finished aggregation (HTML-escaped)."""
    parts = [str(agg.attrs.get("source", agg.attrs.get("engine", "")))]
    if "rows" in agg.attrs:  # a line: the rows its columns hold
        parts.append(f"{agg.attrs['rows']:,} points in view")
    elif agg.attrs.get("agg") == "count":
        parts.append(f"{int(np.nansum(values)):,} points in view")
    parts.append("from the kernel's cache" if elapsed is None else f"{elapsed:.2f} s")
    return html.escape(" \u00b7 ".join(parts))


def error_line(text: str) -> str:
    return f'<span style="color:#b00">Re-aggregation failed: {html.escape(text)}</span>'
