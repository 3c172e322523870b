"""`lazyscope.advise(obj)`: the performance advisor's findings, without computing anything."""

from __future__ import annotations

from typing import Any

from lazyscope.model import Finding, Meta

from ._collect import meta_of
from ._rules import RULES

__all__ = ["Finding", "advise", "findings_for"]

_ORDER = {"warning": 0, "info": 1}


def findings_for(meta: Meta) -> list[Finding]:
    """Every rule's findings for already-read metadata, warnings first."""
    found = [finding for rule in RULES for finding in rule(meta)]
    return sorted(found, key=lambda f: _ORDER[f.severity])  # stable: rule order within a level


def advise(obj: Any) -> list[Finding]:
    """Findings for an engine's lazy object: rule id, severity, message, where, fix."""
    return findings_for(meta_of(obj))
