"""Rainbowgram image: shape, axes, brightness range and the hue of a pure tone."""

from __future__ import annotations

import numpy as np
import pytest

from explorer.audio.constants import N_SAMPLES, SR
from explorer.audio.rainbowgram import PALETTES, Rainbowgram, palette_lut, rainbowgram
from explorer.errors import ParameterError
from tests.audio.signals import note, tone

# Machado, Oliveira & Fernandes (2009), severity 1.0, linear RGB.
DEUTERANOPIA = np.array(
    [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413], [-0.011820, 0.042940, 0.968881]]
)
PROTANOPIA = np.array(
    [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216], [-0.003882, -0.048116, 1.051998]]
)


def test_shape_dtype_and_axes():
    r = rainbowgram(note(N_SAMPLES / SR), sr=SR)
    assert isinstance(r, Rainbowgram)
    assert r.image.dtype == np.uint8 and r.image.shape == (513, 129, 3)
    np.testing.assert_allclose(r.freqs_hz[[0, 1, -1]], [0.0, SR / 1024, SR / 2])
    np.testing.assert_allclose(r.times_s[[0, 1, -1]], [0.0, 256 / SR, N_SAMPLES / SR])


def test_fmax_keeps_the_bins_below_it_exactly_as_the_full_image_draws_them():
    y = note(N_SAMPLES / SR)
    full, cut = rainbowgram(y, sr=SR), rainbowgram(y, sr=SR, fmax=2000.0)
    assert cut.freqs_hz[-1] <= 2000.0 < cut.freqs_hz[-1] + SR / 1024
    np.testing.assert_array_equal(cut.image, full.image[: len(cut.freqs_hz)])  # brightness still re the loudest bin
    with pytest.raises(ParameterError, match="fmax"):
        rainbowgram(y, sr=SR, fmax=-1.0)


@pytest.mark.parametrize("palette", PALETTES, ids=list(PALETTES))
@pytest.mark.parametrize("freq", [440.0, 450.0, 1000.0])
def test_pure_tone_bin_has_the_expected_colour(freq, palette):
    r = rainbowgram(tone(freq), sr=SR, palette=palette)
    k = round(freq * 1024 / SR)
    dev = 2 * 256 * (freq - k * SR / 1024) / SR  # phase advance off the bin centre, in pi rad / hop
    expected = palette_lut(palette)[round((dev + 1) * 127.5)] * 255
    pixels = r.image[k, 5:-5].astype(float)  # the brightest bin: brightness ~1
    np.testing.assert_allclose(pixels, np.broadcast_to(expected, pixels.shape), atol=4.0)
    assert r.image[k + 40, 5:-5].max() < 8  # > 70 dB down: dark


def test_low_frequencies_are_row_zero():
    r = rainbowgram(tone(200.0), sr=SR)
    brightest = r.image.astype(int).sum(axis=(1, 2)).argmax()
    assert brightest == round(200 * 1024 / SR)


def test_top_db_sets_the_brightness_range():
    y = tone(1000.0) + tone(3000.0, amp=0.5 * 10 ** (-60 / 20))  # a partial 60 dB down
    k = round(3000 * 1024 / SR)
    assert rainbowgram(y, sr=SR, top_db=80.0).image[k, 10:-10].max() > 40
    assert rainbowgram(y, sr=SR, top_db=50.0).image[k, 10:-10].max() == 0


def test_silence_is_black():
    assert rainbowgram(np.zeros(4000, np.float32), sr=SR).image.max() == 0


def test_colorblind_palette_survives_red_green_colour_blindness():
    lut = palette_lut("colorblind")
    for sim in (DEUTERANOPIA, PROTANOPIA):
        seen = np.clip(lut**2.2 @ sim.T, 0, 1) ** (1 / 2.2)  # simulate in linear RGB
        blue_yellow = seen[:, 2] - seen[:, :2].mean(axis=1)
        assert np.all(np.diff(blue_yellow) < 0)  # still ordered: every deviation has its own colour
        assert np.linalg.norm(seen[0] - seen[-1]) > 0.5  # the two ends stay far apart
    luminance = lut @ [0.2126, 0.7152, 0.0722]
    assert luminance.max() - luminance.min() < 0.2  # brightness keeps meaning loudness


@pytest.mark.parametrize(
    "kwargs",
    [{"palette": "jet"}, {"top_db": 0.0}, {"sr": 0}, {"n_fft": 1000 + 1}, {"hop_length": 0}],
)
def test_bad_parameters_raise_parameter_error(kwargs):
    with pytest.raises(ParameterError):
        rainbowgram(tone(440.0, 0.1), **{"sr": SR, **kwargs})
    with pytest.raises(ParameterError):
        rainbowgram(np.zeros((2, 100), np.float32), sr=SR)  # mono only
