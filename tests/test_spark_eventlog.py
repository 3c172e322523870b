"""Spark applications keep their event logs in the user's folder (the Jupyter data
directory), bounded, so the server's History Server can show them after they end; a
user's own spark.eventLog.* settings win.

The sessions run in a Python process of their own (one JVM for all of them): the test
session's shared Spark must keep its own settings."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from lazyscope.spark import _eventlog

_SESSIONS = r"""
import json, os, shutil, sys, time
from pathlib import Path
from lazyscope.spark import _eventlog
from lazyscope.spark._session import SparkEngine

events, other = Path(sys.argv[1]), Path(sys.argv[2])
said = {}

def run(name, conf):
    engine = SparkEngine.start("local[1]", {"spark.ui.port": "0", **conf}, name)
    engine.session.range(0, 100, 1, 2).count()
    said[name] = {"app": engine.info.app_id, "history": engine.info.history,
                  "during": sorted(p.name for p in events.iterdir())}
    engine.stop()

run("ours", {})
# 40 older applications (copies of the real log, renamed) for the next start to prune.
app = said["ours"]["app"]
real = events / f"eventlog_v2_{app}"
for n in range(40):
    copy = events / f"eventlog_v2_local-{1000 + n}"
    shutil.copytree(real, copy)
    past = time.time() - 3600 - n
    for f in copy.iterdir():
        os.utime(f, (past, past))
run("off", {"spark.eventLog.enabled": "false"})
run("elsewhere", {"spark.eventLog.dir": other.as_uri()})
print(json.dumps(said))
"""


@pytest.mark.spark
@pytest.mark.slow
def test_sessions_log_to_the_users_folder_bounded_and_user_settings_win(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data, other = tmp_path / "data", tmp_path / "elsewhere"
    other.mkdir()
    events = data / "lazyscope" / "spark-events"
    env = {**os.environ, "JUPYTER_DATA_DIR": str(data)}
    args = [sys.executable, "-c", _SESSIONS, str(events), str(other)]
    done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    said = json.loads(done.stdout.strip().splitlines()[-1])
    monkeypatch.setenv("JUPYTER_DATA_DIR", str(data))
    assert _eventlog.folder() == events  # where the server's History Server reads
    assert (events.stat().st_mode & 0o777, events.parent.stat().st_mode & 0o777) == (0o700, 0o700)

    # Ours: written to the user's folder, compressed, closed at stop.
    ours = said["ours"]
    assert ours["history"] is True
    log = events / f"eventlog_v2_{ours['app']}"
    assert ours["during"] == [log.name]
    assert (log / f"appstatus_{ours['app']}").exists()
    assert [p.name for p in log.glob("events_*")] == [f"events_1_{ours['app']}.zstd"]

    # The next start pruned the 40 older copies down to the bound, newest first.
    kept = sorted(p.name for p in events.iterdir())
    assert len(kept) == _eventlog.KEEP_APPS
    assert log.name in kept
    assert "eventlog_v2_local-1000" in kept  # the newest of the copies
    assert "eventlog_v2_local-1039" not in kept  # the oldest

    # The user's settings win: no log, or the user's folder (and no History Server link).
    assert said["off"]["history"] is False
    assert not any(said["off"]["app"] in name for name in kept)
    assert said["elsewhere"]["history"] is False
    assert [p.name for p in other.iterdir()] == [f"eventlog_v2_{said['elsewhere']['app']}"]


def _app(events: Path, name: str, size: int, age: float, inprogress: bool = False) -> Path:
    """An application's rolling log as Spark writes it, ``age`` seconds old."""
    folder = events / f"eventlog_v2_{name}"
    folder.mkdir()
    (folder / f"events_1_{name}.zstd").write_bytes(b"x" * size)
    (folder / f"appstatus_{name}{'.inprogress' if inprogress else ''}").touch()
    then = time.time() - age
    for f in folder.iterdir():
        os.utime(f, (then, then))
    return folder


def test_prune_keeps_the_newest_within_both_bounds(tmp_path: Path) -> None:
    for n in range(6):
        _app(tmp_path, f"local-{n}", 100, age=100 + n)  # local-0 is the newest
    # At most 4 applications, at most 250 bytes: the newest two.
    removed = _eventlog.prune(tmp_path, keep_apps=4, keep_bytes=250)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["eventlog_v2_local-0",
                                                          "eventlog_v2_local-1"]  # fmt: skip
    assert len(removed) == 4
    assert not any(p.exists() for p in removed)


def test_prune_spares_a_log_still_being_written_unless_stale(tmp_path: Path) -> None:
    running = _app(tmp_path, "local-running", 100, age=7200, inprogress=True)
    dead = _app(tmp_path, "local-dead", 100, age=_eventlog.STALE_SECONDS + 60, inprogress=True)
    done = _app(tmp_path, "local-done", 100, age=10)
    _eventlog.prune(tmp_path, keep_apps=0, keep_bytes=0)
    # Its driver may still run (in another kernel): kept; a day without a write: gone.
    assert running.exists()
    assert not dead.exists()
    assert not done.exists()
