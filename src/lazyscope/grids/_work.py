"""Names for the engine work a plot or histogram runs, in the user's words.

Progress views and the engines' dashboards name work after what ran it. Left to the
engines, a plot shows up as `collect at .../lazyscope/<engine>/_plot.py:60` or as task
groups called `bounds` and `states`: our internals, presented as the user's code. Each
public call instead names its work for what it does and where the user asked for it,
"lazyscope.plot: x/y ranges at cell line 3". The engines carry the name, each its own
way (in task keys, or in the call site and job description of our actions).
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass

from lazyscope.model import is_cell_file

__all__ = ["PLOT", "Work", "call_site"]

_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep  # lazyscope/


def call_site() -> str:
    """Where the user called us: "cell line 3" in a notebook, "script.py:12" in a file."""
    frame = sys._getframe(1)
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE):
        frame = frame.f_back  # type: ignore[assignment]  # None ends the loop
    if frame is None:
        return ""
    filename = frame.f_code.co_filename
    if is_cell_file(filename):
        return f"cell line {frame.f_lineno}"
    return f"{os.path.basename(filename)}:{frame.f_lineno}"


@dataclass(frozen=True)
class Work:
    """One public call ("lazyscope.plot") made at `where`; `name` labels each step of it."""

    call: str
    where: str = ""

    @classmethod
    def here(cls, call: str) -> Work:
        """The call being made now, placed at the user's frame that made it."""
        return cls(call, call_site())

    def name(self, what: str) -> str:
        text = f"{self.call}: {what}"
        return f"{text} at {self.where}" if self.where else text


PLOT = Work("lazyscope.plot")  # a plot whose back-end was made without saying where
