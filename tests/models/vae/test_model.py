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
from explorer.errors import AudioLoadError, CheckpointError, ParameterError
from explorer.models.vae import model as vae, networks, spectrogram, vibrato as vae_vibrato
from explorer.models.checkpoint import save_checkpoint
from explorer.models.registry import load_model


def _tone(midi: float, *, seconds: float = 2.048, partials: int = 12) -> np.ndarray:
    t = np.arange(int(SR * seconds)) / SR
    f0 = 440.0 * 2 ** ((midi - 69) / 12)
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


def test_determinism():
    a, b = vae.debug_model(), vae.debug_model()
    np.testing.assert_array_equal(a.sample_latent(2, 11), b.sample_latent(2, 11))
    assert not np.array_equal(a.sample_latent(1, 11), a.sample_latent(1, 12))
    z = a.sample_latent(1, 3)
    np.testing.assert_array_equal(a.render(z, [48]), b.render(z, [48]))
    np.testing.assert_array_equal(a.encode(_tone(50), SR, [50]), b.encode(_tone(50), SR, [50]))


def test_bad_inputs_are_parameter_errors():
    m = vae.debug_model()
    with pytest.raises(ParameterError):
        m.render(np.zeros((1, m.latent_dim + 1), np.float32), [60])
    with pytest.raises(ParameterError):
        m.render(np.zeros((1, m.latent_dim), np.float32), [100])


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


@pytest.mark.parametrize("midi", [36, 60, 84])
def test_pitch_locked_griffin_lim_is_consistent(midi):
    """Known answer: a harmonic tone's own |STFT| comes back with spectral convergence < 0.12
    after 4 iterations from the pitch-locked start (random start: far worse)."""
    cfg = networks.DEFAULT_CONFIG
    logmag = spectrogram.log_magnitude(torch.from_numpy(_tone(midi))[None], config=cfg)
    m = vae.debug_model()
    mag = m.magnitude(logmag)
    win = torch.hann_window(1024)

    def sc(phase):
        y = spectrogram.griffin_lim(mag, phase, n_iter=4, config=cfg)
        S = torch.stft(y, 1024, 256, window=win, return_complex=True).abs()
        return float(torch.linalg.norm(S - mag) / torch.linalg.norm(mag))

    locked = sc(spectrogram.pitch_locked_phase(np.array([midi]), n_frames=mag.shape[-1], config=cfg))
    rand = sc(torch.from_numpy(np.random.default_rng(0).uniform(0, 2 * np.pi, mag.shape)).float())
    assert locked < 0.12 and locked < rand


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


def test_warp_frequency_moves_a_peak_by_the_ratio():
    spec = torch.zeros(1, networks.N_BINS, 3)
    spec[0, 100] = 1.0
    spec[0, 200] = 0.5
    ratio = torch.tensor([[1.0, 1.1, 0.5]])  # one per frame
    out = vae_vibrato.warp_frequency(spec, ratio)
    assert out.shape == spec.shape
    torch.testing.assert_close(out[..., 0], spec[..., 0])  # ratio 1: unchanged
    assert sorted(torch.topk(out[0, :, 1], 2).indices.tolist()) == [110, 220]
    assert sorted(torch.topk(out[0, :, 2], 2).indices.tolist()) == [50, 100]


def test_pitch_track_is_flat_at_start_and_draws_a_vibrato():
    flat = vae_vibrato.pitch_track(torch.zeros(2, 6), n_frames=128, frame_s=0.016)
    assert flat.shape == (2, 128) and float(flat.abs().max()) == 0.0
    # a = 3 (30 cents), rate logit 0 (5.5 Hz), delay logit -inf (50 ms), no glide
    params = torch.tensor([[3.0, 0.0, 0.0, -20.0, 0.0, 0.0]])
    cents = vae_vibrato.pitch_track(params, n_frames=128, frame_s=0.016)[0].numpy()
    assert 29.0 < cents[20:].max() <= 30.0 + 1e-4 and -30.0 - 1e-4 <= cents[20:].min() < -29.0
    spectrum = np.abs(np.fft.rfft(cents[20:] - cents[20:].mean(), n=4096))
    assert np.fft.rfftfreq(4096, 0.016)[spectrum.argmax()] == pytest.approx(5.5, abs=0.1)


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
