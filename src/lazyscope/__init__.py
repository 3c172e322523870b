"""lazyscope: lazy dataframe engines, native in Jupyter (the engines: `lazyscope.engines`).

Importing this package is cheap on purpose: the engines' libraries and the plotting stack
are imported only when a function that needs them is called.
"""

from __future__ import annotations

import importlib
from typing import Any

from ._version import __version__

__all__ = [
    "__version__",
    "advise",
    "dag",
    "describe",
    "hist",
    "load_ipython_extension",
    "plot",
    "progress",
    "unload_ipython_extension",
]

# Public functions live in their own modules; they are imported on first access
# (PEP 562) so `import lazyscope` never pulls in an engine. name -> module.
_PUBLIC: dict[str, str] = {
    "progress": "lazyscope.views.progress",
    "describe": "lazyscope.views.describe",
    "advise": "lazyscope.views.advisor",
    "dag": "lazyscope.views.dag",
    "plot": "lazyscope.plotting",
    "hist": "lazyscope.plotting",
}


def __getattr__(name: str) -> Any:
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'lazyscope' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


def __dir__() -> list[str]:
    return sorted([*globals(), *_PUBLIC])


def load_ipython_extension(ipython: Any) -> None:
    """``%load_ext lazyscope``: settings, magics and display formatters."""
    from ._extension import load

    load(ipython)


def unload_ipython_extension(ipython: Any) -> None:
    from ._extension import unload

    unload(ipython)


def _jupyter_labextension_paths() -> list[dict[str, str]]:
    return [{"src": "labextension", "dest": "lazyscope"}]


def _jupyter_server_extension_points() -> list[dict[str, Any]]:
    # Imported here: `import lazyscope` in a kernel must not import jupyter_server.
    from .server import LazyscopeServer

    return [{"module": "lazyscope.server", "app": LazyscopeServer}]
