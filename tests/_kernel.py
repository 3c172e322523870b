"""Run code in a real, separate Jupyter kernel and collect what a user would see."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import nbformat
from jupyter_client.manager import KernelManager
from jupyter_core.paths import jupyter_runtime_dir
from nbclient import NotebookClient


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
    client.execute()
    return [cell_text(c) for c in nb.cells], nb


class Kernel:
    """A kernel we start and stop ourselves, to count the processes it leaves behind."""

    def __init__(self) -> None:
        # Named as jupyter_server names it (runtime_dir/kernel-<id>.json): the kernel
        # derives its id, and its announcement's name, from that file name.
        kernel_id = str(uuid.uuid4())
        connection_file = Path(jupyter_runtime_dir()) / f"kernel-{kernel_id}.json"
        self.km = KernelManager(kernel_name="python3", connection_file=str(connection_file))
        self.km.kernel_id = kernel_id
        self.km.start_kernel()
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
