"""The tutorials (notebooks/): the course is complete and the committed files carry no
outputs. Each tutorial is *run* where users run it, in JupyterLab in Chromium, at a small
scale and within its time budget (tests/ui/tests/tutorials.spec.ts, through tests/test_ui.py):
that run fails on errors, stray stderr, console errors, blank plots and more than an
nbclient run could see."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from tests._paths import ROOT

NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb"))
EXPECTED = [
    "01-getting-started",
    "02-lazy-by-design",
    "03-five-ways-spark",
    "04-dask-for-pandas-and-numpy-users",
    "05-seeing-big-data",
    "06-machine-learning-at-scale",
    "07-dask-or-spark",
]
SPEC = ROOT / "tests" / "ui" / "tests" / "tutorials.spec.ts"


def test_the_course_is_complete() -> None:
    assert [p.stem for p in NOTEBOOKS] == EXPECTED


def test_the_browser_runs_every_tutorial() -> None:
    spec = SPEC.read_text(encoding="utf-8")
    listed = spec[spec.index("const TUTORIALS = [") : spec.index("];")]
    assert [name for name in EXPECTED if f"'{name}'" in listed] == EXPECTED


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_committed_without_outputs_and_scaled(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code, path.name
    for cell in code:
        assert cell.outputs == [], f"{path.name}: clear outputs before committing"
        assert cell.execution_count is None, path.name
    # The first code cell sets the size, so CI can run the same notebook small.
    assert "LAZYSCOPE_TUTORIAL_SCALE" in code[0].source, path.name
    assert nb.cells[0].cell_type == "markdown", path.name
