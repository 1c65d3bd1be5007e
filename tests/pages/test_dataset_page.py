"""The "Listen to the dataset" page under streamlit's AppTest: examples, rainbowgrams, controls."""

import json
import os
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from explorer.data.soundfont.synth import TEST_SOUNDFONT

PAGE = str(Path(__file__).resolve().parents[2] / "pages" / "5_Dataset.py")


def _audio_count(at) -> int:
    return len(at.get("audio"))


def test_dataset_page_follows_a_shared_link():
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.query_params.update({"ds_family": "voice", "ds_pitch": "57", "ds_velocity": "127", "ds_set": "2"})
    at.run()
    assert not at.exception and not at.error and not at.warning
    assert at.selectbox(key="ds_family").value == "voice" and at.slider(key="ds_pitch").value == 57
    assert at.radio(key="ds_velocity").value == 127
    assert "seed 6" in " ".join(c.value for c in at.caption)
    assert _audio_count(at) == 3


def test_dataset_page_plays_examples_and_follows_controls():
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    assert not at.exception and not at.error
    assert _audio_count(at) == 3 and len(at.get("plotly_chart")) == 3

    at.selectbox(key="ds_family").set_value("voice").run()
    at.slider(key="ds_pitch").set_value(57).run()
    at.radio(key="ds_velocity").set_value(127).run()
    assert not at.exception and not at.error
    assert _audio_count(at) == 3
    assert "Source-filter" in " ".join(m.value for m in at.markdown)

    at.selectbox(key="ds_family").set_value("mallet").run()
    at.slider(key="ds_pitch").set_value(24).run()  # outside the mallet's range: a notice, still sounds
    assert not at.exception and not at.error
    assert _audio_count(at) == 3 and any("outside" in i.value for i in at.info)


# ------------------------------------------------------------------ the real-instrument corpus

needs_render = pytest.mark.skipif(
    not TEST_SOUNDFONT.is_file() and not os.environ.get("CI"),
    reason="needs the TimGM6mb soundfont (apt-get install timgm6mb-soundfont) and FluidSynth")


@pytest.fixture(scope="module")
def tiny_corpus(tmp_path_factory):
    """A folder holding data/gm: 30 TimGM6mb notes of brass and reed."""
    from explorer.data.soundfont.corpus import write_corpus

    home = tmp_path_factory.mktemp("home")
    write_corpus(home / "data" / "gm", soundfonts=[TEST_SOUNDFONT], size=30, seed=0, families=["brass", "reed"],
                 workers=1, progress=False)
    return home


def _real(at):
    at.query_params.update({"ds_source": "Real instruments"})
    return at.run()


@needs_render
def test_real_corpus_browser_plays_notes_and_says_where_they_come_from(tiny_corpus, monkeypatch):
    monkeypatch.chdir(tiny_corpus)
    at = _real(AppTest.from_file(PAGE, default_timeout=60))
    assert not at.exception and not at.error
    assert _audio_count(at) == 1 and len(at.get("plotly_chart")) == 2  # player, rainbowgram, spectrum
    text = " ".join(m.value for m in at.markdown) + " ".join(c.value for c in at.caption)
    assert "sampled instruments" in text and "Split:" in text
    assert "timgm6mb-soundfont" in at.dataframe[0].value.to_string()

    rows = [json.loads(line) for line in (tiny_corpus / "data" / "gm" / "labels.jsonl").read_text().splitlines()]
    at.selectbox(key="ds_gm_family").set_value("reed").run()
    assert not at.exception and not at.error
    reeds = {r["instrument_id"] for r in rows if r["family"] == "reed"}
    assert set(at.selectbox(key="ds_gm_instrument").options) == {
        next(f"{r['instrument']} ({r['soundfont']}, bank {r['bank']}, program {r['program']}) - {r['split']}"
             for r in rows if r["instrument_id"] == i) for i in reeds}
    inst = max(reeds)
    at.selectbox(key="ds_gm_instrument").set_value(inst).run()
    note = next(r for r in rows if r["instrument_id"] == inst)
    at.select_slider(key="ds_gm_pitch").set_value(note["pitch"]).run()
    at.radio(key="ds_gm_velocity").set_value(note["velocity"]).run()
    assert not at.exception and not at.error and _audio_count(at) == 1
    assert f"velocity {note['velocity']}" in " ".join(c.value for c in at.caption)


def test_real_corpus_browser_without_a_corpus_says_how_to_make_one(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    at = _real(AppTest.from_file(PAGE, default_timeout=60))
    assert not at.exception and not at.error and _audio_count(at) == 0
    assert any("--source soundfont" in i.value and "fluid-soundfont-gm" in i.value for i in at.info)
