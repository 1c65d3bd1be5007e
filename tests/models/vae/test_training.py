"""VAE training: --smoke-test in process (weights, config, card, resume) and under torchrun with
two CPU processes (gloo)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from argparse import Namespace
from pathlib import Path

import pytest

from explorer.audio.constants import N_SAMPLES, SR
from explorer.models.vae import model as vae, networks

ROOT = Path(__file__).resolve().parents[3]


pytestmark = pytest.mark.usefixtures("feature_cache")  # tiny_data and feature_cache: tests/conftest.py


def test_smoke_training_writes_weights_config_card_and_resumes(tiny_data, tmp_path, capsys):
    from explorer.models.vae import training as vae_train

    out = tmp_path / "ck" / "vae-smoke"
    vae_train.main(Namespace(data=tiny_data, out=out, steps=None, smoke_test=True, resume=False))
    log = capsys.readouterr().out
    assert "step 6/6" in log and "validation" in log
    model = vae.load(f"{out}.pt")
    assert model.card["steps"] == 6 and model.card["dataset_seed"] == 3
    assert len(model.card["sliders"]) == model.latent_dim
    assert model.plays_to_prior and "training codes and their pitch" in log  # the prior knows the playing
    config = json.loads(Path(f"{out}.config.json").read_text())
    assert config["latent_dim"] == model.latent_dim and "train" in config
    card = Path(f"{out}.md").read_text()
    assert "dataset seed 3" in card and "Latent sliders" in card
    vae_train.main(Namespace(data=tiny_data, out=out, steps=8, smoke_test=True, resume=True))
    log = capsys.readouterr().out
    assert "resumed" in log and "step 8/8" in log
    assert vae.load(f"{out}.pt").card["steps"] == 8


def test_smoke_training_teaches_the_vibrato_head_the_measured_track(tiny_data, tmp_path, capsys, monkeypatch):
    import numpy as np

    from explorer.models.vae import training as vae_train

    monkeypatch.setattr(vae_train, "TINY_CONFIG", {**networks.TINY_CONFIG, "vibrato": True, "vibrato_input": True})
    out = tmp_path / "ck" / "vae-vib"
    vae_train.main(Namespace(data=tiny_data, out=out, steps=None, smoke_test=True, resume=False))
    log = capsys.readouterr().out
    assert " vib " in log and "val_vibrato_cents" in log
    model = vae.load(f"{out}.pt")
    assert model.config["vibrato"] is True and model.card["validation"]["val_vibrato_cents"] >= 0.0
    assert model.net.encoder.n_vib == 6  # the encoder sees the measured vibrato (measured itself here)
    y = np.random.default_rng(0).normal(0, 0.1, N_SAMPLES).astype(np.float32)
    assert np.isfinite(model.encode(y, SR, 60)).all()
    tracks = list((tmp_path / "cache").glob("vae-tracks-*.npz"))  # measured and fitted once, then cached
    assert len(tracks) == 1
    with np.load(tracks[0]) as f:
        assert f["params"].shape == (12, 6) and f["cents"].shape == (12, networks.N_FRAMES)


def test_vibrato_loss_weighs_rate_by_depth():
    import torch

    from explorer.models.vae import training as vae_train

    target = torch.tensor([[3.0, 4.0, 1.0, 0.5, 0.0, 0.0],    # a 50-cent vibrato: its rate counts
                           [0.0, 0.0, 1.0, 0.5, 0.0, 0.0]])   # none: its rate and delay do not
    assert float(vae_train.vibrato_loss(target, target)) == 0.0
    off_rate = target.clone()
    off_rate[:, 2] += 2.0
    assert float(vae_train.vibrato_loss(off_rate, target)) == pytest.approx(4.0 / 2)
    off_depth = target.clone()
    off_depth[:, 0] += 1.0
    assert float(vae_train.vibrato_loss(off_depth, target)) == pytest.approx(1.0)


def test_torchrun_two_cpu_processes(tiny_data, tmp_path):
    out = tmp_path / "ck" / "vae-ddp"
    env = {**os.environ, "OMP_NUM_THREADS": "1", "EXPLORER_FEATURE_CACHE": str(tmp_path / "cache"),
           "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
           "-m", "explorer", "train", "vae", "--data", str(tiny_data), "--out", str(out), "--smoke-test"]
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    assert "world size 2" in proc.stdout
    assert proc.stdout.count("done:") == 1  # rank 0 alone writes
    assert vae.load(f"{out}.pt").card["steps"] == 6


def test_training_mel_loss_matches_eval_measure():
    """The mel term of the loss is eval's recon_db measure (same bands, floor and dB), and it
    is zero for a perfect reconstruction and grows with a level error."""
    import numpy as np
    import torch

    from explorer.models.vae import evaluation as vae_eval, training as vae_train

    config = {**networks.TINY_CONFIG, "feat_mean": -4.0, "feat_std": 2.0}
    rng = np.random.default_rng(0)
    logmag = rng.normal(-4.0, 2.0, size=(2, networks.N_BINS, networks.N_FRAMES)).astype(np.float32)
    x = (torch.from_numpy(logmag) - config["feat_mean"]) / config["feat_std"]
    ours, top = vae_train.mel_db(x, config=config)
    theirs, top_eval = vae_eval._mel_db(logmag)
    np.testing.assert_allclose(ours.numpy(), theirs, atol=1e-3)
    np.testing.assert_allclose(top.numpy(), top_eval, atol=1e-3)
    hp = {**vae_train.TRAIN, "mel_weight": 1.0, "recon_weight": 0.0, "beta": 0.0}
    zero = torch.zeros(2, 3)
    same, _, _ = vae_train.vae_loss(x, x, zero, zero, beta=1.0, hp=hp, config=config)
    assert float(same) == pytest.approx(0.0, abs=1e-6)
    louder = x + 0.5 * np.log(10.0) / config["feat_std"]  # every bin +10 dB (log|S| + ln(10)/2)
    off, _, _ = vae_train.vae_loss(x, louder, zero, zero, beta=1.0, hp=hp, config=config)
    # +10 dB everywhere except where both sit on the floor
    assert 4.0 < float(off) <= 10.0 + 1e-3


def test_fine_tuning_from_a_checkpoint(tiny_data, tmp_path, capsys):
    """--init starts from a checkpoint's weights and settings; a vibrato head it lacks starts
    neutral, so step 0 decodes exactly as the checkpoint did."""
    import torch

    from explorer.errors import CheckpointError
    from explorer.models.vae import training as vae_train
    from explorer.models.checkpoint import save_checkpoint

    torch.manual_seed(1)
    old_config = {**networks.TINY_CONFIG, "hidden": 24, "vibrato": False, "vibrato_input": False, "time_emb": False,
                  "feat_mean": -3.5, "feat_std": 1.7}
    old = networks.build_model(old_config)
    base = tmp_path / "base.pt"
    save_checkpoint(base, family="vae", config={k: v for k, v in old_config.items()
                                                 if k not in ("vibrato", "vibrato_input", "time_emb")},
                    state=old.state_dict(), card={"steps": 123})
    net, config = vae_train._init_from(base, {**networks.TINY_CONFIG, "vibrato": True, "vibrato_input": False}, log=print)
    assert config["hidden"] == 24 and config["feat_mean"] == -3.5 and config["time_emb"] is False
    assert config["vibrato"] is True and hasattr(net.decoder, "vib")
    z, pidx = torch.randn(3, config["latent_dim"]), torch.tensor([0, 20, 60])
    with torch.no_grad():
        torch.testing.assert_close(net.decode(z, pidx), old.decode(z, pidx))
    assert "initialised from" in capsys.readouterr().out

    out = tmp_path / "tuned"
    vae_train.main(Namespace(data=tiny_data, out=out, steps=2, smoke_test=True, resume=False, init=str(base)))
    tuned = vae.load(f"{out}.pt")
    assert tuned.config["hidden"] == 24 and tuned.config["train"]["init"] == str(base)

    # a checkpoint that has a vibrato head keeps it (the shipped vae-synth-v2 does)
    with_vib = tmp_path / "with_vib.pt"
    save_checkpoint(with_vib, family="vae", config=config, state=net.state_dict())
    again, again_config = vae_train._init_from(with_vib, {**networks.TINY_CONFIG, "vibrato": False, "vibrato_input": False},
                                               log=print)
    assert again_config["vibrato"] is True and hasattr(again.decoder, "vib")
    # the measured-vibrato input it predates starts with zero weights: the same codes as before
    seeing, seeing_config = vae_train._init_from(with_vib, {**networks.TINY_CONFIG, "vibrato_input": True}, log=print)
    assert seeing_config["vibrato_input"] is True and seeing.encoder.n_vib == 6
    x = torch.randn(3, networks.N_BINS, networks.N_FRAMES)
    with torch.no_grad():
        torch.testing.assert_close(seeing.encode(x, pidx, torch.randn(3, 6))[0], net.encode(x, pidx)[0])
    assert "encoder.vib_in" in capsys.readouterr().out

    # a checkpoint with a learned prior (the shipped vae-gm-v1) fine-tunes too: the prior is refitted
    import numpy as np

    from explorer.models.vae.prior import fit_prior

    prior = fit_prior(np.random.default_rng(0).normal(size=(64, config["latent_dim"])), n_components=2)
    with_prior = tmp_path / "with_prior.pt"
    save_checkpoint(with_prior, family="vae", config=config, state={**net.state_dict(), **prior.state()})
    from_prior, _ = vae_train._init_from(with_prior, dict(networks.TINY_CONFIG), log=print)
    with torch.no_grad():
        torch.testing.assert_close(from_prior.decode(z, pidx), net.decode(z, pidx))

    wrong = tmp_path / "wrong.pt"
    save_checkpoint(wrong, family="vae", config={**old_config, "hidden": 32}, state=old.state_dict())
    with pytest.raises(CheckpointError):
        vae_train._init_from(wrong, dict(networks.TINY_CONFIG))
    with pytest.raises(CheckpointError):
        vae_train._init_from(tmp_path / "missing.pt", dict(networks.TINY_CONFIG))


def test_zero_steps_from_a_checkpoint_refits_only_its_prior(tiny_data, tmp_path, capsys):
    """--init X --steps 0 trains nothing: the weights are X's, the prior (with the playing) is new,
    and the card still gives the held-out error."""
    import torch

    from explorer.models.vae import training as vae_train

    base = tmp_path / "base"
    vae_train.main(Namespace(data=tiny_data, out=base, steps=3, smoke_test=True, resume=False))
    capsys.readouterr()
    out = tmp_path / "refit"
    vae_train.main(Namespace(data=tiny_data, out=out, steps=0, smoke_test=True, resume=False, init=f"{base}.pt"))
    log = capsys.readouterr().out
    assert "step 1/" not in log and "training codes and their pitch" in log
    before, after = vae.load(f"{base}.pt"), vae.load(f"{out}.pt")
    for (name, a), (_, b) in zip(before.net.state_dict().items(), after.net.state_dict().items()):
        torch.testing.assert_close(a, b, msg=name)
    assert after.card["steps"] == 0 and after.card["validation"] and after.plays_to_prior


def test_cli_init_is_vae_only(tmp_path, capsys):
    from explorer.__main__ import main

    assert main(["train", "gan", "--data", str(tmp_path), "--out", str(tmp_path / "o"), "--init", "x"]) == 2
    assert "--init" in capsys.readouterr().err
