"""Which progress sources watch a cell: those of every engine in use in this kernel, or of
the one engine asked for. Each engine package finds its own (its running session first,
else one the user built directly, without importing its library)."""

from __future__ import annotations

from lazyscope._engine_packages import packages
from lazyscope._errors import LazyscopeError
from lazyscope.model import ProgressSource

__all__ = ["sources_for"]


def sources_for(name: str | None) -> list[ProgressSource]:
    """Sources for the engine named `name`, or (None) for every engine in use."""
    names = [package.NAME for package in packages()]
    if name is not None and name not in names:
        quoted = [repr(known) for known in names]
        raise LazyscopeError(
            f"progress() watches {', '.join(quoted[:-1])} or {quoted[-1]}, not {name!r}."
        )
    sources: list[ProgressSource] = []
    for package in packages():
        if name in (None, package.NAME):
            sources += package.progress_sources()
    return sources
