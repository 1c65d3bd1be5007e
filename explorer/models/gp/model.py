"""The GP family's model: a GP kernel spec as an :class:`~explorer.models.base.AudioModel`.

The latent z is the white-noise innovations of an exact draw (:mod:`explorer.models.gp.sampling`),
so rendering is a linear map of z: the same z and kernel give the same sound, and a slerp
between two z stays a draw of the same GP.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import scipy.fft

from explorer.budget import check_time
from explorer.errors import ParameterError
from explorer.models.base import LatentAudioModel
from explorer.models.gp.kernel import Component, SMKernel, kernel_from_arrays
from explorer.models.gp.sampling import (
    BlockGrid,
    block_grid,
    circulant_eigenvalues,
    decay_groups,
    embedding_size,
    modulation_basis,
    overlap_add,
    sample_stationary,
)
from explorer.models.gp.spec import GPSpec, load_gp_spec, parse_gp_spec
from explorer.models.gp import voiced

#: MIDI range a harmonic kernel may be transposed to.
PITCH_RANGE = (24, 108)


class GPModel(LatentAudioModel):
    """A GP kernel spec as an :class:`~explorer.models.base.AudioModel`.

    The latent z holds the white-noise innovations of the draw: ``latent_dim`` = the circulant
    embedding size M (stationary) or blocks x M_block (piecewise). Rendering is linear in z.

    Attributes: ``name = "gp"``, ``sample_rate``, ``latent_dim``, ``pitch_range`` ((24, 108)
    for a harmonic kernel, else None), ``default_pitch`` (the kernel's own pitch or None),
    ``spec`` (the :class:`GPSpec`; never mutate it).
    """

    name = "gp"
    whole_pitch = False  # harmonic kernels transpose continuously

    def __init__(self, spec: GPSpec):
        if not isinstance(spec, GPSpec):
            raise ParameterError("GPModel needs a GPSpec (use parse_gp_spec for JSON)")
        self.spec = spec
        self.sample_rate = spec.sample_rate
        self.pitch_range = PITCH_RANGE if spec.harmonic else None
        self._default_pitch = None if spec.pitch_midi is None else int(round(spec.pitch_midi))
        self._grid = self._block_grid(spec)
        n = spec.n_samples if self._grid is None else self._grid.length
        self._m = embedding_size(n)
        self.latent_dim = self._m * (1 if self._grid is None else self._grid.n_blocks)
        if spec.track is not None:  # the voiced track renders; kernel is a summary
            self.latent_dim = voiced.latent_dim(spec.track, spec.n_samples, sr=spec.sample_rate)
        self._cache: dict[float | None, tuple[np.ndarray, np.ndarray]] = {}

    @staticmethod
    def _block_grid(spec: GPSpec) -> BlockGrid | None:
        if spec.blocks is None:
            return None
        return block_grid(spec.n_samples, sr=spec.sample_rate, hop_s=spec.blocks.hop_s, crossfade_s=spec.blocks.crossfade_s)

    def __repr__(self) -> str:
        kind = "track" if self.spec.track is not None else "piecewise" if self._grid else "stationary"
        return f"GPModel({kind}, sr={self.sample_rate}, {self.spec.duration_s:g} s, latent_dim={self.latent_dim})"

    @property
    def default_pitch(self) -> int | None:
        """The kernel's own pitch (a harmonic preset knows its note), else None."""
        return self._default_pitch

    # -- AudioModel --------------------------------------------------------------------------
    def _draw_prior(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """Innovations z ~ N(0, I), drawn directly in float32 (z can hold millions of values)."""
        return rng.standard_normal((n, self.latent_dim), dtype=np.float32)

    def render(self, z: np.ndarray, pitch: np.ndarray | None = None) -> np.ndarray:
        """Exact GP draws, float32 [n x samples], before safety.

        z : [n x latent_dim] innovations; pitch : [n] MIDI or None (harmonic kernels are
        transposed to it; ignored for non-harmonic kernels).
        """
        z = self.check_latent(z)
        pitches: list[float | None] = [None] * len(z)
        if pitch is not None and self.pitch_range is not None:  # None: the kernel as written, untransposed
            pitches = [float(v) for v in self.check_pitch(pitch, len(z))]
        out = np.empty((len(z), self.spec.n_samples), dtype=np.float32)
        for key in dict.fromkeys(pitches):
            rows = [i for i, v in enumerate(pitches) if v == key]
            out[rows] = self._render_rows(z[rows], key)
        return out

    # -- the rest ----------------------------------------------------------------------------
    def spec_at(self, pitch: float | None = None) -> GPSpec:
        """The spec actually rendered at ``pitch`` (transposed for harmonic kernels)."""
        return self.spec if pitch is None else self.spec.transposed(pitch)

    def _eigs(self, pitch: float | None) -> tuple[np.ndarray, np.ndarray, tuple | None]:
        """(sqrt eigenvalues [K x M/2+1], clipped share [K], decay groups or None), cached per pitch."""
        key = None if pitch is None or pitch == self.spec.pitch_midi else pitch
        if key not in self._cache:
            spec, sr = self.spec_at(key), self.sample_rate
            if self._grid is None:
                sqrt_eig, clipped = circulant_eigenvalues([spec.kernel], spec.n_samples, sr=sr)
                groups = None
                if spec.kernel.decays:
                    labels, rates = decay_groups(spec.kernel, self._m, sr=sr)
                    groups = (labels, *modulation_basis(rates, spec.n_samples, sr=sr))
                self._cache[key] = (sqrt_eig, clipped, groups)
            else:
                g = self._grid
                ks = spec.blocks.kernels
                kernels = [ks[min(b, len(ks) - 1)] for b in range(g.n_blocks)]
                self._cache[key] = (*circulant_eigenvalues(kernels, g.length, sr=sr, t_s=g.centres_s(sr)), None)
            if len(self._cache) > 16:
                self._cache.pop(next(iter(self._cache)))
        return self._cache[key]

    def clipped_power_fraction(self, pitch: float | None = None) -> float:
        """Largest share of embedding power lost to clipped negative eigenvalues (0 = exact)."""
        if self.spec.track is not None:
            return 0.0  # the track's draw has no embedding to clip
        return float(np.max(self._eigs(pitch)[1]))

    def time_grid(self) -> np.ndarray:
        """Sample times of a render, s [n_samples]."""
        return np.arange(self.spec.n_samples) / self.sample_rate

    def _render_rows(self, z: np.ndarray, pitch: float | None) -> np.ndarray:
        n = self.spec.n_samples
        if self.spec.track is not None:
            spec = self.spec_at(pitch)
            key = ("track", None if pitch is None or pitch == self.spec.pitch_midi else pitch)
            if key not in self._cache:
                self._cache[key] = voiced.plan_track(spec.track, n, sr=self.sample_rate)
                if len(self._cache) > 16:
                    self._cache.pop(next(iter(self._cache)))
            y = voiced.render_track(spec.track, z, n, sr=self.sample_rate, plan=self._cache[key])
            return (y * spec.gain_curve()).astype(np.float32)
        sqrt_eig, _, groups = self._eigs(pitch)
        if self._grid is not None:
            g = self._grid
            zb = z.reshape(len(z), g.n_blocks, self._m)
            y = overlap_add(sample_stationary(sqrt_eig, zb, g.length), g, n)
        elif groups is None:
            y = sample_stationary(sqrt_eig[0], z, n)
        else:
            labels, coef, basis = groups
            zf = scipy.fft.rfft(z, axis=-1) * sqrt_eig[0]  # [rows, M/2+1]
            weights = coef[labels].T  # [K, M/2+1]: each bin's share of each modulation basis function
            y = np.empty((len(z), n), dtype=np.float32)
            for i in range(len(z)):
                check_time()
                x = scipy.fft.irfft(zf[i] * weights, n=self._m, axis=-1)[:, :n]
                y[i] = np.einsum("kn,kn->n", x, basis)
        return (y * self.spec.gain_curve()).astype(np.float32)

    def analytic_psd(self, freqs_hz: np.ndarray, *, pitch: float | None = None, smoothing_hz: float = 0.0) -> np.ndarray:
        """Time-averaged one-sided PSD of the rendered sound (decays and envelope included), power / Hz.

        ``smoothing_hz``: see :meth:`SMKernel.psd` (e.g. a Hann-windowed Welch estimate with bins
        ``df`` Hz apart is matched by ``1.5 * df / sqrt(2 pi)``).
        """
        spec, sr = self.spec_at(pitch), self.sample_rate
        gain2 = spec.gain_curve() ** 2
        t = self.time_grid()
        if spec.track is not None:
            return voiced.track_psd(spec.track, freqs_hz, n=spec.n_samples, sr=sr, gain2=gain2,
                                    smoothing_hz=smoothing_hz)
        if self._grid is None:
            k = spec.kernel
            if not k.decays:
                return k.psd(freqs_hz, sr=sr, smoothing_hz=smoothing_hz) * gain2.mean()
            avg = np.array([np.mean(gain2 * np.exp(-2.0 * t / d)) for d in k.decays_s])
            avg_k = kernel_from_arrays(k.weights * avg, k.means_hz, k.lengthscales_s, noise=k.noise * gain2.mean())
            return avg_k.psd(freqs_hz, sr=sr, smoothing_hz=smoothing_hz)
        g = self._grid
        ks = spec.blocks.kernels
        centres = g.centres_s(sr)
        total = np.zeros(np.shape(freqs_hz))
        for b in range(g.n_blocks):
            k = ks[min(b, len(ks) - 1)]
            if k.decays:
                k = kernel_from_arrays(k.weights_at(centres[b : b + 1])[0], k.means_hz, k.lengthscales_s, noise=k.noise)
            seg = gain2[b * g.hop : (b + 1) * g.hop]
            total += k.psd(freqs_hz, sr=sr, smoothing_hz=smoothing_hz) * (seg.sum() / len(gain2))
        return total


def from_spec(spec: Any) -> GPModel:
    """A :class:`GPModel` from a :class:`GPSpec` or a GP kernel JSON object/text (PresetError if bad)."""
    return GPModel(spec if isinstance(spec, GPSpec) else parse_gp_spec(spec))


def load(path: str | os.PathLike) -> GPModel:
    """Registry entry point: a GP kernel JSON file -> :class:`GPModel`."""
    return GPModel(load_gp_spec(path))


def debug_model() -> GPModel:
    """A tiny GP (16 kHz, 0.25 s, two components) for tests."""
    kernel = SMKernel((Component(1.0, 440.0, 0.05), Component(0.3, 1320.0, 0.02)), 0.0)
    return GPModel(GPSpec(16000, 0.25, kernel, pitch_midi=69.0))

