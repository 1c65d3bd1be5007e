"""The GAN's velocity condition (on in new configs, off in old ones) and its release penalty,
with known answers on hand-made feature images."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from explorer.models.gan import model as gan, networks
from explorer.models.gan.training import RELEASE_FRAMES, frame_level_db, release_penalty
from explorer.render import render_safe


def _feats(level_db: np.ndarray, n_mels: int = 8) -> torch.Tensor:
    """Features [1 x 2 x n_mels x T] whose every band sits at amplitude level_db [T] (dB re 1)."""
    a = 10 ** (np.asarray(level_db, float) / 20)
    logmag = 1.0 + 2.0 * np.log(a) / math.log(1e4)
    img = np.zeros((1, 2, n_mels, len(a)), np.float32)
    img[0, 0] = logmag
    return torch.from_numpy(img)


def test_frame_level_sums_band_power():
    level = frame_level_db(_feats(np.full(5, -30.0), n_mels=8))
    assert torch.allclose(level, torch.full((1, 5), -30.0 + 10 * math.log10(8)), atol=1e-3)


@pytest.mark.parametrize("tail_db, expected", [(-80.0, 0.0), (-30.0, 0.0), (-10.0, 15.0 / 25), (0.0, 1.0)])
def test_release_penalty_is_a_hinge_on_the_tail(tail_db, expected):
    level = np.full(64, 0.0)
    level[-RELEASE_FRAMES:] = tail_db
    got = float(release_penalty(_feats(level), margin_db=25.0))
    assert got == pytest.approx(expected, abs=1e-3)


def test_release_penalty_pushes_the_tail_down():
    feats = _feats(np.full(64, -5.0)).requires_grad_(True)
    release_penalty(feats, margin_db=25.0).backward()
    grad = feats.grad[0, 0]
    assert torch.all(grad[:, -RELEASE_FRAMES:].sum(0) >= 0) and grad[:, -RELEASE_FRAMES:].sum() > 0
    assert torch.all(grad[:, : -RELEASE_FRAMES - 1] <= 0)


def test_velocity_changes_the_sound_of_a_velocity_model():
    m = gan.debug_model()
    assert m.velocity_range == (1, 127)
    z = m.sample_latent(1, seed=3)
    soft, loud = m.render(z, [60], velocity=20), m.render(z, [60], velocity=127)
    assert not np.allclose(soft, loud)
    assert np.array_equal(m.render(z, [60]), m.render(z, [60], velocity=100))  # the default velocity
    sound = render_safe(m, z[0], 60, velocity=40)
    assert np.all(np.isfinite(sound.y)) and np.max(np.abs(sound.y)) <= 10 ** (-1 / 20) + 1e-6


def test_a_config_without_velocity_has_no_velocity_knob():
    torch.manual_seed(0)
    cfg = {k: v for k, v in networks.TINY_CONFIG.items() if k != "velocity"}
    gen, codec = networks.build_model(cfg)
    m = gan.GANModel(gen, codec, {**networks.DEFAULT_CONFIG, **cfg})
    assert m.velocity_range is None and gen.fc.in_features == cfg["latent_dim"] + networks.N_PITCH
    z = m.sample_latent(1, seed=1)
    assert np.array_equal(m.render(z, [60], velocity=10), m.render(z, [60], velocity=120))


def test_discriminator_estimates_velocity_only_when_conditioned():
    d = networks.build_discriminator(networks.TINY_CONFIG)
    x = torch.zeros(4, 2, networks.TINY_CONFIG["n_mels"], networks.TINY_CONFIG["n_frames"])
    score, logits, vel = d(x, torch.zeros(4, dtype=torch.long))
    assert score.shape == (4,) and logits.shape == (4, networks.N_PITCH) and vel.shape == (4,)
    d_old = networks.build_discriminator({**networks.TINY_CONFIG, "velocity": False})
    assert d_old(x, torch.zeros(4, dtype=torch.long))[2] is None
