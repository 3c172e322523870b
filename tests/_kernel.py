"""Run code in a real, separate Jupyter kernel and collect what a user would see."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import nbformat
from jupyter_client.manager import KernelManager
from jupyter_core.paths import jupyter_runtime_dir
from nbclient import NotebookClient

__all__ = ["Kernel", "cell_text", "lazyscope_kernel", "run_notebook", "user_env"]


def cell_text(cell: Any) -> str:
    """Everything a cell showed, as text: streams, text/plain results, error names and values."""
    parts = []
    for out in cell.get("outputs", []):
        if out["output_type"] == "stream":
            parts.append(out["text"])
        elif out["output_type"] in ("execute_result", "display_data"):
            parts.append(out["data"].get("text/plain", ""))
        elif out["output_type"] == "error":
            parts.append("\n".join(out["traceback"]))  # what the notebook shows
    return "\n".join(parts)


def run_notebook(sources: list[str], timeout: int = 300) -> tuple[list[str], Any]:
    """Execute the cells in a fresh kernel with nbclient; each cell's text, and the notebook."""
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
    client = NotebookClient(nb, kernel_name="python3", timeout=timeout, allow_errors=True)
    client.execute(env=user_env())  # as a user's kernel: see user_env
    return [cell_text(c) for c in nb.cells], nb


def user_env(changes: Mapping[str, str | None] | None = None) -> dict[str, str]:
    """The environment of a user's kernel: ours without PYTEST_CURRENT_TEST, with `changes`
    (None removes a variable). ipykernel forwards its child processes' output (their file
    descriptors 1 and 2: Dask workers, the JVM) to the cells except under pytest, which it
    detects by that variable; a kernel that inherited it would hide such leaks from tests."""
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_CURRENT_TEST"}
    for name, value in (changes or {}).items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


class Kernel:
    """A kernel we start and stop ourselves, to count the processes it leaves behind; it
    runs in `user_env(env)`, so it shows what a user's kernel would."""

    def __init__(self, env: Mapping[str, str | None] | None = None) -> None:
        # Named as jupyter_server names it (runtime_dir/kernel-<id>.json): the kernel
        # derives its id, and its announcement's name, from that file name.
        kernel_id = str(uuid.uuid4())
        connection_file = Path(jupyter_runtime_dir()) / f"kernel-{kernel_id}.json"
        self.km = KernelManager(kernel_name="python3", connection_file=str(connection_file))
        self.km.kernel_id = kernel_id
        self.km.start_kernel(env=user_env(env))
        self.client = self.km.client()
        self.client.start_channels()
        self.client.wait_for_ready(timeout=60)

    @property
    def pid(self) -> int:
        return int(self.km.provisioner.process.pid)  # type: ignore[union-attr]

    def run(self, code: str, timeout: float = 300) -> str:
        chunks: list[str] = []

        def hook(msg: dict[str, Any]) -> None:
            content = msg["content"]
            if msg["msg_type"] == "stream":
                chunks.append(content["text"])
            elif msg["msg_type"] in ("execute_result", "display_data"):
                chunks.append(content["data"].get("text/plain", ""))
            elif msg["msg_type"] == "error":
                chunks.append(f"{content['ename']}: {content['evalue']}")

        self.client.execute_interactive(code, timeout=timeout, output_hook=hook)
        return "".join(chunks)

    def shutdown(self, now: bool = False) -> None:
        self.client.stop_channels()
        self.km.shutdown_kernel(now=now)


@contextmanager
def lazyscope_kernel() -> Iterator[Kernel]:
    """A kernel with `%load_ext lazyscope` done, shut down afterwards."""
    kernel = Kernel()
    try:
        kernel.run("%load_ext lazyscope")
        yield kernel
    finally:
        kernel.shutdown()
