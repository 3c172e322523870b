"""Processes and folders the server starts, and how they end with it, however it ends.

The server's exit hooks (``stop_extension``, ``atexit``) stop what it started when it exits
cleanly; a server that is killed (SIGKILL, the OOM killer, a test runner tearing it down) runs
none of them. So on Linux each child asks the kernel for SIGTERM when the server dies
(``PR_SET_PDEATHSIG``): no watchdog process, no polling, and it holds for any signal. The
signal survives ``exec`` (an engine's launch scripts that exec its runtime pass it on to
the runtime itself, whose SIGTERM runs its shutdown hooks, where a worker stops what it
runs). The kernel sends it when the *thread* that forked exits, not the process,
so every child is forked on one thread kept for the life of the server (``_SPAWNER``).

Folders are named with the server's pid, so a later server removes those of dead ones.
"""

from __future__ import annotations

import ctypes
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from lazyscope._pidfolders import new_folder
from lazyscope._pidfolders import sweep as sweep_dead

__all__ = ["kill_group", "new_folder", "reserve_port", "spawn", "sweep"]

_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
# Resolved here, not in the forked child: between fork and exec only the call itself runs.
_prctl = ctypes.CDLL(None, use_errno=True).prctl if sys.platform == "linux" else None

# One thread, idle between spawns, never ending before the server does (its worker
# thread waits for work until the interpreter exits). See the module docstring for why.
_SPAWNER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="lazyscope-spawn")


def _dies_with(parent: int) -> Callable[[], None] | None:
    if _prctl is None:  # macOS and others: the exit hooks are all there is
        return None
    prctl, term = _prctl, int(signal.SIGTERM)

    def in_child() -> None:
        prctl(_PR_SET_PDEATHSIG, term)
        if os.getppid() != parent:  # the server died before the request: nobody will ask
            os._exit(1)

    return in_child


def spawn(
    args: list[str], log: Path, env: dict[str, str], talk: bool = False
) -> subprocess.Popen[bytes]:
    """Start ``args`` in a session (process group) of its own, output to ``log``; it gets
    SIGTERM if the server dies. ``talk``: its stdin and stdout are pipes to us (requests
    and answers), only its stderr goes to ``log``."""

    def start() -> subprocess.Popen[bytes]:
        with log.open("wb") as out:
            return subprocess.Popen(
                args,
                stdout=subprocess.PIPE if talk else out,
                stderr=out if talk else subprocess.STDOUT,
                stdin=subprocess.PIPE if talk else subprocess.DEVNULL,
                env=env,
                start_new_session=True,
                preexec_fn=_dies_with(os.getpid()),  # only prctl runs there
            )

    return _SPAWNER.submit(start).result()


def kill_group(proc: subprocess.Popen[bytes], timeout: float = 20) -> None:
    """SIGTERM the process group (its runtime exits cleanly), SIGKILL if it lingers."""
    for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 10.0)):
        try:
            os.killpg(proc.pid, sig)
            proc.wait(timeout=wait)
            return
        except ProcessLookupError:
            proc.poll()  # reap, so no zombie remains
            return
        except subprocess.TimeoutExpired:
            continue


def reserve_port() -> socket.socket:
    """A loopback port held until the process it is meant for listens on it (close the
    socket then). Bound, not listening: the OS never hands a bound port to anyone asking
    for a free one, and a plain bind of it fails; a server that sets SO_REUSEADDR (as Java's
    server sockets do) still binds it, which a socket that does not listen lets through.
    (Picking a port and closing it before that server starts let another process take it.)"""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


def sweep(prefix: str, log: Any = None) -> None:
    """Remove the folders ``new_folder`` made for servers that have died (a killed server
    runs no exit hook). A folder whose pid is alive, or is not ours to see, stays."""
    for folder in sweep_dead(prefix):
        if log is not None:
            log.info("lazyscope: removed %s, left by a server that died", folder)
