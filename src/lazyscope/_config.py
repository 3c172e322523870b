"""User defaults, as traitlets: ``%config Lazyscope.<option> = value``.

The common options are here; each engine package adds its own (`EnginePackage.config`,
named after the engine), so the one `Lazyscope` section holds them all."""

from __future__ import annotations

from typing import Any

from traitlets import Bool, CFloat
from traitlets.config import Configurable

from ._engine_packages import packages

__all__ = ["install", "settings"]


class _Common(Configurable):  # type: ignore[misc]  # traitlets is untyped
    connect_timeout = CFloat(
        10.0, help="Seconds to wait for a remote cluster (its scheduler or server) to answer."
    ).tag(config=True)
    rich_display = Bool(
        True, help="Show lazy objects of the engines with lazyscope's metadata view in every cell."
    ).tag(config=True)
    progress = Bool(True, help="Show live progress in the engines' cell magics.").tag(config=True)


def _settings_class() -> type[Any]:
    """The `Lazyscope` section: the common options and every engine package's."""
    traits: dict[str, Any] = {}
    for package in packages():
        traits.update(package.config())
    doc = "Defaults for lazyscope's magics, views and plots."
    return type("Lazyscope", (_Common,), {"__doc__": doc, **traits})


_settings: Any = None  # the kernel's one instance of the `Lazyscope` section


def settings() -> Any:
    """The kernel's one settings object (created on first use)."""
    global _settings
    if _settings is None:
        _settings = _settings_class()()
    return _settings


def install(shell: object) -> Any:
    """Make the settings object the shell's, so ``%config Lazyscope`` reaches it."""
    global _settings
    configurables = getattr(shell, "configurables", None)
    if _settings is None:
        _settings = _settings_class()(parent=shell)
    if configurables is not None and _settings not in configurables:
        configurables.append(_settings)
    return _settings
