"""The progress view without an engine: bounded board and rows, throttled widget, the
static summary's text and HTML, the early Cancel route, and cheap imports.

Engines are exercised in test_progress_spark/_dask/_connect; here a small source that
implements the ProgressSource protocol stands in for one, so limits can be pushed
harder than a real cluster on this machine allows.
"""

from __future__ import annotations

import re
import subprocess
import sys
import threading
import time
from typing import Any

import pytest
from bs4 import BeautifulSoup, Tag

from lazyscope.model import ProgressBoard, StageProgress, tidy_call_site
from lazyscope.views._progress_text import ProgressSummary, Section, brief_error, stage_line
from lazyscope.views._progress_widget import route_cancel_early, visible_rows
from lazyscope.views.progress import ProgressRun


class BusySource:
    """Updates its board as fast as it can, from its own thread, like a chatty engine."""

    def __init__(self, groups: int) -> None:
        self.board = ProgressBoard("Busy")
        self.groups = groups
        self.cancelled = threading.Event()
        self._halt = threading.Event()
        self._thread = threading.Thread(target=self._churn, daemon=True)

    def _churn(self) -> None:
        done = 0
        while not self._halt.is_set():
            done += 1
            self.board.put(
                StageProgress(str(done % self.groups), f"g{done % self.groups}", 10**9, done)
            )

    def start(self) -> None:
        self._thread.start()

    def poll(self) -> None:
        """The thread pushes."""

    def cancel(self) -> None:
        self.cancelled.set()

    def stop(self, error: BaseException | None) -> None:
        self._halt.set()
        self._thread.join()


def test_widget_updates_are_throttled_and_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    from lazyscope.views import progress

    monkeypatch.setattr(progress, "_CLOSE_AFTER", 0.2)
    source = BusySource(groups=40)
    run = ProgressRun([source], live=True)
    began = time.monotonic()
    with run:
        time.sleep(1.5)
        rows = list(run.widget.rows)
        hidden = run.widget.hidden
        bundle = run.widget._repr_mimebundle_()  # anywidget: (data, metadata)
        plain = (bundle[0] if isinstance(bundle, tuple) else bundle)["text/plain"]
    seconds = time.monotonic() - began
    assert source.board.version > 1000  # the source really was chatty
    assert 3 <= run.messages <= 10 * seconds + 1  # at most 10 widget messages a second
    assert len(rows) == 12  # however many groups exist
    assert hidden == 40 - 12
    # text/plain is the view in one line, never an object repr
    assert re.fullmatch(r"Busy: [\d,]+/[\d,]+ tasks, [\d.]+ s \(running\)", plain), plain
    deadline = time.monotonic() + 10
    while run.widget.comm and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not run.widget.comm  # closed soon after the block ended


def test_the_widget_is_displayed_with_its_line(monkeypatch: pytest.MonkeyPatch) -> None:
    import IPython.display

    displayed: list[str] = []  # text/plain as sent: a save mid-run keeps it
    monkeypatch.setattr(IPython.display, "display", lambda obj, **_: displayed.append(repr(obj)))
    with ProgressRun([BusySource(groups=3)], live=True):
        time.sleep(0.5)
    assert len(displayed) == 2  # the widget, then the summary in its place
    assert re.fullmatch(r"Busy: [\d,]+/[\d,]+ tasks, [\d.]+ s \(running\)", displayed[0])


def test_cancel_reaches_every_source_once_and_not_after_the_end() -> None:
    first, second = BusySource(2), BusySource(2)
    run = ProgressRun([first, second], live=False)
    with run:
        run.cancel()
    assert first.cancelled.is_set()
    assert second.cancelled.is_set()
    assert run.summary is not None
    assert run.summary.outcome == "cancelled"
    first.cancelled.clear()
    run.cancel()  # a late click on a finished view does nothing
    assert not first.cancelled.is_set()


def test_board_stays_bounded_and_keeps_totals() -> None:
    board = ProgressBoard("Spark", limit=50)
    for i in range(5000):
        board.put(StageProgress(str(i), f"stage {i}", total=4, done=4, ended=1.0))
    stages = board.stages()
    assert len(stages) <= 51
    assert sum(s.total for s in stages) == 20000
    assert sum(s.done for s in stages) == 20000
    assert stages[0].key == "earlier"
    assert stages[0].label.endswith("earlier stages")


