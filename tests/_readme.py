"""The README's first command ("Two commands", 1.), read as written, so the tests run and
compare what a reader types, not a copy of it."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass

from tests._paths import ROOT

__all__ = ["FirstCommand", "first_command"]

README = ROOT / "README.md"
_HEADING = "1. **Set up and run**"
_FENCE = re.compile(r"^\s*```bash\s*\n(.*?)^\s*```", re.M | re.S)


@dataclass(frozen=True)
class FirstCommand:
    """`<install> && <run>`: the install part sets the machine up, the run part opens the lab."""

    line: str
    install: str
    run: list[str]  # as words, e.g. ["jupyter", "lab", "notebooks/"]

    @property
    def pip_target(self) -> str:
        """What `pip install` is given (e.g. `.[tutorials]`): Binder installs the same."""
        words = shlex.split(self.install)
        assert words[:2] == ["pip", "install"], f"not `pip install`: {self.install!r}"
        assert len(words) == 3, f"`pip install` of one target: {self.install!r}"
        return words[2]

    @property
    def extras(self) -> list[str]:
        found = re.fullmatch(r"[^\[]*(?:\[([^\]]*)\])?", self.pip_target)
        assert found, self.pip_target
        return [name.strip() for name in (found.group(1) or "").split(",") if name.strip()]


def first_command() -> FirstCommand:
    text = README.read_text(encoding="utf-8")
    start = text.find(_HEADING)
    assert start >= 0, f"README.md has no {_HEADING!r}"
    block = _FENCE.search(text, start)
    assert block, f"no ```bash block after {_HEADING!r} in README.md"
    lines = [line.strip() for line in block.group(1).splitlines() if line.strip()]
    assert len(lines) == 1, f"the first command is one line: {lines}"
    parts = [part.strip() for part in lines[0].split("&&")]
    assert len(parts) == 2, f"the first command is `install && run`: {lines[0]!r}"
    return FirstCommand(line=lines[0], install=parts[0], run=shlex.split(parts[1]))
