"""The VAE's networks (explorer/models/vae/networks.py): build_model's options and their neutral start."""

from __future__ import annotations

import pytest
import torch

from explorer.errors import CheckpointError
from explorer.models.checkpoint import save_checkpoint
from explorer.models.vae import model as vae, networks


def test_configs_without_comb_bases_load_as_before(tmp_path):
    """Checkpoints written before the per-pitch combs existed rebuild without them."""
    old = {k: v for k, v in networks.TINY_CONFIG.items() if k != "comb_bases"}
    net = networks.build_model(old)
    assert net.decoder.k == 0
    save_checkpoint(tmp_path / "old.pt", family="vae", config=old, state=net.state_dict())
    assert vae.load(tmp_path / "old.pt").net.decoder.k == 0
    with pytest.raises(CheckpointError, match="comb_bases"):
        networks.build_model({**networks.TINY_CONFIG, "comb_bases": -1})


def test_time_embedding_option():
    """time_emb adds one learned feature per frame position; off in configs that lack it."""
    assert not hasattr(networks.build_model({**networks.TINY_CONFIG, "time_emb": False}).decoder, "time")
    net = networks.build_model({**networks.TINY_CONFIG, "time_emb": True})
    assert net.decoder.time.shape == (1, networks.TINY_CONFIG["hidden"], networks.N_FRAMES)
    with torch.no_grad():
        net.decoder.time.normal_()
        x = net.decode(torch.zeros(2, networks.TINY_CONFIG["latent_dim"]), torch.tensor([10, 20]))
    assert x.shape == (2, networks.N_BINS, networks.N_FRAMES) and torch.isfinite(x).all()
    with pytest.raises(CheckpointError, match="time_emb"):
        networks.build_model({**networks.TINY_CONFIG, "time_emb": "yes"})


def test_vibrato_option_starts_as_the_plain_decoder_and_learns():
    """Zero-initialised, the vibrato head changes nothing; its parameters get gradients."""
    torch.manual_seed(0)
    plain = networks.build_model(networks.TINY_CONFIG)
    torch.manual_seed(0)
    vib = networks.build_model({**networks.TINY_CONFIG, "vibrato": True})
    vib.load_state_dict({**plain.state_dict(), **{k: v for k, v in vib.state_dict().items() if "vib" in k}})
    z, pidx = torch.randn(2, networks.TINY_CONFIG["latent_dim"]), torch.tensor([5, 30])
    with torch.no_grad():
        plain.decoder.template.weight.normal_()
        vib.decoder.template.weight.copy_(plain.decoder.template.weight)
    torch.testing.assert_close(vib.decode(z, pidx), plain.decode(z, pidx), atol=1e-5, rtol=1e-5)
    vib.decode(z, pidx).pow(2).mean().backward()
    assert vib.decoder.vib.weight.grad.abs().sum() > 0
