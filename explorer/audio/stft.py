"""Short-time Fourier transform and its inverse, with librosa's conventions.

Periodic hann window, ``center=True`` pads ``n_fft // 2`` samples on each side: zeros by default
(librosa's ``pad_mode="constant"``) or the signal mirrored (``pad_mode="reflect"``, torch.stft's
default, which the neural models' features were trained with), no normalisation: :func:`stft` matches ``librosa.stft`` to float32
precision and :func:`istft` (weighted overlap-add divided by the squared-window envelope) undoes
it exactly.

Two layers:

- :func:`stft` / :func:`istft`: numpy in, numpy out, librosa's layout ``[..., F x T]``.
- :func:`stft_t` / :func:`istft_t` / :func:`project_t`: torch, frame-major
  ``Tensor[B x T x F]``, no checks, for iterative algorithms (Griffin-Lim) that call them
  hundreds of times.

The numpy layer runs torch on one intra-op thread (:func:`one_torch_thread`), which is faster
for tensors this small and immune to oversubscribed cores.
"""

from __future__ import annotations

from contextlib import contextmanager
from functools import lru_cache

import numpy as np
import torch
import torch.nn.functional as F_nn

from explorer.audio.constants import HOP_LENGTH, N_FFT
from explorer.errors import ParameterError

#: How ``center=True`` pads the ends (librosa's names): zeros, or the signal mirrored about its ends.
PAD_MODES = ("constant", "reflect")


@contextmanager
def one_torch_thread():
    """Run torch on one intra-op thread inside the block, then restore the previous setting.

    The audio core's tensors are ~1 MB, too small for intra-op threads to pay off, and on a few
    shared cores OpenMP workers contend: on the 2-core project machine under load, 2 threads
    made an STFT or a Griffin-Lim loop 5-20x slower than 1 thread (which, on an idle machine,
    costs at most ~2x). Setting and restoring costs well under a microsecond.
    """
    before = torch.get_num_threads()
    if before != 1:
        torch.set_num_threads(1)
    try:
        yield
    finally:
        if before != 1:
            torch.set_num_threads(before)


def check_fft_params(n_fft: int, hop_length: int, *, inverse: bool = False) -> None:
    """Raise :class:`ParameterError` unless ``n_fft`` is a positive even integer and
    ``1 <= hop_length <= n_fft`` (``<= n_fft // 2`` for an inverse, so hann frames overlap)."""
    if isinstance(n_fft, bool) or not isinstance(n_fft, (int, np.integer)) or n_fft < 2 or n_fft % 2:
        raise ParameterError(f"n_fft must be a positive even integer, got {n_fft!r}")
    max_hop = n_fft // 2 if inverse else n_fft
    if isinstance(hop_length, bool) or not isinstance(hop_length, (int, np.integer)) or not 1 <= hop_length <= max_hop:
        what = "an inverse STFT (hann frames must overlap)" if inverse else "an STFT"
        raise ParameterError(f"hop_length must be an integer in [1, {max_hop}] for {what}, got {hop_length!r}")


def n_fft_of(S: np.ndarray) -> int:
    """The (even) ``n_fft`` of a one-sided spectrogram ``S [..., F x T]``: ``2 * (F - 1)``."""
    if np.ndim(S) < 2 or S.shape[-2] < 2:
        raise ParameterError(f"expected a spectrogram [..., F x T] with F >= 2, got shape {np.shape(S)}")
    return 2 * (S.shape[-2] - 1)


def as_audio(y: np.ndarray, *, name: str = "y") -> np.ndarray:
    """Validate audio for analysis: a real, finite, non-empty float32 array [..., n]."""
    y = np.asarray(y)
    if y.dtype.kind not in "fiu" or y.ndim == 0 or y.shape[-1] == 0:
        raise ParameterError(f"{name} must be a non-empty real array [..., n], got {y.dtype} {y.shape}")
    y = np.ascontiguousarray(y, dtype=np.float32)
    if not np.all(np.isfinite(y)):
        raise ParameterError(f"{name} must be finite (no NaN or inf); run make_safe first")
    return y


@lru_cache(maxsize=8)
def window(n_fft: int) -> torch.Tensor:
    """Periodic hann window, ``Tensor[n_fft]`` float32 (cached: do not modify)."""
    return torch.hann_window(n_fft, periodic=True, dtype=torch.float32)


