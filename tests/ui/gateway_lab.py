"""A real Dask Gateway on loopback and the JupyterLab that uses it, for the galata Gateway
spec (``gateway.spec.ts``); one ``webServer`` entry of ``playwright.config.js`` runs it.

The gateway is the tests' own (``tests/_gateway.py``: its local back-end, a password, the
cluster processes in environments without lazyscope). The lab gets dask-gateway's
configuration in its environment (``DASK_GATEWAY__*``), as daskhub sets it for a
single-user server, so its kernels and its Clusters panel use that gateway.

Playwright stops it with SIGTERM (its ``gracefulShutdown``, sent to this process group):
the lab shuts down (its kernels, and with them their clusters), then the gateway stops with
every cluster it still runs; ``running_gateway`` checks that no cluster process is left.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import psutil

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))  # the repository: `tests` is a package there

from tests._gateway import running_gateway  # noqa: E402  # after the path above


def main() -> int:
    home = Path(tempfile.mkdtemp(prefix="lazyscope-ui-gateway-"))
    lab: subprocess.Popen[bytes] | None = None
    stopping: list[int] = []

    def stop(signum: int, _frame: object) -> None:
        # The lab got the group's SIGTERM too; this one waits for it, then stops the gateway.
        stopping.append(signum)
        if lab is not None and lab.poll() is None:
            lab.send_signal(signum)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        with running_gateway(home) as gateway:
            if stopping:  # stopped while the gateway started: no lab
                return 1
            command = ["jupyter", "lab", "--config", "jupyter_server_gateway_config.py"]
            lab = subprocess.Popen(command, cwd=HERE, env={**os.environ, **gateway.env()})
            code = lab.wait()
            # What a test left running (a kept cluster) is said here; the gateway stops it.
            # (Its processes, not dask-gateway's client: that one complains when collected.)
            # A cluster stopped last may still be ending: its processes get a moment.
            _gone, alive = psutil.wait_procs(gateway.cluster_processes(), timeout=15)
            left = [proc.pid for proc in alive]
            if left:
                print(f"gateway_lab: cluster processes left running: {left}", file=sys.stderr)
        return code
    finally:
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
