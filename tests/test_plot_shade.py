"""Shading: the colour-table colormap draws what Datashader's own list shading draws."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from lazyscope.plotting._shade import colorbar_labels, palette, shade


def _rgba(image: xr.DataArray) -> np.ndarray:
    return np.asarray(image.values).view(np.uint8).reshape(*image.shape, 4).astype(int)


@pytest.mark.parametrize("how", ["eq_hist", "linear", "log", "cbrt"])
@pytest.mark.parametrize("cmap", ["viridis", "fire", "Blues9"])
def test_colour_table_matches_datashaders_list_shading(how: str, cmap: str) -> None:
    import datashader.transfer_functions as tf

    rng = np.random.default_rng(0)
    counts = rng.poisson(30, (60, 80)).astype(np.uint32)
    counts[:10] = 0  # empty pixels stay transparent
    agg = xr.DataArray(counts, dims=("y", "x"))
    colors = palette(cmap)
    ours, theirs = _rgba(shade(agg, how, colors, False)), _rgba(tf.shade(agg, cmap=colors, how=how))
    assert (ours[..., 3] == theirs[..., 3]).all()
    shown = theirs[..., 3] > 0
    assert shown.sum() == (counts > 0).sum()
    assert np.abs(ours - theirs)[shown].max() <= 3  # out of 255: the table's rounding


def test_one_value_everywhere_is_still_drawn() -> None:
    values = np.full((6, 8), np.nan)
    values[::2] = 7.0
    image = _rgba(shade(xr.DataArray(values, dims=("y", "x")), "eq_hist", palette("fire"), False))
    assert (image[::2, :, 3] > 0).all()
    assert (image[1::2, :, 3] == 0).all()


def test_colour_bar_labels_the_values_at_its_ticks() -> None:
    counts = np.arange(0, 101, dtype=float)  # zero: an empty pixel, outside the scale
    assert colorbar_labels(counts, "linear", counts=True) == {
        0.0: "1",
        0.25: "25.75",
        0.5: "50.5",
        0.75: "75.25",
        1.0: "100",
    }


def test_colour_bar_labels_a_value_once_when_ticks_share_it() -> None:
    # A sparse sample: almost every pixel holds 1 point (seen as "1 1 1 1 2" in tutorial 5).
    counts = np.array([1.0] * 97 + [2.0] * 3)
    assert colorbar_labels(counts, "eq_hist", counts=True) == {
        0.0: "1",
        0.25: "",
        0.5: "",
        0.75: "",
        1.0: "2",
    }
