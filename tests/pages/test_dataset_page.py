"""The "Listen to the dataset" page under streamlit's AppTest: examples, rainbowgrams, controls."""

from pathlib import Path

from streamlit.testing.v1 import AppTest

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