def test_a_record_split_into_stages_keeps_its_place() -> None:
    board = ProgressBoard("Spark Connect")
    for key in ("1", "operation abc", "7"):
        board.put(StageProgress(key, key, 0))
    before = board.version
    board.split("operation abc", [StageProgress("3", "3", 4), StageProgress("4", "4", 1)])
    assert [s.key for s in board.stages()] == ["1", "3", "4", "7"]
    assert board.version > before  # the view redraws
    board.split("operation gone", [StageProgress("9", "9", 1)])
    assert [s.key for s in board.stages()] == ["1", "3", "4", "7"]


def test_rows_show_unfinished_stages_first() -> None:
    board = ProgressBoard("Spark")
    for i in range(30):
        board.put(StageProgress(str(i), f"stage {i}", 10, done=10 if i % 3 else 2, job=f"job {i}"))
    rows, hidden = visible_rows([board])
    assert len(rows) == 12
    assert hidden == 18
    assert sum(1 for r in rows if r["done"] < r["total"]) == 10  # all ten unfinished ones
    assert rows[0]["job"] == "Spark · job 0"


def test_summary_text_and_escaped_html() -> None:
    stages = [
        StageProgress(
            "3", "stage 3 (groupBy at cell line 2)", 400, 400, job="job 1", started=10.0, ended=11.2
        ),
        StageProgress("4", "stage 4 (<script>alert(1)</script>)", 8, 5, failed=3, job="job 1"),
        StageProgress("5", "stage 5 (count at cell line 3)", 8, skipped=True, job="job 2"),
    ]
    summary = ProgressSummary([Section("Spark", stages)], 1.25, "failed", "ValueError: <b>boom</b>")
    assert repr(summary) == (
        "Spark: 405/408 tasks, 3 failed, 2 jobs, 1.2 s · error: ValueError: <b>boom</b>"
    )
    assert summary.details() == [
        "  job 1",
        "    stage 3 (groupBy at cell line 2): 400/400 tasks, 1.2 s",
        "    stage 4 (<script>alert(1)</script>): 5/8 tasks, 3 failed",
        "  job 2",
        "    stage 5 (count at cell line 3): skipped (output reused)",
    ]
    assert (summary.done, summary.total, summary.failed) == (405, 408, 3)
    html = summary._repr_html_()
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert "&lt;b&gt;boom&lt;/b&gt;" in html
    folded = BeautifulSoup(html, "html.parser").find("details")
    assert isinstance(folded, Tag)
    assert not folded.has_attr("open")  # folded: the line shows, the detail on a click
    assert folded.summary is not None
    assert folded.summary.get_text() == repr(summary)
    assert "stage 3 (groupBy at cell line 2): 400/400 tasks" in folded.get_text()


def test_summary_of_two_engines_is_one_line() -> None:
    spark = Section("Spark", [StageProgress("1", "stage 1 (count at cell line 1)", 4, 4, job="j")])
    dask = Section("Dask", [StageProgress("sum", "sum", 10, 10)], note="some note")
    summary = ProgressSummary([spark, dask], 2.0, "cancelled")
    assert repr(summary) == (
        "Spark: 4/4 tasks, 1 job; Dask: 10/10 tasks (some note), 2.0 s · cancelled"
    )
    assert summary.details()[0] == "Spark"
    assert "Dask" in summary.details()


def test_summary_is_bounded_however_many_stages() -> None:
    stages = [StageProgress(str(i), f"stage {i}", 1, 1, job=f"job {i // 10}") for i in range(500)]
    summary = ProgressSummary([Section("Spark", stages)], 3.0)
    assert repr(summary) == "Spark: 500/500 tasks, 50 jobs, 3.0 s"
    lines = summary.details()
    assert len(lines) == 3 + 30 + 1  # 3 job lines, 30 stages, the rest
    assert lines[-1] == "  … 470 more stages"
    assert summary._repr_html_().count("<div") == 1 + len(lines)


def test_stage_line_without_time() -> None:
    assert stage_line(StageProgress("a", "sum", 10, 7, failed=1)) == "sum: 7/10 tasks, 1 failed"


def test_brief_error_keeps_the_line_that_says_what_happened() -> None:
    python_in_java = RuntimeError(
        "An exception was thrown from the Python worker:\nTraceback (most recent call last):\n"
        '  File "x.py", line 1, in f\nValueError: boom at 3\n SQLSTATE: 38000)'
    )
    assert brief_error(python_in_java) == "ValueError: boom at 3"
    java = RuntimeError(
        "An error occurred while calling o12.collect.\n: org.apache.spark.SparkException: "
        "Job aborted.\n\tat org.apache.spark.Foo(Foo.scala:1)"
    )
    assert brief_error(java) == "SparkException: Job aborted."
    assert brief_error(KeyError("k")) == "KeyError: 'k'"


