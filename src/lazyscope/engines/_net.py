"""Cheap network checks done before handing an address to an engine.

Engines retry unreachable addresses for a long time (gRPC, py4j, distributed's
comm layer); a plain TCP connect answers in milliseconds, so users get a clear
error at once instead of a hang.
"""

from __future__ import annotations

import socket

from lazyscope._errors import LazyscopeError

__all__ = ["check_port_free", "check_reachable"]


def check_reachable(host: str, port: int, what: str, timeout: float = 5.0) -> None:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return
    except TimeoutError:
        reason = f"no answer within {timeout:g} s"
    except OSError as exc:
        reason = exc.strerror or str(exc)
    raise LazyscopeError(
        f"Cannot reach the {what} at {host}:{port} ({reason}). "
        "Check the address and that the server is running."
    )


def check_port_free(port: int, what: str, host: str = "127.0.0.1") -> None:
    if port == 0:
        return
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((host, port))
        except OSError:
            raise LazyscopeError(
                f"Port {port} for the {what} is already in use. "
                "Choose another port, or leave it out to pick a free one."
            ) from None
