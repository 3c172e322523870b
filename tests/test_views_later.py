"""views/_later: a finished progress widget closes later, on one thread for the kernel."""

from __future__ import annotations

import threading
import time

from lazyscope.views._later import run_later


def test_finished_widgets_close_on_one_thread_however_many_cells_ran() -> None:
    closed: list[int] = []
    before = threading.active_count()
    for i in range(50):
        run_later(0.3, lambda i=i: closed.append(i))
    run_later(0.1, lambda: 1 / 0)  # a failing action does not stop the others
    assert threading.active_count() <= before + 1  # not a thread per action
    deadline = time.monotonic() + 10
    while len(closed) < 50 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert closed == list(range(50))  # each ran, in the order asked
