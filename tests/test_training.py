"""The training scaffold shared by the VAE and the GAN (explorer/training.py)."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from explorer import training
from explorer.errors import CheckpointError, ParameterError


def test_feature_cache_is_one_npz_named_in_the_log_and_recomputed_when_the_labels_change(tmp_path, monkeypatch):
    monkeypatch.setenv(training.CACHE_ENV, str(tmp_path / "cache"))
    data = tmp_path / "data"
    data.mkdir()
    (data / "labels.jsonl").write_text("{}\n")
    calls, lines = [], []

    def compute():
        calls.append(1)
        return {"feats": np.arange(6, dtype=np.float16).reshape(2, 3), "family": np.array(["a", "b"])}

    first = training.cached_arrays("demo", data, (1,), compute, log=lines.append)
    again = training.cached_arrays("demo", data, (1,), compute, log=lines.append)
    assert len(calls) == 1 and again["family"].tolist() == ["a", "b"] and again["feats"].dtype == np.float16
    np.testing.assert_array_equal(first["feats"], again["feats"])
    files = list((tmp_path / "cache").glob("demo-*.npz"))
    assert len(files) == 1 and files[0].name in lines[0] and str(tmp_path / "cache") in lines[0]
    assert files[0].name in lines[1] and "from cache" in lines[1]
    training.cached_arrays("demo", data, (2,), compute, log=lines.append)  # other settings: other file
    assert len(calls) == 2
    (data / "labels.jsonl").write_text("{}\n{}\n")
    import os

    os.utime(data / "labels.jsonl", ns=(1, 1))  # the labels changed: the cache is stale
    training.cached_arrays("demo", data, (1,), compute, log=lines.append)
    assert len(calls) == 3
    assert not list(tmp_path.glob("*.npz")) and not list(data.glob("*.npz"))  # nothing beside the data


def test_cache_defaults_to_runs_not_the_checkout_root(monkeypatch):
    from explorer.paths import ROOT, RUNS_DIR

    monkeypatch.delenv(training.CACHE_ENV, raising=False)
    assert training.cache_dir() == RUNS_DIR / "cache" and training.cache_dir().parent != ROOT


def test_dataset_card_and_seed(tmp_path):
    assert training.read_dataset_card(tmp_path) == {} and training.dataset_seed(tmp_path) is None
    (tmp_path / "dataset_card.json").write_text(json.dumps({"seed": 7, "format": "x"}))
    assert training.dataset_seed(tmp_path) == 7 and training.read_dataset_card(tmp_path)["format"] == "x"
    (tmp_path / "dataset_card.json").write_text(json.dumps({"config": {"seed": 9}}))
    assert training.dataset_seed(tmp_path) == 9
    (tmp_path / "dataset_card.json").write_text("{not json")
    assert training.read_dataset_card(tmp_path) == {}


def test_load_notes_keeps_pitched_notes_and_refuses_an_empty_folder(tmp_path):
    from explorer.data import write_dataset

    with pytest.raises(ParameterError):
        training.load_notes(tmp_path / "missing")
    write_dataset(tmp_path / "d", size=4, seed=1, workers=1, progress=False)
    notes = training.load_notes(tmp_path / "d")
    assert notes["audio"].shape == (4, 32768) and notes["audio"].dtype == np.float32
    assert np.all((notes["pitch"] >= 24) & (notes["pitch"] <= 84)) and notes["skipped"] == 0
    assert len(notes["family"]) == 4


def test_state_round_trip_and_damaged_state(tmp_path):
    path = tmp_path / "run" / "x.resume"
    training.save_state(path, {"step": 3, "w": torch.ones(2)})
    state = training.load_state(path)
    assert state["step"] == 3 and torch.equal(state["w"], torch.ones(2))
    path.write_bytes(b"garbage")
    with pytest.raises(CheckpointError, match="unreadable"):
        training.load_state(path)


def test_progress_line_and_out_stem(tmp_path):
    p = training.Progress(10)
    line = p.line(5, "loss 1.0")
    assert line.startswith("[############............] step 5/10 loss 1.0") and "step/s eta" in line
    assert training.out_stem(tmp_path / "a.pt") == tmp_path / "a" and training.out_stem(tmp_path / "b") == tmp_path / "b"
    assert training.setup_distributed() == (0, 1)
