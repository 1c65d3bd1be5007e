import os
import pickle
import warnings

import pytest
import torch

from explorer.errors import CheckpointError
from explorer.models.checkpoint import load_checkpoint, save_checkpoint
from explorer.models.registry import checkpoint_path, load_model
from explorer.errors import ParameterError


def _save(path, **kw):
    args = dict(family="vae", config={"latent_dim": 4, "channels": [8, 16]}, state={"w": torch.arange(6.0)})
    args.update(kw)
    return save_checkpoint(path, **args)


def test_round_trip(tmp_path):
    p = _save(tmp_path / "m.pt", card={"steps": 10})
    ck = load_checkpoint(p, family="vae")
    assert ck["config"] == {"latent_dim": 4, "channels": [8, 16]}
    assert torch.equal(ck["state"]["w"], torch.arange(6.0))
    assert ck["card"] == {"steps": 10}
    assert not (tmp_path / "m.pt.tmp").exists()


class _Boom:
    def __reduce__(self):
        return (os.system, ("echo pwned > pwned.txt",))


def test_malicious_pickle_is_refused_and_not_run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    p = tmp_path / "evil.pt"
    torch.save({"format": "latent-audio-explorer/checkpoint", "payload": _Boom()}, p)
    with pytest.raises(CheckpointError, match="refused"):
        load_checkpoint(p)
    assert not (tmp_path / "pwned.txt").exists()
    # a plain pickle file (not torch's zip format) as well
    q = tmp_path / "evil2.pt"
    q.write_bytes(pickle.dumps(_Boom(), protocol=4))
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        with pytest.raises(CheckpointError):
            load_checkpoint(q)
    assert [str(w.message) for w in seen] == []  # the refusal is the whole answer: no torch warning beside it
    assert not (tmp_path / "pwned.txt").exists()


def test_truncated_checkpoint(tmp_path):
    p = _save(tmp_path / "m.pt")
    data = p.read_bytes()
    p.write_bytes(data[: len(data) // 2])
    with pytest.raises(CheckpointError, match="truncated"):
        load_checkpoint(p)


@pytest.mark.parametrize("content", [b"", b"hello, not a checkpoint", b"\x89PNG\r\n\x1a\n" + bytes(100)])
def test_foreign_files(tmp_path, content):
    p = tmp_path / "x.pt"
    p.write_bytes(content)
    with pytest.raises(CheckpointError):
        load_checkpoint(p)


def test_foreign_torch_file_and_wrong_family_and_version(tmp_path):
    p = tmp_path / "sd.pt"
    torch.save({"layer.weight": torch.zeros(2)}, p)
    with pytest.raises(CheckpointError, match="not a Latent Audio Explorer"):
        load_checkpoint(p)
    q = _save(tmp_path / "gan.pt", family="gan")
    with pytest.raises(CheckpointError, match="'gan' model, not a 'vae'"):
        load_checkpoint(q, family="vae")
    r = tmp_path / "future.pt"
    torch.save({"format": "latent-audio-explorer/checkpoint", "format_version": 99, "family": "vae",
                "config": {}, "state": {}}, r)
    with pytest.raises(CheckpointError, match="version 99"):
        load_checkpoint(r)


def test_missing_checkpoint(tmp_path):
    with pytest.raises(CheckpointError, match="not found"):
        load_checkpoint(tmp_path / "nope.pt")


def test_registry_names_and_paths():
    assert checkpoint_path("vae", "my-model").name == "my-model.pt"
    assert checkpoint_path("vae", "some/dir/file.pt").as_posix() == "some/dir/file.pt"
    with pytest.raises(ParameterError):
        checkpoint_path("vae", "bad:name")
    with pytest.raises(ParameterError, match="unknown model"):
        load_model("diffusion")
