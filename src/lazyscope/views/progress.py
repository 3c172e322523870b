"""`lazyscope.progress()`: live progress of the engine work a block of code does.

    with lazyscope.progress():
        df.groupBy("k").count().collect()

The engines' cell magics wrap every cell in it (`%config Lazyscope.progress = False` turns
that off). With `dag=True` (a cell magic's `--dag live`) the view also
draws the DAG of what runs, each node filling with its tasks, and leaves the executed
DAG (time, rows, bytes per node, the slowest marked) when the block ends.
Only the block's own work is counted: the engine sources tag it (job tags, operation
tags, task annotations: each engine package's `progress_sources`). In a kernel, a widget
appears once the first task is known, redraws at most 10 times a second, and has a
Cancel button; when the block ends the widget is replaced by a static summary
(text/plain + text/html). Outside a kernel only the summary is shown.
"""

from __future__ import annotations

import contextvars
import logging
import threading
import time
from types import TracebackType
from typing import Any

from lazyscope._errors import LazyscopeError, interrupt_behind
from lazyscope.engines.progress_sources import sources_for
from lazyscope.model import ProgressSource

from ._later import run_later
from ._progress_text import ProgressSummary, Section, brief_error

__all__ = ["ProgressRun", "progress"]

_TICK = 0.1  # seconds between redraws: at most 10 widget messages a second
_CLOSE_AFTER = 30.0  # seconds a finished widget keeps its comm
_log = logging.getLogger("lazyscope.progress")
_active = threading.local()  # the run watching this thread, if any


def progress(
    engine: str | None = None, *, live: bool | None = None, dag: bool = False
) -> ProgressRun:
    """Watch the work of a `with` block on one engine (its NAME) or (None) every running one.

    `live`: show the live widget (default: when running in a Jupyter kernel).
    `dag`: draw the DAG of the running work in the view, and the executed DAG after it.
    After the block, `.summary` holds the counts (`.done`, `.total`, `.failed`) and, with
    `dag`, `.dags` the executed DAGs.
    """
    return ProgressRun(sources_for(engine), live=live, dag=dag)


