"""Which engine packages there are: the modules named by the `lazyscope.engines` entry
points (lazyscope's own, and any installed package's), plus those registered at run time.

Registering by module name is the one way in: the entry-point loader registers what it
finds, and a package that is not installed (a test's engine, a notebook's experiment)
calls `register_package` itself, since entry points exist only for installed
distributions. Packages are imported on first use and kept in their ORDER (then NAME), so
menus, messages and the status come out the same in every process.
"""

from __future__ import annotations

import importlib
from importlib.metadata import entry_points
from typing import TYPE_CHECKING, Any

from ._errors import LazyscopeError

if TYPE_CHECKING:
    from ._sessions import EnginePackage

__all__ = [
    "GROUP",
    "package_for",
    "package_named",
    "packages",
    "register_package",
    "title",
    "unregister_package",
]

GROUP = "lazyscope.engines"
_registered: list[str] = []  # module names, in registration order
_loaded: tuple[EnginePackage, ...] | None = None
_found = False  # the entry points were read (once per process)


def register_package(module: str) -> None:
    """Add the engine package `module` (a dotted module name); it is imported when the
    packages are next asked for. Registering one twice is harmless."""
    global _loaded
    if module not in _registered:
        _registered.append(module)
        _loaded = None


def unregister_package(module: str) -> None:
    """Forget a package registered at run time (a test's engine, after the test)."""
    global _loaded
    if module in _registered:
        _registered.remove(module)
        _loaded = None


def _read_entry_points() -> None:
    global _found
    if not _found:
        _found = True
        for point in entry_points(group=GROUP):
            register_package(point.value)


def packages() -> tuple[EnginePackage, ...]:
    """The engine packages, in their order."""
    global _loaded
    _read_entry_points()
    if _loaded is None:
        modules: list[Any] = [importlib.import_module(name) for name in _registered]
        _loaded = tuple(sorted(modules, key=lambda m: (m.ORDER, m.NAME)))
    return _loaded


def package_for(engine: str) -> EnginePackage | None:
    """The package whose sessions or metadata report `engine` (one of its TITLES)."""
    for package in packages():
        if engine in package.TITLES:
            return package
    return None


def package_named(name: str) -> EnginePackage:
    """The package of the magic and session slot `name`."""
    for package in packages():
        if name == package.NAME:
            return package
    raise LazyscopeError(f"No engine is called {name!r}.")


def title(engine: str) -> str:
    """How views name `engine` (a session's or a Meta's): its package's title for it."""
    package = package_for(engine)
    return engine if package is None else package.TITLES[engine]
