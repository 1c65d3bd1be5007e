"""timbre_across_pitch with toy models and a toy classifier whose answers are known."""

import numpy as np

from explorer.evaluation.timbre import timbre_across_pitch
from explorer.models.base import LatentAudioModel


class _Toy(LatentAudioModel):
    """Renders a 1 kHz tone where z0 > 0, else a 200 Hz one; swapped at high pitches when ``flips``."""

    latent_dim, sample_rate, pitch_range = 2, 16000, (24, 84)

    def __init__(self, flips: bool):
        self.flips = flips

    def render(self, z, pitch=None):
        sign = np.sign(z[:, 0])
        if self.flips:
            sign = np.where(np.asarray(pitch) >= 72, -sign, sign)
        hz = np.where(sign > 0, 1000.0, 200.0)[:, None]
        return (0.1 * np.sin(2 * np.pi * hz * np.arange(8000) / self.sample_rate)).astype(np.float32)


class _Classifier:
    """Family 1 for high tones (many zero crossings), else 0."""

    def embed(self, audio, *, sr):
        pos = np.mean(np.abs(np.diff(np.sign(audio[:, 2000:6000]), axis=1)) > 0, axis=1) > 0.05
        return np.zeros((len(audio), 2)), np.stack([~pos, pos], axis=1).astype(float)


def test_a_model_whose_timbre_holds_scores_one_and_one_that_flips_scores_zero():
    steady = timbre_across_pitch(_Toy(flips=False), classifier=_Classifier(), n=16)
    flipping = timbre_across_pitch(_Toy(flips=True), classifier=_Classifier(), n=16)
    assert steady["timbre_kept_across_pitch"] == 1.0 and steady["timbre_pitches"] == [36, 48, 60, 72, 84]
    assert flipping["timbre_kept_across_pitch"] == 0.0
