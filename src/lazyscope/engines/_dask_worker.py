"""Set-up of the worker processes of a kernel's LocalCluster (a Dask preload module).

The kernel's interrupt (JupyterLab's stop button) is a SIGINT to the kernel's whole
process group, and the local workers are in it: without this, interrupting a cell
killed every worker of the cluster. A worker ignores SIGINT; it still stops with
its nanny, which lives in the kernel (and so with the kernel).
"""

from __future__ import annotations

import signal
from typing import Any

__all__ = ["dask_setup"]


def dask_setup(worker: Any) -> None:
    # Preloads run on the worker's event loop, in its main thread, where signals are set.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
