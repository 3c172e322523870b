"""Sessions that kernels announced in the Jupyter runtime directory.

The kernel side (``lazyscope._announce``) writes one ``lazyscope-kernel-*.json`` per
kernel. A file is only a claim, and the proxy acts on it, so:

- it is read only if it is a regular file of the server's user (no symlink, FIFO or
  device), of at most ``MAX_BYTES`` with at most ``MAX_SESSIONS`` sessions, and never in
  a way that can block (a kernel writes a few hundred bytes);
- it counts only while its kernel id is a running kernel of this server and its pid is
  that kernel's process or a descendant of it, running since before the file was
  written (a kernel that crashed cannot remove its file, and its pid may be reused);
- a session keeps its dashboard only where ``checked_dashboard`` allows it for the
  server's ``AllowedHosts``.

``Announcements`` reads each file once per version (the proxy asks for a dashboard on
every request) and says once in the log why it skips a file. No tornado here.
"""

from __future__ import annotations

import errno
import json
import logging
import os
import stat
import time
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

import psutil

from lazyscope._clusters import AllowedHosts, checked_dashboard
from lazyscope.engines import packages

__all__ = [
    "MAX_BYTES",
    "MAX_SESSIONS",
    "PATTERN",
    "SETTLE_NS",
    "Announcements",
    "RefusedError",
    "parse",
    "read_bytes",
    "still_running",
]

log = logging.getLogger(__name__)

PATTERN = "lazyscope-kernel-*.json"
MAX_BYTES = 64 * 1024
MAX_SESSIONS = 8  # a kernel has one session per engine
# A file (or the folder) changed this recently may change again within the same tick of
# the file system's clock (a few ms) and keep its (inode, mtime, size): it is read again
# until it is older than this.
SETTLE_NS = 1_000_000_000

Key = tuple[int, int, int]


class RefusedError(ValueError):
    """Why a file is not an announcement we read (said once in the server's log)."""


def _runtime_dir() -> Path:
    # Resolved per call, not at import: kernels inherit the server's environment,
    # and JUPYTER_RUNTIME_DIR may change after import (tests, nested servers).
    from jupyter_core.paths import jupyter_runtime_dir

    return Path(jupyter_runtime_dir())


def _key(st: os.stat_result) -> Key:
    return (st.st_ino, st.st_mtime_ns, st.st_size)


def _check(st: os.stat_result) -> None:
    if stat.S_ISLNK(st.st_mode):
        raise RefusedError("it is a symbolic link")
    if not stat.S_ISREG(st.st_mode):
        raise RefusedError("it is not a regular file")
    if st.st_uid != os.geteuid():
        raise RefusedError(f"it belongs to uid {st.st_uid}, not to the server's user")
    if st.st_size > MAX_BYTES:
        raise RefusedError(f"it is larger than {MAX_BYTES // 1024} KiB")


def read_bytes(path: Path) -> bytes:
    """The content of an announcement file, or ``RefusedError``. Checked on the opened file
    (it may have been swapped since it was listed); opened without following a symlink
    and without blocking (a FIFO opens at once, and is then refused unread)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        if exc.errno != errno.ELOOP:
            raise  # gone since it was listed (its kernel stopped), or unreadable
        raise RefusedError("it is a symbolic link") from None
    try:
        _check(os.fstat(fd))
        data = b""
        while len(data) <= MAX_BYTES and (chunk := os.read(fd, MAX_BYTES + 1 - len(data))):
            data += chunk
    finally:
        os.close(fd)
    if len(data) > MAX_BYTES:  # grew since fstat
        raise RefusedError(f"it is larger than {MAX_BYTES // 1024} KiB")
    return data


def _valid_session(session: Any) -> bool:
    return (
        isinstance(session, dict)
        and isinstance(session.get("id"), str)
        and session.get("engine") in _engines()
    )


def _engines() -> set[str]:
    """The engines a session may report: every package's TITLES."""
    return {engine for package in packages() for engine in package.TITLES}


