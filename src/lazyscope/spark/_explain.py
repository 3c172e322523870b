"""Spark's explain text, read in one place: its "== … ==" sections, the operator tree of a
section, and operator text as a person reads it. The metadata (plan items, advisor facts)
and the DAG views both read plans through this; the text is the one form classic and
Connect sessions share (a Connect client holds no JVM handle), and producing it plans the
query without running a job."""

from __future__ import annotations

import re

__all__ = ["clean", "sections", "tree"]

# A tree line: levels of "   " or ":  ", then "+- " or ":- ", then maybe a whole-stage
# codegen mark, "*(1) " in the one-line modes or "* " in the formatted mode.
_PREFIX = re.compile(r"^((?:   |:  )*)([+:]- )?(?:\*\(\d+\) |\* )?")
_HEADER = re.compile(r"^== (.+) ==$", re.M)
_EXPR_ID = re.compile(r"#\d+L?")  # Spark's expression ids: k#12L -> k
_PLAN_ID = re.compile(r",?\s*\[plan_id=\d+\]")


def clean(text: str) -> str:
    """Without expression ids (k#12L -> k) and plan ids: what a person reads."""
    return _PLAN_ID.sub("", _EXPR_ID.sub("", text)).strip()


def sections(text: str) -> dict[str, str]:
    """ "== Physical Plan ==" headed parts of an explain text, by title."""
    parts = _HEADER.split(text)
    return {parts[i].strip(): parts[i + 1].strip("\n") for i in range(1, len(parts) - 1, 2)}


def tree(section: str) -> list[tuple[int, str]]:
    """(depth, operator text) per line of a plan tree, root first; the tree ends at the
    first blank line (the formatted mode's detail blocks follow one)."""
    lines: list[tuple[int, str]] = []
    for line in section.strip("\n").splitlines():
        if not line.strip():
            break
        prefix = _PREFIX.match(line)
        assert prefix is not None  # every part of the pattern is optional
        depth = (len(prefix.group(1)) + (3 if prefix.group(2) else 0)) // 3
        lines.append((depth, line[prefix.end() :]))
    return lines
