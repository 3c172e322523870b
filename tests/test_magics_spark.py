"""%spark / %%spark through a real IPython shell on the shared local Spark."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.spark


def run(shell: Any, source: str) -> Any:
    return shell.run_cell(source)


def error_text(result: Any) -> str:
    assert result.error_in_exec is not None, "expected the cell to fail"
    return str(result.error_in_exec)


@pytest.fixture(autouse=True)
def _session(spark_engine: Any, ipshell: Any) -> None:
    ipshell.push(spark_engine.namespace())


def test_status_shows_master_app_ui_and_cores(ipshell: Any, spark: Any) -> None:
    result = run(ipshell, "%spark status")
    text = repr(result.result)
    assert "local[2]" in text
    assert spark.sparkContext.applicationId in text
    assert "http://127.0.0.1:" in text  # the Spark UI link stays on loopback
    assert "cores         2" in text
    assert "&lt;" not in text  # plain text, not HTML
    assert "<table>" in result.result._repr_html_()


def test_start_again_reuses_the_running_session(ipshell: Any, spark: Any) -> None:
    result = run(ipshell, "%spark start")
    assert result.error_in_exec is None
    assert ipshell.user_ns["spark"] is spark
    assert ipshell.user_ns["sc"] is spark.sparkContext


def test_cell_runs_in_user_namespace_and_returns_last_value(ipshell: Any) -> None:
    result = run(ipshell, "%%spark\nn = spark.range(25).count()\nn * 2")
    assert result.result == 50
    assert ipshell.user_ns["n"] == 25


def test_cell_result_is_shown_lazily(ipshell: Any, spark: Any) -> None:
    tracker = spark.sparkContext.statusTracker()
    before = len(tracker.getJobIdsForGroup())
    result = run(
        ipshell, "%%spark\nspark.range(10**9).selectExpr('id % 7 AS k').groupBy('k').count()"
    )
    assert result.error_in_exec is None
    assert len(tracker.getJobIdsForGroup()) == before


def test_conflicting_master_is_refused_with_restart_hint(ipshell: Any) -> None:
    message = error_text(run(ipshell, "%%spark --master local[3]\n1"))
    assert "already running" in message
    assert "--restart" in message
    assert run(ipshell, "1 + 1").result == 2  # the kernel stays usable


def test_sql_cell_stores_a_lazy_limited_dataframe(ipshell: Any) -> None:
    result = run(
        ipshell, "%%spark --sql -o evens --limit 3\nSELECT id FROM range(100) WHERE id % 2 = 0;"
    )
    frame = ipshell.user_ns["evens"]
    assert result.result is frame
    assert [row.id for row in frame.collect()] == [0, 2, 4]


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("%%spark --sql\nSELEC 1", "SQL error: [PARSE_SYNTAX_ERROR]"),
        ("%%spark --sql\nSELECT * FROM no_such_table", "TABLE_OR_VIEW_NOT_FOUND"),
        ("%%spark --sql\n   ", "empty"),
        (
            "%%spark\nspark.sql('SELECT nope_column FROM range(3)')",
            "Spark error: [UNRESOLVED_COLUMN",
        ),
        ("%spark frobnicate", "Unknown subcommand 'frobnicate' for %spark"),
        ("%spark start --conf spark.executor.memory", "Bad --conf"),
        ("%spark start --master mesos-ish://x", "Unknown Spark master"),
        ("%spark start --master local[2] --remote sc://127.0.0.1:1", "either --master"),
        ("%spark status --sql", "only applies to the %%spark cell magic"),
        ("%%spark start\n1", "takes options only"),
    ],
)
def test_bad_input_gives_a_short_clear_message(ipshell: Any, source: str, expected: str) -> None:
    message = error_text(run(ipshell, source))
    assert expected in message
    assert "\tat " not in message
    assert "py4j" not in message.lower()
    assert len(message.splitlines()) <= 8
    assert run(ipshell, "40 + 2").result == 42


def test_java_errors_are_not_logged_to_the_user(
    ipshell: Any, capfd: pytest.CaptureFixture[str]
) -> None:
    run(ipshell, "%%spark --sql\nSELECT * FROM missing_table")
    captured = capfd.readouterr()
    assert "org.apache.spark" not in captured.err + captured.out


def test_help_documents_every_option(ipshell: Any) -> None:
    doc = ipshell.find_line_magic("spark").__doc__
    for option in (
        "--master",
        "--remote",
        "--conf",
        "--name",
        "--restart",
        "--sql",
        "--output",
        "--limit",
    ):
        assert option in doc


def test_pinned_port_in_use_is_reported_before_the_jvm_starts() -> None:
    import socket

    from lazyscope._errors import LazyscopeError
    from lazyscope.spark._session import SparkEngine

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        with pytest.raises(LazyscopeError, match=f"Port {port} for the spark.ui.port"):
            SparkEngine.start("local[1]", {"spark.ui.port": str(port)}, "x")


@pytest.mark.parametrize(
    "master",
    [
        "local",
        "local[4]",
        "local[*]",
        "local[2,3]",
        "spark://a:7077,b:7077",
        "yarn",
        "k8s://https://k:6443",
    ],
)
def test_cluster_managers_are_passed_through(master: str) -> None:
    # YARN and Kubernetes cannot run here: only the validation is exercised for them.
    from lazyscope.spark._session import check_master

    check_master(master)
