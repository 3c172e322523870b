"""A saved notebook read without a kernel and without lazyscope's lab extension: every
output carries a standard type (HTML, SVG, PNG, plain text) that nbconvert renders, as
GitHub and nbviewer do. The notebook is run by a real kernel with a real Dask cluster,
saved as JupyterLab saves it (no widget state), and converted to HTML."""

from __future__ import annotations

import base64
import re
import struct
from typing import Any

import pytest
from nbconvert import HTMLExporter

from tests._kernel import run_notebook

pytestmark = [pytest.mark.kernel, pytest.mark.dask, pytest.mark.timeout(600)]

CELLS = [
    "%load_ext lazyscope\nimport lazyscope, numpy as np, pandas as pd",
    "%%dask --workers 1 --threads 1\nimport dask.dataframe as dd\n"
    "rng = np.random.default_rng(0)\n"
    'pdf = pd.DataFrame({"x": rng.normal(size=5000), "y": rng.normal(size=5000), '
    '"k": rng.integers(0, 3, 5000)})\n'
    "ddf = dd.from_pandas(pdf, npartitions=4)\nint(ddf.k.sum().compute())",
    "ddf",
    'lazyscope.dag(ddf.groupby("k").x.mean())',
    'lazyscope.plot(ddf, "x", "y", width=240, height=160)',
    'lazyscope.hist(pdf, "x", bins=12)',
    "%dask status",
]
PROGRESS, DESCRIBE, DAG, PLOT, HIST, STATUS = range(1, 7)


@pytest.fixture(scope="module")
def saved() -> tuple[Any, str]:
    """The executed notebook as JupyterLab saves it, and nbconvert's HTML of each cell."""
    _, nb = run_notebook(CELLS)
    nb.metadata.pop("widgets", None)  # JupyterLab saves no widget state by default
    return nb, HTMLExporter().from_notebook_node(nb)[0]


def _outputs(nb: Any, index: int) -> list[dict[str, Any]]:
    return [o for o in nb.cells[index].outputs if o["output_type"] != "stream"]


def _cell_html(html: str, index: int) -> str:
    """The HTML nbconvert made of one cell (cells are `jp-Cell` divs, in order)."""
    starts = [m.start() for m in re.finditer(r'<div\s[^>]*class="jp-Cell ', html)]
    return html[starts[index] : starts[index + 1] if index + 1 < len(starts) else len(html)]


def _svgs(cell_html: str) -> list[str]:
    """The SVG images of a cell's HTML (nbconvert embeds them as data URLs)."""
    found = re.findall(r'src="data:image/svg\+xml;base64,([^"]+)"', cell_html)
    return [base64.b64decode(b).decode("utf-8") for b in found]


def test_no_error_and_no_stray_stderr(saved: tuple[Any, str]) -> None:
    nb, _ = saved
    for cell in nb.cells:
        for out in cell.outputs:
            assert out["output_type"] != "error", out
            assert out.get("name") != "stderr", out["text"]


def test_the_progress_view_leaves_its_summary(saved: tuple[Any, str]) -> None:
    nb, html = saved
    (summary,) = [o for o in _outputs(nb, PROGRESS) if "text/html" in o.get("data", {})]
    assert re.match(r"Dask: (\d+)/\1 tasks", summary["data"]["text/plain"])
    assert re.search(r"Dask: (\d+)/\1 tasks", _cell_html(html, PROGRESS))


def test_the_describe_card_is_html(saved: tuple[Any, str]) -> None:
    _, html = saved
    card = _cell_html(html, DESCRIBE)
    assert "Dask DataFrame" in card
    assert "partitions" in card
    assert "<table" in card


def test_the_dag_is_an_svg(saved: tuple[Any, str]) -> None:
    nb, html = saved
    (out,) = _outputs(nb, DAG)
    assert "image/svg+xml" in out["data"]
    (svg,) = _svgs(_cell_html(html, DAG))
    assert svg.startswith("<svg")
    assert "FromPandas" in svg
    assert "GroupByChunk" in svg


def test_the_plot_keeps_a_png_of_its_view_and_shows_it_with_axes(saved: tuple[Any, str]) -> None:
    nb, html = saved
    (out,) = [o for o in _outputs(nb, PLOT) if "image/png" in o.get("data", {})]
    png = base64.b64decode(out["data"]["image/png"])
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", png[16:24]) == (240, 160)  # the plot's grid, pixel for pixel
    cell = _cell_html(html, PLOT)
    (svg,) = _svgs(cell)  # what nbconvert shows: the same picture, with its axes
    assert out["data"]["image/png"] in svg
    assert "count of y vs x (dask)" in svg
    assert re.search(r">x</text>", svg)
    assert re.search(r">y</text>", svg)
    assert len(re.findall(r'text-anchor="middle">-?\d', svg)) >= 3  # x tick labels
    assert "Loading widget" not in cell


def test_the_histogram_is_an_svg(saved: tuple[Any, str]) -> None:
    _, html = saved
    cell = _cell_html(html, HIST)
    (svg,) = _svgs(cell)
    assert svg.startswith("<svg")
    assert "<rect" in svg
    assert "Loading widget" not in cell


def test_the_status_table_links_the_dashboard(saved: tuple[Any, str]) -> None:
    _, html = saved
    cell = _cell_html(html, STATUS)
    assert "<table" in cell
    assert "dashboard" in cell
