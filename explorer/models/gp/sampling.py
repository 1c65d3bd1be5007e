"""Exact GP sampling by circulant embedding, and the block grid of piecewise-stationary sounds.

Sampling is exact by **circulant embedding**: the first row of the N x N Toeplitz covariance is
wrapped into a symmetric circulant of size M >= 2N, whose eigenvalues are one FFT of that row.
A draw is ``x = (C^{1/2} z)[:N]`` with real white-noise innovations ``z ~ N(0, I_M)``, i.e. a
*linear* map of ``z``: the same ``z`` and kernel give the same sound, and any slerp between two
``z`` stays a draw of the same GP. Negative eigenvalues (a kernel that has not decayed by the
end of the clip) are clipped to zero and the clipped share of power is reported
(:meth:`GPModel.clipped_power_fraction`).

A decaying component (``decay_s``) is rendered by splitting the draw's frequency bins into
groups of equal decay (:func:`decay_groups`) and modulating each group
(:func:`modulation_basis`); a piecewise sound joins exact stationary draws per block with
power-complementary crossfades (:func:`overlap_add`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np
import scipy.fft

from explorer.budget import check_time
from explorer.models.gp.kernel import SMKernel


def embedding_size(n: int) -> int:
    """Circulant size M for n samples: the smallest even FFT-friendly length >= 2 n."""
    m = scipy.fft.next_fast_len(2 * int(n), real=True)
    while m % 2:
        m = scipy.fft.next_fast_len(m + 1, real=True)
    return m


def _cos_grid(omega: np.ndarray, n: int) -> np.ndarray:
    """cos(omega * j) for j = 0..n-1, float64 [len(omega) x n].

    With j = K a + b, cos(omega j) = cos(omega K a) cos(omega b) - sin(omega K a) sin(omega b):
    two small outer products per frequency, several times faster than np.cos on the full grid,
    error ~1e-13.
    """
    k = int(math.ceil(math.sqrt(n)))
    idx = np.arange(k, dtype=np.float64)
    w = np.asarray(omega, dtype=np.float64).reshape(-1, 1)
    coarse, fine = w * (k * idx), w * idx  # rad
    full = np.einsum("qa,qb->qab", np.cos(coarse), np.cos(fine))
    full -= np.einsum("qa,qb->qab", np.sin(coarse), np.sin(fine))
    return full.reshape(len(w), k * k)[:, :n]


def _half_rows(w: np.ndarray, mu: np.ndarray, ls: np.ndarray, noise: np.ndarray, half: int, sr: int) -> np.ndarray:
    """First half (lags 0..half-1) of the covariance row of K kernels, float64 [K x half].

    w, mu, ls : [K x Q] power weights, means (Hz), lengthscales (s); noise : [K].
    One pass per component index q (vectorised over the K kernels), so memory stays at a few
    [K x half] arrays; the Gaussian envelope is shared between components of equal lengthscale.
    """
    tau2 = (np.arange(half) / sr) ** 2  # s^2
    rows = np.zeros((w.shape[0], half))
    gauss_cache: dict[bytes, np.ndarray] = {}
    for q in range(w.shape[1]):
        check_time()
        if not np.any(w[:, q]):
            continue
        key = ls[:, q].tobytes()
        if key not in gauss_cache:
            gauss_cache = {key: np.exp(-tau2[None, :] / (2.0 * ls[:, q, None] ** 2))}
        rows += w[:, q, None] * gauss_cache[key] * _cos_grid(2.0 * np.pi * mu[:, q] / sr, half)  # rad / sample
    rows[:, 0] += noise
    return rows


def circulant_eigenvalues(kernels: Sequence[SMKernel], n: int, *, sr: int, t_s: np.ndarray | None = None):
    """Eigenvalues of the circulant embedding of each kernel's n x n covariance.

    Parameters
    ----------
    kernels : K kernels (e.g. one per block)
    n : int       samples per draw
    sr : int      sample rate, Hz
    t_s : np.ndarray [shape=(K,)] or None   time of each kernel (applies ``decay_s``)

    Returns
    -------
    sqrt_eig : np.ndarray [shape=(K, M // 2 + 1), dtype=float32]
        square roots of the (clipped) eigenvalues, M = :func:`embedding_size` (n)
    clipped : np.ndarray [shape=(K,)]
        share of the embedding's eigenvalue mass that was negative and clipped (0 = exact)
    """
    m = embedding_size(n)
    half = m // 2 + 1
    q = max(len(k.components) for k in kernels)
    n_k = len(kernels)
    w, mu, ls = np.zeros((n_k, q)), np.zeros((n_k, q)), np.ones((n_k, q))
    t = np.zeros(n_k) if t_s is None else np.asarray(t_s, dtype=np.float64)
    for i, k in enumerate(kernels):
        nq = len(k.components)
        w[i, :nq] = k.weights_at(t[i : i + 1])[0]
        mu[i, :nq], ls[i, :nq] = k.means_hz, k.lengthscales_s
    noise = np.array([k.noise for k in kernels])
    rows = _half_rows(w, mu, ls, noise, half, sr)
    # symmetric circulant: eigenvalues = DCT-I of the half row (= FFT of the wrapped row)
    lam = scipy.fft.dct(rows, type=1, axis=-1)
    mult = np.full(half, 2.0)
    mult[0] = mult[-1] = 1.0  # bins 1..M/2-1 occur twice in the full spectrum
    neg = np.sum(mult * np.clip(-lam, 0, None), axis=-1)
    tot = np.sum(mult * np.abs(lam), axis=-1)
    clipped = np.where(tot > 0, neg / np.where(tot > 0, tot, 1.0), 0.0)
    return np.sqrt(np.clip(lam, 0.0, None)).astype(np.float32), clipped


def decay_groups(kernel: SMKernel, m: int, *, sr: int) -> tuple[np.ndarray, np.ndarray]:
    """Split the M/2+1 frequency bins of an embedding by the decay of their dominant component.

    Returns ``labels`` int [M/2+1] (group of each bin) and ``rates`` [G] (1 / decay_s, 1/s;
    0 for components that do not decay). Bins of one group form an exactly stationary part of
    the draw, independent of the other groups, so each can carry its own decay.
    """
    f = np.arange(m // 2 + 1) * (sr / m)  # Hz
    # the white noise is a candidate too, steady (rate 0): where no component has power, the bins
    # are the noise's, not the decay of whichever partial's far tail is least small (a kernel morph
    # that mixed in a little piano let a hammer component's fast decay silence the noise floor)
    rates_q = np.append(1.0 / kernel.decays_s, 0.0)
    noise_q = len(kernel.components)
    best = np.full(f.shape, math.log(kernel.noise / sr) if kernel.noise > 0 else -np.inf)
    label_q = np.full(f.shape, noise_q, dtype=np.int64)
    for q, c in enumerate(kernel.components):
        sd = c.bandwidth_hz
        if c.weight <= 0:
            continue
        # log of the component's (two-sided) density at each bin, +- mu images, power / Hz
        d2 = np.minimum((f - c.mean_hz) ** 2, (f + c.mean_hz) ** 2)
        logd = math.log(c.weight / (sd * math.sqrt(2 * math.pi))) - 0.5 * d2 / sd**2
        better = logd > best
        best[better], label_q[better] = logd[better], q
    rates, labels = np.unique(rates_q[label_q], return_inverse=True)
    return labels.reshape(f.shape), rates


def modulation_basis(rates: np.ndarray, n: int, *, sr: int, tol: float = 1e-6) -> tuple[np.ndarray, np.ndarray]:
    """Low-rank form of the decays E[g, t] = exp(-rates[g] t): E ~= coef @ basis.

    Decaying exponentials are nearly linearly dependent, so a handful of basis functions (the
    leading singular vectors, kept down to ``tol`` x the largest singular value) reproduce all
    G of them closely: a render then needs K (~8) inverse FFTs instead of G (one per partial).
    The basis is computed on a coarse grid (at most 16 samples apart, and fine enough that the
    fastest decay changes by < 1% per step) and interpolated: error < 2e-5.

    Returns coef float32 [G x K] and basis float32 [K x n].
    """
    step = int(max(1, min(16, 0.01 * sr / max(float(np.max(rates)), 1e-9))))
    tc = np.arange(0, n + step, step) / sr  # s, coarse grid
    e = np.exp(-np.outer(rates, tc))  # [G, n / step]
    evals, vecs = np.linalg.eigh(e @ e.T)
    order = np.argsort(evals)[::-1]
    sing = np.sqrt(np.clip(evals[order], 0.0, None))
    coef = vecs[:, order[sing > tol * sing[0]]]  # orthonormal columns
    coarse = coef.T @ e
    t = np.arange(n) / sr
    basis = np.stack([np.interp(t, tc, row) for row in coarse]).astype(np.float32)
    return coef.astype(np.float32), basis


def sample_stationary(sqrt_eig: np.ndarray, z: np.ndarray, n: int) -> np.ndarray:
    """x = (C^{1/2} z)[:n]: exact GP draws from circulant square-root eigenvalues.

    sqrt_eig : [..., M // 2 + 1];  z : [..., M] real innovations.  Returns float32 [..., n].
    """
    m = z.shape[-1]
    spec = scipy.fft.rfft(np.asarray(z, dtype=np.float32), axis=-1) * sqrt_eig
    return scipy.fft.irfft(spec, n=m, axis=-1)[..., :n].astype(np.float32)


@dataclass(frozen=True)
class BlockGrid:
    """Geometry of piecewise synthesis: ``n_blocks`` blocks of ``length`` = hop + fade samples."""

    hop: int
    fade: int
    n_blocks: int

    @property
    def length(self) -> int:
        return self.hop + self.fade

    def centres_s(self, sr: int) -> np.ndarray:
        return (np.arange(self.n_blocks) * self.hop + self.length / 2) / sr


def block_grid(n: int, *, sr: int, hop_s: float, crossfade_s: float) -> BlockGrid:
    hop = max(1, int(round(hop_s * sr)))
    fade = min(hop, max(1, int(round(crossfade_s * sr))))
    n_blocks = max(1, math.ceil((n - fade) / hop))
    return BlockGrid(hop, fade, n_blocks)


def overlap_add(blocks: np.ndarray, grid: BlockGrid, n: int) -> np.ndarray:
    """Join blocks [..., B x (hop + fade)] with sine/cosine crossfades -> [..., n].

    The windows are power-complementary (sin^2 + cos^2 = 1), so joining draws of one kernel
    keeps the variance constant through every crossfade, and nothing jumps at a join.
    """
    hop, fade, nb = grid.hop, grid.fade, grid.n_blocks
    ramp = np.sin(0.5 * np.pi * (np.arange(fade) + 0.5) / fade)  # fade-in
    x = np.array(blocks, dtype=np.float64)
    x[..., 1:, :fade] *= ramp
    x[..., :-1, hop:] *= ramp[::-1]
    out = np.zeros(x.shape[:-2] + (nb * hop + hop,))
    out[..., : nb * hop] += x[..., :hop].reshape(x.shape[:-2] + (nb * hop,))
    tail = out[..., hop : hop + nb * hop].reshape(x.shape[:-2] + (nb, hop))
    tail[..., :fade] += x[..., hop:]
    return out[..., :n].astype(np.float32)
