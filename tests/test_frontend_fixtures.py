"""The kernel's side of the fixtures the lab extension's unit tests read too.

tests/fixtures/frontend/*.json hold inputs and the output both sides must give: Python
checks them here, vitest in labextension/*.test.ts, so the two cannot drift apart.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from lazyscope.model import NodeProgress
from tests._paths import ROOT

_FIXTURES = ROOT / "tests" / "fixtures" / "frontend"


def _cases(name: str) -> list[dict[str, Any]]:
    cases = json.loads((_FIXTURES / name).read_text(encoding="utf-8"))["cases"]
    assert isinstance(cases, list)
    return cases


@pytest.mark.parametrize("case", _cases("progress_text.json"), ids=lambda c: c["text"])
def test_progress_text(case: dict[str, Any]) -> None:
    assert NodeProgress(**case["progress"]).text() == case["text"]


def test_progress_widget_ignores_math_like_every_view() -> None:
    # The widget's root carries MathJax's ignore classes, the ones every lazyscope view's
    # HTML root has (views/_html.py): a stage named `$anonfun$...` stays text.
    from lazyscope.views._html import MATH_SAFE
    from lazyscope.views._progress_widget import ProgressWidget

    assert f"const MATH_SAFE = '{MATH_SAFE}';" in ProgressWidget._esm
