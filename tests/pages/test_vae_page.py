"""The VAE page under streamlit's AppTest: sliders, pitch, random/reset, presets, uploads, and a
broken checkpoint. The VAE is the shipped one when it is installed, else the tiny debug model's
checkpoint in a temporary folder: the tests never need the trained weights."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
import soundfile as sf
from streamlit.testing.v1 import AppTest

from explorer.models import registry

from tests.pages.apptest import (
    assert_broken_checkpoint_is_reported,
    assert_healthy,
    checkpoints_fixture,
    media,  # noqa: F401  (a fixture)
    played,
    run_page,
)

PAGE = "1_VAE.py"
checkpoints = checkpoints_fixture("vae")


def _run(**query) -> AppTest:
    return run_page(PAGE, **query)


_healthy = assert_healthy


def _sliders(at: AppTest) -> np.ndarray:
    sliders = {s.key: s.value for s in at.slider if s.key and s.key.startswith("vae_z") and s.key[5:].isdigit()}
    return np.array([sliders[f"vae_z{d}"] for d in range(len(sliders))])


def _latent(at: AppTest) -> np.ndarray:
    """The latent the sliders stand for: they move in the default model's prior frame."""
    return registry.load_model("vae").to_latent(_sliders(at).astype(np.float32))


def _wav(y: np.ndarray, sr: int = 16000) -> bytes:
    buf = io.BytesIO()
    sf.write(buf, y.astype(np.float32), sr, format="WAV")
    return buf.getvalue()


def _tone(midi: int, sr: int = 16000, seconds: float = 2.0) -> np.ndarray:
    t = np.arange(int(sr * seconds)) / sr
    f0 = 440.0 * 2 ** ((midi - 69) / 12)
    return 0.3 * sum(np.sin(2 * np.pi * h * f0 * t) / h for h in range(1, 6)) * np.exp(-t)


def test_first_load_plays_a_sound(checkpoints):
    at = _run()
    _healthy(at)
    assert len(_latent(at)) >= 8
    assert "encoder" in " ".join(m.value for m in at.markdown).lower()


def test_a_slider_move_changes_the_audio_and_a_no_op_does_not(checkpoints, media):
    at = _run()
    before = played(at, media)
    at.slider(key="vae_z0").set_value(0.0).run()  # the value it already has
    np.testing.assert_array_equal(played(at, media), before)
    at.slider(key="vae_z0").set_value(2.0).run()
    moved = played(at, media)
    assert moved.shape == before.shape and np.abs(moved - before).max() > 1e-3
    at.slider(key="vae_z0").set_value(0.0).run()  # back: the same samples as before
    np.testing.assert_array_equal(played(at, media), before)


def test_sliders_pitch_random_reset(checkpoints):
    at = _run()
    first = at.slider(key="vae_z0")
    first.set_value(1.5).run()
    _healthy(at)
    at.slider(key="vae_pitch").set_value(72).run()
    _healthy(at)
    at.button(key="vae_random").click().run()
    _healthy(at)
    z = _latent(at)
    seed = at.number_input(key="vae_seed").value
    assert seed is not None and np.any(z != 0)
    at.button(key="vae_reset").click().run()
    _healthy(at)
    assert np.all(_sliders(at) == 0) and at.slider(key="vae_pitch").value == 60  # the typical note


def test_url_state_and_bad_url(checkpoints):
    at = _run(vae_pitch="48", vae_z0="1.25")
    _healthy(at)
    assert at.slider(key="vae_pitch").value == 48
    assert at.slider(key="vae_z0").value == pytest.approx(1.25)
    bad = _run(vae_pitch="banana", vae_z1="99")
    assert not bad.exception
    assert bad.get("audio")
    assert any("Ignored from the link" in w.value for w in bad.warning)


def test_upload_encodes_and_bad_upload(checkpoints):
    at = _run()
    at.file_uploader(key="vae_upload").set_value(("tone.wav", _wav(_tone(57)), "audio/wav")).run()
    _healthy(at)
    assert at.slider(key="vae_pitch").value == 57  # estimated by pYIN
    assert len(at.get("audio")) >= 3  # main + original + reconstruction
    at.file_uploader(key="vae_upload").set_value(("junk.wav", b"this is not audio", "audio/wav")).run()
    assert not at.exception
    assert at.error and "could not be used" in at.error[0].value
    assert at.get("audio")  # the main sound still plays


def test_preset_load_and_bad_preset(checkpoints):
    at = _run()
    n = len(_latent(at))
    good = {"format": "latent-audio-explorer/preset@1", "model": "vae", "pitch": 64,
            "latent": [0.5] * n, "seed": 3}
    at.file_uploader(key="vae_preset_file").set_value(("p.json", json.dumps(good).encode(), "application/json")).run()
    _healthy(at)
    assert at.slider(key="vae_pitch").value == 64
    assert np.allclose(_latent(at), 0.5, atol=0.03)  # sliders hold 2 decimals of the prior frame
    wrong = {**good, "latent": [0.5] * (n + 1)}
    at.file_uploader(key="vae_preset_file").set_value(("w.json", json.dumps(wrong).encode(), "application/json")).run()
    assert not at.exception
    assert at.error and "preset" in at.error[0].value.lower()
    gan = {**good, "model": "gan"}
    at.file_uploader(key="vae_preset_file").set_value(("g.json", json.dumps(gan).encode(), "application/json")).run()
    assert not at.exception
    assert at.error and "for the GAN model, not the VAE" in at.error[0].value


