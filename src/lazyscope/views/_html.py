"""The root element of every HTML view: math-safe, so `$` in user data stays text.

JupyterLab typesets `$...$` in text/html outputs as LaTeX (its MathJax finds inline math
in every text node under the output), so an engine's stage called
`$anonfun$withThreadLocalCaptured$1 at ...` or a column called `$price$` would show as
italic math. MathJax skips any element whose class it is told to ignore: `mathjax_ignore`
for MathJax 3/4 (JupyterLab 4, Notebook 7), `tex2jax_ignore` for MathJax 2 (classic
Notebook, nbconvert's HTML). Every view's root carries both.
"""

from __future__ import annotations

__all__ = ["MATH_SAFE", "root"]

MATH_SAFE = "tex2jax_ignore mathjax_ignore"


def root(view_class: str, body: str, style: str = "") -> str:
    """`<div class="VIEW_CLASS tex2jax_ignore mathjax_ignore">BODY</div>`; body is HTML
    already escaped by the caller."""
    styled = f" style='{style}'" if style else ""
    return f"<div class='{view_class} {MATH_SAFE}'{styled}>{body}</div>"
