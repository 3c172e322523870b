"""The tutorials (notebooks/): each runs top to bottom on a fresh kernel, at a small scale,
within its time budget and without an error; the committed files carry no outputs."""

from __future__ import annotations

import time
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

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
# CI size: the notebooks' SCALE multiplies every data size (1 = the convincing default).
SCALE = "0.02"
# Wall-clock budget per notebook at that scale on 2 shared cores (kernel, JVM and
# Dask cluster start-up included); a notebook over budget fails.
BUDGET_S = {
    "05-seeing-big-data": 300,  # two engines, six plots
    "06-machine-learning-at-scale": 240,
    "07-dask-or-spark": 240,
}
DEFAULT_BUDGET_S = 180


def _errors(nb: nbformat.NotebookNode) -> list[str]:
    found = []
    for index, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            if out["output_type"] == "error":
                found.append(f"cell {index}: {out['ename']}: {out['evalue']}")
            elif out["output_type"] == "stream" and "Traceback (most recent" in out["text"]:
                found.append(f"cell {index} printed a traceback:\n{out['text']}")
    return found


def test_the_course_is_complete() -> None:
    assert [p.stem for p in NOTEBOOKS] == EXPECTED


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


@pytest.mark.notebook
@pytest.mark.kernel
@pytest.mark.spark
@pytest.mark.dask
@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_clean(path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    budget = BUDGET_S.get(path.stem, DEFAULT_BUDGET_S)
    monkeypatch.setenv("LAZYSCOPE_TUTORIAL_SCALE", SCALE)  # the kernel inherits it
    # The kernel's own sessions must not reuse the test process's Spark or Dask.
    monkeypatch.delenv("SPARK_REMOTE", raising=False)
    monkeypatch.delenv("PYSPARK_SUBMIT_ARGS", raising=False)
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        kernel_name="python3",
        timeout=budget,  # per cell; the whole notebook is checked against budget below
        allow_errors=True,
        resources={"metadata": {"path": str(tmp_path)}},  # files it writes land here
    )
    start = time.monotonic()
    client.execute()
    elapsed = time.monotonic() - start
    errors = _errors(nb)
    assert not errors, f"{path.name}:\n" + "\n".join(errors)
    assert elapsed < budget, f"{path.name} took {elapsed:.0f} s, budget {budget} s"