def parse(data: bytes) -> tuple[str | None, int, list[dict[str, Any]]]:
    """(kernel id, pid, valid sessions) of an announcement, or ``RefusedError``. The kernel id
    is ``None`` for plain IPython (not a kernel, so not ours to list)."""
    try:
        payload = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise RefusedError("it is not JSON") from None
    if not isinstance(payload, dict):
        raise RefusedError("it is not a JSON object")
    pid, kernel_id, sessions = payload.get("pid"), payload.get("kernel_id"), payload.get("sessions")
    if (
        not isinstance(pid, int)
        or isinstance(pid, bool)
        or not isinstance(kernel_id, str | None)
        or not isinstance(sessions, list)
    ):
        raise RefusedError("it has no kernel_id, pid and sessions")
    if len(sessions) > MAX_SESSIONS:
        raise RefusedError(f"it announces more than {MAX_SESSIONS} sessions")
    # Unknown keys pass through, so new kernel-side fields reach the lab unchanged.
    return kernel_id, pid, [s for s in sessions if _valid_session(s)]


def _kernel_pid(kernel_manager: Any, kernel_id: str | None) -> int | None:
    """The process id of a running kernel of this server (its provisioner's), or None."""
    try:
        if kernel_id is None or kernel_manager is None or kernel_id not in kernel_manager:
            return None
        pid = kernel_manager.get_kernel(kernel_id).provisioner.pid
    except (AttributeError, KeyError):  # starting, or a provisioner without a local process
        return None
    return pid if isinstance(pid, int) and pid > 0 else None


def _of_kernel(pid: int, kernel_pid: int, written_at: float) -> bool:
    """Is ``pid`` the kernel's process or a descendant of it, running since before the
    file was written? (A later process with that pid did not write it.)"""
    try:
        kernel = psutil.Process(kernel_pid)
        family = [kernel, *kernel.children(recursive=True)]
        proc = next((p for p in family if p.pid == pid), None)
        # 1 s of slack: create_time and mtime come from different clocks/rounding.
        return (
            proc is not None
            and proc.status() != psutil.STATUS_ZOMBIE
            and proc.create_time() <= written_at + 1.0
        )
    except psutil.Error:
        return False


def still_running(session: dict[str, Any], kernel_manager: Any) -> bool:
    """Does the process that announced ``session`` (a listed session: its ``kernel_id``
    and ``pid``) still run as that kernel of this server? False once the kernel was shut
    down, killed, or restarted (a restarted kernel is a new process)."""
    pid, kernel_pid = session.get("pid"), _kernel_pid(kernel_manager, session.get("kernel_id"))
    if kernel_pid is None or not isinstance(pid, int) or isinstance(pid, bool):
        return False
    return _of_kernel(pid, kernel_pid, time.time())


@dataclass
class _File:
    """One version of one announcement file, as read."""

    key: Key
    settled: bool  # older than SETTLE_NS when read: any later change changes the key
    kernel_id: str | None = None
    pid: int = 0
    written_at: float = 0.0
    sessions: list[dict[str, Any]] = field(default_factory=list)
    verdicts: dict[int, bool] = field(default_factory=dict)  # kernel pid -> written by it


