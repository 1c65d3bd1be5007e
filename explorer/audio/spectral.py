"""GANSynth's spectral representation: log magnitude + instantaneous frequency (IF), and back.

For a one-sided STFT ``S [F x T]`` (from :func:`explorer.audio.stft`):

- ``log_mag = ln(|S| + eps)``
- ``if_[:, 0] = angle(S[:, 0]) / pi`` and, for ``t >= 1``,
  ``if_[:, t] = (phi[:, t] - phi[:, t-1]) / pi`` with ``phi`` the phase unwrapped along time,
  i.e. the phase advance per hop wrapped to [-pi, pi], divided by pi: ``if_`` lies in [-1, 1].

The inverse takes ``phi = pi * cumsum(if_)`` along time, which gives back the phase modulo 2 pi,
so ``from_logmag_if(*to_logmag_if(S)) == S`` up to float error.

The raw IF is the wrapped advance of the *frame*; :func:`if_deviation` and :func:`if_to_hz`
subtract each bin's own advance (``2 pi k hop / n_fft`` rad / hop) to give the frequency the
phase actually moves at. That is what a rainbowgram colours, and what makes a 440 Hz tone read
440 Hz in its bin.

IF-Mel (GANSynth's best variant): :func:`to_mel_logmag_if` puts both on the mel scale;
magnitudes through the mel filter bank (power), unwrapped phases as filter-weighted averages.
:func:`from_mel_logmag_if` maps back (magnitudes by :func:`explorer.audio.mel.mel_to_stft`, IF
of each linear bin = weighted average of the IF of the mel bands covering it). The mel step is
lossy: fine detail inside a wide high band is not recovered.
"""

from __future__ import annotations

import numpy as np

from explorer.audio.constants import HOP_LENGTH, N_FFT
from explorer.audio.mel import mel_basis, mel_to_stft
from explorer.audio.stft import check_fft_params, n_fft_of
from explorer.errors import ParameterError

#: Floor added to magnitudes before the log (units); GANSynth uses the same 1e-6.
EPS = 1e-6


def _as_spectrogram(S: np.ndarray) -> np.ndarray:
    S = np.asarray(S)
    if S.ndim < 2 or S.dtype.kind not in "fiuc" or not np.all(np.isfinite(S)):
        raise ParameterError(f"expected a finite spectrogram [..., F x T], got {S.dtype} {S.shape}")
    return S


