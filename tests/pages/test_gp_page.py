"""The GP page under streamlit's AppTest: presets, the kernel builder, draws, preset files, links,
fitting an upload, and bad input (which must leave the page working)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from streamlit.testing.v1 import AppTest

from tests.pages.apptest import assert_healthy, clear_caches, run_page

ROOT = Path(__file__).resolve().parents[2]
PAGE = str(ROOT / "pages" / "3_GP.py")
TIMEOUT = 120


@pytest.fixture(autouse=True)
def fresh_caches():
    clear_caches()
    yield
    clear_caches()


def run(**query) -> AppTest:
    return run_page("3_GP.py", **query)


def healthy(at: AppTest, *, errors_ok: bool = False) -> None:
    """Rainbowgram, spectrum and kernel plots expected."""
    assert_healthy(at, min_charts=3, errors_ok=errors_ok)


def audio_url(at: AppTest, index: int = 0) -> str:
    return at.get("audio")[index].proto.url  # the media URL names the exact bytes served


def wav(y: np.ndarray, sr: int = 16000) -> bytes:
    buf = io.BytesIO()
    sf.write(buf, y, sr, format="WAV")
    return buf.getvalue()


def test_default_preset_plays_with_kernel_plots():
    at = run()
    healthy(at)
    assert at.selectbox(key="gp_preset").value == "gp-middle-c"
    assert at.slider(key="gp_pitch").value == 60
    text = " ".join(m.value for m in at.markdown)
    assert "Fourier pair" in text and "circulant" in text and "Bark" in text


def test_switching_presets_and_pitch():
    at = run()
    for name in ("gp-wind", "gp-organ", "gp-speech-fit"):
        at.selectbox(key="gp_preset").set_value(name).run()
        healthy(at)
    at.selectbox(key="gp_preset").set_value("gp-organ").run()
    assert at.slider(key="gp_pitch").value == 48  # a harmonic preset starts at its own pitch
    at.slider(key="gp_pitch").set_value(55).run()
    healthy(at)


def test_builder_keeps_the_draw_and_new_draw_changes_it():
    at = run(gp_source="Build a kernel")
    healthy(at)
    at.slider(key="gp_tilt").set_value(-12.0).run()
    healthy(at)
    seed = at.number_input(key="gp_seed").value
    at.slider(key="gp_hdecay").set_value(1.5).run()
    healthy(at)
    assert at.number_input(key="gp_seed").value == seed  # moving a kernel slider keeps z
    at.button(key="gp_new_draw").click().run()
    healthy(at)
    assert at.number_input(key="gp_seed").value != seed
    at.radio(key="gp_kind").set_value("Bark bands (noise)").run()
    healthy(at)
    at.slider(key="gp_band4").set_value(-50.0).run()
    at.checkbox(key="gp_ls_auto").uncheck().run()
    at.slider(key="gp_ls_ms").set_value(50.0).run()
    at.selectbox(key="gp_sr").set_value("16000").run()
    healthy(at)


def test_the_link_reproduces_the_sound():
    query = dict(gp_source="Build a kernel", gp_kind="Harmonic (GP note)", gp_h_pitch="57", gp_tilt="-9.0",
                 gp_seed="42", gp_dur="1.0")
    a, b = run(**query), run(**query)
    healthy(a)
    assert a.slider(key="gp_h_pitch").value == 57 and a.number_input(key="gp_seed").value == 42
    assert audio_url(a) == audio_url(b)


def test_long_lengthscale_warns_about_clipping():
    at = run(gp_source="Build a kernel", gp_dur="1.0", gp_purity="2 s")
    healthy(at)
    assert any("clipped" in w.value for w in at.warning)


def test_bad_query_values_are_reported_not_fatal():
    at = run(gp_seed="-5", gp_preset="no-such-preset")
    assert not at.exception
    assert any("Ignored from the link" in w.value for w in at.warning)
    assert at.get("audio")


def test_preset_file_load_and_bad_files():
    at = run()
    organ = json.loads((ROOT / "checkpoints" / "gp" / "gp-organ.json").read_text())
    good = {"format": "latent-audio-explorer/preset@1", "model": "gp", "seed": 7, "pitch": 64, "gp": organ}
    at.file_uploader(key="gp_preset_file").set_value(("p.json", json.dumps(good).encode(), "application/json")).run()
    healthy(at)
    assert at.radio(key="gp_source").value == "Loaded file or fit"
    assert at.number_input(key="gp_seed").value == 7 and at.slider(key="gp_pitch").value == 64
    bad_kernels = [
        {"sample_rate": 16000, "kernel": {"components": [{"weight": 1, "mean_hz": 9000, "lengthscale_s": 0.1}]}},
        {"sample_rate": 16000, "kernel": {"components": []}},
        {"sample_rate": 16000, "duration_s": 99, "kernel": {"components": [{"weight": 1, "mean_hz": 90, "lengthscale_s": 0.1}]}},
        {"format": "latent-audio-explorer/preset@1", "model": "vae", "seed": 1},
    ]
    for bad in bad_kernels:
        at.file_uploader(key="gp_preset_file").set_value(("bad.json", json.dumps(bad).encode(), "application/json")).run()
        assert not at.exception
        assert at.error and "could not be loaded" in at.error[0].value
        assert at.get("audio")  # the loaded organ still plays
    at.file_uploader(key="gp_preset_file").set_value(("x.json", b"\xff{", "application/json")).run()
    assert not at.exception and at.error


def test_upload_is_fitted_compared_and_playable():
    t = np.arange(24000) / 16000
    tone = 0.3 * np.sin(2 * np.pi * 220 * t) * np.exp(-2 * t) + 0.01 * np.random.default_rng(0).standard_normal(t.size)
    at = run()
    at.file_uploader(key="gp_clip").set_value(("tone.wav", wav(tone), "audio/wav")).run()
    healthy(at)
    assert len(at.get("audio")) >= 3  # main + original + resynthesis
    assert any("Original vs resynthesis" in (c.proto.spec or "") for c in at.get("plotly_chart"))
    at.button(key="gp_use_fit").click().run()
    healthy(at)
    assert at.radio(key="gp_source").value == "Loaded file or fit"
    # a broken upload: a clear error, the page and the previous fit stay
    at.file_uploader(key="gp_clip").set_value(("junk.wav", b"not audio at all", "audio/wav")).run()
    assert not at.exception
    assert at.error and "could not be fitted" in at.error[0].value
    assert len(at.get("audio")) >= 3


def test_bundled_example_can_be_fitted():
    at = run()
    at.button(key="gp_example").click().run()
    healthy(at)
    assert len(at.get("audio")) >= 3


def crashing_fit(*args, **kwargs):
    """Stands in for the fit in the native worker: dies the way a native crash in pyin does."""
    import os

    os.abort()


def test_a_crash_in_the_pitch_tracker_is_a_message_and_the_next_fit_works(monkeypatch):
    import explorer.models.gp.fit_track as fit_module

    t = np.arange(24000) / 16000
    tone = 0.3 * np.sin(2 * np.pi * 220 * t) * np.exp(-2 * t)
    at = run()
    real_fit = fit_module.fit_track
    monkeypatch.setattr(fit_module, "fit_track", crashing_fit)
    at.file_uploader(key="gp_clip").set_value(("tone.wav", wav(tone), "audio/wav")).run(timeout=TIMEOUT)
    assert not at.exception
    assert at.error and "stopped unexpectedly" in at.error[0].value
    monkeypatch.setattr(fit_module, "fit_track", real_fit)
    at.run(timeout=TIMEOUT)  # the same clip again: a crash is not remembered as the clip's fault
    healthy(at)
    assert len(at.get("audio")) >= 3