class Announcements:
    """The announced sessions of one server: each file is read once per version (its
    inode, mtime and size), the folder listed again only when it changed."""

    def __init__(self, hosts: AllowedHosts | None = None, logger: Any = log) -> None:
        self.hosts = hosts or AllowedHosts()
        self.log = logger
        self.reads = 0  # files opened: what a listing re-reads shows here (tests)
        self._folder: tuple[str, Key] | None = None
        self._files: dict[str, _File | None] = {}  # None: not read yet
        self._said: dict[str, set[str]] = {}  # what the log said about each file

    def sessions(self, kernel_manager: Any, folder: Path | None = None) -> list[dict[str, Any]]:
        """Every session announced by a kernel of this server, oldest first."""
        folder = _runtime_dir() if folder is None else folder
        now = time.time_ns()
        self._scan(folder, now)
        found = [
            session
            for name in list(self._files)
            for session in self._claimed(name, self._file(folder / name, now), kernel_manager)
        ]
        found.sort(key=lambda s: (_started(s), s["id"]))
        return found

    def _scan(self, folder: Path, now: int) -> None:
        try:
            st = os.stat(folder)
            if self._folder == (str(folder), _key(st)):
                return
            names = sorted(e.name for e in os.scandir(folder) if fnmatchcase(e.name, PATTERN))
        except OSError:  # no runtime dir yet: no kernel announced anything
            st, names = None, []
        settled = st is not None and now - st.st_mtime_ns > SETTLE_NS
        self._folder = (str(folder), _key(st)) if st is not None and settled else None
        self._files = {name: self._files.get(name) for name in names}
        self._said = {name: said for name, said in self._said.items() if name in self._files}

    def _file(self, path: Path, now: int) -> _File | None:
        try:
            st = os.lstat(path)
        except OSError:  # removed since the folder was listed (its kernel stopped)
            return None
        cached = self._files.get(path.name)
        if cached is None or cached.key != _key(st) or not cached.settled:
            cached = self._files[path.name] = _File(_key(st), now - st.st_mtime_ns > SETTLE_NS)
            self._read(path, st, cached)
        return cached

    def _read(self, path: Path, st: os.stat_result, file: _File) -> None:
        try:
            _check(st)  # a FIFO or a device is not even opened
            self.reads += 1
            file.kernel_id, file.pid, sessions = parse(read_bytes(path))
        except FileNotFoundError:  # removed since it was listed: its kernel stopped
            return
        except (RefusedError, OSError) as why:
            self._say(path.name, f"lazyscope: ignoring {path.name}: {why}")
            return
        file.written_at = st.st_mtime
        file.sessions = [self._checked(path.name, s) for s in sessions]

    def _checked(self, name: str, session: dict[str, Any]) -> dict[str, Any]:
        dashboard = session.get("dashboard")
        checked = checked_dashboard(session["engine"], session.get("address"), dashboard,
                                    self.hosts)  # fmt: skip
        if dashboard is not None and checked is None:
            sid, address = session["id"], session.get("address")
            self._say(name, f"lazyscope: session {sid:.80} announced in {name} has a dashboard "
                      f"{dashboard!r:.200} that is not an http(s) URL on the host of its address "
                      f"{address!r:.200}, on this machine or on a host of ClusterManager."
                      "allowed_dashboard_hosts; it is listed without a dashboard")  # fmt: skip
        return {**session, "dashboard": checked}

    def _claimed(self, name: str, file: _File | None, kernel_manager: Any) -> list[dict[str, Any]]:
        # Another server's kernel, plain IPython or a stopped kernel: not ours, not an error.
        kernel_pid = _kernel_pid(kernel_manager, file.kernel_id) if file else None
        if file is None or kernel_pid is None or not file.sessions:
            return []
        if kernel_pid not in file.verdicts:
            file.verdicts[kernel_pid] = _of_kernel(file.pid, kernel_pid, file.written_at)
        if not file.verdicts[kernel_pid]:
            self._say(name, f"lazyscope: ignoring {name}: pid {file.pid} is no process of "
                      f"kernel {file.kernel_id} that ran when the file was written")  # fmt: skip
            return []
        source = {"kernel_id": file.kernel_id, "pid": file.pid, "source": "kernel"}
        return [{**session, **source} for session in file.sessions]

    def _say(self, name: str, message: str) -> None:
        """Log ``message`` once while the file is there (the panel lists every few seconds)."""
        said = self._said.setdefault(name, set())
        if message not in said:
            said.add(message)
            self.log.warning("%s", message)


def _started(session: dict[str, Any]) -> float:
    started = session.get("started")
    return float(started) if isinstance(started, int | float) else 0.0
