"""A kernel of a single-user server behind JupyterHub, driven as JupyterLab drives one: REST
to start it, the kernel's websocket (through the hub's proxy) to run code. jupyter_client
cannot be used there: the kernel's ports and connection file are the user's, not ours."""

from __future__ import annotations

import json
import time
import uuid
from datetime import datetime, timezone
from typing import Any

import requests
import websocket

__all__ = ["HubKernel", "texts"]


class HubKernel:
    """A kernel started on ``server`` (``http://HOST:PORT/user/NAME/``), used with an API
    token of the hub; close() shuts it down."""

    def __init__(self, server: str, token: str, timeout: float = 60) -> None:
        self.server = server
        self._auth = {"Authorization": f"token {token}"}
        answer = requests.post(server + "api/kernels", json={}, headers=self._auth, timeout=30)
        answer.raise_for_status()
        self.id: str = answer.json()["id"]
        self._session = uuid.uuid4().hex
        url = server.replace("http://", "ws://", 1) + f"api/kernels/{self.id}/channels"
        self._ws = websocket.create_connection(url, header=self._auth, timeout=timeout)

    def run(self, code: str, timeout: float = 180) -> list[dict[str, Any]]:
        """Run ``code``; the iopub messages it caused (display data, streams, errors), in
        order, once the kernel is idle again."""
        msg_id = uuid.uuid4().hex
        header = {
            "msg_id": msg_id,
            "msg_type": "execute_request",
            "session": self._session,
            "username": "",
            "version": "5.3",
            "date": datetime.now(timezone.utc).isoformat(),
        }
        content = {"code": code, "silent": False, "store_history": True,
                   "user_expressions": {}, "allow_stdin": False, "stop_on_error": True}  # fmt: skip
        message = {"header": header, "parent_header": {}, "metadata": {}, "content": content,
                   "channel": "shell", "buffers": []}  # fmt: skip
        self._ws.send(json.dumps(message))
        outputs: list[dict[str, Any]] = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            reply = json.loads(self._ws.recv())
            if reply.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind = reply["header"]["msg_type"]
            if kind in ("display_data", "execute_result", "stream", "error", "update_display_data"):
                outputs.append(reply)
            if kind == "status" and reply["content"]["execution_state"] == "idle":
                return outputs
        raise TimeoutError(f"the kernel did not finish {code!r} in {timeout} s")

    def close(self) -> None:
        try:
            self._ws.close()
        finally:
            url = self.server + f"api/kernels/{self.id}"
            requests.delete(url, headers=self._auth, timeout=60)


def texts(outputs: list[dict[str, Any]], mime: str = "text/plain") -> str:
    """What the outputs show in ``mime`` (streams count as text/plain), joined."""
    parts = []
    for out in outputs:
        content = out["content"]
        if out["header"]["msg_type"] == "stream" and mime == "text/plain":
            parts.append(content["text"])
        elif out["header"]["msg_type"] == "error":
            parts.append(f"{content['ename']}: {content['evalue']}")
        elif mime in content.get("data", {}):
            data = content["data"][mime]
            parts.append(data if isinstance(data, str) else json.dumps(data))
    return "\n".join(parts)
