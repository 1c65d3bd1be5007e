"""Features that measure sounds, one home for every family, trainer and measure: log-mel dB,
timbre descriptors and the spectral convergence that judges a phase reconstruction.

:func:`mel_db` works on numpy arrays and on torch tensors (a training loss needs its gradient);
both give the same numbers.
"""

from __future__ import annotations

import librosa
import numpy as np
import torch

from explorer.audio.constants import HOP_LENGTH, N_FFT
from explorer.audio.mel import mel_basis
from explorer.audio.phase import as_magnitude
from explorer.audio.stft import stft
from explorer.errors import ParameterError


def mel_db(power, *, sr: float, n_fft: int = N_FFT, n_mels: int = 128, amin: float = 1e-12,
           top_db: float | None = None, top=None):
    """Power spectrogram -> log-mel power in dB, floored ``top_db`` below each item's loudest band.

    Parameters
    ----------
    power : np.ndarray or Tensor [shape=(..., 1 + n_fft // 2, T)]
        |S|^2 (units^2) on linear STFT bins.
    sr, n_fft, n_mels : the mel filter bank (``librosa.filters.mel``: slaney scale and norm).
    amin : float
        floor of the mel power before the log (units^2).
    top_db : float or None
        with it, every value is at least ``top - top_db``.
    top : array [shape=(...)] or None
        the reference of the floor, dB; None: each item's maximum over mels and frames.

    Returns
    -------
    db : same type as ``power`` [shape=(..., n_mels, T)], ``10 log10(max(mel, amin))`` dB
    top : same type [shape=(...)], the reference used (dB)
    """
    W = mel_basis(sr=sr, n_fft=n_fft, n_mels=n_mels)  # [n_mels x F]
    if isinstance(power, torch.Tensor):
        mel = torch.einsum("mf,...ft->...mt", torch.tensor(W, dtype=power.dtype), power)  # (W is read-only)
        db = 10.0 * torch.log10(mel.clamp_min(amin))
        if top is None:
            top = db.detach().amax(dim=(-2, -1))
        return (db if top_db is None else torch.maximum(db, (top - top_db)[..., None, None])), top
    mel = np.matmul(W, np.asarray(power, dtype=np.float32))
    db = 10.0 * np.log10(np.maximum(mel, amin))
    if top is None:
        top = db.max(axis=(-2, -1))
    top = np.asarray(top)
    return (db if top_db is None else np.maximum(db, (top - top_db)[..., None, None])), top


def log_mel_db(y: np.ndarray, *, sr: float, n_fft: int = N_FFT, hop_length: int = HOP_LENGTH, n_mels: int = 128,
               amin: float = 1e-12, top_db: float | None = None) -> np.ndarray:
    """Audio -> log-mel power in dB, ``[..., n_mels x T]`` (see :func:`mel_db`; centred hann STFT).

    y : np.ndarray [shape=(..., n)], audio, finite.
    """
    power = np.abs(stft(y, n_fft=n_fft, hop_length=hop_length)) ** 2  # units^2
    return mel_db(power, sr=sr, n_fft=n_fft, n_mels=n_mels, amin=amin, top_db=top_db)[0]


#: What each descriptor of :func:`descriptors` measures, and the words for its two directions.
DESCRIPTORS = {
    "brightness": ("darker", "brighter"),  # spectral centroid of the mean power spectrum, Hz
    "attack": ("sharper attack", "softer attack"),  # s until the energy reaches 90 % of its peak
    "noisiness": ("purer", "noisier"),  # spectral flatness, mean over the sounding frames
    "sustain": ("shorter", "longer"),  # level 1 s after the peak, relative to it, dB
}


def descriptors(S: np.ndarray, *, sr: float, hop_length: int = HOP_LENGTH) -> dict[str, np.ndarray]:
    """Per-note timbre descriptors from magnitude spectrograms (see :data:`DESCRIPTORS`).

    Parameters
    ----------
    S : np.ndarray [shape=(n, F, T)], |STFT| (units) on linear bins 0 .. sr / 2.
    sr : float, Hz;  hop_length : int, samples between frames.

    Returns
    -------
    {"brightness": Hz [n], "attack": s [n], "noisiness": [n] in [0, 1], "sustain": dB [n]}
    """
    S = np.asarray(S, dtype=np.float32)
    if S.ndim != 3:
        raise ParameterError(f"descriptors need magnitude spectrograms [n x F x T], got shape {S.shape}")
    power = S**2
    freqs = np.linspace(0, sr / 2, S.shape[1])
    spec = power.mean(axis=2, keepdims=True)  # the mean power spectrum [n x F x 1]
    centroid = librosa.feature.spectral_centroid(S=spec, freq=freqs)[:, 0, 0]
    energy = power.sum(axis=1)  # [n x T]
    peak = energy.max(axis=1, keepdims=True)
    frame_s = hop_length / sr
    attack = np.argmax(energy >= 0.9 * peak, axis=1) * frame_s
    loud = energy >= peak * 1e-3
    flat = librosa.feature.spectral_flatness(S=S, power=2.0)[:, 0]  # [n x T]
    noisiness = (flat * loud).sum(1) / np.maximum(loud.sum(1), 1)
    i_peak = np.argmax(energy, axis=1)
    later = np.minimum(i_peak + int(1.0 / frame_s), energy.shape[1] - 1)
    sustain = 10 * np.log10(np.maximum(energy[np.arange(len(energy)), later], 1e-12) / peak[:, 0])
    return {"brightness": centroid, "attack": attack, "noisiness": noisiness, "sustain": sustain}


def spectral_convergence(
    y: np.ndarray, S_mag: np.ndarray, *, n_fft: int = N_FFT, hop_length: int = HOP_LENGTH, pad_mode: str = "constant"
) -> float | np.ndarray:
    """How far the STFT magnitude of ``y`` is from a target: ``||S_mag - |STFT(y)|||_F / ||S_mag||_F``.

    0 is a perfect match; lower is better. ``y``'s STFT is cut or zero-padded to ``S_mag``'s
    ``T`` frames.

    Parameters
    ----------
    y : np.ndarray [shape=(n,) or (B, n)], audio
    S_mag : np.ndarray [shape=(F, T) or (B, F, T)], target magnitude, ``F = 1 + n_fft // 2``
    pad_mode : how the centred STFT of ``y`` pads its ends ("constant" or "reflect", see
        :func:`explorer.audio.stft.stft`): the way the target was made.

    Returns
    -------
    sc : float (or np.ndarray [B] for a batch), dimensionless
    """
    S_mag = as_magnitude(S_mag)
    if S_mag.shape[-2] != 1 + n_fft // 2:
        raise ParameterError(f"S_mag has {S_mag.shape[-2]} bins, n_fft={n_fft} needs {1 + n_fft // 2}")
    est = np.abs(stft(y, n_fft=n_fft, hop_length=hop_length, pad_mode=pad_mode))
    t = S_mag.shape[-1]
    if est.shape[-1] < t:
        est = np.concatenate([est, np.zeros(est.shape[:-1] + (t - est.shape[-1],), est.dtype)], axis=-1)
    est = est[..., :t]
    target = S_mag.astype(np.float64)
    num = np.sqrt(np.sum((target - est) ** 2, axis=(-2, -1)))
    den = np.sqrt(np.sum(target**2, axis=(-2, -1)))
    sc = num / np.maximum(den, 1e-30)
    return float(sc) if np.ndim(sc) == 0 else sc
