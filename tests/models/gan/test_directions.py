"""The words on the GAN's direction sliders, from a toy model whose directions are known."""

from __future__ import annotations

import numpy as np

from explorer.audio.constants import N_SAMPLES, SR
from explorer.models.gan import directions as gan_directions
from explorer.models.gan.model import Directions


class _Toy:
    """z[0] brightens the note (more upper harmonics), z[1] does nothing, z[2] shortens it."""

    latent_dim = 4

    def __init__(self):
        self.directions = Directions(vectors=np.eye(4, dtype=np.float32)[:3], stdev=np.ones(3, np.float32),
                                     explained=np.full(3, 1 / 3, np.float32))

    def sample_latent(self, n, seed):
        return np.random.default_rng(seed).standard_normal((n, 4)).astype(np.float32) * 0.3

    def render(self, z, pitch):
        t = np.arange(N_SAMPLES) / SR
        out = []
        for zi, p in zip(z, np.broadcast_to(pitch, len(z))):
            f0 = 440 * 2 ** ((p - 69) / 12)
            tilt = 1.0 / (1.0 + np.exp(-4.0 * zi[0]))  # 0..1: weight of the upper harmonics
            y = sum((1.0 if h == 1 else tilt) * np.sin(2 * np.pi * h * f0 * t) for h in range(1, 40) if h * f0 < SR / 2)
            out.append(y * np.exp(-t * np.exp(zi[2])))
        return np.asarray(out, np.float32)


def test_direction_labels_name_what_each_direction_does():
    report = gan_directions.direction_report(_Toy(), n=12)
    assert [r["label"] for r in report][:2] == ["brighter", ""]
    assert report[0]["moves"]["brightness"] > 1.0
    assert "shorter" in report[2]["label"] and report[2]["moves"]["sustain"] < -1.0
    assert report[1]["effect_db"] < 0.01 < report[0]["effect_db"]


def test_no_directions_no_labels():
    toy = _Toy()
    toy.directions = None
    assert gan_directions.direction_report(toy) == []
