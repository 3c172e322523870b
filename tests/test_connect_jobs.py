"""Finding a Spark Connect operation's stages in the server's UI: the parts that need no
server (the real server is in test_progress_connect.py)."""

from __future__ import annotations

import time

from lazyscope.spark._connect_jobs import _operation, operation_stages
from lazyscope.spark._rest import SparkUi
from tests._processes import free_port


def test_the_operation_is_read_from_the_servers_job_tag() -> None:
    tags = [
        "SparkConnect_SessionTag_User__Session_s1_Tag_lazyscope-ab12",
        "SparkConnect_OperationTag_User_me_Session_s1_Operation_9e9e-36",
        "spark-session-2a3b",
    ]
    assert _operation(tags) == "9e9e-36"
    assert _operation(["spark-session-2a3b"]) is None


def test_no_ui_or_an_unreachable_one_finds_nothing_at_once() -> None:
    assert operation_stages(None, {"op"}) == {}
    began = time.monotonic()
    assert operation_stages(SparkUi(f"http://127.0.0.1:{free_port()}", "app-1"), {"op"}) == {}
    assert time.monotonic() - began < 2