def test_call_sites_in_cells_read_as_cell_lines() -> None:
    assert tidy_call_site("collect at /tmp/ipykernel_77/1234.py:5") == "collect at cell line 5"
    assert tidy_call_site("count at <ipython-input-3-abc>:2") == "count at cell line 2"
    assert tidy_call_site("collect at job.py:9") == "collect at job.py:9"
    assert tidy_call_site("toPandas at /home/me/job.py:13") == "toPandas at job.py:13"


def test_nested_progress_is_the_outer_one() -> None:
    outer = ProgressRun([], live=False)
    with outer, ProgressRun([], live=False) as inner:
        assert inner is outer


def test_cancel_click_is_seen_on_the_shell_channel_thread() -> None:
    # ipykernel's own comm class; the kernel asks it where to route each comm message.
    from ipykernel.comm import Comm

    comm = Comm(target_name="lazyscope-test", primary=False, show_warning=False)
    clicked = threading.Event()
    assert route_cancel_early(comm, clicked.set)
    routed = comm._reply_subshell_for({"method": "update", "state": {}}, "main")
    assert routed == "main"
    assert not clicked.is_set()
    routed = comm._reply_subshell_for({"method": "custom", "content": {"type": "cancel"}}, "main")
    assert routed == "main"  # the message itself still goes where it would have
    assert clicked.wait(5)


def test_importing_lazyscope_imports_no_engine_or_widget() -> None:
    code = (
        "import sys, lazyscope\n"
        "assert callable(lazyscope.progress)\n"
        "heavy = [m for m in sys.modules if m.split('.')[0] in "
        "('pyspark', 'dask', 'distributed', 'ipywidgets', 'anywidget')]\n"
        "print(heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("kind", ["cluster", ""])
def test_unknown_engine_is_refused(kind: str) -> None:
    import lazyscope

    with pytest.raises(Exception, match="watches 'spark' or 'dask'"):
        lazyscope.progress(kind)


_ESM_HARNESS = """
// Just enough DOM for render(): elements are plain objects; text never becomes HTML.
class El {
  constructor(tag) { Object.assign(this, {tag, children: [], style: {}, textContent: ""}); }
  appendChild(c) { this.children.push(c); return c; }
  append(...c) { this.children.push(...c); }
  replaceChildren(...c) { this.children = c; }
}
globalThis.document = { createElement: (tag) => new El(tag) };
const state = JSON.parse(process.argv[2]);
const sent = [];
const model = { get: (k) => state[k], on: () => {}, send: (m) => sent.push(m) };
const el = new El("div");
const { default: widget } = await import(process.argv[3]);
const cleanup = widget.render({ model, el });
const texts = (n) => [n.textContent, ...n.children.flatMap(texts)].filter(Boolean);
const root = el.children[0];
root.children[0].children[2].onclick();  // the Cancel button
cleanup();
console.log(JSON.stringify({ texts: texts(root), sent, rootClass: root.className }));
"""


def test_widget_module_draws_rows_and_sends_cancel(tmp_path: Any) -> None:
    import json
    import shutil

    from lazyscope.views._progress_widget import ProgressWidget

    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    (tmp_path / "widget.mjs").write_text(ProgressWidget._esm)
    (tmp_path / "harness.mjs").write_text(_ESM_HARNESS)
    row = {
        "job": "Spark · job 1",
        "label": "stage 3 (<b>x</b>)",
        "total": 10,
        "done": 4,
        "running": 2,
        "failed": 1,
        "memory": 0,
        "skipped": False,
    }
    state = {"title": "Spark", "rows": [row], "hidden": 3, "elapsed": 1.5, "state": "running"}
    out = subprocess.run(
        [node, str(tmp_path / "harness.mjs"), json.dumps(state), str(tmp_path / "widget.mjs")],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    result = json.loads(out.stdout)
    assert result["texts"] == [
        "Spark",
        "1.5 s",
        "Cancelling…",
        "Spark · job 1",
        "stage 3 (<b>x</b>)",
        "4/10 · 2 running · 1 failed",
        "… 3 more",
    ]
    assert result["sent"] == [{"type": "cancel"}]
    assert result["rootClass"].split() == ["lazyscope-progress", "tex2jax_ignore", "mathjax_ignore"]
