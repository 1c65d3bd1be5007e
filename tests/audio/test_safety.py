"""The safety step (DESIGN.md section 4) on hostile input."""

from __future__ import annotations

import numpy as np
import pytest

from explorer.audio.constants import FADE_S, SR, TARGET_RMS_DBFS
from explorer.audio.safety import db_to_amplitude, fade, is_silent, make_safe, rms_dbfs
from tests.audio.signals import note, tone

CEILING = db_to_amplitude(-1.0)  # 0.891


def _check_safe(out: np.ndarray, shape) -> None:
    assert out.dtype == np.float32 and out.shape == shape
    assert np.all(np.isfinite(out))
    assert np.max(np.abs(out)) <= CEILING + 1e-6


_TONE = tone(440.0)
_SQUARE = np.clip(20.0 * _TONE, -1.0, 1.0)
_CLICK = np.eye(1, 16000, 8000)[0] * 50.0
#: name -> (hostile input, the clean signal it carries)
HOSTILE = {
    "nan samples": (np.where(np.arange(16000) % 97 == 0, np.nan, _TONE), _TONE),
    "inf samples": (np.where(np.arange(16000) % 89 == 0, np.inf, _TONE), _TONE),
    "-inf samples": (np.where(np.arange(16000) % 89 == 0, -np.inf, _TONE), _TONE),
    "clipping (x100)": (100.0 * _TONE, _TONE),
    "hard-clipped square": (_SQUARE, _SQUARE),
    "huge dc offset": (_TONE + 1e6, _TONE),
    "single click": (_CLICK, _CLICK),
    "float16 input": (_TONE.astype(np.float16), _TONE),
    "int16 input": ((_TONE * 32767).astype(np.int16), _TONE),
}


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_input_comes_out_safe_and_keeps_the_signal(name):
    y, clean = HOSTILE[name]
    out = make_safe(y, sr=SR)
    _check_safe(out, y.shape)
    inner = slice(int(FADE_S * SR), -int(FADE_S * SR))  # the fades change the ends on purpose
    if name == "single click":  # too short to reach the loudness target: the peak ceiling caps it
        assert np.argmax(np.abs(out)) == 8000 and np.max(np.abs(out)) == pytest.approx(CEILING, rel=1e-5)
        return
    assert np.corrcoef(out[inner], clean[inner])[0, 1] > 0.99  # the signal, not noise or silence
    assert abs(rms_dbfs(out) - TARGET_RMS_DBFS) < 1.0  # at the steady loudness


@pytest.mark.parametrize(
    "y",
    [np.zeros(16000), np.full(16000, np.nan), np.full(16000, np.inf), 1e-6 * tone(440.0), np.full(16000, 0.7)],
    ids=["zeros", "all nan", "all inf", "-130 dBFS", "pure dc"],
)
def test_silence_stays_silent(y):
    out = make_safe(y, sr=SR)
    assert not np.any(out) and is_silent(out)


def test_dc_removed_and_fades_at_both_ends():
    out = make_safe(tone(440.0, amp=0.3) + 0.2, sr=SR)
    assert abs(np.mean(out)) < 1e-3
    n = int(FADE_S * SR)  # 80 samples
    assert out[0] == 0.0 and abs(out[-1]) < 1e-3
    envelope_in = np.abs(out[:n]).max(), np.abs(out[n : 2 * n]).max()
    assert envelope_in[0] < envelope_in[1] + 1e-6
    ramp = fade(np.ones(1000), sr=SR)
    assert ramp[0] == 0.0 and np.all(np.diff(ramp[:n]) > 0) and np.all(ramp[n:-n] == 1.0)


def test_peak_at_most_minus_one_dbfs_and_no_click_at_the_ends():
    out = make_safe(np.ones(16000) * np.sign(np.sin(np.linspace(0, 300, 16000))), sr=SR)  # loud square
    assert np.max(np.abs(out)) <= CEILING + 1e-6
    assert np.max(np.abs(np.diff(out[:80]))) < 0.1  # ramped, no step


@pytest.mark.parametrize("gain", [0.01, 0.1, 1.0, 30.0])  # all above the -70 dBFS silence floor
def test_steady_loudness(gain):
    renders = [tone(440.0), note(1.0), np.random.default_rng(0).standard_normal(16000) * 0.1]
    levels = [rms_dbfs(make_safe(gain * y, sr=SR)) for y in renders]
    assert max(levels) - min(levels) < 6.0
    assert all(abs(level - TARGET_RMS_DBFS) < 6.0 for level in levels)


def test_batches_are_made_safe_row_by_row():
    y = np.stack([tone(440.0), np.zeros(16000), 100 * note(1.0)])
    out = make_safe(y, sr=SR)
    _check_safe(out, y.shape)
    assert not np.any(out[1])
    assert abs(rms_dbfs(out[0]) - rms_dbfs(out[2])) < 6.0


@pytest.mark.parametrize("shape", [(0,), (2, 2, 10), ()])
def test_bad_shapes_are_refused(shape):
    with pytest.raises(ValueError):
        make_safe(np.zeros(shape), sr=SR)


def test_is_silent_and_rms():
    assert is_silent(np.zeros(100)) and is_silent(np.full(100, np.nan))
    assert not is_silent(tone(440.0))
    assert rms_dbfs(np.zeros(10)) == -np.inf
    assert rms_dbfs(np.ones(10)) == pytest.approx(0.0)
