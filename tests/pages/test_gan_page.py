"""The GAN page under streamlit's AppTest: seed and dice, direction sliders, pitch, URL state,
melody, presets, and broken checkpoints (shipped GAN, or a debug GAN in a temporary folder)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from explorer.models import registry
from explorer.models.gan import model as gan
from tests.pages import apptest
from tests.pages.apptest import media  # noqa: F401  (a fixture)

PAGE = "2_GAN.py"
checkpoints = apptest.checkpoints_fixture("gan")
played = apptest.played
_healthy = apptest.assert_healthy


def _run(**query) -> AppTest:
    return apptest.run_page(PAGE, **query)


def _directions(at: AppTest) -> list:
    return [s for s in at.slider if s.key and s.key.startswith("gan_d") and s.key[5:].isdigit()]


def test_first_load_plays_a_sound_and_a_melody(checkpoints, media):
    at = _run()
    _healthy(at)
    assert at.slider(key="gan_pitch").value == 60 and at.number_input(key="gan_seed").value == 27
    assert len(_directions(at)) == len(gan.load(checkpoints / "gan-synth-v1.pt").directions.vectors) >= 8
    audio = at.get("audio")
    assert len(audio) >= 2 and all(a.proto.url for a in audio)  # the note and the melody, each with a source
    note, melody = played(at, media, 0), played(at, media, 1)
    assert np.abs(note).max() > 0.01 and len(melody) > len(note)  # a sound, and a phrase longer than one note
    titles = [json.loads(c.proto.spec)["layout"]["title"]["text"] for c in at.get("plotly_chart")]
    assert any(t.startswith("Rainbowgram") for t in titles) and any(t.startswith("Power spectrum") for t in titles)
    explanation = next(e for e in at.expander if e.label.startswith("How it works"))
    text = " ".join(m.value for m in explanation.markdown).lower()
    for phrase in ("generator", "discriminator", "pitch conditioning", "instantaneous frequency", "rainbowgram"):
        assert phrase in text
    assert len(text.split()) <= 150  # an explanation a person reads beside the picture


def test_a_slider_move_changes_the_audio_and_a_no_op_does_not(checkpoints, media):
    at = _run()
    before = played(at, media)
    at.number_input(key="gan_seed").set_value(27).run()  # the value it already has
    np.testing.assert_array_equal(played(at, media), before)
    _directions(at)[0].set_value(2.0).run()
    moved = played(at, media)
    assert moved.shape == before.shape and np.abs(moved - before).max() > 1e-3
    _directions(at)[0].set_value(0.0).run()  # back: the same samples as before
    np.testing.assert_array_equal(played(at, media), before)
    at.slider(key="gan_pitch").set_value(67).run()
    assert np.abs(played(at, media) - before).max() > 1e-3


def test_controls_seed_dice_directions_pitch(checkpoints):
    at = _run()
    at.slider(key="gan_pitch").set_value(43).run()
    _healthy(at)
    assert "G2" in " ".join(c.value for c in at.caption)
    at.number_input(key="gan_seed").set_value(1234).run()
    _healthy(at)
    at.button(key="gan_roll").click().run()
    _healthy(at)
    assert at.number_input(key="gan_seed").value != 1234
    sliders = _directions(at)
    sliders[0].set_value(2.0).run()
    _healthy(at)
    sliders[-1].set_value(-1.5).run()
    _healthy(at)
    at.button(key="gan_reset").click().run()
    _healthy(at)
    assert all(s.value == 0.0 for s in _directions(at))


def test_url_state_and_bad_url(checkpoints):
    at = _run(gan_pitch="48", gan_seed="77", gan_d0="1.5")
    _healthy(at)
    assert at.slider(key="gan_pitch").value == 48
    assert at.number_input(key="gan_seed").value == 77
    assert at.slider(key="gan_d0").value == pytest.approx(1.5)
    bad = _run(gan_pitch="banana", gan_seed="-3", gan_d1="99")
    assert not bad.exception
    assert bad.get("audio") and bad.get("plotly_chart")
    assert any("Ignored from the link" in w.value for w in bad.warning)


def test_melody_phrases_and_bad_notes(checkpoints):
    at = _run()
    at.selectbox(key="gan_phrase").set_value("Bass line").run()
    _healthy(at)
    assert at.text_input(key="gan_melody").value.startswith("C2")
    at.text_input(key="gan_melody").set_value("C4 H4 G4").run()
    assert not at.exception
    assert at.error and "not a note name" in at.error[0].value
    assert at.get("audio")  # the note itself still plays
    at.text_input(key="gan_melody").set_value("C9").run()
    assert at.error and "outside" in at.error[0].value
    at.text_input(key="gan_melody").set_value("").run()
    assert at.error and "at least one note" in at.error[0].value
    at.text_input(key="gan_melody").set_value("A3:0.25 C4:0.25 E4:1").run()
    _healthy(at)


def test_preset_round_trip_and_bad_preset(checkpoints):
    at = _run(gan_seed="5", gan_pitch="50", gan_d1="-1.0")
    saved = json.loads(_saved_preset(at))
    assert saved["model"] == "gan" and saved["seed"] == 5 and saved["pitch"] == 50
    fresh = _run()
    fresh.file_uploader(key="gan_preset_file").set_value(("p.json", json.dumps(saved).encode(), "application/json")).run()
    _healthy(fresh)
    assert fresh.number_input(key="gan_seed").value == 5 and fresh.slider(key="gan_pitch").value == 50
    assert fresh.slider(key="gan_d1").value == pytest.approx(-1.0)
    # a latent no seed reproduces becomes the base z, with a notice
    odd = {"format": "latent-audio-explorer/preset@1", "model": "gan", "pitch": 62,
           "latent": [0.3] * len(saved["latent"])}
    fresh.file_uploader(key="gan_preset_file").set_value(("o.json", json.dumps(odd).encode(), "application/json")).run()
    _healthy(fresh)
    assert any("loaded preset" in i.value for i in fresh.info)
    for bad in ({**saved, "latent": [0.1] * 3}, {**saved, "model": "vae"}, "not json"):
        data = bad.encode() if isinstance(bad, str) else json.dumps(bad).encode()
        fresh.file_uploader(key="gan_preset_file").set_value(("b.json", data, "application/json")).run()
        assert not fresh.exception
        assert fresh.error and "preset" in fresh.error[0].value.lower()
        assert fresh.get("audio")


def _saved_preset(at: AppTest) -> str:
    """The JSON the "Save preset" button would download (the page builds it from its state)."""
    from explorer.presets import Preset

    seed, pitch = at.number_input(key="gan_seed").value, at.slider(key="gan_pitch").value
    model = gan.load(registry.CHECKPOINT_DIR / f"{registry.DEFAULT_CHECKPOINT['gan']}.pt")
    amounts = [s.value for s in _directions(at)]
    z = model.move(model.sample_latent(1, seed)[0], amounts)
    return Preset(model="gan", pitch=pitch, latent=[float(v) for v in z], seed=seed,
                  extra={"directions": amounts}).to_json()


@pytest.mark.parametrize("kind", ["missing", "malicious", "truncated"])
def test_broken_checkpoint_shows_error(tmp_path, monkeypatch, kind):
    apptest.assert_broken_checkpoint_is_reported(PAGE, "gan", kind, tmp_path, monkeypatch)


def test_velocity_slider_of_a_velocity_gan(tmp_path, monkeypatch, media):
    """A velocity-conditioned GAN gets a velocity slider: it changes the sound, lives in the link
    and in the preset; a checkpoint without velocity shows none."""
    apptest.debug_checkpoint("gan", tmp_path)
    monkeypatch.setattr(registry, "CHECKPOINT_DIR", tmp_path)
    apptest.clear_caches()
    try:
        at = _run()
        _healthy(at)
        assert at.slider(key="gan_velocity").value == 100
        before = played(at, media)
        at.slider(key="gan_velocity").set_value(30).run()
        assert np.abs(played(at, media) - before).max() > 1e-4
        linked = _run(gan_velocity="30")
        np.testing.assert_array_equal(played(linked, media), played(at, media))
        assert not linked.warning
        bad = _run(gan_velocity="300")
        _healthy(bad)
        assert bad.slider(key="gan_velocity").value == 100
    finally:
        apptest.clear_caches()


def test_no_velocity_slider_without_velocity(checkpoints):
    at = _run()
    if registry.load_model("gan").velocity_range is None:
        assert not [s for s in at.slider if s.key == "gan_velocity"]


def test_direction_sliders_say_what_they_do_as_plain_text(tmp_path, monkeypatch):
    """The card's direction labels name the sliders; a label holding markdown shows literally."""
    card = {"note": "debug", "directions_label": ["brighter", "[a link](https://example.com)", ""] + [""] * 5,
            "directions_effect_db": [3.0] * 8,
            "directions_moves": [{}, {}, {"sustain": 1.8, "attack": -0.7, "noisiness": 0.1, "<b>x</b>": 9}] + [{}] * 5}
    apptest.debug_checkpoint("gan", tmp_path, card=card)
    monkeypatch.setattr(registry, "CHECKPOINT_DIR", tmp_path)
    apptest.clear_caches()
    try:
        at = _run()
        _healthy(at)
        labels = {s.key: s.label for s in _directions(at)}
        assert labels["gan_d0"] == "Direction 1 · brighter →"
        assert "](" not in labels["gan_d1"].replace("\\]\\(", "") and "\\[" in labels["gan_d1"]
        assert labels["gan_d2"] == "Direction 3"
        assert "80% of notes" in at.slider(key="gan_d0").help
        tip = at.slider(key="gan_d2").help
        assert "sustain +1.8, attack -0.7 standard deviations" in tip and "noisiness" not in tip and "<b>" not in tip
    finally:
        apptest.clear_caches()
