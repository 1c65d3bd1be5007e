"""Fitting spectral-mixture GPs to a recording (torch), and building the shipped GP presets.

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

Expected spectrum: a Hann-windowed periodogram sees each Gaussian spectral peak smeared by the
window's spectral kernel. We approximate that kernel by a Gaussian of the same equivalent noise
bandwidth (1.5 bins for Hann), so the smeared peak is again a Gaussian with variance
``sigma_q^2 + sigma_window^2``: narrow lines keep their exact height, and a fit never needs a
lengthscale longer than the analysis window to explain a line.

``python -m explorer.models.gp.fit [--out checkpoints/gp]`` rebuilds every shipped preset and
the bundled example recording reproducibly.
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
import scipy.signal
import scipy.special
import torch

from explorer.audio.spectrum import bark_bands, power_spectrum
from explorer.errors import ParameterError
from explorer.models.gp.model import (
    PRESET_DIR,
    Amplitude,
    Blocks,
    Component,
    Envelope,
    GPSpec,
    SMKernel,
    bark_kernel,
    block_grid,
    harmonic_kernel,
    harmonic_spec,
    kernel_from_arrays,
)

Progress = Callable[[float], None]
#: Hann window: equivalent noise bandwidth in bins.
_HANN_ENBW = 1.5


def _bands(sr: int) -> np.ndarray:
    return np.asarray(bark_bands(sr), dtype=np.float64)


def _round(x: float, digits: int = 5) -> float:
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


# --------------------------------------------------------------------------------------------
# the batched optimisation


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


def _optimise(
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
    sigma_w2 = (_HANN_ENBW * df / math.sqrt(2 * math.pi)) ** 2  # Hz^2: the window's spectral spread
    l_min, l_max = 1.0 / (2 * math.pi * nyq / 4), max(window_s / 4, 1e-3)  # s: longer is unresolvable
    log_lmin, log_span = math.log(l_min), math.log(l_max) - math.log(l_min)
    groups = _pool_groups(freqs, sr=sr, ratio=pool_ratio)
    k_eff = np.maximum(1.0, np.diff(groups) * frames_averaged / _HANN_ENBW)  # roughly independent bins
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
        [_round(x * gain) for x in w[keep]],
        [min(_round(x), sr / 2) for x in mu[keep]],
        [_round(x) for x in ls[keep]],
        noise=_round(noise * gain),
    )


# --------------------------------------------------------------------------------------------
# public fits


def fit_stationary(
    y: np.ndarray,
    *,
    sr: int,
    n_fft: int = 4096,
    per_band: int = 3,
    n_iter: int = 300,
    pool_ratio: float = 0.01,
    progress: Progress | None = None,
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
    w, mu, ls, noise, _ = _optimise(
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
    y: np.ndarray,
    *,
    sr: int,
    hop_s: float = 0.05,
    crossfade_s: float = 0.01,
    per_band: int = 1,
    n_iter: int = 150,
    pool_ratio: float = 0.03,
    envelope_win_s: float = 0.02,
    envelope_hop_s: float = 0.005,
    stationary_iter: int = 150,
    description: str | None = None,
    progress: Progress | None = None,
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
    w, mu, ls, noise, _ = _optimise(
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
    amplitude = Amplitude(envelope_hop_s, tuple(_round(v, 4) for v in env_values))
    duration = _round(n / sr, 7)
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
    return y - y.mean()


# --------------------------------------------------------------------------------------------
# the shipped presets (python -m explorer.models.gp.fit)

EXAMPLE_TEXT = "Hello, I am a Gaussian process."
EXAMPLE_WAV = PRESET_DIR / "examples" / "hello.wav"


def record_example(path: Path = EXAMPLE_WAV, *, sr: int = 16000) -> Path:
    """Speak :data:`EXAMPLE_TEXT` with Debian's espeak-ng, trim silence and resample with sox."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "raw.wav"
        subprocess.run(["espeak-ng", "-s", "150", "-w", str(raw), EXAMPLE_TEXT], check=True)
        trim = ["silence", "1", "0.01", "1%", "reverse", "silence", "1", "0.01", "1%", "reverse"]
        subprocess.run(["sox", str(raw), "-r", str(sr), "-b", "16", str(path), *trim], check=True)
    return path


