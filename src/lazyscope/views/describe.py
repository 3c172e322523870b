"""`lazyscope.describe(obj)`: the metadata view of an engine's lazy object. Never computes."""

from __future__ import annotations

from typing import Any

from lazyscope.engines import check
from lazyscope.model import Finding, Meta

from . import _render
from ._collect import meta_of
from .advisor import findings_for

__all__ = ["DescribeView", "describe"]


class DescribeView:
    """What `describe` returns: shown as a card in JupyterLab, HTML or text elsewhere."""

    def __init__(self, meta: Meta, findings: list[Finding]) -> None:
        self.meta = meta
        self.findings = findings

    def to_json(self) -> dict[str, Any]:
        return _render.to_json(self.meta, self.findings)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        # The custom type for the lab extension; HTML and text so nbconvert and GitHub show it too.
        return {
            _render.MIME_TYPE: self.to_json(),
            "text/html": _render.to_html(self.meta, self.findings),
            "text/plain": _render.to_text(self.meta, self.findings),
        }

    def __repr__(self) -> str:
        return _render.to_text(self.meta, self.findings)


def describe(obj: Any) -> DescribeView:
    """Schema or dtypes, partitions, the plan in brief, size estimate, cache state and the
    advisor's findings of an engine's lazy object (each engine package says which are its
    own: a DataFrame, an RDD, an Array...), read from metadata only (no job, no task).
    pandas objects get a pandas summary."""
    check(obj)  # an object of a stopped session: one clear paragraph
    meta = meta_of(obj)
    return DescribeView(meta, findings_for(meta))
