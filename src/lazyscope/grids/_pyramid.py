"""Multi-resolution pyramids, so zooms rarely need a new engine job.

One engine job aggregates a window at 2^L times the screen resolution; levels 0..L are
coarsenings of it (exact, see `_states`). A zoom inside the home view is served from the
lowest level that still gives at least one grid cell per screen pixel, cropped to whole
cells around the window - so the grid it returns covers the window plus at most one cell on
each side, and every count in it is exact for the range it reports. A window that needs
more than level L (or lies outside home) returns None: then an engine job aggregates it, into
a new pyramid whose home is that window.
"""

from __future__ import annotations

import math

from ._spec import View
from ._states import States, coarsen, crop

__all__ = ["Pyramid", "inside", "levels_for", "scaled"]

# State values (8 bytes each) the finest level may hold: it bounds the driver's memory and
# the size of every partial grid an executor sends (6M: 800x600 at 2x for count and mean).
BUDGET = 6_000_000
MAX_LEVELS = 3


def levels_for(view: View, categories: int, states: int) -> int:
    """Deepest level whose states fit the budget."""
    cells = view.width * view.height * max(categories, 1)
    level = 0
    while level < MAX_LEVELS and cells * 4 ** (level + 1) * states <= BUDGET:
        level += 1
    return level


class Pyramid:
    def __init__(self, agg: str, home: View, levels: int, finest: States) -> None:
        self.agg, self.home, self.levels = agg, home, levels
        self._grids = {levels: finest}

    def grid(self, level: int) -> States:
        if level not in self._grids:
            self._grids[level] = coarsen(
                self.agg, self._grids[self.levels], 1 << (self.levels - level)
            )
        return self._grids[level]

    def serve(self, view: View) -> tuple[View, States] | None:
        h = self.home
        if not inside(view, h):
            return None
        need = max(
            view.width
            * (h.x_range[1] - h.x_range[0])
            / (h.width * (view.x_range[1] - view.x_range[0])),
            view.height
            * (h.y_range[1] - h.y_range[0])
            / (h.height * (view.y_range[1] - view.y_range[0])),
        )
        level = max(0, math.ceil(math.log2(need) - 1e-9))
        if level > self.levels:
            return None
        lv = scaled(h, level)
        sx, tx, sy, ty = lv.scale()
        i0, i1 = _cells(view.x_range, sx, tx, lv.width)
        j0, j1 = _cells(view.y_range, sy, ty, lv.height)
        window = View(
            _edges(i0, i1, sx, tx, lv.width, h.x_range),
            _edges(j0, j1, sy, ty, lv.height, h.y_range),
            i1 - i0,
            j1 - j0,
        )
        return window, crop(self.grid(level), slice(j0, j1), slice(i0, i1))


def scaled(view: View, level: int) -> View:
    """The same window at 2^level times the resolution."""
    return View(view.x_range, view.y_range, view.width << level, view.height << level)


def inside(view: View, home: View) -> bool:
    return (
        home.x_range[0] <= view.x_range[0]
        and view.x_range[1] <= home.x_range[1]
        and home.y_range[0] <= view.y_range[0]
        and view.y_range[1] <= home.y_range[1]
    )


def _cells(rng: tuple[float, float], s: float, t: float, n: int) -> tuple[int, int]:
    """Whole cells covering rng: first index and one past the last."""
    first = min(max(math.floor(rng[0] * s + t), 0), n - 1)
    last = min(max(math.ceil(rng[1] * s + t), first + 1), n)
    return first, last


def _edges(
    first: int, last: int, s: float, t: float, n: int, home: tuple[float, float]
) -> tuple[float, float]:
    """Data coordinates of the cell edges; home's own bounds where the crop reaches them."""
    low = home[0] if first == 0 else (first - t) / s
    high = home[1] if last == n else (last - t) / s
    return low, high