def overlap_add(frames: torch.Tensor, hop_length: int) -> torch.Tensor:
    """Sum frames ``Tensor[B x T x n_fft]`` at a stride of ``hop_length`` ->
    ``Tensor[B x (T - 1) * hop_length + n_fft]``."""
    b, t, n_fft = frames.shape
    if n_fft % hop_length == 0:  # blocks of one hop: R shifted slice-adds, much faster than fold
        r = n_fft // hop_length
        blocks = frames.reshape(b, t, r, hop_length)
        out = frames.new_zeros(b, t + r - 1, hop_length)
        for j in range(r):
            out[:, j : j + t] += blocks[:, :, j]
        return out.reshape(b, -1)
    n = (t - 1) * hop_length + n_fft
    return F_nn.fold(frames.transpose(1, 2), (1, n), (1, n_fft), stride=(1, hop_length)).reshape(b, n)


@lru_cache(maxsize=32)
def _inverse_envelope(n_fft: int, hop_length: int, n_frames: int, zero_edges: bool = False) -> torch.Tensor:
    """1 / sum of squared shifted windows (0 where that sum vanishes), ``Tensor[(T-1)*hop + n_fft]``.

    ``zero_edges`` also zeroes the ``n_fft // 2`` samples at each end: the padding that a centred
    ISTFT trims and the next centred STFT puts back as zeros.
    """
    w2 = window(n_fft).square().expand(1, n_frames, n_fft)
    env = overlap_add(w2, hop_length)[0]
    tiny = torch.finfo(torch.float32).tiny
    inv = torch.where(env > tiny, 1.0 / env.clamp_min(tiny), torch.zeros(()))
    if zero_edges:
        inv[: n_fft // 2] = 0.0
        inv[inv.shape[0] - n_fft // 2 :] = 0.0
    return inv


def _pad(y: torch.Tensor, n_fft: int, pad_mode: str) -> torch.Tensor:
    """``n_fft // 2`` samples either side of ``y [B x n]``: zeros or the mirrored signal."""
    if pad_mode == "reflect":  # torch pads only >= 2-D input along its last axis this way
        return F_nn.pad(y[:, None], (n_fft // 2, n_fft // 2), mode="reflect")[:, 0]
    return F_nn.pad(y, (n_fft // 2, n_fft // 2))


def stft_t(y: torch.Tensor, *, n_fft: int, hop_length: int, center: bool = True,
           pad_mode: str = "constant") -> torch.Tensor:
    """STFT, torch, frame-major.

    y : Tensor[B x n] float32 -> Tensor[B x T x F] complex64, F = 1 + n_fft // 2,
    T = 1 + n // hop_length (center) or 1 + (n - n_fft) // hop_length.
    ``pad_mode`` ("constant" or "reflect", with ``center``): see the module docstring.
    """
    if center:
        y = _pad(y, n_fft, pad_mode)
    frames = y.unfold(-1, n_fft, hop_length) * window(n_fft)  # [B x T x n_fft]
    return torch.fft.rfft(frames)


def istft_t(
    S: torch.Tensor, *, n_fft: int, hop_length: int, length: int | None = None, center: bool = True
) -> torch.Tensor:
    """Inverse of :func:`stft_t`: ``Tensor[B x T x F]`` complex -> ``Tensor[B x n]`` float32.

    ``length`` defaults to ``(T - 1) * hop_length`` (center) or ``(T - 1) * hop_length + n_fft``;
    a longer ``length`` is zero-padded.
    """
    n_frames = S.shape[-2]
    frames = torch.fft.irfft(S, n=n_fft) * window(n_fft)
    y = overlap_add(frames, hop_length).mul_(_inverse_envelope(n_fft, hop_length, n_frames))
    start = n_fft // 2 if center else 0
    if length is None:
        length = y.shape[-1] - 2 * start
    y = y[:, start : start + length]
    if y.shape[-1] < length:
        y = F_nn.pad(y, (0, length - y.shape[-1]))
    return y


def project_t(S: torch.Tensor, *, n_fft: int, hop_length: int) -> torch.Tensor:
    """``stft_t(istft_t(S))`` for centred frames, fused: the nearest consistent spectrogram.

    S : Tensor[B x T x F] complex64 -> Tensor[B x T x F] complex64 (the inner loop of Griffin-Lim).
    """
    frames = torch.fft.irfft(S, n=n_fft) * window(n_fft)
    y = overlap_add(frames, hop_length).mul_(_inverse_envelope(n_fft, hop_length, S.shape[-2], True))
    return torch.fft.rfft(y.unfold(-1, n_fft, hop_length) * window(n_fft))


def check_pad_mode(pad_mode: str) -> None:
    """Raise :class:`ParameterError` unless ``pad_mode`` is one of :data:`PAD_MODES`."""
    if pad_mode not in PAD_MODES:
        raise ParameterError(f"pad_mode must be one of {PAD_MODES}, got {pad_mode!r}")


def stft(y: np.ndarray, *, n_fft: int = N_FFT, hop_length: int = HOP_LENGTH, center: bool = True,
         pad_mode: str = "constant") -> np.ndarray:
    """Short-time Fourier transform with a periodic hann window (same values as ``librosa.stft``).

    Parameters
    ----------
    y : np.ndarray [shape=(n,) or (..., n)]
        audio, finite; a batch ``[B x n]`` (or any leading shape) is transformed row by row.
    n_fft : int > 0, even
        FFT size = window length, samples.
    hop_length : int in [1, n_fft]
        samples between frames.
    center : bool
        pad ``n_fft // 2`` samples on both sides so that frame ``t`` is centred on sample
        ``t * hop_length``.
    pad_mode : "constant" or "reflect"
        what ``center`` pads with: zeros (librosa's default) or the signal mirrored (torch's).

    Returns
    -------
    S : np.ndarray [shape=(..., 1 + n_fft // 2, T), dtype=complex64]
        bin ``k`` is ``k * sr / n_fft`` Hz; ``T = 1 + n // hop_length`` when centred.

    Raises
    ------
    ParameterError
        bad ``n_fft``/``hop_length``; non-finite, empty or (uncentred) too-short ``y``.
    """
    check_fft_params(n_fft, hop_length)
    check_pad_mode(pad_mode)
    y = as_audio(y)
    if not center and y.shape[-1] < n_fft:
        raise ParameterError(f"center=False needs at least n_fft={n_fft} samples, got {y.shape[-1]}")
    if center and pad_mode == "reflect" and y.shape[-1] <= n_fft // 2:
        raise ParameterError(f"pad_mode='reflect' needs more than n_fft // 2 = {n_fft // 2} samples, got {y.shape[-1]}")
    lead, n = y.shape[:-1], y.shape[-1]
    with torch.no_grad(), one_torch_thread():
        S = stft_t(torch.from_numpy(y.reshape(-1, n)), n_fft=n_fft, hop_length=hop_length, center=center,
                   pad_mode=pad_mode)
        S = S.transpose(-1, -2).numpy()
    return np.ascontiguousarray(S).reshape(lead + S.shape[-2:])


def istft(
    S: np.ndarray, *, hop_length: int = HOP_LENGTH, length: int | None = None, center: bool = True
) -> np.ndarray:
    """Inverse STFT by weighted overlap-add; ``istft(stft(y), length=len(y)) == y`` to float32 precision.

    Parameters
    ----------
    S : np.ndarray [shape=(F, T) or (..., F, T), complex]
        one-sided spectrogram from :func:`stft`; ``n_fft = 2 * (F - 1)``.
    hop_length : int in [1, n_fft // 2]
        the hop ``S`` was made with, samples.
    length : int or None
        output length in samples (trimmed or zero-padded); default ``(T - 1) * hop_length``.
    center : bool
        whether ``S`` was made with ``center=True``.

    Returns
    -------
    y : np.ndarray [shape=(..., length), dtype=float32]
    """
    S = np.asarray(S)
    n_fft = n_fft_of(S)
    check_fft_params(n_fft, hop_length, inverse=True)
    if length is not None and (isinstance(length, bool) or not isinstance(length, (int, np.integer)) or length < 1):
        raise ParameterError(f"length must be a positive integer or None, got {length!r}")
    if S.dtype.kind not in "fiuc" or not np.all(np.isfinite(S)):
        raise ParameterError("S must be a finite numeric spectrogram")
    lead, (f, t) = S.shape[:-2], S.shape[-2:]
    X = torch.from_numpy(np.ascontiguousarray(S.reshape(-1, f, t).transpose(0, 2, 1), dtype=np.complex64))
    with torch.no_grad(), one_torch_thread():
        y = istft_t(X, n_fft=n_fft, hop_length=hop_length, length=length, center=center).numpy()
    return y.reshape(lead + y.shape[-1:])
