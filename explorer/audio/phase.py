"""Phase reconstruction: fast Griffin-Lim in torch (judged by
:func:`explorer.audio.features.spectral_convergence`).

Griffin-Lim with momentum is the "fast Griffin-Lim" of Perraudin, Balazs and Sondergaard
(2013), written as librosa writes it (``momentum / (1 + momentum)`` times the previous
projection subtracted before normalising), so the two agree on the algorithm and differ only in
speed: here the whole loop stays in torch, frame-major ``[B x T x F]``, with no transposes and
no window-envelope recomputation inside it.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from explorer.audio.constants import HOP_LENGTH
from explorer.audio.stft import check_fft_params, istft_t, n_fft_of, one_torch_thread, project_t, window
from explorer.budget import check_time
from explorer.errors import ParameterError

INITS = ("random", "zeros")


def as_magnitude(S_mag: np.ndarray) -> np.ndarray:
    """Validate a magnitude spectrogram: finite, non-negative, real ``[..., F x T]``."""
    S_mag = np.asarray(S_mag)
    if S_mag.dtype.kind not in "fiu" or not np.all(np.isfinite(S_mag)) or np.any(S_mag < 0):
        raise ParameterError("S_mag must be a finite, non-negative magnitude spectrogram [..., F x T]")
    return S_mag


def griffin_lim(
    S_mag: np.ndarray,
    *,
    n_iter: int = 32,
    hop_length: int = HOP_LENGTH,
    length: int | None = None,
    momentum: float = 0.99,
    init: str = "random",
    seed: int = 0,
) -> np.ndarray:
    """Audio whose STFT magnitude approximates ``S_mag`` (fast Griffin-Lim with momentum).

    Parameters
    ----------
    S_mag : np.ndarray [shape=(F, T) or (B, F, T)]
        non-negative STFT magnitude (units), ``n_fft = 2 * (F - 1)``, centred hann frames.
    n_iter : int >= 0
        iterations (each one ISTFT + STFT).
    hop_length : int
        samples between frames.
    length : int or None
        output samples (default ``(T - 1) * hop_length``).
    momentum : float in [0, 1]
        Perraudin's acceleration; 0 is plain Griffin-Lim, 0.99 converges fastest.
    init : "random" or "zeros"
        initial phase: uniform random (from ``seed``) or zero.
    seed : int
        seed of the random initial phase: the same inputs give the same samples, every time,
        and a row of a batch comes out as it would alone.

    Returns
    -------
    y : np.ndarray [shape=(length,) or (B, length), dtype=float32]
    """
    S_mag = as_magnitude(S_mag)
    n_fft = n_fft_of(S_mag)
    check_fft_params(n_fft, hop_length, inverse=True)
    if isinstance(n_iter, bool) or not isinstance(n_iter, (int, np.integer)) or n_iter < 0:
        raise ParameterError(f"n_iter must be a non-negative integer, got {n_iter!r}")
    if not np.isscalar(momentum) or not 0 <= momentum <= 1:
        raise ParameterError(f"momentum must be in [0, 1], got {momentum!r}")
    if init not in INITS:
        raise ParameterError(f"init must be one of {INITS}, got {init!r}")
    if length is not None and (isinstance(length, bool) or not isinstance(length, (int, np.integer)) or length < 1):
        raise ParameterError(f"length must be a positive integer or None, got {length!r}")
    lead, (f, t) = S_mag.shape[:-2], S_mag.shape[-2:]
    mag = torch.from_numpy(np.ascontiguousarray(S_mag.reshape(-1, f, t).transpose(0, 2, 1), dtype=np.float32))
    with torch.no_grad(), one_torch_thread():
        y = griffin_lim_t(
            mag, n_fft=n_fft, hop_length=hop_length, n_iter=int(n_iter), momentum=float(momentum), init=init, seed=seed
        )
        y = istft_t(y, n_fft=n_fft, hop_length=hop_length, length=length).numpy()
    return y.reshape(lead + y.shape[-1:])


def griffin_lim_t(
    mag: torch.Tensor, *, n_fft: int, hop_length: int, n_iter: int, momentum: float, init: str, seed: int
) -> torch.Tensor:
    """The Griffin-Lim loop in torch: ``mag Tensor[B x T x F]`` -> complex ``Tensor[B x T x F]``
    with magnitude ``mag`` and the reconstructed phase (no checks; call under ``torch.no_grad``)."""
    if init == "random":
        gen = torch.Generator().manual_seed(int(seed))
        phase = torch.rand(mag.shape[-2:], generator=gen) * (2 * math.pi)  # rad, one draw for every row
        X = torch.polar(mag, phase.expand_as(mag))
    else:
        X = mag.to(torch.complex64)
    alpha = momentum / (1.0 + momentum)
    eps = 1e-30  # units^2; only keeps rsqrt finite where the rebuilt STFT is exactly zero
    prev = None
    for _ in range(n_iter):
        check_time()
        rebuilt = project_t(X, n_fft=n_fft, hop_length=hop_length)
        X = rebuilt if prev is None else torch.sub(rebuilt, prev, alpha=alpha)
        prev = rebuilt
        # X <- mag * X / |X|, with |X|^2 from real and imaginary parts (cheaper than complex abs)
        ri = torch.view_as_real(X)
        scale = ri[..., 0] * ri[..., 0]
        scale.addcmul_(ri[..., 1], ri[..., 1]).add_(eps).rsqrt_().mul_(mag)
        X = X * scale  # (out of place: in-place complex *= real is slower in torch)
    return X



def griffin_lim_from(
    mag: torch.Tensor, phase: torch.Tensor, *, n_fft: int, hop_length: int, n_iter: int, momentum: float = 0.99
) -> torch.Tensor:
    """Fast Griffin-Lim from a given starting phase, bin-major, with the ends of the note mirrored.

    mag, phase : Tensor[B x F x T] (|S| in units, rad), F = 1 + n_fft // 2, centred periodic-Hann
    frames padded by reflection (``torch.stft``'s ``pad_mode="reflect"``); returns audio
    Tensor[B x (T - 1) * hop_length] (no checks; call under ``torch.no_grad``).

    The same algorithm as :func:`griffin_lim_t` (librosa's momentum form), written with
    ``torch.stft``/``torch.istft`` and unit phasors: the VAE's renders were made with exactly
    this arithmetic, and a model started from a good phase guess (the VAE's pitch-locked phase)
    needs this path to keep its sound to the sample: the fused frame-major loop rounds
    differently, and momentum 0.99 amplifies that to 5 LSB (16-bit) after 8 iterations.
    """
    win = window(n_fft)
    n = (mag.shape[-1] - 1) * hop_length  # samples
    alpha = momentum / (1.0 + momentum)
    angles = torch.polar(torch.ones_like(mag), phase)  # unit phasors
    rebuilt = torch.zeros_like(angles)
    for _ in range(n_iter):
        check_time()
        prev = rebuilt
        y = torch.istft(mag * angles, n_fft, hop_length, window=win, center=True, length=n)
        rebuilt = torch.stft(y, n_fft, hop_length, window=win, center=True, pad_mode="reflect", return_complex=True)
        angles = rebuilt - alpha * prev
        angles = angles / (angles.abs() + 1e-16)  # back to unit phasors (1e-16: finite where X is 0)
    return torch.istft(mag * angles, n_fft, hop_length, window=win, center=True, length=n)
