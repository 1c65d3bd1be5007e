"""Slider analysis of the VAE: a toy decoder whose dimensions do known things."""

from __future__ import annotations

import numpy as np

from explorer.audio.constants import HOP_LENGTH, SR
from explorer.models.base import LatentAudioModel
from explorer.models.vae import evaluation as vae_eval, networks
from explorer.models.vae.prior import fit_prior


class _Toy(LatentAudioModel):
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


class _HalfBright(_Toy):
    """z0 brightens only the sounds whose z2 is positive (half of them): no honest "brighter"."""

    def decode_logmag(self, z: np.ndarray, pitch) -> np.ndarray:
        z = np.asarray(z, dtype=np.float32).copy()
        z[:, 0] = np.where(z[:, 2] > 0, z[:, 0], 0.0)
        z[:, 2] = 0.0
        return super().decode_logmag(z, pitch)


def test_slider_labels_say_what_moving_each_dimension_does(tmp_path):
    sliders = vae_eval.slider_analysis(_Toy(), data=tmp_path / "no-data", n_base=12)
    by_dim = {s["dim"]: s for s in sliders}
    assert by_dim[0]["label"] == "brighter" and by_dim[0]["moves"]["brightness"] > 0.3
    assert by_dim[1]["label"].startswith("longer") and by_dim[1]["moves"]["sustain"] > 0.3
    assert by_dim[2]["label"] == "" and by_dim[2]["effect_db"] == 0.0
    assert sliders[-1]["dim"] == 2  # ordered by effect: the idle one last
    card = vae_eval.card_markdown({"name": "toy", "sliders": sliders}, {})
    assert "| z0 |" in card and "standard deviations" in card


def test_a_label_must_hold_for_most_sounds_not_on_average():
    rng = np.random.default_rng(0)
    steady = rng.normal(1.5, 0.2, 100)  # every sound brighter by >= 1 sd
    half = np.concatenate([np.full(50, 3.0), np.zeros(50)])  # mean +1.5 sd, but only half move
    assert vae_eval.honest_label({"brightness": steady}) == "brighter"
    assert vae_eval.honest_label({"brightness": -steady}) == "darker"
    assert vae_eval.honest_label({"brightness": half}) == ""
    assert vae_eval.honest_label({"brightness": np.full(100, 0.9)}) == ""  # under 1 sd
    both = vae_eval.honest_label({"noisiness": steady * 0.9 + 0.2, "brightness": steady})
    assert set(both.split(", ")) == {"brighter", "noisier"}


def test_a_slider_that_brightens_half_the_sounds_is_not_called_brighter(tmp_path):
    sliders = {s["dim"]: s for s in vae_eval.slider_analysis(_HalfBright(), data=tmp_path / "none", n_base=24)}
    assert sliders[0]["moves"]["brightness"] > 0.3  # on average it does brighten ...
    assert "brighter" not in sliders[0]["label"]  # ... but not most sounds


def test_sliders_move_in_the_learned_prior_frame(tmp_path):
    class _Framed(_Toy):
        prior = fit_prior(np.random.default_rng(1).normal([0.0, 2.0, 0.0], [1.0, 0.3, 0.1], (400, 3)),
                          n_components=2)

        def to_latent(self, s):
            return self.prior.to_latent(s)

        def to_slider(self, z):
            return self.prior.to_slider(z)

    sliders = vae_eval.slider_analysis(_Framed(), data=tmp_path / "none", n_base=12)
    first = sliders[0]
    assert first["label"] == "brighter" or first["label"] == "darker"  # the widest axis is z0's
