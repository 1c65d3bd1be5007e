"""A tiny deterministic AudioModel for engine tests that must not depend on a trained family."""

import numpy as np

from explorer.models.base import LatentAudioModel


class ToyModel(LatentAudioModel):
    """Each latent maps to a decaying harmonic tone whose brightness follows z[0]."""

    name = "toy"
    sample_rate = 8000
    latent_dim = 8
    pitch_range = (24, 84)

    def render(self, z, pitch=None):
        z = np.asarray(z, dtype=np.float64)
        pitch = np.full(len(z), 60) if pitch is None else np.asarray(pitch)
        t = np.arange(4000) / self.sample_rate
        f0 = 440.0 * 2 ** ((pitch[:, None] - 69) / 12)
        tilt = 1.0 / (1.0 + np.exp(-z[:, :1]))
        y = sum(tilt**k * np.sin(2 * np.pi * k * f0 * t) for k in range(1, 5))
        return (y * np.exp(-3 * t) * (1 + 0.1 * z[:, 1:2])).astype(np.float32)