def _resonances(f: np.ndarray, peaks: Sequence[tuple[float, float, float]], floor_db: float = -40.0) -> np.ndarray:
    """Power gain of a few resonances (centre Hz, bandwidth Hz, level dB) at frequencies f."""
    g = np.full(np.shape(f), 10 ** (floor_db / 10))
    for centre, bw, level_db in peaks:
        g = g + 10 ** (level_db / 10) / (1.0 + ((np.asarray(f) - centre) / (bw / 2)) ** 2)
    return g


def _reweighted(kernel: SMKernel, gains: np.ndarray, *, extra: Sequence = ()) -> SMKernel:
    w = kernel.weights * gains
    comps = kernel_from_arrays(w / w.sum(), kernel.means_hz, kernel.lengthscales_s, decays_s=list(kernel.decays_s))
    return SMKernel(comps.components + tuple(extra), kernel.noise)


def _smooth_noise(n: int, *, seed: int, rates_hz: Sequence[float], hop_s: float) -> np.ndarray:
    """A deterministic slow random curve in [0, 1]: a few sines at ``rates_hz`` with seeded phases."""
    rng = np.random.default_rng(seed)
    t = np.arange(n) * hop_s
    x = sum(np.sin(2 * np.pi * r * t + rng.uniform(0, 2 * np.pi)) / (1 + i) for i, r in enumerate(rates_hz))
    return (x - x.min()) / (x.max() - x.min())


def _middle_c() -> GPSpec:
    sr = 44100
    note = harmonic_kernel(
        60, sr=sr, n_partials=24, tilt_db_per_octave=-5.0, purity_s=0.75, inharmonicity=2e-4,
        partial_decay_s=1.8, decay_exponent=0.8,
    )
    # the hammer's knock: a broad, fast-dying noise component
    knock = Component(0.06, 900.0, 4e-4, 0.015)
    kernel = SMKernel(note.components + (knock,), 0.0)
    return GPSpec(
        sr, 3.0, kernel, envelope=Envelope(0.002, 0.0, 1.0, 0.25), pitch_midi=60.0,
        description="GP middle C: 24 slightly stretched partials (stiff string), higher ones dying sooner, "
        "and a hammer knock; the user's 'GP middle C', piano-like.",
    )


def _organ() -> GPSpec:
    return harmonic_spec(
        48, sr=44100, duration_s=3.0, n_partials=16, tilt_db_per_octave=-3.0, odd_even_db=2.0, purity_s=0.75,
        envelope=Envelope(0.06, 0.1, 0.9, 0.25),
        description="Organ-like C3: 16 very pure, steady partials, gentle tilt, slightly quieter even partials.",
    )


def _bowed() -> GPSpec:
    sr = 44100
    k = harmonic_kernel(55, sr=sr, n_partials=30, tilt_db_per_octave=-4.0, purity_s=0.12, noise=0.002)
    body = _resonances(k.means_hz, [(290, 120, 0), (480, 200, -3), (1100, 500, -6), (2600, 900, -8)], -20)
    return GPSpec(
        sr, 3.0, _reweighted(k, body), envelope=Envelope(0.15, 0.2, 0.8, 0.3), pitch_midi=55.0,
        description="Bowed-string-like G3: 30 partials with short lengthscales (bow noise, a restless pitch) "
        "shaped by body resonances; slow attack.",
    )


def _breathy_vowel() -> GPSpec:
    sr = 22050
    k = harmonic_kernel(57, sr=sr, n_partials=40, tilt_db_per_octave=-9.0, purity_s=0.04)
    ah = [(730, 90, 0), (1090, 110, -5), (2440, 170, -15), (3400, 250, -22)]
    voiced = _reweighted(k, _resonances(k.means_hz, ah, -45))
    # aspiration: Bark-band noise through the same formants, about 12 dB under the voice
    bands = np.asarray(bark_bands(sr))
    centres = bands.mean(axis=1)
    breath = bark_kernel(_resonances(centres, ah, -30) * 10 ** (-12 / 10) / len(bands), sr=sr)
    kernel = SMKernel(voiced.components + breath.components, 0.0)
    return GPSpec(
        sr, 2.5, kernel, envelope=Envelope(0.08, 0.1, 0.85, 0.3), pitch_midi=57.0,
        description="Breathy vowel 'ah' on A3: a steeply tilted, jittery harmonic source through four formants, "
        "plus formant-shaped aspiration noise (Bark bands).",
    )


