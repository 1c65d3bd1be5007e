"""CREPE pitch: known answers on synthesized tones and noise."""

import numpy as np
import pytest

from explorer.audio.pitch import midi_to_hz
from explorer.evaluation import crepe_pitch

SR = 16000
T = np.arange(32768) / SR


def _tone(midi: float, *, sr: int = SR) -> np.ndarray:
    t = np.arange(int(2.048 * sr)) / sr
    f = midi_to_hz(midi)
    return (0.5 * np.sin(2 * np.pi * f * t) + 0.2 * np.sin(4 * np.pi * f * t) + 0.1 * np.sin(6 * np.pi * f * t)).astype(np.float32)


def test_tones_are_voiced_and_in_tune_across_the_range():
    pitches = np.array([28, 40, 52, 64, 76, 84])
    r = crepe_pitch.pitch_report(np.stack([_tone(p) for p in pitches]), pitches, sr=SR)
    assert r.voiced.all()
    assert np.all(np.abs(r.cents) < 15), r.cents
    assert r.in_tune.all()


def test_detuned_and_octave_errors_are_misses():
    audio = np.stack([_tone(60.7), _tone(72), _tone(60.3)])
    r = crepe_pitch.pitch_report(audio, np.array([60, 60, 60]), sr=SR)
    assert r.in_tune.tolist() == [False, False, True]
    assert r.cents[0] == pytest.approx(70, abs=15)


def test_white_noise_and_silence_are_unvoiced():
    rng = np.random.default_rng(0)
    audio = np.concatenate([0.1 * rng.standard_normal((4, 32768)), np.zeros((1, 32768))]).astype(np.float32)
    r = crepe_pitch.pitch_report(audio, np.full(5, 60), sr=SR)
    assert not r.voiced.any()
    assert not r.in_tune.any()
    assert np.isnan(r.cents).all()


def test_other_sample_rates_are_resampled():
    r = crepe_pitch.pitch_report(_tone(57, sr=44100)[None], np.array([57]), sr=44100)
    assert r.in_tune.all() and abs(r.cents[0]) < 15


def test_a_tone_that_stops_halfway_is_judged_on_its_sounding_frames():
    y = _tone(64)
    y[16000:] = 0.0
    r = crepe_pitch.pitch_report(y[None], np.array([64]), sr=SR)
    assert r.in_tune.all() and r.voiced_fraction[0] > 0.8
