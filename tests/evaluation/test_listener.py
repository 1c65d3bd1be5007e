"""Listener failure rates: known answers (sine, noise, a click, a note that never releases)."""

import numpy as np
import pytest

from explorer.evaluation import listener

SR = 16000
T = np.arange(32768) / SR


def _note(f: float, *, decay: float = 4.0) -> np.ndarray:
    env = np.minimum(T / 0.01, 1.0) * np.exp(-decay * T)
    return env * np.sin(2 * np.pi * f * T)


def test_hnr_separates_tones_from_noise():
    tones = np.stack([_note(f) for f in (40.0, 110.0, 440.0, 1500.0)])
    noise = np.random.default_rng(0).standard_normal((3, T.size))
    assert np.all(listener.hnr_db(tones, sr=SR) > 20)
    assert np.all(listener.hnr_db(noise, sr=SR) < 0)
    # a tone with noise at equal power: r ~ 0.5, HNR ~ 0 dB
    mixed = np.sin(2 * np.pi * 220 * T) + np.random.default_rng(1).standard_normal(T.size) * np.sqrt(0.5)
    assert abs(listener.hnr_db(mixed[None], sr=SR)[0]) < 2.5


def test_never_releases():
    decaying, held = _note(220.0, decay=6.0), np.sin(2 * np.pi * 220 * T)
    assert listener.never_releases(np.stack([decaying, held]), sr=SR).tolist() == [False, True]


def test_clicks_after_the_onset_are_found_and_the_attack_is_not_one():
    smooth = _note(220.0, decay=3.0)
    clicky = smooth.copy()
    clicky[20000] += 0.8
    # a plucked note starting at 0.3 s: a 3 ms noise burst (the pluck), then the string
    burst = np.random.default_rng(0).standard_normal(T.size) * ((T >= 0.3) & (T < 0.303))
    plucked = burst + np.where(T >= 0.3, np.exp(-5 * (T - 0.3)) * np.sin(2 * np.pi * 330 * T), 0.0)
    assert listener.has_click(np.stack([smooth, clicky, plucked]), sr=SR).tolist() == [False, True, False]


def test_failure_rates_fields_and_loudness_spread():
    audio = np.stack([_note(220.0), 0.1 * _note(220.0), np.random.default_rng(0).standard_normal(T.size) * 0.1])
    out = listener.failure_rates(audio, sr=SR, voiced=np.array([True, True, True]))
    assert out["noise_rate"] == 1 / 3
    # unvoiced by CREPE counts as noise even when the HNR is high
    assert listener.failure_rates(audio, sr=SR, voiced=np.array([False, True, True]))["noise_rate"] == 2 / 3
    assert out["release_fail_rate"] == 1 / 3  # the steady noise
    levels = listener.rms_db(audio)
    assert levels[0] - levels[1] == pytest.approx(20.0)
    assert out["loudness_spread_db"] == pytest.approx(np.std(levels))
