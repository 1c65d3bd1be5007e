"""The VAE at tiny sizes: shapes, determinism, checkpoints (round trip, malicious, truncated,
foreign), phase reconstruction with a known answer, encoding a user's sound."""

from __future__ import annotations

import io
import pickle

import numpy as np
import pytest
import soundfile as sf
import torch

from explorer.audio.constants import N_SAMPLES, SR
from explorer.audio.pitch import midi_to_hz
from explorer.errors import AudioLoadError, CheckpointError
from explorer.models.vae import model as vae
from explorer.models.checkpoint import save_checkpoint
from explorer.models.registry import load_model

def _tone(midi: float, *, seconds: float = 2.048, partials: int = 12) -> np.ndarray:
    t = np.arange(int(SR * seconds)) / SR
    f0 = midi_to_hz(midi)
    y = sum(0.8**h * np.sin(2 * np.pi * h * f0 * t + h) for h in range(1, partials + 1) if h * f0 < 7000)
    return (0.3 * y * np.exp(-1.5 * t)).astype(np.float32)


def _save(model: vae.VAEModel, path):
    return save_checkpoint(path, family="vae", config=model.config, state=model.net.state_dict(), card=model.card)


def test_debug_model_interface_and_shapes():
    m = vae.debug_model()
    assert (m.name, m.sample_rate, m.pitch_range) == ("vae", 16000, (24, 84))
    z = m.sample_latent(3, seed=5)
    assert z.shape == (3, m.latent_dim) and z.dtype == np.float32
    y = m.render(z, np.array([36, 60, 84]))
    assert y.shape == (3, N_SAMPLES) and y.dtype == np.float32 and np.all(np.isfinite(y))
    logmag = m.decode_logmag(z, [60, 60, 60])
    assert logmag.shape == (3, 513, 128)
    assert m.encode(_tone(60), SR, [60]).shape == (1, m.latent_dim)


def test_checkpoint_round_trip(tmp_path):
    m = vae.debug_model()
    path = _save(m, tmp_path / "vae-tiny.pt")
    back = vae.load(path)
    assert back.config == m.config and back.latent_dim == m.latent_dim
    z = m.sample_latent(1, 9)
    np.testing.assert_array_equal(back.render(z, [55]), m.render(z, [55]))
    np.testing.assert_array_equal(load_model("vae", str(path)).render(z, [55]), m.render(z, [55]))


class _Evil:
    def __reduce__(self):
        return (print, ("this must never run",))


def test_malicious_pickle_is_refused(tmp_path, capsys):
    path = tmp_path / "vae-synth-v1.pt"
    path.write_bytes(pickle.dumps({"format": "latent-audio-explorer/checkpoint", "state": _Evil()}))
    with pytest.raises(CheckpointError, match="refused"):
        vae.load(path)
    torch.save({"x": _Evil()}, tmp_path / "evil2.pt")  # a torch-format file carrying code
    with pytest.raises(CheckpointError):
        load_model("vae", str(tmp_path / "evil2.pt"))
    assert "must never run" not in capsys.readouterr().out


def test_truncated_checkpoint_gives_a_clear_error(tmp_path):
    path = _save(vae.debug_model(), tmp_path / "vae-cut.pt")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3])
    with pytest.raises(CheckpointError, match="truncated|not a checkpoint"):
        vae.load(path)
    with pytest.raises(CheckpointError, match="not found"):
        vae.load(tmp_path / "nothing.pt")


def test_foreign_and_mismatched_checkpoints(tmp_path):
    m = vae.debug_model()
    save_checkpoint(tmp_path / "gan.pt", family="gan", config=m.config, state=m.net.state_dict())
    with pytest.raises(CheckpointError, match="gan"):
        vae.load(tmp_path / "gan.pt")
    bigger = {**m.config, "hidden": 48}
    save_checkpoint(tmp_path / "bad.pt", family="vae", config=bigger, state=m.net.state_dict())
    with pytest.raises(CheckpointError, match="does not fit"):
        vae.load(tmp_path / "bad.pt")
    save_checkpoint(tmp_path / "bad2.pt", family="vae", config={**m.config, "latent_dim": -1}, state={})
    with pytest.raises(CheckpointError, match="latent_dim"):
        vae.load(tmp_path / "bad2.pt")


def _wav(y: np.ndarray, sr: int = SR) -> bytes:
    buf = io.BytesIO()
    sf.write(buf, y, sr, format="WAV")
    return buf.getvalue()


def test_encode_sound_estimates_pitch_and_encodes():
    m = vae.debug_model()
    enc = vae.encode_sound(m, _wav(np.concatenate([np.zeros(4000, np.float32), _tone(57)])), fallback_pitch=60)
    assert enc.pitch_estimated and enc.pitch == 57
    assert enc.z.shape == (m.latent_dim,) and np.all(np.isfinite(enc.z))
    assert enc.y.shape == (N_SAMPLES,)
    noise = np.random.default_rng(0).standard_normal(SR).astype(np.float32) * 0.1
    enc = vae.encode_sound(m, _wav(noise, 44100), fallback_pitch=62)
    assert not enc.pitch_estimated and enc.pitch == 62


@pytest.mark.parametrize("data", [b"", b"not audio at all", _wav(np.zeros(SR, np.float32))])
def test_encode_sound_bad_upload(data):
    with pytest.raises(AudioLoadError):
        vae.encode_sound(vae.debug_model(), data)


def test_encoding_is_deterministic():
    a, b = vae.debug_model(), vae.debug_model()
    np.testing.assert_array_equal(a.encode(_tone(50), SR, [50]), b.encode(_tone(50), SR, [50]))


def test_upload_pitch_needs_no_jit_and_says_when_it_is_out_of_range_or_weak(monkeypatch):
    """An upload's pitch comes from CREPE's tiny model, never librosa.pyin (numba compiles it for
    ~50 s on a fresh install); a pitch above the model's range is moved by octaves and said so;
    a weak estimate is said so."""
    import librosa

    monkeypatch.setattr(librosa, "pyin", lambda *a, **k: pytest.fail("pyin on the request path"))
    m = vae.debug_model()
    lo, hi = m.pitch_range
    t = np.arange(int(1.5 * SR)) / SR
    robin = (0.3 * np.sin(2 * np.pi * 1400.0 * t)).astype(np.float32)  # sings near 1.4 kHz: F6
    enc = vae.encode_sound(m, _wav(robin), fallback_pitch=60)
    assert lo <= enc.pitch <= hi and enc.pitch % 12 == 77 % 12
    assert "outside this model's range" in enc.pitch_note and "F6" in enc.pitch_note
    assert enc.f0_hz == pytest.approx(1400.0, rel=0.01)
    tone = _tone(57)
    enc = vae.encode_sound(m, _wav(tone), fallback_pitch=60)
    assert enc.pitch == 57 and enc.pitch_note == ""
    # a tone that is mostly noise: a pitch is found in a few frames only
    rng = np.random.default_rng(1)
    mostly_noise = np.where(np.arange(tone.size) < tone.size // 4, tone, 0.3 * rng.standard_normal(tone.size))
    enc = vae.encode_sound(m, _wav(mostly_noise.astype(np.float32)), fallback_pitch=60)
    assert enc.pitch_note and ("weak" in enc.pitch_note or "No clear pitch" in enc.pitch_note)
