"""Spectral-mixture kernels: components, the covariance k(tau) and its power spectral density.

The kernel is the spectral mixture of DESIGN.md section 5 (a contract)::

    k(tau) = noise * delta(tau) + sum_q weight_q * exp(-tau^2 / (2 lengthscale_q^2)) * cos(2 pi mean_q tau)

Its power spectral density is a sum of Gaussians: component q puts power ``weight_q`` in a
Gaussian centred at ``+-mean_q`` Hz with standard deviation ``1 / (2 pi lengthscale_q)`` Hz
(Bochner's theorem; the user's seed derived the same Fourier pair with SymPy).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any, Sequence

import numpy as np

from explorer.errors import ParameterError

#: Most components one kernel may hold (a 10,000-component kernel is refused).
MAX_COMPONENTS = 512
#: Longest lengthscale a component may have, s.
MAX_LENGTHSCALE_S = 100.0


def finite_number(value: Any, what: str) -> float:
    """``value`` as a float, or :class:`ParameterError` naming ``what`` (bools, text, NaN, inf refused)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ParameterError(f"{what} must be a number, got {value!r}")
    value = float(value)
    if not math.isfinite(value):
        raise ParameterError(f"{what} must be a finite number, got {value}")
    return value


@dataclass(frozen=True)
class Component:
    """One spectral-mixture component.

    weight : float         power (variance) of the component, >= 0
    mean_hz : float        centre frequency, Hz, >= 0
    lengthscale_s : float  seconds, > 0; the spectral peak's std is 1 / (2 pi lengthscale_s) Hz
    decay_s : float or None   optional amplitude e-folding time from the start of the sound, s
    """

    weight: float
    mean_hz: float
    lengthscale_s: float
    decay_s: float | None = None

    def __post_init__(self):
        w = finite_number(self.weight, "weight")
        if w < 0:
            raise ParameterError(f"weight must be >= 0, got {w}")
        m = finite_number(self.mean_hz, "mean_hz")
        if m < 0:
            raise ParameterError(f"mean_hz must be >= 0 Hz, got {m}")
        ls = finite_number(self.lengthscale_s, "lengthscale_s")
        if not 0 < ls <= MAX_LENGTHSCALE_S:
            raise ParameterError(f"lengthscale_s must be > 0 and at most {MAX_LENGTHSCALE_S:g} s, got {ls}")
        object.__setattr__(self, "weight", w)
        object.__setattr__(self, "mean_hz", m)
        object.__setattr__(self, "lengthscale_s", ls)
        if self.decay_s is not None:
            d = finite_number(self.decay_s, "decay_s")
            if d <= 0:
                raise ParameterError(f"decay_s must be > 0 s, got {d}")
            object.__setattr__(self, "decay_s", d)

    @property
    def bandwidth_hz(self) -> float:
        """Standard deviation of the component's spectral Gaussian, Hz."""
        return 1.0 / (2.0 * math.pi * self.lengthscale_s)


