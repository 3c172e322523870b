"""Show the engines' lazy objects with the describe view in every cell, once loaded.

Registered by class *name* (`for_type_by_name`, each package's LAZY_TYPES) so that loading
the extension imports no engine's library; IPython resolves the names when such an object
is displayed.
"""

from __future__ import annotations

from typing import Any

from lazyscope._config import settings
from lazyscope._errors import LazyscopeError
from lazyscope.engines import packages

__all__ = ["register"]

# Base classes, so subclasses (classic and Connect DataFrames, Series, Index) match too.


def _bundle(obj: Any) -> dict[str, Any] | None:
    if not settings().rich_display:
        return None  # `%config Lazyscope.rich_display = False`: the library's own repr
    from .describe import describe

    try:
        return describe(obj)._repr_mimebundle_()
    except LazyscopeError as exc:
        # A display must not raise: show why, with the library's repr underneath.
        return {"text/plain": f"{object.__repr__(obj)}\n(lazyscope: {exc})"}


def register(shell: Any) -> None:
    formatter = shell.display_formatter.mimebundle_formatter
    for module, name in (t for engine in packages() for t in engine.LAZY_TYPES):
        formatter.for_type_by_name(module, name, _bundle)
