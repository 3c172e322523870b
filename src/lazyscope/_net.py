"""Cheap network checks done before handing an address to an engine.

Engines retry unreachable addresses for a long time (their RPC and comm layers); a plain
TCP connect answers in milliseconds, so users get a clear
error at once instead of a hang.
"""

from __future__ import annotations

import errno
import socket

from lazyscope._errors import LazyscopeError

__all__ = ["address_in_use", "check_port_free", "check_reachable", "port_in_use"]


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


def port_in_use(port: int, what: str) -> LazyscopeError:
    return LazyscopeError(
        f"Port {port} for the {what} is already in use. "
        "Choose another port, or leave it out to pick a free one."
    )


def address_in_use(exc: BaseException | None) -> bool:
    """Whether a server's start failed because its port is taken (anywhere in the chain)."""
    for _ in range(10):
        if exc is None:
            return False
        if isinstance(exc, OSError) and exc.errno == errno.EADDRINUSE:
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def check_port_free(port: int, what: str, host: str = "127.0.0.1") -> None:
    """A check before a slow start, not a reservation: the port is free again when this
    returns, so the server's own bind must still be checked (see `address_in_use`)."""
    if port == 0:
        return
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # As servers bind: a port whose last connections linger in TIME_WAIT (a server
        # just stopped) is free for them, and must not be reported in use.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            raise port_in_use(port, what) from None