def _wind() -> GPSpec:
    sr, duration, hop = 22050, 8.0, 0.2
    bands = np.asarray(bark_bands(sr))
    centres = bands.mean(axis=1)
    n_blocks = int(math.ceil(duration / hop)) + 1
    drift = _smooth_noise(n_blocks, seed=7, rates_hz=[0.07, 0.19, 0.41], hop_s=hop)
    kernels = []
    for b in range(n_blocks):
        roll = 250 + 900 * drift[b]  # Hz: the gust brightens the rush
        rush = bark_kernel(1.0 / (1.0 + (centres / roll) ** 2), sr=sr).scaled(1.0)
        whistle = Component(0.02 + 0.05 * drift[b], 520 + 380 * drift[b], 0.012)
        kernels.append(SMKernel(rush.components + (whistle,), 0.0).scaled(1.0 / (rush.variance + whistle.weight)))
    gust = 0.25 + 0.75 * _smooth_noise(int(duration / 0.05) + 1, seed=11, rates_hz=[0.09, 0.23, 0.5], hop_s=0.05)
    return GPSpec(
        sr, duration, kernels[0], envelope=Envelope(0.8, 0.0, 1.0, 1.0),
        blocks=Blocks(hop, hop, tuple(kernels)), amplitude=Amplitude(0.05, tuple(_round(v, 4) for v in gust)),
        description="Wind: low-passed Bark-band noise whose brightness, loudness and a faint whistle drift "
        "with slow gusts (piecewise-stationary, 0.2 s blocks).",
    )


def _surf() -> GPSpec:
    sr, duration, hop, period = 22050, 12.0, 0.25, 6.0
    bands = np.asarray(bark_bands(sr))
    centres = bands.mean(axis=1)
    n_blocks = int(math.ceil(duration / hop)) + 1
    kernels, amp = [], []
    for b in range(n_blocks):
        phase = ((b * hop) % period) / period  # 0 at the break of each wave
        crest = math.exp(-phase * 4.0)  # bright at the break, darker as the wash recedes
        tilt = (centres / 1000.0) ** (-0.6 + 0.5 * crest)
        kernels.append(bark_kernel(tilt / tilt.sum(), sr=sr))
    t = np.arange(int(duration / 0.05) + 1) * 0.05
    ph = (t % period) / period
    amp = 0.15 + 0.85 * np.where(ph < 0.08, ph / 0.08, np.exp(-(ph - 0.08) * 5.0))
    return GPSpec(
        sr, duration, kernels[0], envelope=Envelope(0.3, 0.0, 1.0, 1.0),
        blocks=Blocks(hop, hop, tuple(kernels)), amplitude=Amplitude(0.05, tuple(_round(v, 4) for v in amp)),
        description="Surf: broadband Bark-band noise in 6 s waves, bright at each break and darker as the "
        "wash recedes (piecewise-stationary, 0.25 s blocks).",
    )


def _speech_fit(wav: Path) -> GPSpec:
    from explorer.audio.io import load_audio

    y = load_audio(wav, sr=16000)
    return fit_piecewise(
        y, sr=16000,
        description=f"Piecewise fit (50 ms blocks, Bark-band peaks, envelope) to examples/{wav.name}: "
        f"espeak-ng saying '{EXAMPLE_TEXT}'",
    )


PRESETS: dict[str, Callable[[], GPSpec]] = {
    "gp-middle-c": _middle_c,
    "gp-organ": _organ,
    "gp-bowed": _bowed,
    "gp-breathy-vowel": _breathy_vowel,
    "gp-wind": _wind,
    "gp-surf": _surf,
}


