"""Set-up of a kernel's LocalCluster: its workers (a Dask preload module) and its log.

The kernel's interrupt (JupyterLab's stop button) is a SIGINT to the kernel's whole
process group, and the local workers are in it: without the preload, interrupting a
cell killed every worker of the cluster. A worker ignores SIGINT; it still stops with
its nanny, which lives in the kernel (and so with the kernel).

Logs: the worker processes inherit the kernel's stderr, which ipykernel forwards to
whatever cell runs, so distributed's log lines (a failed heartbeat, a result that does
not pickle) landed in the user's cells with their tracebacks. The preload points each
worker's stderr at the kernel's Dask log file, and `route_kernel_logs` sends the
kernel's own distributed loggers (scheduler, nannies, client) there too. What lazyscope
reports, it reports as exceptions, which logging does not touch.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
from pathlib import Path
from typing import Any

__all__ = ["LOG_ENV", "dask_setup", "route_kernel_logs"]

# The log's path reaches the worker processes through the nanny's environment.
LOG_ENV = "LAZYSCOPE_DASK_LOG"


def dask_setup(worker: Any) -> None:
    # Preloads run on the worker's event loop, in its main thread, where signals are set.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    log = os.environ.get(LOG_ENV)
    if log:
        # Descriptor 2, not sys.stderr alone: warnings, faulthandler and C libraries
        # write there too. O_APPEND keeps the workers' lines whole in one shared file.
        sys.stderr.flush()
        fd = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        os.dup2(fd, 2)
        os.close(fd)


def route_kernel_logs(log: Path) -> None:
    """distributed's loggers of this process write to `log` instead of the cell.

    distributed gives its loggers a handler on the stderr of the moment it was imported
    (in a kernel, the running cell's); a handler we added earlier moves to the new log.
    """
    import dask

    handler = _LogFile(log)
    handler.setFormatter(logging.Formatter(dask.config.get("distributed.admin.log-format")))
    names = ["distributed", *logging.root.manager.loggerDict]
    for name in sorted({n for n in names if n == "distributed" or n.startswith("distributed.")}):
        logger = logging.getLogger(name)
        replaced = [h for h in logger.handlers if _replaceable(h)]
        for old in replaced:
            logger.removeHandler(old)
        if replaced or name == "distributed":
            logger.addHandler(handler)


class _LogFile(logging.Handler):
    """Appends each record to the log, as the workers do (their lines stay whole).

    Not a StreamHandler: distributed's `silence_logs` turns those down for a cluster's
    life, and the kernel's lines (the scheduler's, the nannies') belong in the log.
    """

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = self.format(record) + "\n"
            with self.path.open("a", encoding="utf-8") as f:
                f.write(line)
        except Exception:
            self.handleError(record)


def _replaceable(handler: logging.Handler) -> bool:
    if isinstance(handler, _LogFile):
        return True
    # distributed's own: a plain StreamHandler on stderr (a user's file handler stays).
    stream = getattr(handler, "stream", None)
    on_stderr = stream in (sys.stderr, sys.__stderr__) or getattr(stream, "name", None) in (
        "stderr",  # ipykernel's stream of an earlier cell
        "<stderr>",
    )
    return type(handler) is logging.StreamHandler and on_stderr
