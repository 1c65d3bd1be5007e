"""Training interrupted mid-write (issue 20): ``train --resume`` continues from the last complete
state, and a damaged state or checkpoint is never loaded as good (explorer/training.py save_state,
explorer/models/checkpoint.py save_checkpoint: temp file + rename)."""

from __future__ import annotations

import io
from argparse import Namespace
from pathlib import Path

import pytest
import torch

from explorer import training as scaffold
from explorer.__main__ import main
from explorer.errors import CheckpointError
from explorer.models.checkpoint import load_checkpoint


pytestmark = pytest.mark.usefixtures("feature_cache")  # tiny_data and feature_cache: tests/conftest.py


def _killed_during_second_state_write(monkeypatch):
    """torch.save that, on the second training-state write, writes half the file and is killed."""
    real = torch.save
    calls = {"state": 0}

    def save(obj, f, *a, **k):
        if isinstance(obj, dict) and "opt" in obj and "step" in obj:
            calls["state"] += 1
            if calls["state"] == 2:
                buf = io.BytesIO()
                real(obj, buf)
                Path(f).write_bytes(buf.getvalue()[: len(buf.getvalue()) // 2])
                raise KeyboardInterrupt  # the process dies here
        return real(obj, f, *a, **k)

    monkeypatch.setattr(torch, "save", save)


def test_interrupted_state_write_resumes_from_the_last_complete_state(tiny_data, tmp_path, capsys, monkeypatch):
    from explorer.models.vae import model as vae
    from explorer.models.vae import training as vae_train

    out = tmp_path / "ck" / "vae-smoke"
    _killed_during_second_state_write(monkeypatch)  # smoke: states at steps 3 and 6
    with pytest.raises(KeyboardInterrupt):
        vae_train.main(Namespace(data=tiny_data, out=out, steps=None, smoke_test=True, resume=False))
    monkeypatch.undo()
    monkeypatch.setenv("EXPLORER_FEATURE_CACHE", str(tmp_path / "cache"))
    state_file = out.parent / "vae-smoke.resume"
    assert int(scaffold.load_state(state_file)["step"]) == 3  # the last complete state, intact
    assert not list(out.parent.glob("*.tmp")) and not list(out.parent.glob(".*"))  # no half file left
    assert load_checkpoint(f"{out}.pt", family="vae")["card"]["steps"] == 6  # the weights file is whole
    capsys.readouterr()

    vae_train.main(Namespace(data=tiny_data, out=out, steps=None, smoke_test=True, resume=True))
    log = capsys.readouterr().out
    assert "resumed from vae-smoke.resume at step 3" in log and "step 6/6" in log
    assert vae.load(f"{out}.pt").card["steps"] == 6
    assert int(scaffold.load_state(state_file)["step"]) == 6


def test_damaged_state_or_checkpoint_is_never_loaded_as_good(tiny_data, tmp_path, capsys):
    out = tmp_path / "vae-smoke"
    assert main(["train", "vae", "--data", str(tiny_data), "--out", str(out), "--smoke-test"]) == 0
    state_file = tmp_path / "vae-smoke.resume"
    good = state_file.read_bytes()
    state_file.write_bytes(good[: len(good) // 2])  # a state cut short (disk full, a writer without rename)
    weights = Path(f"{out}.pt").read_bytes()
    capsys.readouterr()
    assert main(["train", "vae", "--data", str(tiny_data), "--out", str(out), "--smoke-test", "--resume"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "unreadable" in err and "Traceback" not in err
    assert Path(f"{out}.pt").read_bytes() == weights  # nothing was trained on, nothing overwritten
    Path(f"{out}.pt").write_bytes(weights[: len(weights) // 3])
    with pytest.raises(CheckpointError, match="truncated"):
        load_checkpoint(f"{out}.pt", family="vae")
