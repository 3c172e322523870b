"""The front end's static checks as tests: ESLint and tsc over labextension/ (the lab
extension, the widgets' ES modules, their unit tests), so `pytest` alone says whether the
TypeScript is clean. Configuration: eslint.config.mjs and tsconfig.json."""

from __future__ import annotations

import pytest

from tests._jlpm import run_jlpm

CHECKS = {
    "eslint": ["lint"],
    "tsc": ["tsc", "--noEmit"],  # tsconfig.json: every .ts file, tests included
}


@pytest.mark.parametrize("name", CHECKS)
def test_typescript_check_passes(name: str) -> None:
    run_jlpm(*CHECKS[name])