def build_presets(out_dir: Path = PRESET_DIR, *, rerecord: bool = False) -> list[Path]:
    """Write every shipped preset (and the README) to ``out_dir``; returns the files written.

    The example recording is made with espeak-ng only if it is missing (or ``rerecord``); the
    fitted preset is always refitted from the recording on disk.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    wav = out_dir / "examples" / EXAMPLE_WAV.name
    if rerecord or not wav.exists():
        record_example(wav)
    specs = {name: make() for name, make in PRESETS.items()}
    specs["gp-speech-fit"] = _speech_fit(wav)
    written = []
    for name, spec in specs.items():
        path = out_dir / f"{name}.json"
        path.write_text(json.dumps(_compact(spec.to_json()), separators=(",", ":")) + "\n")
        written.append(path)
    readme = out_dir / "README.md"
    readme.write_text(_readme(specs))
    return written + [readme]


def _compact(obj):
    """Floats to 6 significant digits (preset files stay small and readable)."""
    if isinstance(obj, float):
        return _round(obj, 6)
    if isinstance(obj, dict):
        return {k: _compact(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_compact(v) for v in obj]
    return obj


def _readme(specs: dict[str, GPSpec]) -> str:
    rows = []
    for name, s in specs.items():
        n = len(s.kernel.components) if s.blocks is None else sum(len(k.components) for k in s.blocks.kernels)
        kind = "harmonic" if s.harmonic else "spectral mixture"
        kind += f", piecewise ({len(s.blocks.kernels)} blocks)" if s.blocks is not None else ", stationary"
        pitch = "" if s.pitch_midi is None else f"{s.pitch_midi:g}"
        rows.append(f"| `{name}` | {s.sample_rate} | {s.duration_s:g} | {pitch} | {kind}, {n} components | {s.description} |")
    return "\n".join(
        [
            "# GP presets",
            "",
            "GP kernel JSON files (DESIGN.md section 5), generated by `python -m explorer.models.gp.fit`",
            "(do not edit by hand). Load one with `explorer.models.gp.load_gp(name)`, render it with",
            "`python -m explorer render --model gp --gp-kernel checkpoints/gp/NAME.json [--pitch MIDI]`.",
            "",
            "| name | sample rate | seconds | pitch (MIDI) | kernel | what it is |",
            "|---|---|---|---|---|---|",
            *rows,
            "",
            "`examples/hello.wav`: our own recording, made with Debian's espeak-ng "
            f"(`espeak-ng -s 150 \"{EXAMPLE_TEXT}\"`, silence trimmed and resampled to 16 kHz with sox);",
            "`gp-speech-fit` is fitted to it.",
            "",
            "## Fields added to the contract (all optional)",
            "",
            "- `kernel.components[q].decay_s`: amplitude decay time of a component, s (power weight",
            "  falls as `exp(-2 t / decay_s)`); each frequency bin of the draw follows the decay of the",
            "  component that dominates it, so a piano-like note keeps coherent phases.",
            "- `pitch_midi`: the fundamental a harmonic kernel was built on; rendering at another pitch",
            "  multiplies every mean by `2 ** ((pitch - pitch_midi) / 12)`; partials above Nyquist are dropped.",
            "- `blocks`: `{\"hop_s\", \"crossfade_s\", \"kernels\": [kernel, ...]}`, a piecewise-stationary",
            "  sound: block b (starting at `b * hop_s`) is an exact draw of `kernels[b]` (the last one",
            "  holds), neighbours joined by power-complementary sine/cosine crossfades of `crossfade_s`.",
            "  `kernel` then holds a stationary summary (for a fit: the whole-clip fit).",
            "- `amplitude`: `{\"hop_s\", \"values\": [...]}`, a gain curve (e.g. a fitted recording's",
            "  demodulated envelope), linearly interpolated, last value held.",
            "- `description`: text.",
            "",
            "Latent: the white-noise innovations of the draw (circulant embedding, size >= 2 x samples,",
            "or blocks x per-block size), so a preset's sound is reproduced by `seed` alone.",
            "",
        ]
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m explorer.models.gp.fit", description="Rebuild the shipped GP presets.")
    parser.add_argument("--out", type=Path, default=PRESET_DIR, help="output folder (default: checkpoints/gp)")
    parser.add_argument("--rerecord", action="store_true", help="speak the example recording again with espeak-ng")
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    for path in build_presets(args.out, rerecord=args.rerecord):
        print(f"wrote {path} ({path.stat().st_size / 1024:.0f} KB)")
    print(f"done in {time.perf_counter() - t0:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
