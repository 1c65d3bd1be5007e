"""The batched spectral-mixture optimiser: analysis bands, and a known answer."""

import math

import numpy as np
import pytest

from explorer.models.gp.kernel import Component, SMKernel
from explorer.models.gp.optimise import HANN_ENBW, _pool_groups, optimise
from tests.models.gp.kernels import SR


def test_analysis_bands_cover_every_bin_once_and_widen_with_frequency():
    freqs = np.fft.rfftfreq(4096, 1.0 / SR)
    groups = _pool_groups(freqs, sr=SR, ratio=0.03)
    assert groups[0] == 1 and groups[-1] == len(freqs) - 1  # DC and Nyquist left out
    widths = np.diff(groups)
    assert np.all(widths >= 1)
    df = freqs[1] - freqs[0]
    starts = freqs[groups[:-1]]
    assert np.all(widths[:-1] >= np.maximum(1, np.round(0.03 * starts[:-1] / df)))  # about constant-Q
    assert widths[-2] > 10 * widths[0]


def test_a_line_is_found_from_its_expected_spectrum():
    n_fft = 4096
    freqs = np.fft.rfftfreq(n_fft, 1.0 / SR)
    df = freqs[1] - freqs[0]
    true = SMKernel((Component(1.0, 1000.0, 0.01),), 0.0)
    # what a Hann periodogram expects of it: the line seen through the window's spectral spread
    p = true.psd(freqs, sr=SR, smoothing_hz=HANN_ENBW * df / math.sqrt(2 * math.pi))[None, :]
    p = p / (p.sum() * df)
    w, mu, ls, noise, loss = optimise(
        freqs, p, np.array([[930.0, 3000.0]]), sr=SR, window_s=n_fft / SR, n_iter=300, smooth=0.0,
        frames_averaged=1, pool_ratio=0.01, progress=None,
    )
    q = int(np.argmax(w[0]))
    assert w[0, q] / (w[0].sum() + noise[0]) > 0.95
    assert mu[0, q] == pytest.approx(1000.0, abs=2.0)
    assert ls[0, q] == pytest.approx(0.01, rel=0.2)
    assert np.isfinite(loss)
