"""Sizes: one unit table, one parser and one formatter for every size lazyscope reads or
shows. Binary units throughout ("1g" = 2**30), as the engines count."""

from __future__ import annotations

import re

__all__ = ["UNITS", "format_bytes", "parse_size"]

UNITS = {"": 1, "k": 2**10, "m": 2**20, "g": 2**30, "t": 2**40, "p": 2**50, "e": 2**60}
# "2GiB", "512m", "1g", "1gb", "8.0 EiB" (plan statistics), "1024" (bytes).
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgtpe]?)(?:i?b)?\s*$", re.IGNORECASE)


def parse_size(text: str | None) -> int | None:
    """Bytes of a size written as above; None when the text is not one."""
    match = _SIZE.match(text or "")
    return int(float(match.group(1)) * UNITS[match.group(2).lower()]) if match else None


def format_bytes(n: int | None) -> str:
    if n is None:
        return "unknown"
    size = float(n)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if size < 1024 or unit == "TiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    raise AssertionError("unreachable")
