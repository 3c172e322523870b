"""The still SVG of a plot (plotting/_still.py): round ticks inside the range, placed where
the data coordinates are, escaped labels and a legend that pairs each category with its
colour."""

from __future__ import annotations

import re

import pytest

from lazyscope.plotting._still import nice_ticks, still_svg


@pytest.mark.parametrize(
    ("low", "high", "expected"),
    [
        (0.0, 1.0, [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]),
        (-3.7, 4.2, [-2.0, 0.0, 2.0, 4.0]),
        (1000.0, 1010.0, [1000.0, 1002.0, 1004.0, 1006.0, 1008.0, 1010.0]),
        (5.0, 5.0, [5.0]),
    ],
)
def test_ticks_are_round_and_inside(low: float, high: float, expected: list[float]) -> None:
    assert nice_ticks(low, high) == pytest.approx(expected)


def test_ticks_sit_at_their_data_coordinates() -> None:
    svg = still_svg(b"png", (0.0, 10.0), (0.0, 1.0), (200, 100), ("t", "x", "y"))
    x_ticks = {
        float(label): float(x)
        for x, label in re.findall(r'<text x="([\d.]+)" y="142"[^>]*>([^<]+)</text>', svg)
    }
    assert x_ticks == {0.0: 64.0, 2.0: 104.0, 4.0: 144.0, 6.0: 184.0, 8.0: 224.0, 10.0: 264.0}
    y_ticks = {
        float(label): float(y) - 4
        for y, label in re.findall(r'<text x="58" y="([\d.]+)"[^>]*>([^<]+)</text>', svg)
    }
    assert y_ticks[0.0] == 126.0
    assert y_ticks[1.0] == 26.0


def test_labels_are_escaped_and_the_legend_pairs_colours() -> None:
    svg = still_svg(
        b"png",
        (0.0, 1.0),
        (0.0, 1.0),
        (50, 50),
        ("count of $y$ vs <x>", "<x>", "y"),
        [("a<b", "#ff0000"), ("c", "#00ff00")],
    )
    assert "<x>" not in svg
    assert "&lt;x&gt;" in svg
    assert re.search(r'fill="#ff0000"/><text[^>]*>a&lt;b</text>', svg)
    assert re.search(r'fill="#00ff00"/><text[^>]*>c</text>', svg)
