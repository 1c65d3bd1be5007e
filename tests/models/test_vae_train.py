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

from explorer.models import vae

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def tiny_data(tmp_path_factory):
    from explorer.data import write_dataset

    out = tmp_path_factory.mktemp("vae_data") / "synth"
    write_dataset(out, size=12, seed=3, workers=1, progress=False)
    return out


@pytest.fixture(autouse=True)
def feature_cache(tmp_path, monkeypatch):
    from explorer.models import vae_train

    monkeypatch.setattr(vae_train, "CACHE", tmp_path / "cache")
    monkeypatch.setenv("VAE_FEATURE_CACHE", str(tmp_path / "cache"))


def test_smoke_training_writes_weights_config_card_and_resumes(tiny_data, tmp_path, capsys):
    from explorer.models import vae_train

    out = tmp_path / "ck" / "vae-smoke"
    vae_train.main(Namespace(data=tiny_data, out=out, steps=None, smoke_test=True, resume=False))
    log = capsys.readouterr().out
    assert "step 6/6" in log and "validation" in log
    model = vae.load(f"{out}.pt")
    assert model.card["steps"] == 6 and model.card["dataset_seed"] == 3
    assert len(model.card["sliders"]) == model.latent_dim
    config = json.loads(Path(f"{out}.config.json").read_text())
    assert config["latent_dim"] == model.latent_dim and "train" in config
    card = Path(f"{out}.md").read_text()
    assert "dataset seed 3" in card and "Latent sliders" in card
    vae_train.main(Namespace(data=tiny_data, out=out, steps=8, smoke_test=True, resume=True))
    log = capsys.readouterr().out
    assert "resumed" in log and "step 8/8" in log
    assert vae.load(f"{out}.pt").card["steps"] == 8


def test_torchrun_two_cpu_processes(tiny_data, tmp_path):
    out = tmp_path / "ck" / "vae-ddp"
    env = {**os.environ, "OMP_NUM_THREADS": "1", "VAE_FEATURE_CACHE": str(tmp_path / "cache"),
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

    from explorer.models import vae_eval, vae_train

    config = {**vae.TINY_CONFIG, "feat_mean": -4.0, "feat_std": 2.0}
    rng = np.random.default_rng(0)
    logmag = rng.normal(-4.0, 2.0, size=(2, vae.N_BINS, vae.N_FRAMES)).astype(np.float32)
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