def test_current_sound_is_offered_to_the_interpolation_page(checkpoints):
    """The VAE page records what it plays, so Interpolation's "current sound" endpoint can use it."""
    at = _run()
    at.slider(key="vae_pitch").set_value(62).run()
    current = at.session_state["current_vae"]
    assert current["model"] == "vae" and current["pitch"] == 62
    assert np.allclose(current["latent"], _latent(at), atol=1e-4)


@pytest.mark.parametrize("kind", ["missing", "malicious", "truncated"])
def test_broken_checkpoint_shows_error(tmp_path, monkeypatch, kind):
    assert_broken_checkpoint_is_reported(PAGE, "vae", kind, tmp_path, monkeypatch)


def test_preset_switches_to_the_checkpoint_it_names(tmp_path, monkeypatch):
    """Same preset, same sound: a preset saved with another installed VAE selects it; one that
    names a checkpoint not installed here plays with the current one and says so."""
    import shutil

    from explorer.models import registry
    from tests.pages.apptest import clear_caches, debug_checkpoint

    default = debug_checkpoint("vae", tmp_path)
    shutil.copy(default, tmp_path / "vae-older.pt")
    monkeypatch.setattr(registry, "CHECKPOINT_DIR", tmp_path)
    clear_caches()
    at = _run()
    assert at.sidebar.selectbox(key="vae_checkpoint").value == registry.DEFAULT_CHECKPOINT["vae"]
    n = len(_latent(at))
    preset = {"format": "latent-audio-explorer/preset@1", "model": "vae", "checkpoint": "vae-older",
              "pitch": 62, "latent": [0.25] * n}
    at.file_uploader(key="vae_preset_file").set_value(("p.json", json.dumps(preset).encode(), "application/json")).run()
    _healthy(at)
    assert at.sidebar.selectbox(key="vae_checkpoint").value == "vae-older"
    assert np.allclose(_latent(at), 0.25, atol=0.03) and at.slider(key="vae_pitch").value == 62
    assert any("vae-older" in i.value for i in at.info)
    missing = {**preset, "checkpoint": "vae-from-a-friend", "pitch": 65}
    at.file_uploader(key="vae_preset_file").set_value(("m.json", json.dumps(missing).encode(), "application/json")).run()
    _healthy(at)
    assert at.sidebar.selectbox(key="vae_checkpoint").value == "vae-older"
    assert at.slider(key="vae_pitch").value == 65
    assert any("not installed" in i.value and "vae-from-a-friend" in i.value for i in at.info)
    clear_caches()


def test_a_render_past_its_time_budget_is_a_message_and_the_next_move_plays(checkpoints, monkeypatch):
    from explorer.budget import BUDGETS_S

    monkeypatch.setitem(BUDGETS_S, "sound", 0.0)
    at = _run()
    assert not at.exception
    assert at.error and "took longer than 0 s and was stopped" in at.error[0].value
    monkeypatch.setitem(BUDGETS_S, "sound", 30.0)
    at.run()
    _healthy(at)


@pytest.mark.parametrize("name", ["../../../../etc/passwd", "/nonexistent/secret.pt", "vae-gm-v1.pt"])
def test_a_link_naming_a_file_instead_of_a_checkpoint_is_ignored_and_said(checkpoints, name):
    at = _run(vae_checkpoint=name)
    _healthy(at)
    assert any("Ignored from the link" in w.value for w in at.warning)


def test_random_picks_a_note_for_the_pitch_set_and_its_seed_keeps_it(tmp_path, monkeypatch):
    """With a prior fitted to codes and their playing, Random at a low pitch lands among the codes of
    low notes and at a high pitch among the high ones; the seed it shows gives the same sliders."""
    from explorer.models.checkpoint import save_checkpoint
    from explorer.models.vae import debug_model
    from explorer.models.vae.prior import fit_prior

    from tests.pages.apptest import clear_caches

    base = debug_model()
    rng = np.random.default_rng(0)
    low = rng.random(600) < 0.5
    codes = np.where(low[:, None], rng.normal(-1.0, 0.3, (600, base.latent_dim)), rng.normal(1.0, 0.3, (600, base.latent_dim)))
    playing = np.c_[np.where(low, 40, 80) + rng.integers(-3, 4, 600), rng.integers(30, 128, 600)]
    prior = fit_prior(codes, condition=playing, n_components=2)
    save_checkpoint(tmp_path / f"{registry.DEFAULT_CHECKPOINT['vae']}.pt", family="vae", config=base.config,
                    state={**base.net.state_dict(), **prior.state()}, card={"note": "debug"})
    monkeypatch.setattr(registry, "CHECKPOINT_DIR", tmp_path)
    clear_caches()
    model = registry.load_model("vae")
    assert model.plays_to_prior
    at = _run()
    for pitch, sign in ((40, -1), (80, 1)) * 3:
        at.slider(key="vae_pitch").set_value(pitch).run()
        at.button(key="vae_random").click().run()
        _healthy(at)
        sliders = _sliders(at)
        assert sign * model.to_latent(sliders.astype(np.float32)).mean() > 0.5  # that pitch's clump
        seed = at.number_input(key="vae_seed").value
        want = np.clip(np.round(model.to_slider(model.sample_latent(1, seed)[0]), 2), -3, 3)
        np.testing.assert_allclose(sliders, want, atol=0.011)  # the seed alone gives this note
    clear_caches()
