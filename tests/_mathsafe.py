"""What JupyterLab's MathJax would typeset in an HTML output, decided as MathJax does.

MathJax's FindTeX walks the text nodes under an output and skips every element whose
class (or an ancestor's) is `mathjax_ignore` (MathJax 3/4) or, for MathJax 2,
`tex2jax_ignore`; text inside `<pre>`, `<code>`, `<script>` is skipped too.
"""

from __future__ import annotations

from bs4 import BeautifulSoup, Tag

__all__ = ["root_classes", "typeset_text"]

_SKIPPED_TAGS = {"script", "noscript", "style", "textarea", "pre", "code"}


def root_classes(html: str) -> set[str]:
    """The classes of the output's root element."""
    root = BeautifulSoup(html, "html.parser").find(True)
    assert isinstance(root, Tag), html[:200]
    return set(root.get_attribute_list("class"))


def typeset_text(html: str, ignore: str) -> list[str]:
    """Every text with a `$` that a MathJax ignoring class `ignore` would still read."""
    found = []
    for text in BeautifulSoup(html, "html.parser").find_all(string=True):
        if "$" not in text:
            continue
        parents = [p for p in text.parents if isinstance(p, Tag)]
        skipped = any(p.name in _SKIPPED_TAGS for p in parents)
        if not skipped and not any(ignore in p.get_attribute_list("class") for p in parents):
            found.append(str(text))
    return found
