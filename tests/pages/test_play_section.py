"""The "Play it" section of the VAE, GAN and GP pages under AppTest: the keyboard component gets
its notes, a MIDI upload plays a song, a bad file gives a message and the page stays up, and the
SFZ instrument can be built and downloaded (GAN)."""

from __future__ import annotations

import base64
import io
import json
import zipfile

import pytest
import soundfile as sf

from tests.pages import apptest
from tests.pages.apptest import page  # noqa: F401  (a fixture: the family's page, its checkpoints ready)
from tests.pages.apptest import media  # noqa: F401  (a fixture)
from tests.play.conftest import midi_bytes

PAGES = {"vae": "1_VAE.py", "gan": "2_GAN.py", "gp": "3_GP.py"}


def keyboard_data(at) -> dict:
    (kb,) = [c for c in at.get("bidi_component") if c.proto.component_name == "latent_audio_explorer_keyboard"]
    return json.loads(kb.proto.json)


@pytest.mark.parametrize("page", list(PAGES), indirect=True)
def test_keyboard_midi_upload_and_bad_midi(page, media):
    at = apptest.run_page(PAGES[page])
    apptest.assert_healthy(at)
    data = keyboard_data(at)
    midis = [n["midi"] for n in data["notes"]]
    assert midis == list(range(midis[0], midis[0] + 37)) and data["window_lo"] == midis[0] + 12
    first = data["notes"][0]
    y, sr = sf.read(io.BytesIO(base64.b64decode(first["wav"])))
    assert y.size and 0 < first["loop"][0] < first["loop"][1] <= len(y) / sr + 1e-6
    players = len(at.get("audio"))

    uploader = at.file_uploader(key=f"{page}_midi")
    at = uploader.set_value(("triad.mid", midi_bytes([(60, 0, 1, 100), (64, 1, 1, 100), (67, 2, 4, 100)]),
                             "audio/midi")).run()
    apptest.assert_healthy(at)
    assert len(at.get("audio")) == players + 1
    song = apptest.played(at, media, players)
    assert len(song) == pytest.approx((3.0 + 0.15) * sr, rel=0.01)

    at = at.file_uploader(key=f"{page}_midi").set_value(("bad.mid", b"not a midi file", "audio/midi")).run()
    assert not at.exception
    assert any("could not be played" in e.value and "not a MIDI file" in e.value for e in at.error), \
        [e.value for e in at.error]
    assert at.get("audio") and keyboard_data(at)["notes"]  # the page still plays


@pytest.mark.parametrize("page", ["gan"], indirect=True)
def test_sfz_instrument_is_built_on_request_and_downloaded(page):
    at = apptest.run_page(PAGES[page])
    assert not [b for b in at.get("download_button") if b.proto.id and "instrument" in b.proto.label]
    at = at.button(key="gan_sfz_build").click().run()
    apptest.assert_healthy(at)
    (dl,) = [b for b in at.get("download_button") if "SFZ instrument" in b.proto.label]
    from explorer.models.registry import load_model
    from explorer.play.sfz import VELOCITY_LAYERS

    layers = len(VELOCITY_LAYERS) if load_model("gan").velocity_range else 1  # the shipped GAN or its debug stand-in
    assert f"{21 * layers} samples" in dl.proto.label


@pytest.mark.parametrize("page", ["gp"], indirect=True)
def test_an_unpitched_gp_sound_plays_on_every_key(page):
    at = apptest.run_page(PAGES[page], gp_source="Build a kernel", gp_kind="Bark bands (noise)", gp_dur="1.0")
    apptest.assert_healthy(at)
    notes = keyboard_data(at)["notes"]
    assert len(notes) == 37 and "wav" in notes[0] and not any("wav" in n for n in notes[1:])  # one WAV for all
    assert any("no pitch" in c.value for c in at.caption)
