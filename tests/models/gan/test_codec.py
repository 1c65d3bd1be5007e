"""The GAN's spectral codec: audio <-> (log-magnitude, IF) mel images, with known answers."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from explorer.audio.constants import N_SAMPLES, SR
from explorer.models.gan import codec as gan_codec


def _tone(f0: float, *, partials: int = 1, seconds: float = N_SAMPLES / SR) -> np.ndarray:
    t = np.arange(int(round(seconds * SR))) / SR
    return (0.5 * sum(np.cos(2 * np.pi * h * f0 * t + h) / h for h in range(1, partials + 1))).astype(np.float32)


def _peak_hz(y: np.ndarray) -> float:
    seg = y[4096:-4096] * np.hanning(len(y) - 8192)
    spec = np.abs(np.fft.rfft(seg, 8 * len(seg)))
    return float(np.fft.rfftfreq(8 * len(seg), 1 / SR)[np.argmax(spec)])


@pytest.mark.parametrize("f0", [110.0, 440.0, 1000.5, 3000.25])
def test_codec_tone_keeps_frequency_and_level(f0):
    """Known answer: a steady tone comes back at the same frequency (phase from the running sum
    of the IF) and the same RMS level."""
    codec = gan_codec.SpectralCodec(128, 64)
    y = _tone(f0)
    feats = codec.encode(torch.from_numpy(y)[None])
    assert feats.shape == (1, 2, 128, 64)
    y_back = codec.decode(feats)[0].numpy()
    assert abs(_peak_hz(y_back) - f0) < 0.5
    inner = slice(2048, -2048)
    ratio = np.sqrt(np.mean(y_back[inner] ** 2) / np.mean(y[inner] ** 2))
    assert 0.85 < ratio < 1.15


def test_codec_harmonic_note_keeps_harmonics():
    f0 = 261.63
    codec = gan_codec.SpectralCodec(128, 64)
    y_back = codec.decode(codec.encode(torch.from_numpy(_tone(f0, partials=8))[None]))[0].numpy()
    seg = y_back[4096:-4096] * np.hanning(len(y_back) - 8192)
    spec = np.abs(np.fft.rfft(seg))
    freqs = np.fft.rfftfreq(len(seg), 1 / SR)
    for h in range(1, 9):
        near = np.abs(freqs - h * f0) < 3
        far = (np.abs(freqs - h * f0) > 20) & (np.abs(freqs - h * f0) < 60)
        assert spec[near].max() > 30 * spec[far].max(), f"harmonic {h} is not a clean peak"


def test_hann_lobe_matches_fft_of_window():
    """The analytic lobe the decoder writes equals the DFT of the periodic Hann window."""
    n = 1024
    w = torch.hann_window(n, dtype=torch.float64).numpy()
    for frac in (-0.5, -0.2, 0.0, 0.3, 0.5):
        offsets = torch.arange(-3, 4, dtype=torch.float64)
        lobe = gan_codec._hann_lobe(torch.tensor(frac, dtype=torch.float64), offsets).numpy()
        d = frac - offsets.numpy()
        # W(d) = e^{-i pi d} sum_n w[n] e^{i 2 pi d n / N} / N (real: the window is symmetric about N/2)
        ref = [(np.exp(-1j * np.pi * dj) * np.sum(w * np.exp(2j * np.pi * dj * np.arange(n) / n))).real / n for dj in d]
        np.testing.assert_allclose(lobe, ref, atol=1e-4)  # (a partial on a bin centre moves 1e-4 bin)



def test_mel_bands_are_htk_triangles_that_sum_to_one():
    """librosa's HTK filters (norm=None) are the triangles the codec is defined with: each band
    peaks at 1 on its centre, and between the first and last centre the bands sum to one."""
    edges, centres, _ = gan_codec.mel_geometry(32)
    np.testing.assert_allclose(edges, 700.0 * (10.0 ** (np.linspace(0, 2595.0 * np.log10(1 + 8000 / 700), 34) / 2595.0) - 1.0),
                               rtol=1e-9)
    W = gan_codec.SpectralCodec(32, 16).weights.numpy()
    hz = np.arange(513) * SR / 1024
    inside = (hz >= centres[0]) & (hz <= centres[-1])
    np.testing.assert_allclose(W[:, inside].sum(0), 1.0, atol=1e-5)
    for m in (0, 10, 31):  # a bin right at a band centre has weight ~1 there
        k = int(np.argmin(np.abs(hz - centres[m])))
        assert W[m, k] == pytest.approx(1.0 - abs(hz[k] - centres[m]) / (centres[m] - edges[m]), abs=0.05)


@pytest.mark.parametrize("lock, moved", [(0.5, True), (0.25, True), (0.05, False), (0.0, False)])
def test_harmonic_lock_moves_a_near_partial_onto_the_harmonic(lock, moved):
    """Known answer: a tone 20 Hz (0.1 f0) above the third harmonic of f0 = 200 Hz comes back at
    600 Hz when the lock's tolerance covers 0.1 f0, and where it was otherwise."""
    codec = gan_codec.SpectralCodec(128, 64)
    feats = codec.encode(torch.from_numpy(_tone(620.0))[None])
    y = codec.decode(feats, f0=torch.tensor([200.0]), lock=lock)[0].numpy()
    assert abs(_peak_hz(y) - (600.0 if moved else 620.0)) < 1.0


def test_harmonic_lock_keeps_level_and_needs_f0():
    codec = gan_codec.SpectralCodec(128, 64)
    feats = codec.encode(torch.from_numpy(_tone(450.0, partials=4))[None])
    plain = codec.decode(feats)[0].numpy()
    assert np.array_equal(plain, codec.decode(feats, lock=0.5)[0].numpy())  # no f0: nothing to lock to
    locked = codec.decode(feats, f0=torch.tensor([440.0]), lock=0.5)[0].numpy()
    assert abs(_peak_hz(locked) - 440.0) < 1.0
    inner = slice(4096, -4096)
    assert 0.9 < np.sqrt(np.mean(locked[inner] ** 2) / np.mean(plain[inner] ** 2)) < 1.1
