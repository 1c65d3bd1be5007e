"""The benchmark's structure (fields, error isolation, table), on tiny inputs; no timing asserted."""

from __future__ import annotations

import json

import pytest

from explorer.evaluation import bench

REQUIRED = [
    "mel_to_audio_ms",
    "mel_to_audio_baseline_ms",
    "mel_to_audio_speedup",
    "mel_to_audio_sc",
    "mel_to_audio_baseline_sc",
    "griffin_lim_ms",
    "griffin_lim_baseline_ms",
    "griffin_lim_speedup",
    "stft_roundtrip_ms",
    "rainbowgram_ms",
]


#: What the model sections report (besides REQUIRED), with the ratios each is built from.
MODEL_FIELDS = ["vae_render_ms", "vae_baseline_ms", "vae_speedup", "gan_render_ms", "gan_batch16_ms", "gan_batch_rtf",
                "gp_render_ms", "gp_render_fresh_kernel_ms", "gp_cholesky_blocks_ms", "gp_fft_1s_ms", "gp_fft_speedup",
                "gp_fit_3s_s"]
MODEL_FIELDS += ["gp_track_fit_3s_s", "gp_speech_render_ms", "gp_speech_rtf"]  # the real speech recording
MODEL_FIELDS += ["map_encode_s", "map_layout_s", "map_build_s", "map_layout_baseline_s", "map_layout_speedup"]


def _check_fields(result: dict) -> None:
    assert not [k for k in result if k.endswith("_error")], result
    for key in REQUIRED + MODEL_FIELDS:
        assert isinstance(result[key], float) and result[key] > 0, key
    assert result["mel_to_audio_speedup"] == pytest.approx(
        result["mel_to_audio_baseline_ms"] / result["mel_to_audio_ms"]
    )
    assert result["vae_speedup"] == pytest.approx(result["vae_baseline_ms"] / result["vae_render_ms"])
    assert result["gp_fft_speedup"] == pytest.approx(result["gp_cholesky_blocks_ms"] / result["gp_fft_1s_ms"])
    assert isinstance(result["gp_latent_dim"], int) and result["gp_latent_dim"] >= bench.GP_RENDER_SECONDS * 44100
    assert result["stft_roundtrip_max_err"] < 1e-5
    assert result["map_build_s"] == pytest.approx(result["map_encode_s"] + result["map_layout_s"])
    assert result["map_layout_speedup"] == pytest.approx(result["map_layout_baseline_s"] / result["map_layout_s"])
    assert result["gp_speech_rtf"] == pytest.approx(bench.GP_FIT_SECONDS / (result["gp_speech_render_ms"] / 1e3), rel=0.01)
    json.dumps(result)  # what `bench --json` prints


@pytest.fixture
def short_input(monkeypatch):
    monkeypatch.setattr(bench, "BENCH_SECONDS", 0.25)


def test_run_every_section_on_debug_models(short_input, monkeypatch):
    """The default run's check of the whole benchmark: every section, the model ones on the tiny
    debug models (one VAE note, a short GP fit), so it takes seconds, not minutes."""
    monkeypatch.setattr(bench, "CHECKPOINTS", {"vae": "debug", "gan": "debug"})
    monkeypatch.setattr(bench, "VAE_NOTES", ((0, 60),))
    monkeypatch.setattr(bench, "GAN_BATCH", 2)
    monkeypatch.setattr(bench, "MAP_SOUNDS", 12)
    for name, seconds in (("RENDER", 0.25), ("BASELINE", 0.1), ("FIT", 0.2), ("WARMUP", 0.1)):
        monkeypatch.setattr(bench, f"GP_{name}_SECONDS", seconds)
    monkeypatch.setattr(bench, "APP_RERUN_FAMILIES", ())  # timed by test_app_rerun_beside_render
    result = bench.run(repeats=1)
    _check_fields(result)
    assert result["vae_checkpoint"] == "debug" and result["gan_checkpoint"] == "debug"


def test_app_rerun_beside_render(monkeypatch):
    """``app_rerun_ms_<family>`` (AppTest, a slider move, rerun as the browser does: its fragment only)
    beside ``render_ms_<family>`` of the same settings, their ratio and the whole page's rerun."""
    monkeypatch.setattr(bench, "APP_RERUN_FAMILIES", ("gan",))
    monkeypatch.setattr(bench, "APP_RERUN_MIN_MOVES", 2)
    result = bench.bench_app_rerun(repeats=1)
    assert set(result) == {"app_rerun_ms_gan", "render_ms_gan", "app_rerun_ratio_gan", "app_rerun_scope_gan",
                           "app_page_rerun_ms_gan", "app_sound_ms_gan", "app_sound_ratio_gan"}, result
    assert result.pop("app_rerun_scope_gan") == "fragment"  # the GAN page's sliders live in a fragment
    assert result["app_rerun_ratio_gan"] == pytest.approx(result["app_rerun_ms_gan"] / result["render_ms_gan"])
    assert all(v > 0 for v in result.values())
    assert result["app_sound_ms_gan"] < result["app_rerun_ms_gan"]  # the player is sent before the pictures


def test_a_missing_checkpoint_falls_back_to_the_debug_model(monkeypatch):
    monkeypatch.setattr(bench, "CHECKPOINTS", {"gan": "/nonexistent/gan.pt"})
    model, which = bench.timed_model("gan")
    assert which == "debug" and model.name == "gan"


@pytest.mark.slow
def test_run_full_on_the_shipped_models(short_input):
    """The whole benchmark as ``python -m explorer bench`` runs it (shipped checkpoints, four VAE
    notes, the 3 s GP fit) on a short audio-core input: a minute or more, so only with RUN_SLOW=1."""
    result = bench.run(repeats=1)
    _check_fields(result)
    found = __import__("explorer.models.registry", fromlist=["x"]).available_checkpoints()
    for family in ("vae", "gan"):
        shipped = bench.CHECKPOINTS[family] is None and bool(found[family])
        assert result[f"{family}_checkpoint"] == ("default" if shipped else "debug")


def test_a_failing_section_is_reported_not_raised(monkeypatch):
    def bench_ok(*, repeats):
        return {"ok_ms": 1.5, "ok_repeats": repeats}

    def bench_broken(*, repeats):
        raise RuntimeError("no checkpoint")

    monkeypatch.setattr(bench, "SECTIONS", [bench_broken, bench_ok])
    result = bench.run(repeats=2)
    assert result["broken_error"] == "RuntimeError: no checkpoint"
    assert result["ok_ms"] == 1.5 and result["ok_repeats"] == 2


def test_section_decorator_registers(monkeypatch):
    monkeypatch.setattr(bench, "SECTIONS", [])
    bench.section(lambda *, repeats: {})
    assert len(bench.SECTIONS) == 1


def test_format_table():
    table = bench.format_table({"mel_to_audio_ms": 12.3456, "mel_to_audio_speedup": 41.26, "torch_version": "2.13"})
    lines = table.splitlines()
    assert len(lines) == 3
    assert lines[0].split() == ["mel_to_audio_ms", "12.35"]
    assert lines[1].split() == ["mel_to_audio_speedup", "41.3x"]