@dataclass(frozen=True)
class SMKernel:
    """A spectral-mixture kernel: components plus white noise (variance per sample)."""

    components: tuple[Component, ...]
    noise: float = 0.0

    def __post_init__(self):
        comps = tuple(self.components)
        if len(comps) == 0:
            raise ParameterError("a kernel needs at least one component")
        if len(comps) > MAX_COMPONENTS:
            raise ParameterError(f"a kernel may hold at most {MAX_COMPONENTS} components, got {len(comps)}")
        if not all(isinstance(c, Component) for c in comps):
            raise ParameterError("kernel components must be Component objects")
        noise = finite_number(self.noise, "noise")
        if noise < 0:
            raise ParameterError(f"noise must be >= 0, got {noise}")
        object.__setattr__(self, "components", comps)
        object.__setattr__(self, "noise", noise)

    # arrays -------------------------------------------------------------------------------
    @property
    def weights(self) -> np.ndarray:
        return np.array([c.weight for c in self.components])

    @property
    def means_hz(self) -> np.ndarray:
        return np.array([c.mean_hz for c in self.components])

    @property
    def lengthscales_s(self) -> np.ndarray:
        return np.array([c.lengthscale_s for c in self.components])

    @property
    def decays_s(self) -> np.ndarray:
        """Decay times, s (inf where a component does not decay)."""
        return np.array([np.inf if c.decay_s is None else c.decay_s for c in self.components])

    @property
    def variance(self) -> float:
        """k(0): total power at the start of the sound (components + noise)."""
        return float(self.weights.sum() + self.noise)

    @property
    def decays(self) -> bool:
        return any(c.decay_s is not None for c in self.components)

    @property
    def max_mean_hz(self) -> float:
        return float(self.means_hz.max())

    # maths --------------------------------------------------------------------------------
    def weights_at(self, t_s: np.ndarray) -> np.ndarray:
        """Power weights at times ``t_s`` (seconds), float64 [len(t) x Q] (decay applied)."""
        t = np.atleast_1d(np.asarray(t_s, dtype=np.float64))
        return self.weights[None, :] * np.exp(-2.0 * t[:, None] / self.decays_s[None, :])

    def covariance(self, tau_s: np.ndarray) -> np.ndarray:
        """k(tau) at lags ``tau_s`` (seconds), float64 [shape=tau.shape].

        The white-noise term is a discrete delta: it is added where tau == 0.
        """
        tau = np.asarray(tau_s, dtype=np.float64)
        w, mu, ls = self.weights, self.means_hz, self.lengthscales_s
        t = tau[..., None]
        k = np.sum(w * np.exp(-(t**2) / (2 * ls**2)) * np.cos(2 * np.pi * mu * t), axis=-1)
        return k + self.noise * (tau == 0)

    def psd(self, freqs_hz: np.ndarray, *, sr: int | None = None, smoothing_hz: float = 0.0) -> np.ndarray:
        """One-sided power spectral density, power / Hz, float64 [shape=freqs.shape].

        Without ``sr``: the continuous-time PSD, which integrates to ``sum(weight)`` over
        [0, inf). With ``sr``: the PSD of the sampled process on [0, sr/2] (aliases folded in,
        white noise spread flat as ``2 noise / sr``); it integrates to ``variance``.
        ``smoothing_hz``: the PSD seen through a Gaussian spectral window of that standard
        deviation (each component's variance grows by its square), e.g. to draw it over a
        measured spectrum whose bins are wider than a pure partial's line.
        """
        f = np.abs(np.asarray(freqs_hz, dtype=np.float64))[..., None]
        w, mu = self.weights, self.means_hz
        sd = np.sqrt((1.0 / (2 * np.pi * self.lengthscales_s)) ** 2 + float(smoothing_hz) ** 2)
        shifts = [0.0] if sr is None else [a * float(sr) for a in range(-3, 4)]

        def gauss(x):
            return np.exp(-0.5 * (x / sd) ** 2) / (sd * np.sqrt(2 * np.pi))

        two_sided = sum(0.5 * w * (gauss(f + s - mu) + gauss(f + s + mu)) for s in shifts)
        out = 2.0 * np.sum(two_sided, axis=-1)
        if sr is not None:
            out = out + 2.0 * self.noise / float(sr)
        return out

    def transposed(self, ratio: float, *, max_hz: float | None = None) -> "SMKernel":
        """Every mean times ``ratio``; components that land above ``max_hz`` are dropped.

        If every component would be dropped, one silent component at ``max_hz / 2`` remains so
        the kernel stays valid (the render is then silence, which the safety step reports).
        """
        comps = [replace(c, mean_hz=c.mean_hz * ratio) for c in self.components]
        if max_hz is not None:
            comps = [c for c in comps if c.mean_hz <= max_hz]
            if not comps:
                comps = [Component(0.0, max_hz / 2, 1.0)]
        return SMKernel(tuple(comps), self.noise)

    def scaled(self, gain: float) -> "SMKernel":
        """All powers (weights and noise) times ``gain``."""
        return SMKernel(tuple(replace(c, weight=c.weight * gain) for c in self.components), self.noise * gain)


def kernel_from_arrays(
    weights: Sequence[float],
    means_hz: Sequence[float],
    lengthscales_s: Sequence[float],
    *,
    noise: float = 0.0,
    decays_s: Sequence[float | None] | None = None,
) -> SMKernel:
    """Build an :class:`SMKernel` from parallel arrays (``decays_s``: None or inf = no decay)."""
    n = len(weights)
    if not (len(means_hz) == len(lengthscales_s) == n) or (decays_s is not None and len(decays_s) != n):
        raise ParameterError("weights, means_hz, lengthscales_s (and decays_s) must have the same length")
    dec = [None] * n if decays_s is None else [None if d is None or not np.isfinite(d) else float(d) for d in decays_s]
    return SMKernel(
        tuple(Component(float(w), float(m), float(ls), d) for w, m, ls, d in zip(weights, means_hz, lengthscales_s, dec)),
        float(noise),
    )
