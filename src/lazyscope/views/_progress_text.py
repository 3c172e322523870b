"""The static summary a progress view leaves in the cell: text/plain and text/html.

It is what a saved notebook, nbconvert or GitHub shows of the run, e.g.
``stage 3 (groupBy at cell line 2): 400/400 tasks, 1.2 s``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import escape

from lazyscope._errors import short_engine_message

from ._progress_model import StageProgress

__all__ = ["ProgressSummary", "Section", "brief_error", "stage_line"]

_FONT = "font-family:monospace;font-size:12px"
_MAX_LINES = 30  # stage lines in a summary, over all sections
_EXCEPTION_LINE = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Interrupt|Exit)\b")
# ": org.apache.spark.SparkException: Job aborted..." -> "SparkException: Job aborted..."
_JAVA_EXCEPTION = re.compile(r"^:?\s*(?:[a-z_]\w*\.)+(\w+(?:Exception|Error): .*)")


def brief_error(exc: BaseException) -> str:
    """One line: for an engine error that wraps a Python traceback, its last line; for a
    Java one, its exception line without the py4j preamble."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    if any(line.startswith("Traceback (most recent call last)") for line in lines):
        for line in reversed(lines):
            if _EXCEPTION_LINE.match(line):
                return line[:300]
    if lines and lines[0].startswith("An error occurred while calling"):  # py4j's wrapper
        for line in lines[1:]:
            java = _JAVA_EXCEPTION.match(line)
            if java:
                return java.group(1)[:300]
    first = short_engine_message(exc, 1).strip()
    return f"{type(exc).__name__}: {first}"[:300] if first else type(exc).__name__


@dataclass
class Section:
    """One source's part of the summary: "Spark", "Dask"..."""

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

    def _header(self, sec: Section) -> str:
        ran = sec.ran
        text = f"{sec.title}: {sum(s.done for s in ran)}/{sum(s.total for s in ran)} tasks"
        failed = sum(s.failed for s in ran)
        jobs = len({s.job for s in sec.stages if s.job})
        text += f", {failed} failed" if failed else ""
        text += f", {jobs} job{'s' * (jobs != 1)}" if jobs else ""
        return f"{text}, {self.seconds:.1f} s" + (f" ({sec.note})" if sec.note else "")

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

    def __repr__(self) -> str:
        lines: list[str] = []
        last: Section | None = None
        for sec, job, stages, left in self._rows():
            if sec is not last:
                lines.append(self._header(sec))
                last = sec
            indent = "    " if job else "  "
            if job:
                lines.append(f"  {job}")
            lines += [f"{indent}{stage_line(s)}" for s in stages]
            if left:
                lines.append(f"  … {left} more stages")
        lines += self._footer()
        return "\n".join(lines)

    def _footer(self) -> list[str]:
        out = [] if self.outcome in ("done", "failed") else [self.outcome]
        return out + ([f"error: {self.error}"] if self.error else [])

    def _repr_html_(self) -> str:
        parts = [f"<div class='lazyscope-progress-summary' style='{_FONT}'>"]
        last: Section | None = None
        for sec, job, stages, left in self._rows():
            if sec is not last:
                parts.append(f"<div><b>{escape(self._header(sec))}</b></div>")
                last = sec
            if job:
                parts.append(f"<div style='margin-left:1em'>{escape(job)}</div>")
            for stage in stages:
                parts.append(
                    f"<div style='margin-left:2em;display:flex;gap:.6em;align-items:center'>"
                    f"{_bar(stage)}<span>{escape(stage_line(stage))}</span></div>"
                )
            if left:
                parts.append(f"<div style='margin-left:1em'>… {left} more stages</div>")
        for line in self._footer():
            parts.append(f"<div style='color:#d32f2f'>{escape(line)}</div>")
        return "".join(parts) + "</div>"


def stage_line(stage: StageProgress) -> str:
    if stage.skipped:
        return f"{stage.label}: skipped (output reused)"
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
