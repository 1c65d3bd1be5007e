"""How evenly a GP kernel morph moves, and the mixing fractions that make it move evenly.

The measure is the spectral centroid of each step's sound. One fixed draw (the same innovations z, seed ``SEED``) is rendered through each step's kernel,
so only the kernel changes between steps. The morph is even when no step moves the centroid much
more than the average step: ``step_ratio = max |c_{k+1} - c_k| / mean |c_{k+1} - c_k|`` (1 is
perfectly even; issue bar <= 2 over 9 steps).

Mixing the power spectra at evenly spaced fractions t does not move the sound evenly: a little of
a bright kernel brightens a dark one a lot (the ear and the centroid follow magnitudes, about the
square root of power), so most of the change happens in the first step. :func:`even_fractions`
measures the centroid along a fine probe of t (dense near both ends, where it moves fastest) and
picks the fractions at equal distances travelled, so each step moves the centroid about equally;
every step is still a mixture of the two kernels, a valid GP.
"""

from __future__ import annotations

import librosa
import numpy as np

from explorer.models.gp.builders import mix_specs
from explorer.models.gp.model import GPModel
from explorer.models.gp.spec import GPSpec
from explorer.render import render_safe

SEED = 0


#: Probe fractions for :func:`even_fractions`: 0, 1 and geometric steps towards both ends.
PROBE = np.unique(np.round(np.concatenate([[0.0, 1.0], np.geomspace(1e-3, 0.5, 8), 1.0 - np.geomspace(1e-3, 0.5, 7)]), 6))


def centroids_at(a: GPSpec, b: GPSpec, fractions, *, mix: str = "balanced", pitch: float | None = None) -> np.ndarray:
    """Spectral centroid (Hz, mean over frames weighted by frame energy) of the kernel mix at each
    of ``fractions`` [k] from ``a`` to ``b``, one fixed draw, [k]."""
    out = []
    z = None
    for t in fractions:
        model = GPModel(mix_specs(a, b, float(t), pitch=pitch, mix=mix))
        if z is None:
            z = model.sample_latent(1, seed=SEED)[0]
        sound = render_safe(model, z, pitch)
        y = sound.y.astype(np.float64)
        spec = np.abs(librosa.stft(y, n_fft=2048, hop_length=512)) ** 2
        cent = librosa.feature.spectral_centroid(S=np.sqrt(spec), sr=sound.sr)[0]
        energy = spec.sum(axis=0)
        out.append(float(np.sum(cent * energy) / max(energy.sum(), 1e-20)))
    return np.array(out)


def morph_centroids(a: GPSpec, b: GPSpec, *, steps: int = 9, mix: str = "balanced", even: bool = True,
                    pitch: float | None = None) -> np.ndarray:
    """Centroids [steps] of the ``steps`` sounds of the kernel morph (at :func:`even_fractions`, or
    evenly spaced fractions when ``even`` is False)."""
    ts = even_fractions(a, b, steps, mix=mix, pitch=pitch) if even else np.linspace(0.0, 1.0, steps)
    return centroids_at(a, b, ts, mix=mix, pitch=pitch)


def even_fractions(a: GPSpec, b: GPSpec, steps: int, *, mix: str = "balanced", pitch: float | None = None) -> np.ndarray:
    """Mixing fractions [steps], 0 to 1, that move the centroid in equal steps (module docstring)."""
    c = centroids_at(a, b, PROBE, mix=mix, pitch=pitch)
    travelled = np.concatenate([[0.0], np.cumsum(np.abs(np.diff(c)))])
    if travelled[-1] <= 0:
        return np.linspace(0.0, 1.0, steps)
    ts = np.interp(np.linspace(0.0, travelled[-1], steps), travelled, PROBE)
    ts[0], ts[-1] = 0.0, 1.0
    return np.maximum.accumulate(ts)


def step_ratio(centroids: np.ndarray) -> float:
    """max / mean of the absolute centroid steps (1: even; inf-free: 1.0 when nothing moves)."""
    steps = np.abs(np.diff(np.asarray(centroids, dtype=np.float64)))
    return float(steps.max() / steps.mean()) if steps.size and steps.mean() > 0 else 1.0
