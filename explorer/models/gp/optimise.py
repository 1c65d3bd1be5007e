"""The batched spectral-mixture optimisation behind every GP fit (torch, analytic gradients).

B spectra (blocks of a clip, or one Welch spectrum) are fitted at once, parameters
``[B x Q]``, coupled only by a smoothness term over neighbouring blocks.

Expected spectrum: a Hann-windowed periodogram sees each Gaussian spectral peak smeared by the
window's spectral kernel. We approximate that kernel by a Gaussian of the same equivalent noise
bandwidth (1.5 bins for Hann), so the smeared peak is again a Gaussian with variance
``sigma_q^2 + sigma_window^2``: narrow lines keep their exact height, and a fit never needs a
lengthscale longer than the analysis window to explain a line.
"""

from __future__ import annotations

import math
from typing import Callable

import numpy as np
import scipy.special
import torch

#: A progress callback: called with the fraction done, 0 .. 1.
Progress = Callable[[float], None]
#: Hann window: equivalent noise bandwidth in bins.
HANN_ENBW = 1.5


def _pool_groups(freqs: np.ndarray, *, sr: int, ratio: float) -> np.ndarray:
    """Group FFT bins (DC and Nyquist left out) into analysis bands at least ``ratio x f`` wide.

    Returns the first bin index of each group plus one past the last, int [G + 1]: fine bins at
    low frequencies (where harmonics are resolved), about constant-Q bands higher up.
    """
    df = freqs[1] - freqs[0]
    last = len(freqs) - 1 if freqs[-1] >= sr / 2 - 1e-9 else len(freqs)
    starts, i = [], 1
    while i < last:
        starts.append(i)
        i += max(1, int(round(ratio * freqs[i] / df)))
    return np.array(starts + [last])


