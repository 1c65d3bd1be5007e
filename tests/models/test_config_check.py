"""Crafted checkpoints of the right format with bad configs or weights (explorer/models/config_check.py):
each is a CheckpointError with a clear message, raised before any network is built."""

import math

import pytest
import torch

from explorer.errors import CheckpointError
from explorer.models import gan, vae
from explorer.models.checkpoint import save_checkpoint
from explorer.models.gan import networks as gan_net
from explorer.models.vae import networks as vae_net


@pytest.fixture(scope="module")
def vae_state():
    return vae.debug_model().net.state_dict()


@pytest.fixture(scope="module")
def gan_state():
    return {f"generator.{k}": v for k, v in gan.debug_model().generator.state_dict().items()}


def _write(tmp_path, family, config, state):
    return save_checkpoint(tmp_path / f"{family}-crafted.pt", family=family, config=config, state=state)


VAE_CASES = [
    ({"latent_dim": "x"}, "latent_dim.*whole number"),
    ({"latent_dim": True}, "latent_dim"),
    ({"hidden": 200000}, "hidden.*between"),
    ({"gl_iters": "4"}, "gl_iters.*whole number"),
    ({"gl_iters": 100000}, "gl_iters.*between"),
    ({"gl_iters": 4.0}, "gl_iters"),
    ({"pitch_min": 200, "pitch_max": -5}, "pitch_m"),
    ({"pitch_min": 80, "pitch_max": 30}, "pitch_min 80 above pitch_max 30"),
    ({"feat_std": math.nan}, "feat_std"),
    ({"log_eps": 0.0}, "log_eps"),
    ({"sr": 96000}, "sr"),
    ({"vibrato": "yes"}, "vibrato.*true or false"),
]


@pytest.mark.parametrize("change, message", VAE_CASES)
def test_vae_bad_config_is_refused(tmp_path, vae_state, change, message):
    path = _write(tmp_path, "vae", {**vae_net.TINY_CONFIG, **change}, vae_state)
    with pytest.raises(CheckpointError, match=message):
        vae.load(path)


def test_vae_config_not_a_table():
    with pytest.raises(CheckpointError, match="not a table"):
        vae_net.build_model(["latent_dim", 8])


GAN_CASES = [
    ({"latent_dim": "x"}, "latent_dim.*whole number"),
    ({"g_channels": []}, "g_channels.*list of 1 to 8"),
    ({"g_channels": [16, "a", 8]}, "g_channels"),
    ({"g_channels": [200000, 16, 8]}, "g_channels.*between"),
    ({"d_channels": 8}, "d_channels"),
    ({"n_mels": 30}, "does not fit together"),
    ({"n_frames": 10**9}, "n_frames.*between"),
    ({"model_version": "2"}, "version"),
]


@pytest.mark.parametrize("change, message", GAN_CASES)
def test_gan_bad_config_is_refused(tmp_path, gan_state, change, message):
    path = _write(tmp_path, "gan", {**gan_net.TINY_CONFIG, **change}, gan_state)
    with pytest.raises(CheckpointError, match=message):
        gan.load(path)


def test_gan_directions_must_fit_the_latent(tmp_path, gan_state):
    state = {**gan_state, "directions.vectors": torch.zeros(3, 5), "directions.stdev": torch.ones(3)}
    with pytest.raises(CheckpointError, match="directions"):
        gan.load(_write(tmp_path, "gan", dict(gan_net.TINY_CONFIG), state))


@pytest.mark.parametrize("bad", [math.nan, math.inf])
def test_non_finite_weights_are_refused(tmp_path, vae_state, gan_state, bad):
    key = next(iter(vae_state))
    state = {**vae_state, key: torch.full_like(vae_state[key], bad)}
    with pytest.raises(CheckpointError, match="NaN or infinite"):
        vae.load(_write(tmp_path, "vae", dict(vae_net.TINY_CONFIG), state))
    key = next(k for k in gan_state if gan_state[k].numel() > 1)
    state = {**gan_state, key: gan_state[key].clone()}
    state[key].view(-1)[1] = bad
    with pytest.raises(CheckpointError, match="NaN or infinite"):
        gan.load(_write(tmp_path, "gan", dict(gan_net.TINY_CONFIG), state))


def test_good_crafted_checkpoints_still_load(tmp_path, vae_state, gan_state):
    assert vae.load(_write(tmp_path, "vae", dict(vae_net.TINY_CONFIG), vae_state)).latent_dim == 8
    assert gan.load(_write(tmp_path, "gan", dict(gan_net.TINY_CONFIG), gan_state)).latent_dim == 64


def test_shipped_configs_obey_the_rules():
    for config in (vae_net.DEFAULT_CONFIG, vae_net.TINY_CONFIG):
        vae_net.build_model(config)
    for config in (gan_net.DEFAULT_CONFIG, gan_net.TINY_CONFIG):
        gan_net.check_gan_config(config)
