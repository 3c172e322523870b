"""Validation of the options a client sends to create or scale a cluster: everything
that reaches a command line or a constructor is checked here first (clear 400s)."""

from __future__ import annotations

from typing import Any

from lazyscope.engines import packages
from lazyscope.model import parse_size

__all__ = ["OptionsError", "parse_memory", "validate_create", "validate_scale"]

MAX_WORKERS = 64


class OptionsError(ValueError):
    """Bad client input; the message is shown to the user as is."""


def parse_memory(value: Any) -> int:
    """``"2GiB"``, ``"512m"``, ``"1g"`` or a byte count -> bytes (binary units)."""
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    size = parse_size(value) if isinstance(value, str) else None
    if size is None:
        raise OptionsError(f"memory must look like '2GiB', '512m' or a byte count, not {value!r}")
    return size


def _count(body: dict[str, Any], key: str, low: int, default: int) -> int:
    value = body.get(key, default)
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= MAX_WORKERS:
        raise OptionsError(f"{key} must be an integer from {low} to {MAX_WORKERS}, not {value!r}")
    return value


def validate_create(body: Any, defaults: dict[str, Any]) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise OptionsError("the body must be a JSON object")
    extra = {option for package in packages() for option in package.SERVER_OPTIONS}
    unknown = set(body) - {"engine", "workers", "cores", "memory", "name", *extra}
    if unknown:
        raise OptionsError(f"unknown option(s): {', '.join(sorted(unknown))}")
    engine = body.get("engine")
    names = sorted(package.NAME for package in packages())
    if engine not in names:
        raise OptionsError(f"engine must be one of {', '.join(names)}, not {engine!r}")
    (package,) = (p for p in packages() if engine == p.NAME)
    name = body.get("name", "")
    if not isinstance(name, str) or len(name) > 80:
        raise OptionsError("name must be a string of at most 80 characters")
    connect = body.get("connect", False)
    if not isinstance(connect, bool) or (connect and "connect" not in package.SERVER_OPTIONS):
        takers = [p.TITLES[p.NAME] for p in packages() if "connect" in p.SERVER_OPTIONS]
        raise OptionsError(f"connect (a boolean) applies to {' and '.join(takers)} clusters only")
    return {
        "engine": engine,
        "name": name,
        "workers": _count(body, "workers", 0, defaults.get("workers", 1)),
        "cores": _count(body, "cores", 1, defaults.get("cores", 1)),
        "memory": parse_memory(body.get("memory", defaults.get("memory", "1GiB"))),
        "connect": connect,
    }


def validate_scale(body: Any) -> int:
    if not isinstance(body, dict) or set(body) != {"workers"}:
        raise OptionsError('scale takes exactly {"workers": N}')
    return _count(body, "workers", 0, 0)
