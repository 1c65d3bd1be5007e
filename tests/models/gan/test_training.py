"""GAN training at smoke-test size (single process, resume, torchrun with gloo) and the quick eval."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from argparse import Namespace
from pathlib import Path

import pytest

from explorer.errors import CheckpointError
from explorer.models.gan import evaluation as gan_eval, model as gan, training as gan_train

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def tiny_data(tmp_path_factory) -> Path:
    from explorer.data import write_dataset

    out = tmp_path_factory.mktemp("gan_data") / "synth"
    write_dataset(out, size=20, seed=3, workers=1)
    return out


def test_smoke_training_writes_a_loadable_checkpoint_and_resumes(tiny_data, tmp_path):
    out = tmp_path / "gan-smoke"
    gan_train.main(Namespace(data=tiny_data, out=out, steps=None, smoke_test=True, resume=False))
    model = gan.load(out.with_suffix(".pt"))
    assert model.render(model.sample_latent(1, 0), [60]).shape == (1, 32768)
    assert model.directions is not None and len(model.directions.vectors) == gan_train.SMOKE["n_directions"]
    saved = json.loads((tmp_path / "gan-smoke.config.json").read_text())
    assert saved["family"] == "gan" and saved["config"] == model.config | saved["config"]
    assert model.card["steps"] == gan_train.SMOKE["steps"] and model.card["data"]["notes"] == 20
    sheets = list((tmp_path / "gan-smoke_samples").glob("step_*/rainbowgrams.png"))
    assert sheets and len(list(sheets[0].parent.glob("*.wav"))) == 2 * len(gan_train.SAMPLE_PITCHES)

    card = gan_train.train(tiny_data, out, steps=5, smoke_test=True, resume=True)
    assert card["steps"] == 5
    assert gan.load(out.with_suffix(".pt")).card["steps"] == 5


def test_resume_without_state_is_a_clear_error(tiny_data, tmp_path):
    with pytest.raises(CheckpointError, match="nothing to resume"):
        gan_train.train(tiny_data, tmp_path / "none", smoke_test=True, resume=True)


def test_torchrun_two_processes_gloo(tiny_data, tmp_path):
    out = tmp_path / "gan-ddp"
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
         "-m", "explorer", "train", "gan", "--data", str(tiny_data), "--out", str(out), "--smoke-test"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    model = gan.load(out.with_suffix(".pt"))
    assert model.card["world_size"] == 2
    assert model.render(model.sample_latent(1, 1), [48]).shape == (1, 32768)


def test_quick_eval_fields(tiny_data):
    result = gan_eval.evaluate(gan.debug_model(), data=tiny_data, quick=True)
    for key in ("pitch_accuracy", "real_pitch_accuracy", "ndb_k"):
        assert 0.0 <= result[key] <= 1.0
    assert result["real_pitch_accuracy"] >= 0.5  # the synthetic notes are in tune
    assert result["frechet"] >= 0 and result["timbre_same_z"] > 0 and result["timbre_random_pairs"] > 0
    json.dumps(result)  # one flat JSON object


def test_eval_without_data_is_a_clear_error(tmp_path):
    from explorer.errors import ExplorerError

    with pytest.raises(ExplorerError, match="not found"):
        gan_eval.evaluate(gan.debug_model(), data=tmp_path / "nowhere", quick=True)