def _pool(p: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """Mean of ``p`` [B x F] over each bin group -> [B x G]."""
    sums = np.add.reduceat(p, groups[:-1], axis=-1)
    return sums / np.diff(groups)


def optimise(
    freqs: np.ndarray,
    p_obs: np.ndarray,
    mu0: np.ndarray,
    *,
    sr: int,
    window_s: float,
    n_iter: int,
    smooth: float,
    frames_averaged: int,
    pool_ratio: float,
    progress: Progress | None,
    progress_span: tuple[float, float] = (0.0, 1.0),
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, float]:
    """Fit B independent spectral mixtures (coupled only by a smoothness term) to spectra.

    freqs [F] Hz; p_obs [B x F] power / Hz, each row normalised to unit power; mu0 [B x Q] Hz;
    frames_averaged: periodograms averaged into each row (1 for a single block, Welch's count).
    window_s: lengthscales are capped at window_s / 4 (longer ones are not resolved by the
    analysis, and would not decay within a block's circulant embedding).
    Returns weights, means, lengthscales [B x Q], noise [B] (unit-power scale) and the final loss.

    The spectrum is compared in analysis bands (:func:`_pool_groups`): the model's value in a
    band is the exact mean of its (window-smoothed) density there, an erf difference per
    component, so even a line narrower than a bin counts fully. The loss is
    ``mean((log P_band - bias - log S_band)^2) + smooth * mean((log S_b+1 - log S_b)^2)``, where
    ``bias = E[log mean of K periodogram bins] - log E[...]`` (digamma(K) - log K). Gradients
    are written out by hand (no autograd graph), one pass over a [B x Q x bands] table each.
    """
    nyq = sr / 2
    df = float(freqs[1] - freqs[0])
    sigma_w2 = (HANN_ENBW * df / math.sqrt(2 * math.pi)) ** 2  # Hz^2: the window's spectral spread
    l_min, l_max = 1.0 / (2 * math.pi * nyq / 4), max(window_s / 4, 1e-3)  # s: longer is unresolvable
    log_lmin, log_span = math.log(l_min), math.log(l_max) - math.log(l_min)
    groups = _pool_groups(freqs, sr=sr, ratio=pool_ratio)
    k_eff = np.maximum(1.0, np.diff(groups) * frames_averaged / HANN_ENBW)  # roughly independent bins
    bias = scipy.special.digamma(k_eff) - np.log(k_eff)
    dt = torch.float32
    edges = torch.tensor(freqs[groups] - df / 2, dtype=dt)  # [G + 1] Hz
    width = edges[1:] - edges[:-1]
    floor = 1e-5 / nyq  # -50 dB below a flat unit-power spectrum
    target = torch.tensor(np.log(_pool(p_obs, groups) + floor) - bias, dtype=dt)
    b, q = mu0.shape
    n_res, n_smooth = target.numel(), max(1, (b - 1) * target.shape[1])

    # unconstrained parameters: mu = nyq sigmoid(u), log l = log_lmin + span sigmoid(v), w = e^a, noise = e^c
    mu_frac = np.clip(mu0 / nyq, 1e-4, 1 - 1e-4)
    u = torch.tensor(np.log(mu_frac / (1 - mu_frac)), dtype=dt)
    l0 = float(np.clip(1.0 / (2 * math.pi * 2 * df), l_min * 1.01, l_max * 0.99))
    v = torch.full((b, q), math.log((math.log(l0) - log_lmin) / (math.log(l_max) - math.log(l0))), dtype=dt)
    s0 = math.sqrt((1 / (2 * math.pi * l0)) ** 2 + sigma_w2)
    bins0 = np.clip(np.round(mu0 / df).astype(int), 0, p_obs.shape[1] - 1)
    dens0 = np.take_along_axis(p_obs, bins0, axis=1)
    a = torch.tensor(np.log(dens0 * s0 * math.sqrt(2 * math.pi) / 2 + 1e-8), dtype=dt)
    c = torch.full((b,), math.log(1e-3), dtype=dt)
    params = [u, v, a, c]
    opt = _Adam(params, lr=0.05)
    inv_sqrt2pi = 1.0 / math.sqrt(2 * math.pi)

    def mass(x: torch.Tensor):
        """Gaussian mass between consecutive standardised edges x [..., G+1] -> (D [..., G], pdf [..., G+1])."""
        tail = torch.special.ndtr(-torch.abs(x))  # the smaller tail: accurate far from the centre
        upper = x[..., :-1] > 0  # the band lies above the centre: difference of upper tails
        cdf = torch.where(x > 0, 1.0 - tail, tail)
        d = torch.where(upper, tail[..., :-1] - tail[..., 1:], cdf[..., 1:] - cdf[..., :-1])
        return d, torch.exp(-0.5 * x**2) * inv_sqrt2pi

    def forward(with_grad: bool):
        su, sv = torch.sigmoid(u), torch.sigmoid(v)
        mu = nyq * su
        ls = torch.exp(log_lmin + log_span * sv)
        w = torch.exp(a)
        sq2 = (1.0 / (2 * math.pi * ls)) ** 2
        s = torch.sqrt(sq2 + sigma_w2)  # Hz
        xp = (edges - mu[..., None]) / s[..., None]  # [B, Q, G+1]
        dp, php = mass(xp)
        wn = w[..., None] / width  # [B, Q, G]: power -> mean density over the band
        spec = (wn * dp).sum(dim=1)
        # the mirror image at -mu only matters for components near 0 Hz
        near = torch.nonzero(torch.any(mu < 7 * s, dim=0)).flatten()
        if len(near):
            xm = (edges + mu[:, near, None]) / s[:, near, None]
            dm, phm = mass(xm)
            spec = spec + (wn[:, near] * dm).sum(dim=1)
        noise = torch.exp(c)
        spec = spec + (2.0 * noise / sr)[:, None]
        log_s = torch.log(spec + floor)
        res = target - log_s
        loss = torch.sum(res**2) / n_res
        if smooth > 0 and b > 1:
            d = log_s[1:] - log_s[:-1]
            loss = loss + smooth * torch.sum(d**2) / n_smooth
        if not with_grad:
            return float(loss), (w, mu, ls, noise)
        g_log = -2.0 * res / n_res  # dL / dlog S
        if smooth > 0 and b > 1:
            g_d = 2.0 * smooth * d / n_smooth
            g_log[1:] += g_d
            g_log[:-1] -= g_d
        delta = (g_log / (spec + floor))[:, None, :] / width  # dL / dS / width, [B, 1, G]
        g_a = (delta * dp).sum(-1) * w  # dS/dlog w = w D / width
        # d D / d mu = (pdf(lo) - pdf(hi)) / s ;  d D / d s = (pdf(lo) x_lo - pdf(hi) x_hi) / s
        dphi = php[..., :-1] - php[..., 1:]
        dphix = php[..., :-1] * xp[..., :-1] - php[..., 1:] * xp[..., 1:]
        g_mu = (delta * dphi).sum(-1) * w / s
        g_s = (delta * dphix).sum(-1) * w / s
        if len(near):
            wq, sq = w[:, near], s[:, near]
            g_a[:, near] += (delta * dm).sum(-1) * wq
            g_mu[:, near] -= (delta * (phm[..., :-1] - phm[..., 1:])).sum(-1) * wq / sq
            g_s[:, near] += (delta * (phm[..., :-1] * xm[..., :-1] - phm[..., 1:] * xm[..., 1:])).sum(-1) * wq / sq
        u.grad = g_mu * nyq * su * (1 - su)
        v.grad = g_s * (-sq2 / s) * log_span * sv * (1 - sv)  # ds / dlog l = -sigma_q^2 / s
        a.grad = g_a
        c.grad = (g_log / (spec + floor)).sum(-1) * 2.0 * noise / sr
        return float(loss), None

    lo, hi = progress_span
    loss_value = float("nan")
    with _single_thread():
        for it in range(n_iter):
            loss_value, _ = forward(True)
            opt.step()
            if progress is not None and (it % 10 == 0 or it == n_iter - 1):
                progress(lo + (hi - lo) * (it + 1) / n_iter)
        loss_value, (w, mu, ls, noise) = forward(False)
    return (w.double().numpy(), mu.double().numpy(), ls.double().numpy(), noise.double().numpy(), loss_value)


class _Adam:
    """Adam (Kingma & Ba) on plain tensors whose ``.grad`` we set by hand.

    Same update as ``torch.optim.Adam``; written out because the gradients are analytic anyway,
    and torch.optim's first step imports torch._dynamo (seconds on a small machine).
    """

    def __init__(self, params: list[torch.Tensor], *, lr: float, betas=(0.9, 0.999), eps: float = 1e-8):
        self.params, self.lr, self.betas, self.eps, self.t = params, lr, betas, eps, 0
        self.m = [torch.zeros_like(p) for p in params]
        self.v = [torch.zeros_like(p) for p in params]

    def step(self) -> None:
        self.t += 1
        b1, b2 = self.betas
        c1, c2 = 1 - b1**self.t, 1 - b2**self.t
        for p, m, v in zip(self.params, self.m, self.v):
            g = p.grad
            m.mul_(b1).add_(g, alpha=1 - b1)
            v.mul_(b2).addcmul_(g, g, value=1 - b2)
            p.sub_(self.lr * (m / c1) / (torch.sqrt(v / c2) + self.eps))


class _single_thread:
    """Run torch on one thread: these problems are small, and extra threads only contend."""

    def __enter__(self):
        self.saved = torch.get_num_threads()
        torch.set_num_threads(1)

    def __exit__(self, *exc):
        torch.set_num_threads(self.saved)

