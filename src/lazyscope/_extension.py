"""`%load_ext lazyscope`: settings, magics, short error display."""

from __future__ import annotations

from typing import Any

from . import _config
from ._errors import LazyscopeError

__all__ = ["load", "unload"]


def _show_short_error(shell: Any, etype: type, value: BaseException, tb: Any, tb_offset: Any = None) -> None:
    # One line, no traceback: the message says what to do; our stack would only distract.
    shell._showtraceback(etype, value, [f"{etype.__name__}: {value}"])


def load(shell: Any) -> None:
    from .magics import LazyscopeMagics

    _config.install(shell)
    shell.register_magics(LazyscopeMagics)
    if not shell.custom_exceptions:  # never take over another extension's handler
        shell.set_custom_exc((LazyscopeError,), _show_short_error)


def unload(shell: Any) -> None:
    if LazyscopeError in shell.custom_exceptions:
        shell.set_custom_exc((), None)