class ProgressRun:
    def __init__(
        self, sources: list[ProgressSource], live: bool | None = None, dag: bool = False
    ) -> None:
        self.sources = sources
        self.live = _in_kernel() if live is None else live
        self.dag = dag
        self.dags: list[Any] = []  # with dag=True: the executed DAGs, once the block ended
        self._live_dag: Any = None
        self.summary: ProgressSummary | None = None
        self.cancelled = False
        self.messages = 0  # widget updates sent to the browser
        self.widget: Any = None
        self._handle: Any = None
        self._halt = threading.Event()
        self._drawing = threading.Lock()  # no live push once the summary is drawn
        self._thread: threading.Thread | None = None
        self._began = 0.0
        self._outer: ProgressRun | None = None

    def __enter__(self) -> ProgressRun:
        outer: ProgressRun | None = getattr(_active, "run", None)
        if outer is not None:  # nested in another view of this thread: that one watches
            self._outer = outer
            return outer
        self._began = time.monotonic()
        self.sources = [s for s in self.sources if self._safely(s, s.start)]
        _active.run = self
        # The thread runs in this cell's context, so its display goes to this cell.
        self._thread = threading.Thread(
            target=contextvars.copy_context().run,
            args=(self._loop,),
            name="lazyscope-progress",
            daemon=True,
        )
        self._thread.start()
        return self

    def __exit__(
        self, etype: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._outer is not None:
            return
        interrupt = interrupt_behind(exc)
        try:
            self._halt.set()
            if self._thread is not None:
                self._thread.join(timeout=5)
            outcome = interrupt or exc
            if interrupt is not None:  # the kernel's interrupt: stop the engine too
                for source in self.sources:
                    self._safely(source, source.cancel)
            for source in self.sources:
                self._safely(source, lambda s=source: s.stop(outcome))
            # A source whose engine stopped answering ended the cell's wait: its paragraph
            # is the cell's error, not the engine's "cancelled" / "connection lost" one.
            lost = next(filter(None, (getattr(s, "lost", None) for s in self.sources)), None)
            if lost is not None and exc is not None and interrupt is None:
                outcome = LazyscopeError(lost)
            self.summary = self._summarise(outcome)
            if self.dag:
                self.dags = self._dags(final=True)
            with self._drawing:
                self._show(self.summary)
        finally:
            _active.run = None
        if interrupt is not None and interrupt is not exc:
            raise KeyboardInterrupt from None  # not the lost-connection error it caused
        if isinstance(outcome, LazyscopeError) and outcome is not exc:
            raise outcome from None
        if self.cancelled and exc is not None:  # the engine's "cancelled" error, in a line
            engines = " or ".join(dict.fromkeys(source.board.title for source in self.sources))
            raise LazyscopeError(
                f"Cancelled from the progress view: the cell's {engines} work was stopped, "
                "and the session is still usable."
            ) from None

    def cancel(self) -> None:
        """The Cancel button: stop this block's engine work (the block then fails)."""
        if self.summary is not None or self._halt.is_set():
            return  # over already
        self.cancelled = True
        if self.widget is not None:
            self.widget.state = "cancelling"
        for source in self.sources:
            self._safely(source, source.cancel)

    def _safely(self, source: ProgressSource, call: Any) -> bool:
        """A broken source must never break the user's code: note it and go on."""
        try:
            call()
            return True
        except Exception as exc:
            _log.debug("progress source %s failed", source.board.title, exc_info=True)
            source.board.note = f"progress unavailable: {brief_error(exc)}"
            return False

    def _loop(self) -> None:
        seen: object = None
        polling = list(self.sources)
        while not self._halt.wait(_TICK):
            polling = [s for s in polling if self._safely(s, s.poll)]
            # A note ("no workers", "stopped answering") is news on the live view too.
            version = [(s.board.version, s.board.note) for s in self.sources]
            if self.live and version != seen:
                seen = version
                try:
                    with self._drawing:
                        if not self._halt.is_set():  # a poll that outlasted the cell
                            self._push()
                except Exception:  # no widget (e.g. a frontend without widgets): summary only
                    _log.debug("live progress view failed", exc_info=True)
                    self.live = False

    def _push(self) -> None:
        from ._progress_widget import ProgressWidget, visible_rows

        rows, hidden = visible_rows([s.board for s in self.sources])
        models = self._dags(final=False) if self.dag else []
        if not rows and not models:
            return
        elapsed = time.monotonic() - self._began
        # Its text/plain, set before it is displayed: what a notebook saved mid-run keeps.
        line = ProgressSummary(self._sections(), elapsed).line() + " (running)"
        if self.widget is None:
            from IPython.display import display

            self.widget = ProgressWidget(title=_title(self.sources), line=line)
            self.widget.on_cancel(self.cancel)
            self._handle = display(self.widget, display_id=True)
        with self.widget.hold_sync():  # one message a redraw, the DAG's fill included
            if models:
                from ._dag_live import LiveDag

                self._live_dag = self._live_dag or LiveDag()
                self._live_dag.update(self.widget, models)
            self.widget.rows, self.widget.hidden = rows, hidden
            notes = "; ".join(s.board.note for s in self.sources if s.board.note)
            self.widget.title = _title(self.sources) + (f" ({notes})" if notes else "")
            self.widget.elapsed, self.widget.line = elapsed, line
        self.messages += 1

    def _dags(self, final: bool) -> list[Any]:
        from ._dag_live import dags_of

        try:
            return dags_of(self.sources, final)
        except Exception:  # the DAG is a bonus on the progress view: the counts still show
            _log.debug("the live DAG failed", exc_info=True)
            return []

    def _sections(self) -> list[Section]:
        return [
            Section(s.board.title, s.board.stages(), s.board.note)
            for s in self.sources
            if s.board.version or s.board.note
        ]

    def _summarise(self, exc: BaseException | None) -> ProgressSummary:
        sections = self._sections()
        outcome = "done" if exc is None else "failed"
        if self.cancelled or isinstance(exc, KeyboardInterrupt):
            outcome = "cancelled" if self.cancelled else "interrupted"
        # After Cancel or an interrupt, the engine's "cancelled" error says nothing new.
        error = None if exc is None or outcome != "failed" else brief_error(exc)
        return ProgressSummary(sections, time.monotonic() - self._began, outcome, error)

    def _show(self, summary: ProgressSummary) -> None:
        if self.widget is not None:
            # Not closed at once: a Cancel click queued behind the cell is still handled
            # (as a no-op) when the kernel reads it, instead of "No such comm" on stderr.
            run_later(_CLOSE_AFTER, self.widget.close)
        from IPython.display import display

        if self._handle is not None:  # the widget's place in the output becomes the summary
            self._handle.update(summary)
        elif any(sec.stages for sec in summary.sections):
            display(summary)
        if self.dags:  # one DAG per query: the last one open, the earlier ones folded
            from ._dag_live import EarlierDags
            from .dag import DagView

            *earlier, last = self.dags
            display(*([EarlierDags(earlier)] if earlier else []), DagView(last))


def _title(sources: list[ProgressSource]) -> str:
    return " + ".join(s.board.title for s in sources if s.board.version) or "progress"


def _in_kernel() -> bool:
    from IPython import get_ipython

    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None
