"""Helpers of the progress tests: act on a run once its engine work has started."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from IPython.utils.capture import capture_output


def when_started(run: Any, action: Callable[[], None], timeout: float = 120) -> threading.Thread:
    """Call `action` (Cancel, an interrupt) once the run's board shows a stage or task
    group: by then the engine knows the work, so cancelling it is not a race."""

    def watch() -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(s.board.stages() for s in run.sources):
                time.sleep(0.5)  # let a task or two start
                action()
                return
            time.sleep(0.1)

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    return thread


def run_cell(shell: Any, source: str) -> tuple[Any, str]:
    """Run a cell in the IPython shell; its result and every text/plain it displayed."""
    with capture_output() as captured:
        result = shell.run_cell(source)
    shown = [out.data.get("text/plain", "") for out in captured.outputs]
    return result, "\n".join(shown)