def _check_pair(log_mag: np.ndarray, if_: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    log_mag, if_ = _as_spectrogram(log_mag), _as_spectrogram(if_)
    if log_mag.shape != if_.shape or log_mag.dtype.kind == "c" or if_.dtype.kind == "c":
        raise ParameterError(f"log_mag and if_ must be real arrays of one shape, got {log_mag.shape} and {if_.shape}")
    return log_mag, if_


def instantaneous_frequency(phase: np.ndarray) -> np.ndarray:
    """Phase ``[..., F x T]`` (rad) -> IF ``[..., F x T]`` in [-1, 1]: first frame ``phase / pi``,
    then the wrapped phase difference along time ``/ pi``."""
    d = np.diff(phase, axis=-1, prepend=0.0)  # rad / hop
    return ((d + np.pi) % (2 * np.pi) - np.pi) / np.pi


def to_logmag_if(S: np.ndarray, *, eps: float = EPS) -> tuple[np.ndarray, np.ndarray]:
    """Complex STFT -> (log magnitude, instantaneous frequency), GANSynth's representation.

    Parameters
    ----------
    S : np.ndarray [shape=(..., F, T), complex]
    eps : float
        floor inside the log (units): silence maps to ``ln(eps)``.

    Returns
    -------
    log_mag : np.ndarray [shape=(..., F, T), dtype=float32], ``ln(|S| + eps)`` (ln units)
    if_ : np.ndarray [shape=(..., F, T), dtype=float32], in [-1, 1] (phase advance per hop / pi)
    """
    S = _as_spectrogram(S)
    log_mag = np.log(np.abs(S) + eps)
    if_ = instantaneous_frequency(np.angle(S).astype(np.float64))
    return log_mag.astype(np.float32), if_.astype(np.float32)


def from_logmag_if(log_mag: np.ndarray, if_: np.ndarray, *, eps: float = EPS) -> np.ndarray:
    """Inverse of :func:`to_logmag_if`: ``|S| = max(exp(log_mag) - eps, 0)``, phase = ``pi * cumsum(if_)``.

    Parameters
    ----------
    log_mag, if_ : np.ndarray [shape=(..., F, T)]

    Returns
    -------
    S : np.ndarray [shape=(..., F, T), dtype=complex64]
    """
    log_mag, if_ = _check_pair(log_mag, if_)
    mag = np.maximum(np.exp(log_mag.astype(np.float64)) - eps, 0.0)
    phase = np.pi * np.cumsum(if_.astype(np.float64), axis=-1)  # rad
    return (mag * np.exp(1j * phase)).astype(np.complex64)


def if_deviation(if_: np.ndarray, *, hop_length: int = HOP_LENGTH, n_fft: int = N_FFT,
                 cropped: bool = False) -> np.ndarray:
    """IF relative to each bin's centre frequency, in [-1, 1].

    ``dev[k, t] = wrap(pi * if_[k, t] - 2 pi k hop_length / n_fft) / pi``: 0 when the phase of
    bin ``k`` advances exactly at its centre frequency, +-1 at ``+-sr / (2 hop_length)`` Hz away
    (+-31.25 Hz for 16 kHz and hop 256, two bins at hop = n_fft / 4). Frame 0 holds no
    difference (it is the phase itself) and is meaningless.

    if_ : np.ndarray [shape=(..., F, T)] from :func:`to_logmag_if`, ``F = 1 + n_fft // 2``
    cropped : bool
        ``if_`` holds only the lowest ``F <= 1 + n_fft // 2`` bins (a picture cut at some frequency).
    """
    check_fft_params(n_fft, hop_length)
    if_ = np.asarray(if_)
    full = 1 + n_fft // 2
    if if_.ndim < 2 or not (0 < if_.shape[-2] <= full if cropped else if_.shape[-2] == full):
        raise ParameterError(f"if_ must be [..., {'F <= ' if cropped else ''}{full} x T] for n_fft={n_fft}, "
                             f"got {if_.shape}")
    k = np.arange(if_.shape[-2])[:, None]
    d = np.pi * if_ - 2 * np.pi * k * hop_length / n_fft  # rad / hop
    return (((d + np.pi) % (2 * np.pi) - np.pi) / np.pi).astype(np.float32)


def if_to_hz(
    if_: np.ndarray, *, sr: float, hop_length: int = HOP_LENGTH, n_fft: int = N_FFT, relative: bool = False
) -> np.ndarray:
    """Instantaneous frequency in Hz, per bin and frame.

    Absolute (default): ``k * sr / n_fft + dev * sr / (2 hop_length)`` Hz, the frequency the
    phase of bin ``k`` moves at (a 440 Hz tone reads 440 Hz in the bins around it).
    ``relative=True``: only the offset from the bin's centre, ``dev * sr / (2 hop_length)`` Hz.
    ``dev`` is :func:`if_deviation`, so frequencies further than ``sr / (2 hop_length)`` Hz from
    a bin's centre alias; frame 0 is meaningless.

    Returns
    -------
    hz : np.ndarray [shape=if_.shape, dtype=float32], Hz
    """
    if not np.isscalar(sr) or not sr > 0:
        raise ParameterError(f"sr must be a positive number, got {sr!r}")
    dev = if_deviation(if_, hop_length=hop_length, n_fft=n_fft).astype(np.float64)
    hz = dev * sr / (2 * hop_length)
    if not relative:
        hz = hz + np.arange(dev.shape[-2])[:, None] * sr / n_fft
    return hz.astype(np.float32)


def to_mel_logmag_if(
    S: np.ndarray, *, sr: float, n_mels: int = 128, eps: float = EPS
) -> tuple[np.ndarray, np.ndarray]:
    """Complex STFT -> (log mel magnitude, mel IF), GANSynth's IF-Mel.

    ``log_mel = ln(sqrt(mel_basis @ |S|^2) + eps)`` (log amplitude per mel band, like
    ``log_mag``) and ``mel_if = A @ if_`` where ``A`` is the mel basis with rows scaled to sum
    to 1 (each band's IF is the filter-weighted mean of its bins' IF: averaging unwrapped phases
    and differencing commute).

    Parameters
    ----------
    S : np.ndarray [shape=(..., F, T), complex], ``n_fft = 2 * (F - 1)``
    sr : float, Hz;  n_mels : int

    Returns
    -------
    log_mel, mel_if : np.ndarray [shape=(..., n_mels, T), dtype=float32]
    """
    S = _as_spectrogram(S)
    n_fft = n_fft_of(S)
    W = mel_basis(sr=sr, n_fft=n_fft, n_mels=n_mels)  # [n_mels x F]
    _, if_ = to_logmag_if(S, eps=eps)
    mel_power = np.matmul(W, np.abs(S).astype(np.float32) ** 2)  # units^2
    A = W / np.maximum(W.sum(axis=1, keepdims=True), 1e-30)  # rows sum to 1
    log_mel = np.log(np.sqrt(mel_power) + eps)
    return log_mel.astype(np.float32), np.matmul(A, if_).astype(np.float32)


def from_mel_logmag_if(
    log_mel: np.ndarray, mel_if: np.ndarray, *, sr: float, n_fft: int = N_FFT, eps: float = EPS
) -> np.ndarray:
    """Inverse of :func:`to_mel_logmag_if` (lossy): complex STFT ``[..., 1 + n_fft // 2, T]``.

    Magnitude by :func:`explorer.audio.mel.mel_to_stft`; the IF of linear bin ``k`` is the mean
    of the mel IFs weighted by the filters covering ``k``; phase by cumulative sum as in
    :func:`from_logmag_if`. Bins no filter covers (DC) get zero magnitude.

    Returns
    -------
    S : np.ndarray [shape=(..., 1 + n_fft // 2, T), dtype=complex64]
    """
    log_mel, mel_if = _check_pair(log_mel, mel_if)
    check_fft_params(n_fft, 1)
    n_mels = log_mel.shape[-2]
    W = mel_basis(sr=sr, n_fft=n_fft, n_mels=n_mels)  # [n_mels x F]
    mel_power = np.maximum(np.exp(log_mel.astype(np.float64)) - eps, 0.0) ** 2  # units^2
    mag = mel_to_stft(mel_power, sr=sr, n_fft=n_fft, power=2.0)
    B = W.T / np.maximum(W.sum(axis=0)[:, None], 1e-30)  # [F x n_mels], rows sum to 1 (0: no filter)
    if_ = np.matmul(B, mel_if)
    return from_logmag_if(np.log(mag + eps), if_, eps=eps)
