"""Slider analysis of the VAE: a toy decoder whose dimensions do known things."""

from __future__ import annotations

import numpy as np

from explorer.audio.constants import HOP_LENGTH, SR
from explorer.models.vae import evaluation as vae_eval, networks


class _Toy:
    """z0 moves a formant up (right: brighter), z1 sets the decay (right: longer), z2 does nothing."""

    latent_dim = 3
    config = {"log_eps": networks.DEFAULT_CONFIG["log_eps"]}

    def sample_latent(self, n: int, seed: int) -> np.ndarray:
        return np.random.default_rng(seed).standard_normal((n, self.latent_dim)).astype(np.float32)

    def decode_logmag(self, z: np.ndarray, pitch) -> np.ndarray:
        f = np.arange(networks.N_BINS)[None, :, None] / networks.N_BINS
        t = np.arange(networks.N_FRAMES)[None, None, :] * HOP_LENGTH / SR
        centre = np.clip(0.3 + 0.08 * z[:, 0, None, None], 0.05, 0.95)
        decay = 0.3 * np.exp(0.5 * z[:, 1, None, None])  # s
        return (4.0 * np.exp(-(((f - centre) / 0.05) ** 2)) - t / decay - 3.0).astype(np.float32)


def test_slider_labels_say_what_moving_each_dimension_does(tmp_path):
    sliders = vae_eval.slider_analysis(_Toy(), data=tmp_path / "no-data", n_base=12)
    by_dim = {s["dim"]: s for s in sliders}
    assert by_dim[0]["label"] == "brighter" and by_dim[0]["moves"]["brightness"] > 0.3
    assert by_dim[1]["label"].startswith("longer") and by_dim[1]["moves"]["sustain"] > 0.3
    assert by_dim[2]["label"] == "" and by_dim[2]["effect_db"] == 0.0
    assert sliders[-1]["dim"] == 2  # ordered by effect: the idle one last
    card = vae_eval.card_markdown({"name": "toy", "sliders": sliders}, {})
    assert "| z0 |" in card and "standard deviations" in card
