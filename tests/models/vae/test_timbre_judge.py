"""The training-only timbre judge (explorer/models/vae/timbre_judge.py) and the VAE's decode at
another pitch (VAENet.elsewhere): which weights each loss may move."""

import numpy as np
import torch

from explorer.models.vae import networks
from explorer.models.vae.timbre_judge import UNKNOWN, TimbreJudge, family_labels, judge_step, judged_loss


def test_family_labels_index_known_families_and_mark_unknown_ones():
    labels, names = family_labels(np.array(["reed", "bass", "unknown", "reed"]))
    assert names == ["bass", "reed"]
    assert labels.tolist() == [1, 0, UNKNOWN, 1]


def test_the_judged_loss_moves_the_sound_and_never_the_judge():
    torch.manual_seed(0)
    judge = TimbreJudge(3, width=8)
    x = torch.randn(4, networks.N_BINS, 16, requires_grad=True)
    judged_loss(judge, x, torch.tensor([0, 1, 2, UNKNOWN])).backward()
    assert x.grad is not None and float(x.grad.abs().sum()) > 0
    assert all(p.grad is None for p in judge.parameters())


def test_unknown_families_teach_nothing():
    judge = TimbreJudge(2, width=8)
    x = torch.randn(2, networks.N_BINS, 16, requires_grad=True)
    assert float(judged_loss(judge, x, torch.tensor([UNKNOWN, UNKNOWN])).detach()) == 0.0
    opt = torch.optim.Adam(judge.parameters(), lr=1e-2)
    before = [p.detach().clone() for p in judge.parameters()]
    assert np.isnan(judge_step(judge, opt, x, torch.tensor([UNKNOWN, UNKNOWN])))
    assert all(torch.equal(a, b) for a, b in zip(before, judge.parameters()))


def test_the_judge_learns_families_it_can_hear():
    torch.manual_seed(0)
    x = torch.randn(32, networks.N_BINS, 16) * 0.1
    labels = torch.arange(32) % 2
    x[labels == 1, :40] += 1.0  # family 1: loud low bins
    judge = TimbreJudge(2, width=8)
    opt = torch.optim.Adam(judge.parameters(), lr=1e-2)
    losses = [judge_step(judge, opt, x, labels) for _ in range(30)]
    assert losses[-1] < 0.2 * losses[0]


def test_elsewhere_trains_the_decoder_and_leaves_the_encoder_alone():
    torch.manual_seed(0)
    net = networks.build_model(networks.TINY_CONFIG)
    z = torch.randn(3, net.config["latent_dim"])
    pidx = networks.pitch_index(torch.tensor([30, 60, 80]), config=net.config)
    x, mu = net.elsewhere(z, pidx)
    assert x.shape == (3, networks.N_BINS, net.config["n_frames"]) and mu.shape == z.shape
    with torch.no_grad():  # the read-back is the encoder's own mean of that sound
        assert torch.allclose(mu, net.encode(x, pidx, net.decoder.vibrato(z, net.condition(pidx)))[0], atol=1e-5)
    mu.pow(2).sum().backward()
    assert all(p.grad is None for p in net.encoder.parameters())
    assert any(p.grad is not None and float(p.grad.abs().sum()) > 0 for p in net.decoder.parameters())
