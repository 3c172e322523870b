"""Run a cell and read the progress summary it left, as a user sees it: the text/plain
line, and the HTML's one summary line with the per-job and per-stage detail folded."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bs4 import BeautifulSoup, Tag
from IPython.utils.capture import capture_output

__all__ = ["Shown", "run_cell_summary"]


@dataclass
class Shown:
    result: Any  # IPython's ExecutionResult
    text: str  # the summary's text/plain
    line: str  # the HTML's visible line (the <summary> of the folded <details>)
    folded: str  # the text inside <details>, below that line
    is_open: bool  # the <details> is unfolded from the start


def run_cell_summary(shell: Any, source: str) -> Shown:
    formatter = shell.display_formatter
    before = formatter.active_types
    formatter.active_types = ["text/plain", "text/html"]  # a terminal shell makes text only
    try:
        with capture_output() as captured:
            result = shell.run_cell(source)
    finally:
        formatter.active_types = before
    bundles = [
        out.data
        for out in captured.outputs
        if "lazyscope-progress-summary" in out.data.get("text/html", "")
    ]
    assert len(bundles) == 1, [out.data for out in captured.outputs]
    soup = BeautifulSoup(bundles[0]["text/html"], "html.parser")
    details = soup.find("details")
    assert isinstance(details, Tag)
    assert details.summary is not None
    line = details.summary.get_text()
    rows = [row for row in details.children if isinstance(row, Tag) and row.name == "div"]
    folded = "\n".join(row.get_text().strip() for row in rows)
    return Shown(result, bundles[0]["text/plain"], line, folded, details.has_attr("open"))
