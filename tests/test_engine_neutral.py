"""An engine is one folder: outside the engine packages (`lazyscope/spark`, `lazyscope/dask`),
no module names an engine, neither in its code (names, strings) nor in its prose (comments,
docstrings). What an engine is called, how it words its status and errors, which
objects are its own: all of that comes from its package's interface
(`lazyscope._sessions.EnginePackage`), found through the `lazyscope.engines` entry points.
"""

from __future__ import annotations

import io
import re
import tokenize
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "lazyscope"
ENGINE_FOLDERS = ("spark", "dask")  # the engines' own folders: they may name themselves
# An engine's name, its library's, its client's or its runtime's.
ENGINE_WORDS = re.compile(r"spark|dask|py4j|\bjvm\b|\bdistributed\b", re.IGNORECASE)


def _neutral_modules() -> list[Path]:
    return sorted(
        path
        for path in SRC.rglob("*.py")
        if path.relative_to(SRC).parts[0] not in (*ENGINE_FOLDERS, "labextension")
    )


def _words(path: Path) -> tuple[list[str], list[str]]:
    """(code, prose) tokens of a module naming an engine, as "line: text"."""
    code: list[str] = []
    prose: list[str] = []
    tokens = list(tokenize.generate_tokens(io.StringIO(path.read_text()).readline))
    previous = tokenize.NEWLINE
    for token in tokens:
        if token.type in (tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT):
            if token.type != tokenize.NL:
                previous = token.type
            continue
        docstring = token.type == tokenize.STRING and previous in (
            tokenize.NEWLINE,
            tokenize.INDENT,
            tokenize.DEDENT,
        )
        words = token.type in (tokenize.NAME, tokenize.STRING, tokenize.COMMENT)
        if words and ENGINE_WORDS.search(token.string):
            found = f"{token.start[0]}: {token.string.strip()[:80]}"
            (prose if docstring or token.type == tokenize.COMMENT else code).append(found)
        previous = token.type
    return code, prose


def _name(path: Path) -> str:
    return str(path.relative_to(SRC.parent))


def test_neutral_code_names_no_engine() -> None:
    found = {_name(path): _words(path)[0] for path in _neutral_modules()}
    named = {name: words for name, words in found.items() if words}
    assert not named, "names an engine"


def test_neutral_prose_names_no_engine() -> None:
    found = {_name(path): _words(path)[1] for path in _neutral_modules()}
    named = {name: words for name, words in found.items() if words}
    assert not named, "names an engine"


def test_the_words_are_found() -> None:
    """The check itself: an engine module's code is caught."""
    code, prose = _words(SRC / "spark" / "__init__.py")
    assert code
    assert prose


if __name__ == "__main__":  # what each module still names
    for module in _neutral_modules():
        code, prose = _words(module)
        for kind, found in (("code", code), ("prose", prose)):
            for line in found:
                print(f"{_name(module)}:{line.splitlines()[0]} ({kind})")
