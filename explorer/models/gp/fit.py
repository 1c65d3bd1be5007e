"""Fitting spectral-mixture GPs to a recording (torch): one kernel, or kernels over time plus an envelope.

Two fits, both minimising a log-spectral loss between a measured spectrum and the spectral
mixture's expected spectrum, with components initialised at spectral peaks inside Bark bands
(as in the user's seed):

- :func:`fit_stationary`: one kernel for a whole clip's Welch spectrum.
- :func:`fit_piecewise`: Turner-style amplitude demodulation (a smoothed rolling RMS envelope
  divides the clip into envelope x carrier), then one kernel per block (e.g. 50 ms) of the
  carrier; all blocks are optimised together as one batched torch problem
  (parameters ``[blocks x components]``). The result is a :class:`~explorer.models.gp.GPSpec`
  with ``blocks`` (kernels over time) and ``amplitude`` (the envelope), which renders the
  resynthesis and saves as GP kernel JSON.

The optimiser and its expected-spectrum model: :mod:`explorer.models.gp.optimise`; the shipped
preset fitted this way: :mod:`explorer.models.gp.recipes`.
"""

from __future__ import annotations

import math

import numpy as np
import scipy.signal

from explorer.audio.spectrum import bark_bands, power_spectrum
from explorer.errors import ParameterError
from explorer.models.gp.kernel import SMKernel, kernel_from_arrays
from explorer.models.gp.optimise import Progress, optimise
from explorer.models.gp.sampling import block_grid
from explorer.models.gp.spec import Amplitude, Blocks, GPSpec


def _bands(sr: int) -> np.ndarray:
    return np.asarray(bark_bands(sr), dtype=np.float64)


def round_sig(x: float, digits: int = 5) -> float:
    """``x`` rounded to ``digits`` significant digits (fitted kernels and preset files stay readable)."""
    return float(f"{x:.{digits}g}")


# --------------------------------------------------------------------------------------------
# spectra and initialisation


def _periodograms(frames: np.ndarray, *, sr: int) -> tuple[np.ndarray, np.ndarray]:
    """One-sided Hann periodograms (power / Hz) of frames [B x L] -> (freqs [F], P [B x F])."""
    n = frames.shape[-1]
    win = scipy.signal.get_window("hann", n)
    spec = np.fft.rfft(frames * win, axis=-1)
    p = 2.0 * np.abs(spec) ** 2 / (sr * np.sum(win**2))
    p[..., 0] /= 2
    if n % 2 == 0:
        p[..., -1] /= 2
    return np.fft.rfftfreq(n, 1.0 / sr), p


def _peak_init(freqs: np.ndarray, p: np.ndarray, bands: np.ndarray, per_band: int) -> np.ndarray:
    """Initial means [B x Q]: the ``per_band`` strongest local maxima of each spectrum per Bark band."""
    out = np.zeros((p.shape[0], len(bands) * per_band))
    for j, (lo, hi) in enumerate(bands):
        idx = np.flatnonzero((freqs >= lo) & (freqs < hi))
        if idx.size == 0:
            idx = np.array([np.argmin(np.abs(freqs - (lo + hi) / 2))])
        seg = p[:, idx]
        # rank bins by power, but prefer local maxima (a peak's shoulder is not a new peak)
        left = np.concatenate([seg[:, :1] * 0, seg[:, :-1]], axis=1)
        right = np.concatenate([seg[:, 1:], seg[:, -1:] * 0], axis=1)
        score = np.where((seg >= left) & (seg >= right), seg, seg * 1e-3)
        order = np.argsort(-score, axis=1)
        for r in range(per_band):
            pick = order[:, min(r, idx.size - 1)]
            out[:, j * per_band + r] = freqs[idx[pick]]
    return out



