"""An engine is one folder: the toy engine of tests/toy_engine (a lazy collection over pandas
chunks), registered at run time, gets `%toy status`, describe, its DAG, per-cell progress
and a plot through the engine interface alone (`lazyscope._sessions.EnginePackage`)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pandas as pd
import pytest

import lazyscope
from lazyscope import engines
from lazyscope._errors import LazyscopeError
from tests.toy_engine import ToyFrame

MODULE = "tests.toy_engine"


@pytest.fixture
def toy(ipshell: Any) -> Iterator[Any]:
    """The shell with the toy engine registered (and `%load_ext lazyscope` again, so its
    magic is there); afterwards the engine is gone again for the other tests."""
    engines.register_package(MODULE)
    ipshell.run_line_magic("reload_ext", "lazyscope")
    try:
        yield ipshell
    finally:
        if engines.current("toy") is not None:
            engines.stop("toy")
        engines.unregister_package(MODULE)
        for kind in ("line", "cell"):
            ipshell.magics_manager.magics[kind].pop("toy", None)
        ipshell.run_line_magic("reload_ext", "lazyscope")


@pytest.fixture
def frame() -> ToyFrame:
    df = pd.DataFrame({"a": range(9), "b": [float(i % 3) for i in range(9)]})
    return ToyFrame.from_pandas(df, chunks=3).map(lambda c: c.assign(c=c.a * 2), "double")


def test_packages_come_in_order_with_the_registered_one(toy: Any) -> None:
    assert [p.NAME for p in engines.packages()] == ["spark", "dask", "toy"]


def test_status_uses_the_engines_words(toy: Any, capsys: pytest.CaptureFixture[str]) -> None:
    missing = toy.run_cell("%toy status")
    assert str(missing.error_in_exec) == "No Toy session is running. Start one with %toy start."
    started = toy.run_cell("%toy start --chunks 4")
    started.raise_error()
    lines = repr(started.result).splitlines()
    assert lines[0] == "Toy session"
    assert "  address       toy://in-process" in lines
    assert "  chunks        4" in lines  # the engine's word for its workers
    assert "  run id        unknown" in lines
    assert "<b>Toy session</b>" in started.result._repr_html_()
    assert repr(toy.run_cell("%toy status").result) == repr(started.result)
    refused = toy.run_cell("%toy start --chunks 5")
    assert "A Toy session is already running" in str(refused.error_in_exec)
    assert "--chunks 5 (running: 4)" in str(refused.error_in_exec)
    toy.run_cell("%toy stop").raise_error()
    assert "Stopped the toy session at toy://in-process." in capsys.readouterr().out
    assert engines.current("toy") is None


def test_magic_help_comes_from_the_engine(toy: Any) -> None:
    doc = toy.find_cell_magic("toy").__doc__
    assert "%toy [--chunks N] [--restart] [--dag [LEVEL]]" in doc
    assert "Start, inspect or stop the toy session" in doc


def test_describe_and_the_cells_display(toy: Any, frame: ToyFrame) -> None:
    text = repr(lazyscope.describe(frame))
    assert text.splitlines()[0].startswith("Toy ToyFrame")
    assert "3 partitions" in text.splitlines()[0]
    assert "double" in text
    toy.user_ns["frame"] = frame
    shown, _ = toy.display_formatter.format(frame)
    assert "application/vnd.lazyscope.describe+json" in shown  # every cell, as Spark's


def test_dag(frame: ToyFrame, toy: Any) -> None:
    view = lazyscope.dag(frame)
    assert [n.label for n in view.model.nodes] == ["chunks", "double"]
    assert [(e.source, e.target) for e in view.model.edges] == [("scan", "step-0")]
    bundle = view._repr_mimebundle_()
    assert "double" in bundle["image/svg+xml"]
    with pytest.raises(LazyscopeError, match="level 'steps'"):
        lazyscope.dag(frame, "physical")


def test_progress_of_a_block_and_of_a_cell(
    toy: Any, frame: ToyFrame, capsys: pytest.CaptureFixture[str]
) -> None:
    with lazyscope.progress("toy", live=False) as run:
        frame.map(lambda c: c, "again").compute()
    assert run.summary is not None
    assert (run.summary.done, run.summary.total, run.summary.failed) == (6, 6, 0)
    assert repr(run.summary).startswith("Toy: 6/6 tasks")
    toy.user_ns["frame"] = frame
    capsys.readouterr()
    cell = toy.run_cell("%%toy\nlen(frame.compute())")
    cell.raise_error()
    assert cell.result == 9
    assert "Toy: 3/3 tasks" in capsys.readouterr().out  # the cell's progress summary
    failed = toy.run_cell('%%toy\nframe.map(lambda c: 1 / 0, "boom").compute()')
    assert str(failed.error_in_exec) == "Toy error: step boom failed: division by zero"


@pytest.mark.slow  # Datashader compiles its kernels on first use
def test_plot(toy: Any, frame: ToyFrame) -> None:
    plot = lazyscope.plot(frame, "a", "b", width=10, height=5)
    assert int(plot.aggregate.sum()) == 9
    histogram = lazyscope.hist(frame, "a", bins=3)
    assert list(histogram.counts) == [3, 3, 3]
    assert histogram.engine == "toy"
