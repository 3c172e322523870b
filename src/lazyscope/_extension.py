"""`%load_ext lazyscope`: settings, magics, short error display."""

from __future__ import annotations

from typing import Any

from . import _config
from ._errors import LazyscopeError
from .engines import packages
from .views import _formatters

__all__ = ["load", "unload"]


def _show_short_error(
    shell: Any, etype: type, value: BaseException, tb: Any, tb_offset: Any = None
) -> None:
    # One line, no traceback: the message says what to do; our stack would only distract.
    shell._showtraceback(etype, value, [f"{etype.__name__}: {value}"])


def _stop_sessions_on_shutdown(shell: Any) -> None:
    """Stop our sessions when the kernel is asked to shut down.

    atexit is not enough: Python joins an engine client's non-daemon threads before running
    atexit handlers, and the kernel manager kills the kernel while it waits.
    """
    kernel = getattr(shell, "kernel", None)
    if kernel is None or getattr(kernel.do_shutdown, "_lazyscope", False):
        return
    original = kernel.do_shutdown

    def do_shutdown(restart: bool) -> Any:
        from .engines import stop_all

        stop_all()
        return original(restart)

    do_shutdown._lazyscope = True  # type: ignore[attr-defined]  # marks our wrapper
    kernel.do_shutdown = do_shutdown


def load(shell: Any) -> None:
    from .magics import magics_class_for_engines

    _config.install(shell)
    shell.register_magics(magics_class_for_engines())
    _stop_sessions_on_shutdown(shell)
    for engine in packages():  # e.g. an interrupt also cancels the cell's engine work
        engine.register(shell)
    _formatters.register(shell)  # the engines' lazy objects show the describe view
    if not shell.custom_exceptions:  # never take over another extension's handler
        shell.set_custom_exc((LazyscopeError,), _show_short_error)


def unload(shell: Any) -> None:
    for engine in packages():
        engine.unregister(shell)
    if LazyscopeError in shell.custom_exceptions:
        shell.set_custom_exc((), None)
