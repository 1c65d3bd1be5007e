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


def test_run_has_every_field_on_a_short_input(monkeypatch):
    monkeypatch.setattr(bench, "BENCH_SECONDS", 0.25)
    result = bench.run(repeats=1)
    assert not [k for k in result if k.endswith("_error")], result
    for key in REQUIRED:
        assert isinstance(result[key], float) and result[key] > 0, key
    assert result["mel_to_audio_speedup"] == pytest.approx(
        result["mel_to_audio_baseline_ms"] / result["mel_to_audio_ms"]
    )
    assert result["stft_roundtrip_max_err"] < 1e-5
    json.dumps(result)  # what `bench --json` prints


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
