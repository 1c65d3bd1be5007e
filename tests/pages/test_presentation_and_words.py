"""Presentation mode and autoplay (both from the sidebar; presentation mode from the link too), and
the pages saying things right: download names that say what made the sound, the GAN melody in the
link, explanations of at most 150 plain words that never speak of "the user" or drafts."""

from __future__ import annotations

import json
import re

import pytest
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

from explorer.models import registry
from tests.pages import apptest
from tests.pages.apptest import page  # noqa: F401  (a fixture: the family's page, its checkpoints ready)

PAGES = {"vae": "1_VAE.py", "gan": "2_GAN.py", "gp": "3_GP.py"}


@pytest.fixture
def file_names(monkeypatch) -> list[str]:
    """The file name of every media file (player, WAV download) a page hands to streamlit."""
    names: list[str] = []
    original = MemoryMediaFileStorage.load_and_get_id

    def record(self, path_or_data, mimetype, kind, filename=None):
        names.append(filename or "")
        return original(self, path_or_data, mimetype, kind, filename)

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", record)
    return names


def _spectrum(at) -> dict:
    specs = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    return next(s for s in specs if s["layout"].get("xaxis", {}).get("type") == "log")


@pytest.mark.parametrize("page", list(PAGES), indirect=True)
def test_presentation_mode_from_the_link_and_autoplay(page):
    at = apptest.run_page(PAGES[page])
    apptest.assert_healthy(at)
    assert not at.toggle(key="present").value
    assert at.get("audio")[0].proto.autoplay  # autoplay is on by default
    spec = _spectrum(at)
    assert spec["layout"]["xaxis"]["ticktext"] == ["100", "1k", "10k"]
    normal_height = spec["layout"]["height"]

    at = apptest.run_page(PAGES[page], present="true")
    apptest.assert_healthy(at)
    assert at.toggle(key="present").value
    assert _spectrum(at)["layout"]["height"] > normal_height
    assert any("font-size" in h.proto.body for h in at.get("html"))  # the large type
    at.toggle(key="ui_autoplay").set_value(False).run()
    assert not at.get("audio")[0].proto.autoplay
    at.toggle(key="present").set_value(False).run()
    assert not any("font-size" in h.proto.body for h in at.get("html"))


@pytest.mark.parametrize("page", ["vae", "gan"], indirect=True)
def test_download_names_say_model_checkpoint_seed_and_pitch(page, file_names):
    key = f"{page}_seed"
    at = apptest.run_page(PAGES[page], **{key: "3", f"{page}_pitch": "62"})
    apptest.assert_healthy(at)
    checkpoint = registry.DEFAULT_CHECKPOINT[page]
    wav = [n for n in file_names if n.endswith(".wav")]
    expected = f"{checkpoint if checkpoint.startswith(page + '-') else page + '-' + checkpoint}-seed3-D4.wav"
    assert expected in wav, wav


def test_gp_download_names_are_not_doubled(file_names):
    apptest.clear_caches()
    at = apptest.run_page(PAGES["gp"], gp_seed="5")
    apptest.assert_healthy(at)
    assert any(re.fullmatch(r"gp-middle-c-seed5-[A-G]#?\d\.wav", n) for n in file_names), file_names
    assert not any(n.startswith("gp-gp-") for n in file_names), file_names


@pytest.mark.parametrize("page", ["gan"], indirect=True)
def test_the_melody_is_in_the_link(page):
    """A link with the notes opens the page playing them (the text box is bound to the link)."""
    shared = apptest.run_page(PAGES[page], gan_melody="A3 C4")
    apptest.assert_healthy(shared)
    assert shared.text_input(key="gan_melody").value == "A3 C4"
    assert any("2 notes" in c.value for c in shared.caption)


def _words(text: str) -> int:
    return len(re.findall(r"[A-Za-z0-9']+", text))


@pytest.mark.parametrize("name", [*PAGES, "interpolation", "dataset", "home"])
def test_explanations_are_short_and_plain(name):
    """Every explanation on a page (markdown, captions, notes) is at most 150 words and never speaks
    of "the user", drafts or notebooks. Model cards (documents under a heading of their own) are not
    explanations."""
    file = {"interpolation": "4_Interpolation.py", "dataset": "5_Dataset.py"}.get(name, PAGES.get(name))
    at = apptest.run_page(file) if file else apptest.AppTest.from_file(
        str(apptest.PAGES.parent / "streamlit_app.py"), default_timeout=apptest.TIMEOUT).run()
    texts = [e.value for kind in ("markdown", "caption", "info", "warning") for e in at.get(kind)]
    texts = [t for t in texts if not t.lstrip().startswith("# ")]
    long = [(_words(t), t[:60]) for t in texts if _words(t) > 150]
    assert not long, long
    said = [t[:80] for t in texts if re.search(r"\bthe user|\bdraft|\bnotebook", t, re.I)]
    assert not said, said


def test_home_page_sounds_are_named_after_what_made_them(file_names):
    apptest.clear_caches()
    at = apptest.run_page("../streamlit_app.py")
    for button in [b for b in at.button if (b.key or "").startswith("home_play_")]:
        button.click().run()
    assert not at.exception
    wav = [n for n in file_names if n.endswith(".wav")]
    for family in ("vae", "gan"):
        checkpoint = registry.DEFAULT_CHECKPOINT[family]
        assert any(re.fullmatch(rf"{checkpoint}-seed\d+-C4\.wav", n) for n in wav), wav
    assert any(re.fullmatch(r"gp-middle-c-seed\d+(-[A-G]#?\d)?\.wav", n) for n in wav), wav
