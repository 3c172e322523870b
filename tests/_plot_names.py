"""What the progress view calls the work of a plot or histogram (issue 14, item 3).

The tests run a real IPython cell that plots inside the real progress view, on a real
engine, and read the names the view shows. Our work must read as what it does and where
the user asked for it ("lazyscope.plot: x/y ranges at cell line 2"), never as a path or a
function inside our package (`collect at .../lazyscope/plot/_spark.py:60`, the Dask task
groups `bounds`, `states`, `merged`, or the worker warm-ups `import_module`, `quietly`).
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["GRID", "check_names", "names", "run_plot_cell"]

GRID = "40\u00d730 grid"  # what the cells below plot
# Names the view showed for our own work before: functions of ours.
OUR_FUNCTIONS = {"import_module", "quietly", "_quietly", "bounds", "states", "merged"}
OUR_PATHS = ("site-packages", "lazyscope/", "lazyscope\\", "_spark.py", "_spark_job.py")
_CELL = """with {progress} as run:
    p = lazyscope.plot(frame, 'x', 'y', by='kind', width=40, height=30){same_line}
    h = lazyscope.hist(frame, 'y', bins=12)
"""


def run_plot_cell(ipshell: Any, progress: str, same_line: str = "", **names: Any) -> Any:
    """Run a cell that plots (line 2) and counts a histogram (line 3) of `frame` inside
    the progress view `progress` (code); the view's finished ProgressRun."""
    import lazyscope

    ipshell.push({"lazyscope": lazyscope, **names})
    result = ipshell.run_cell(_CELL.format(progress=progress, same_line=same_line))
    assert result.error_in_exec is None, result.error_in_exec
    return ipshell.user_ns["run"]


def names(run: Any) -> list[str]:
    """The work names a finished run's summary shows (Spark: inside "stage N (...)")."""
    labels = [s.label for sec in run.summary.sections for s in sec.stages]
    return [m.group(1) if (m := re.fullmatch(r"stage \d+ \((.*)\)", t)) else t for t in labels]


def check_names(run: Any, expected: list[str], every: bool = True) -> None:
    """Every expected name is shown (`every`; else: some, and no other); no name, and
    nothing of the summary's text or HTML, points inside our package."""
    shown = names(run)
    for name in expected if every else ():
        assert name in shown, (name, shown)
    if not every:
        assert shown, "no work shown"
        assert set(shown) <= set(expected), (shown, expected)
    assert not OUR_FUNCTIONS & set(shown), shown
    text = "\n".join([*shown, repr(run.summary), run.summary._repr_html_()])
    for path in OUR_PATHS:
        assert path not in text, (path, shown)
