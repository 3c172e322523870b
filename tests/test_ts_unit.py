"""The TypeScript unit tests (vitest, labextension/**/*.test.ts), so `pytest` runs them too."""

from __future__ import annotations

from tests._jlpm import run_jlpm


def test_vitest_passes() -> None:
    run_jlpm("test")