def _kernel(w, mu, ls, noise, *, scale: float, min_share: float, sr: int) -> SMKernel:
    """A rounded kernel with total power ``scale``, dropping components below ``min_share``."""
    total = w.sum() + noise
    if not np.isfinite(total) or total <= 0:
        w, noise, total = np.ones_like(w), 0.0, float(len(w))
    keep = w >= min_share * total
    if not np.any(keep):
        keep = w == w.max()
    gain = scale / total
    return kernel_from_arrays(
        [round_sig(x * gain) for x in w[keep]],
        [min(round_sig(x), sr / 2) for x in mu[keep]],
        [round_sig(x) for x in ls[keep]],
        noise=round_sig(noise * gain),
    )


# --------------------------------------------------------------------------------------------
# public fits


def fit_stationary(
    y: np.ndarray, *, sr: int, n_fft: int = 4096, per_band: int = 3, n_iter: int = 300,
    pool_ratio: float = 0.01, progress: Progress | None = None,
) -> SMKernel:
    """Fit one spectral-mixture kernel to a whole clip's spectrum.

    Parameters
    ----------
    y : np.ndarray [shape=(n,)]  the clip
    sr : int                     its sample rate, Hz
    n_fft : int                  Welch segment length (Hann, 50% overlap)
    per_band : int               components initialised per Bark band (at its strongest peaks)
    n_iter : int                 Adam steps
    pool_ratio : float           analysis bands are at least this fraction of their frequency wide
    progress : callable(fraction) or None

    Returns
    -------
    kernel : SMKernel  with total power (weights + noise) equal to the clip's variance
    """
    y = _check_clip(y, sr)
    n_fft = int(min(n_fft, 2 ** int(math.floor(math.log2(len(y))))))
    freqs, p = power_spectrum(y, sr=sr, n_fft=n_fft)  # Welch: Hann, 50% overlap
    n_frames = max(1, (len(y) - n_fft) // (n_fft // 2) + 1)
    var = float(np.var(y))
    p = p[None, :] / max(np.sum(p) * (freqs[1] - freqs[0]), 1e-30)
    mu0 = _peak_init(freqs, p, _bands(sr), per_band)
    w, mu, ls, noise, _ = optimise(
        freqs, p, mu0, sr=sr, window_s=min(4 * n_fft / sr, len(y) / sr), n_iter=n_iter, smooth=0.0,
        frames_averaged=n_frames, pool_ratio=pool_ratio, progress=progress,
    )
    return _kernel(w[0], mu[0], ls[0], noise[0], scale=var, min_share=1e-4, sr=sr)


def amplitude_envelope(y: np.ndarray, *, sr: int, win_s: float = 0.02, hop_s: float = 0.005) -> np.ndarray:
    """Turner-style amplitude demodulation: a smoothed rolling RMS, float64 [shape=(n,)].

    The rolling mean of y^2 over a Hann window of ``win_s`` seconds, square-rooted, then
    sampled every ``hop_s`` and linearly interpolated back (so it is exactly what an
    :class:`~explorer.models.gp.Amplitude` of that hop reproduces).
    """
    y = np.asarray(y, dtype=np.float64)
    win = scipy.signal.get_window("hann", max(3, int(round(win_s * sr))), fftbins=False)
    ms = scipy.signal.fftconvolve(y**2, win / win.sum(), mode="same")
    env = np.sqrt(np.clip(ms, 0.0, None))
    hop = max(1, int(round(hop_s * sr)))
    t_hop = np.arange(0, len(y) + hop, hop)
    values = np.interp(t_hop, np.arange(len(y)), env)
    return np.interp(np.arange(len(y)), t_hop, values), values


def fit_piecewise(
    y: np.ndarray, *, sr: int, hop_s: float = 0.05, crossfade_s: float = 0.01, per_band: int = 1,
    n_iter: int = 150, pool_ratio: float = 0.03, envelope_win_s: float = 0.02, envelope_hop_s: float = 0.005,
    stationary_iter: int = 150, description: str | None = None, progress: Progress | None = None,
) -> GPSpec:
    """Fit a piecewise-stationary GP (kernels over time + envelope) to a clip.

    Parameters
    ----------
    y : np.ndarray [shape=(n,)]  the clip (at most 30 s)
    sr : int                     sample rate, Hz (one of GP_SAMPLE_RATES: the result renders at it)
    hop_s, crossfade_s : block hop and crossfade, s (the synthesis grid of the result)
    per_band : components per Bark band in each block
    n_iter : Adam steps of the batched block fit
    pool_ratio : analysis bands are at least this fraction of their frequency wide
    envelope_win_s, envelope_hop_s : amplitude demodulation window and the stored curve's hop, s
    stationary_iter : Adam steps of the whole-clip fit stored as the summary ``kernel``
    progress : callable(fraction) or None, called as the fit advances (ends at 1.0)

    Returns
    -------
    spec : GPSpec with ``blocks`` (one kernel per block of the carrier, unit power where the
        clip is active), ``amplitude`` (the envelope) and ``kernel`` (a stationary fit of the whole clip)
    """
    y = _check_clip(y, sr)
    n = len(y)
    env_full, env_values = amplitude_envelope(y, sr=sr, win_s=envelope_win_s, hop_s=envelope_hop_s)
    peak = float(env_full.max())
    carrier = y / np.maximum(env_full, 1e-3 * peak)
    grid = block_grid(n, sr=sr, hop_s=hop_s, crossfade_s=crossfade_s)
    padded = np.zeros(grid.n_blocks * grid.hop + grid.fade)
    padded[:n] = carrier
    frames = np.lib.stride_tricks.sliding_window_view(padded, grid.length)[:: grid.hop][: grid.n_blocks]
    freqs, p = _periodograms(frames, sr=sr)
    df = freqs[1] - freqs[0]
    power = np.sum(p, axis=1) * df  # ~ block variance
    p_norm = p / np.maximum(power, 1e-30)[:, None]
    mu0 = _peak_init(freqs, p_norm, _bands(sr), per_band)
    w, mu, ls, noise, _ = optimise(
        freqs, p_norm, mu0, sr=sr, window_s=grid.length / sr, n_iter=n_iter, smooth=0.05,
        frames_averaged=1, pool_ratio=pool_ratio,
        progress=progress, progress_span=(0.0, 0.85),
    )
    block_var = np.mean(frames**2, axis=1)
    kernels = tuple(
        _kernel(w[i], mu[i], ls[i], noise[i], scale=max(float(block_var[i]), 1e-8), min_share=1e-3, sr=sr)
        for i in range(grid.n_blocks)
    )
    summary = fit_stationary(
        y, sr=sr, n_iter=stationary_iter,
        progress=None if progress is None else (lambda x: progress(0.85 + 0.15 * x)),
    )
    amplitude = Amplitude(envelope_hop_s, tuple(round_sig(v, 4) for v in env_values))
    duration = round_sig(n / sr, 7)
    spec = GPSpec(
        sr, duration, summary, blocks=Blocks(hop_s, crossfade_s, kernels), amplitude=amplitude, description=description
    )
    if progress is not None:
        progress(1.0)
    return spec


def _check_clip(y: np.ndarray, sr: int) -> np.ndarray:
    y = np.asarray(y, dtype=np.float64)
    if y.ndim != 1:
        raise ParameterError(f"fitting needs mono audio of shape (n,), got {y.shape}")
    if not np.all(np.isfinite(y)):
        raise ParameterError("the clip holds NaN or infinite samples")
    if len(y) < 0.1 * sr:
        raise ParameterError(f"the clip is too short to fit ({len(y) / sr:.3f} s; need at least 0.1 s)")
    if len(y) > 30 * sr:
        raise ParameterError(f"the clip is too long to fit ({len(y) / sr:.1f} s; at most 30 s)")
    if not np.any(y):
        raise ParameterError("the clip is silent: there is nothing to fit")
    y = y - y.mean()
    peak = float(np.max(np.abs(y)))
    if peak < 1e-6:  # below -120 dBFS once the offset is gone
        raise ParameterError("the clip holds no sound apart from a constant offset (DC): there is nothing to fit")
    if peak > 1e3:  # far outside audio's range (e.g. 1e30): fit its shape at full scale
        y = y / peak
    return y

