"""The static summary a progress view leaves in the cell: text/plain and text/html.

It is what a saved notebook, nbconvert or GitHub shows of the run: one line, e.g.
``Engine: 400/400 tasks, 2 jobs, 1.2 s``. A cell fitting a pipeline runs dozens of jobs,
so the per-job and per-stage lines (``stage 3 (groupBy at cell line 2): 400/400 tasks,
1.2 s``) are folded under that line in the HTML (`<details>`), and text/plain is the line
alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import escape

from lazyscope._errors import LazyscopeError, short_engine_message
from lazyscope.engines import packages
from lazyscope.model import StageProgress

from ._html import root

__all__ = ["ProgressSummary", "Section", "brief_error", "stage_line"]

_FONT = "font-family:monospace;font-size:12px"
_MAX_LINES = 30  # stage lines in a summary, over all sections
_EXCEPTION_LINE = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Interrupt|Exit)\b")


def brief_error(exc: BaseException) -> str:
    """One line: for an engine error that wraps a Python traceback, its last line; for
    one the engine wraps its own way, the engine's line for it (its package's `brief`)."""
    if isinstance(exc, LazyscopeError):  # ours: already one sentence for a person
        return str(exc)[:300]
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    if any(line.startswith("Traceback (most recent call last)") for line in lines):
        for line in reversed(lines):
            if _EXCEPTION_LINE.match(line):
                return line[:300]
    for package in packages():
        brief = package.brief(exc)
        if brief is not None:
            return brief[:300]
    first = short_engine_message(exc, 1).strip()
    return f"{type(exc).__name__}: {first}"[:300] if first else type(exc).__name__


@dataclass
class Section:
    """One source's part of the summary, under its title (its board's)."""

    title: str
    stages: list[StageProgress]
    note: str = ""

    @property
    def ran(self) -> list[StageProgress]:
        return [s for s in self.stages if not s.skipped]


@dataclass
class ProgressSummary:
    sections: list[Section]
    seconds: float
    outcome: str = "done"  # done | failed | cancelled | interrupted
    error: str | None = None

    @property
    def total(self) -> int:
        return sum(s.total for sec in self.sections for s in sec.ran)

    @property
    def done(self) -> int:
        return sum(s.done for sec in self.sections for s in sec.ran)

    @property
    def failed(self) -> int:
        return sum(s.failed for sec in self.sections for s in sec.ran)

    def line(self) -> str:
        """The whole summary in one line: what ran, how long, how it ended."""
        return " · ".join([self._counts(), *self._ending()])

    def _counts(self) -> str:
        text = "; ".join(self._section_text(sec) for sec in self.sections) or "no engine work"
        return f"{text}, {self.seconds:.1f} s"

    def _section_text(self, sec: Section) -> str:
        ran = sec.ran
        text = f"{sec.title}: {sum(s.done for s in ran)}/{sum(s.total for s in ran)} tasks"
        failed = sum(s.failed for s in ran)
        jobs = len({s.job for s in sec.stages if s.job})
        text += f", {failed} failed" if failed else ""
        text += f", {jobs} job{'s' * (jobs != 1)}" if jobs else ""
        return text + (f" ({sec.note})" if sec.note else "")

    def _ending(self) -> list[str]:
        out = [] if self.outcome in ("done", "failed") else [self.outcome]
        return out + ([f"error: {self.error}"] if self.error else [])

    def _rows(self) -> list[tuple[Section, str, list[StageProgress], int]]:
        """(section, job, stages shown, stages left out): at most _MAX_LINES stages in all;
        what does not fit is one "… N more stages" line per section."""
        budget, out = _MAX_LINES, []
        for sec in self.sections:
            by_job: dict[str, list[StageProgress]] = {}
            for stage in sec.stages:
                by_job.setdefault(stage.job, []).append(stage)
            left = 0
            for job, stages in by_job.items():
                shown = stages[: max(budget, 0)]
                budget -= len(shown)
                left += len(stages) - len(shown)
                if shown:
                    out.append((sec, job, shown, 0))
            if left:
                out.append((sec, "", [], left))
        return out

    def _detail(self) -> list[tuple[int, str, StageProgress | None]]:
        """(indent level, text, the stage of a stage line) of every folded line."""
        out: list[tuple[int, str, StageProgress | None]] = []
        last: Section | None = None
        for sec, job, stages, left in self._rows():
            if len(self.sections) > 1 and sec is not last:  # one section: the line names it
                out.append((0, sec.title, None))
                last = sec
            if job:
                out.append((1, job, None))
            out += [(2 if job else 1, stage_line(stage), stage) for stage in stages]
            if left:
                out.append((1, f"… {left} more stages", None))
        return out

    def details(self) -> list[str]:
        """The per-job and per-stage lines the HTML folds under the summary line."""
        return [f"{'  ' * level}{text}" for level, text, _ in self._detail()]

    def __repr__(self) -> str:
        # text/plain (nbconvert, GitHub, a terminal): as short as the HTML's folded view.
        return self.line()

    def _repr_html_(self) -> str:
        ending = "".join(
            f" · <span style='color:#d32f2f'>{escape(part)}</span>" for part in self._ending()
        )
        head = f"<b>{escape(self._counts())}</b>{ending}"
        rows = []
        for level, text, stage in self._detail():
            margin = f"margin-left:{level}em"
            if stage is None:
                shown = f"<b>{escape(text)}</b>" if level == 0 else escape(text)
                rows.append(f"<div style='{margin}'>{shown}</div>")
            else:
                rows.append(
                    f"<div style='{margin};display:flex;gap:.6em;align-items:center'>"
                    f"{_bar(stage)}<span>{escape(text)}</span></div>"
                )
        body = f"<details><summary>{head}</summary>{''.join(rows)}</details>"
        return root("lazyscope-progress-summary", body if rows else f"<div>{head}</div>", _FONT)


def stage_line(stage: StageProgress) -> str:
    if stage.skipped:
        return f"{stage.label}: skipped (output reused)"
    if stage.total == 0 and stage.finished:
        return f"{stage.label}: done, no task counts reported"
    text = f"{stage.label}: {stage.done}/{stage.total} tasks"
    text += f", {stage.failed} failed" if stage.failed else ""
    seconds = stage.seconds
    return text + (f", {seconds:.1f} s" if seconds is not None else "")


def _bar(stage: StageProgress) -> str:
    total = max(stage.total, 1)
    done, failed = 100 * stage.done / total, 100 * stage.failed / total
    return (
        "<span style='display:inline-flex;width:8em;height:.7em;background:#ddd'>"
        f"<span style='width:{done:.0f}%;background:#388e3c'></span>"
        f"<span style='width:{failed:.0f}%;background:#d32f2f'></span></span>"
    )
