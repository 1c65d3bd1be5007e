"""Long-term power spectrum (Welch) and the Bark bands of the GP seed."""

from __future__ import annotations

import numpy as np
import scipy.signal

from explorer.audio.stft import as_audio
from explorer.errors import ParameterError

#: Bark critical-band edges, Hz (Zwicker), as in the GP speech-synthesis draft: 24 bands.
BARK_EDGES_HZ = (
    20, 100, 200, 300, 400, 510, 630, 770, 920, 1080, 1270, 1480, 1720,
    2000, 2320, 2700, 3150, 3700, 4400, 5300, 6400, 7700, 9500, 12000, 15500,
)  # fmt: skip


def power_spectrum(y: np.ndarray, *, sr: float, n_fft: int = 4096) -> tuple[np.ndarray, np.ndarray]:
    """One-sided power spectral density by Welch's method (``scipy.signal.welch``).

    Hann segments of ``min(n_fft, n)`` samples with 50% overlap, each segment's mean removed,
    averaged periodograms. The PSD integrates to the signal's variance:
    ``sum(psd) * (freqs_hz[1] - freqs_hz[0]) ~= var(y)``.

    Parameters
    ----------
    y : np.ndarray [shape=(n,) or (..., n)], audio (units), finite
    sr : float, sample rate, Hz
    n_fft : int >= 2, segment length, samples (frequency resolution ``sr / n_fft`` Hz)

    Returns
    -------
    freqs_hz : np.ndarray [shape=(F,)], ``F = 1 + min(n_fft, n) // 2``, 0 ... sr / 2, Hz
    psd : np.ndarray [shape=(..., F)], units^2 / Hz
    """
    if not np.isscalar(sr) or not sr > 0:
        raise ParameterError(f"sr must be a positive number, got {sr!r}")
    if isinstance(n_fft, bool) or not isinstance(n_fft, (int, np.integer)) or n_fft < 2:
        raise ParameterError(f"n_fft must be an integer >= 2, got {n_fft!r}")
    y = as_audio(y)
    nperseg = min(int(n_fft), y.shape[-1])
    if nperseg < 2:
        raise ParameterError("power_spectrum needs at least 2 samples")
    freqs_hz, psd = scipy.signal.welch(y, fs=sr, window="hann", nperseg=nperseg, scaling="density", axis=-1)
    return freqs_hz, psd


def bark_bands(sr: float) -> list[tuple[float, float]]:
    """The Bark bands ``(lo_hz, hi_hz)`` from :data:`BARK_EDGES_HZ` that lie below Nyquist
    (``hi_hz <= sr / 2``): 21 bands at 16 kHz, all 24 at 44.1 kHz."""
    if not np.isscalar(sr) or not sr > 0:
        raise ParameterError(f"sr must be a positive number, got {sr!r}")
    edges = BARK_EDGES_HZ
    return [(float(lo), float(hi)) for lo, hi in zip(edges[:-1], edges[1:]) if hi <= sr / 2]
