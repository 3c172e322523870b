"""%dask / %%dask through a real IPython shell on the shared LocalCluster."""

from __future__ import annotations

import socket
import time
from typing import Any

import pytest

pytestmark = pytest.mark.dask


@pytest.fixture(autouse=True)
def _session(dask_engine: Any, ipshell: Any) -> None:
    ipshell.push(dask_engine.namespace())


def test_status_shows_scheduler_dashboard_workers(ipshell: Any, dask_client: Any) -> None:
    text = repr(ipshell.run_cell("%dask status").result)
    assert dask_client.scheduler.address in text
    assert "http://127.0.0.1:" in text
    assert "workers       2" in text


def test_status_names_the_log_and_log_shows_its_end(ipshell: Any, capsys: Any) -> None:
    status = ipshell.run_cell("%dask status").result
    [row] = [value for key, value in status.rows() if key == "log"]
    path, hint = row.split(" ", 1)
    assert hint == "(%dask log shows its end)"
    assert "%dask log" in status._repr_html_()
    capsys.readouterr()
    with open(path, encoding="utf-8") as f:
        before = len(f.read().splitlines())
    assert ipshell.run_cell("%dask log").error_in_exec is None
    shown = capsys.readouterr().out.rstrip("\n").splitlines()
    with open(path, encoding="utf-8") as f:
        lines = f.read().splitlines()
    assert any(_ends_here(lines, shown, end) for end in range(before - 1, len(lines) + 1)), (
        shown[-3:],
        lines[-3:],
    )


def _ends_here(lines: list[str], shown: list[str], end: int) -> bool:
    """Whether `shown` is the file's lines up to `end`. The cluster keeps logging while
    `%dask log` reads (a worker may report an earlier test's failed task late), so the
    file may have grown since, and its last line may have been read half written. One line
    fewer than 40 (or than the file had) is a blank last line lost to print's strip."""
    window = lines[max(end - len(shown), 0) : end]
    if len(window) != len(shown) or not shown or len(shown) < min(40, end) - 1:
        return False
    return window[:-1] == shown[:-1] and window[-1].startswith(shown[-1])


def test_cell_runs_on_the_client(ipshell: Any, dask_client: Any) -> None:
    source = (
        "%%dask\nimport dask.array as da\ntotal = da.ones(1000, chunks=100).sum()\ntotal.compute()"
    )
    result = ipshell.run_cell(source)
    assert result.result == 1000
    assert ipshell.user_ns["client"] is dask_client


def test_conflicting_worker_count_is_refused(ipshell: Any) -> None:
    message = str(ipshell.run_cell("%%dask --workers 3\n1").error_in_exec)
    assert "--workers 3 (running: 2)" in message
    assert "--restart" in message


def test_unreachable_scheduler_fails_fast(ipshell: Any) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # bound but not listening: connection refused
        start = time.monotonic()
        from lazyscope.dask._session import DaskEngine

        with pytest.raises(Exception, match=r"Cannot reach the Dask scheduler at 127.0.0.1:\d+"):
            DaskEngine.connect(f"tcp://127.0.0.1:{port}", timeout=5)
    assert time.monotonic() - start < 10


def test_port_in_use_is_reported_before_starting(ipshell: Any) -> None:
    from lazyscope.dask._session import DaskEngine

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        with pytest.raises(
            Exception, match=f"Port {port} for the Dask scheduler is already in use"
        ):
            DaskEngine.start(workers=1, threads=1, memory="1GiB", port=port)


def test_the_port_of_a_stopped_cluster_can_be_used_again() -> None:
    """Right after a stop, the scheduler's old connections linger in TIME_WAIT: free for a
    server's bind, but the port check once called the port in use."""
    from lazyscope.dask._session import DaskEngine

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    first = DaskEngine.start(workers=1, threads=1, memory="1GiB", port=port)
    assert first.client.submit(sum, [1, 2]).result(60) == 3  # connections to linger
    first.stop()
    again = DaskEngine.start(workers=1, threads=1, memory="1GiB", port=port)
    try:
        assert again.client.scheduler.address == f"tcp://127.0.0.1:{port}"
    finally:
        again.stop()


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("%dask launch", "Unknown subcommand 'launch' for %dask"),
        ("%dask connect", "Which scheduler?"),
        ("%dask connect http://127.0.0.1:8786", "Bad Dask scheduler address"),
        ("%dask connect tcp://127.0.0.1", "Bad Dask scheduler address"),
        ("%dask stop tcp://127.0.0.1:1", "takes no address"),
        ("%%dask tcp://127.0.0.1:1 --workers 2\n1", "cannot apply to a scheduler"),
        ("%%dask bogus\n1", "takes options only"),
        ("%%dask\nif True:\n    x = 1\n  y = 2", "IndentationError at line 4 of the cell"),
        ("%%dask\n1 +", "SyntaxError at line 2 of the cell: invalid syntax"),
    ],
)
def test_bad_input_gives_a_short_clear_message(ipshell: Any, source: str, expected: str) -> None:
    result = ipshell.run_cell(source)
    assert expected in str(result.error_in_exec)
    assert ipshell.run_cell("6 * 7").result == 42


def test_help_documents_every_option(ipshell: Any) -> None:
    doc = ipshell.find_line_magic("dask").__doc__
    for option in (
        "start",
        "connect",
        "log",
        "--workers",
        "--threads",
        "--memory",
        "--port",
        "--restart",
    ):
        assert option in doc


def test_config_defaults_are_traitlets(ipshell: Any) -> None:
    ipshell.run_line_magic("config", "Lazyscope.dask_workers = 3")
    from lazyscope._config import settings

    assert settings().dask_workers == 3
    ipshell.run_line_magic("config", "Lazyscope.dask_workers = 2")
