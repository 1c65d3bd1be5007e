"""Welch power spectrum and Bark bands."""

from __future__ import annotations

import numpy as np
import pytest

from explorer.audio.spectrum import BARK_EDGES_HZ, bark_bands, power_spectrum
from explorer.errors import ParameterError
from tests.audio.signals import tone


@pytest.mark.parametrize("freq, sr", [(1000.0, 16000), (440.0, 44100), (7000.0, 16000)])
def test_tone_peaks_at_its_frequency(freq, sr):
    freqs, psd = power_spectrum(tone(freq, 1.0, sr=sr), sr=sr)
    assert freqs.shape == psd.shape == (4096 // 2 + 1,)
    assert abs(freqs[np.argmax(psd)] - freq) <= sr / 4096 / 2 + 1e-9
    assert freqs[-1] == sr / 2


@pytest.mark.parametrize(
    "y", [tone(1000.0), tone(220.0) + tone(660.0, amp=0.2), np.random.default_rng(0).standard_normal(16000)]
)
def test_psd_integrates_to_the_variance(y):  # Parseval, for stationary signals
    freqs, psd = power_spectrum(y, sr=16000)
    total = np.sum(psd) * (freqs[1] - freqs[0])  # units^2
    assert total == pytest.approx(np.var(y), rel=0.03)


def test_white_noise_is_flat_at_variance_over_half_the_rate():
    y = np.random.default_rng(1).standard_normal(16000 * 4)
    freqs, psd = power_spectrum(y, sr=16000, n_fft=512)
    inner = psd[5:-5]
    assert np.median(inner) == pytest.approx(1.0 / 8000, rel=0.05)  # one-sided: var / (sr / 2)


def test_short_signals_and_batches():
    freqs, psd = power_spectrum(tone(1000.0, 0.05), sr=16000)  # 800 samples < n_fft
    assert freqs.shape == (401,)
    freqs, psd = power_spectrum(np.stack([tone(500.0), tone(2000.0)]), sr=16000, n_fft=1024)
    assert psd.shape == (2, 513)
    np.testing.assert_allclose(freqs[psd.argmax(axis=1)], [500.0, 2000.0], atol=8.0)


def test_bark_bands():
    assert len(BARK_EDGES_HZ) == 25 and BARK_EDGES_HZ[0] == 20 and BARK_EDGES_HZ[-1] == 15500
    for sr, count in [(16000, 21), (22050, 22), (44100, 24), (48000, 24)]:
        bands = bark_bands(sr)
        assert len(bands) == count
        assert all(lo < hi <= sr / 2 for lo, hi in bands)
        assert all(a[1] == b[0] for a, b in zip(bands, bands[1:]))  # contiguous
    assert bark_bands(16000)[-1] == (6400.0, 7700.0)


@pytest.mark.parametrize(
    "call",
    [
        lambda: power_spectrum(np.zeros(0), sr=16000),
        lambda: power_spectrum(np.zeros(1), sr=16000),
        lambda: power_spectrum(np.array([0.0, np.nan]), sr=16000),
        lambda: power_spectrum(np.zeros(100), sr=0),
        lambda: power_spectrum(np.zeros(100), sr=16000, n_fft=1),
        lambda: bark_bands(-1),
    ],
)
def test_bad_parameters_raise_parameter_error(call):
    with pytest.raises(ParameterError):
        call()
