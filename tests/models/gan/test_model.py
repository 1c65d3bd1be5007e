"""The GAN at tiny sizes: shapes, determinism, the spectral codec with known answers, principal
directions, checkpoints (round trip, malicious, truncated, foreign, incompatible)."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
import torch

from explorer.audio.constants import N_SAMPLES
from explorer.errors import CheckpointError
from explorer.models.gan import model as gan, networks
from explorer.models.checkpoint import save_checkpoint
from explorer.models.registry import load_model


def _save(model: gan.GANModel, path, **overrides):
    state = {f"generator.{k}": v for k, v in model.generator.state_dict().items()}
    state.update(gan.directions_state(model.directions))
    return save_checkpoint(path, family="gan", config={**model.config, **overrides}, state=state, card=model.card)


def test_debug_model_interface_and_shapes():
    m = gan.debug_model()
    assert (m.name, m.sample_rate, m.pitch_range) == ("gan", 16000, (24, 84))
    assert 64 <= m.latent_dim <= 256
    z = m.sample_latent(3, seed=5)
    assert z.shape == (3, m.latent_dim) and z.dtype == np.float32
    y = m.render(z, np.array([24, 60, 84]))
    assert y.shape == (3, N_SAMPLES) and y.dtype == np.float32 and np.all(np.isfinite(y))
    spec = m.spectrogram(z, [60, 60, 60])
    assert spec.shape == (3, 2, m.config["n_mels"], m.config["n_frames"])
    assert np.all(np.abs(spec[:, 1]) <= 1.0)  # IF channel is a bounded deviation


def test_registry_debug_model():
    m = load_model("gan", "debug")
    assert isinstance(m, gan.GANModel) and m.render(m.sample_latent(1, 0), [60]).shape == (1, N_SAMPLES)


def test_directions_move_the_latent():
    m = gan.debug_model()
    z = m.sample_latent(1, 0)[0]
    np.testing.assert_array_equal(m.move(z, [0.0] * len(m.directions.vectors)), z)
    moved = m.move(z, [2.0])
    assert np.linalg.norm(moved - z) == pytest.approx(2.0 * m.directions.stdev[0], rel=1e-5)
    assert not np.array_equal(m.render(moved, [60]), m.render(z, [60]))


def test_principal_directions_of_a_generator():
    from explorer.models.gan.training import principal_directions

    torch.manual_seed(0)
    gen, _ = networks.build_model(networks.TINY_CONFIG)
    d = principal_directions(gen, n=200, k=5)
    assert d.vectors.shape == (5, networks.TINY_CONFIG["latent_dim"])
    np.testing.assert_allclose(np.linalg.norm(d.vectors, axis=1), 1.0, rtol=1e-5)
    assert np.all(d.stdev > 0) and np.all(np.diff(d.explained) <= 1e-6)


def test_checkpoint_round_trip(tmp_path):
    m = gan.debug_model()
    path = _save(m, tmp_path / "gan-test.pt")
    back = load_model("gan", str(path))
    z = m.sample_latent(2, 4)
    np.testing.assert_array_equal(back.render(z, [40, 70]), m.render(z, [40, 70]))
    np.testing.assert_array_equal(back.directions.vectors, m.directions.vectors)
    assert back.card == m.card


def test_malicious_checkpoint_is_refused_without_running_code(tmp_path):
    marker = tmp_path / "pwned"

    class Evil:
        def __reduce__(self):
            return (open, (str(marker), "w"))

    path = tmp_path / "evil.pt"
    torch.save({"format": "latent-audio-explorer/checkpoint", "state": Evil()}, path)
    with pytest.raises(CheckpointError, match="refused"):
        gan.load(path)
    assert not marker.exists()
    path.write_bytes(pickle.dumps(Evil()))
    with pytest.raises(CheckpointError):
        gan.load(path)
    assert not marker.exists()


def test_truncated_empty_missing_and_foreign_checkpoints(tmp_path):
    good = _save(gan.debug_model(), tmp_path / "good.pt")
    data = good.read_bytes()
    (tmp_path / "cut.pt").write_bytes(data[: len(data) // 2])
    (tmp_path / "empty.pt").write_bytes(b"")
    (tmp_path / "text.pt").write_text("not a checkpoint")
    for name in ("cut.pt", "empty.pt", "text.pt", "missing.pt"):
        with pytest.raises(CheckpointError):
            gan.load(tmp_path / name)
    foreign = save_checkpoint(tmp_path / "vae.pt", family="vae", config={}, state={})
    with pytest.raises(CheckpointError, match="vae"):
        gan.load(foreign)


def test_incompatible_checkpoints(tmp_path):
    m = gan.debug_model()
    with pytest.raises(CheckpointError, match="version"):
        gan.load(_save(m, tmp_path / "future.pt", model_version=99))
    with pytest.raises(CheckpointError, match="does not match"):
        gan.load(_save(m, tmp_path / "shape.pt", g_channels=[32, 32, 16]))


def test_harmonic_lock_is_a_checked_decoding_setting(tmp_path):
    """A checkpoint with ``harmonic_lock`` renders through the lock (same generator, other audio);
    one without it renders as before; values outside [0, 0.5] are refused."""
    m = gan.debug_model()
    z = m.sample_latent(2, seed=1)
    plain = load_model("gan", str(_save(m, tmp_path / "plain.pt"))).render(z, 60)
    assert np.array_equal(plain, m.render(z, 60))
    locked = load_model("gan", str(_save(m, tmp_path / "lock.pt", harmonic_lock=0.5))).render(z, 60)
    assert locked.shape == plain.shape and np.isfinite(locked).all() and not np.allclose(locked, plain)
    for bad in (0.7, -0.1, "x"):
        with pytest.raises(CheckpointError, match="harmonic_lock"):
            load_model("gan", str(_save(m, tmp_path / "bad.pt", harmonic_lock=bad)))
