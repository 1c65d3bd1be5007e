"""Note batches: one render for many pitches, equal loudness, loop points inside the steady part."""

import numpy as np
import pytest

from explorer.audio.safety import rms_dbfs
from explorer.errors import ParameterError
from explorer.play.notes import bake_loop, loop_points, playable_pitches, render_notes


def test_a_batch_renders_every_pitch_once_with_the_same_loudness(toy):
    calls = []
    render = toy.render
    toy.render = lambda z, p=None: calls.append(len(z)) or render(z, p)
    batch = render_notes(toy, np.zeros(4), np.arange(48, 73))
    assert calls == [13, 12]  # chunks of at most 16, one batch
    assert batch.y.shape == (25, toy.sample_rate) and batch.pitched
    levels = rms_dbfs(batch.y)
    assert levels.max() - levels.min() < 0.5
    assert np.max(np.abs(batch.y)) <= 0.8913 + 1e-6


def test_loop_points_lie_in_the_steady_part(toy):
    y = toy.render(np.zeros((1, 4)), np.array([60.0]))[0]
    start, end = loop_points(y, sr=toy.sample_rate)
    assert 0.02 * toy.sample_rate < start < end <= 0.8 * toy.sample_rate  # after the attack, before the release
    assert end - start >= 0.25 * toy.sample_rate


def test_bake_loop_makes_the_jump_from_loop_end_to_start_seamless():
    sr = 8000
    y = np.sin(2 * np.pi * 261.0 * np.arange(sr) / sr)  # loop length not a whole number of periods
    start, end = 2000, 5000
    step = np.abs(np.diff(y)).max()
    raw = np.concatenate([y[:end], y[start:end]])
    assert np.abs(np.diff(raw)).max() > 1.5 * step  # without it: a click
    baked = bake_loop(y, start, end, sr=sr)
    assert np.abs(np.diff(np.concatenate([baked[:end], baked[start:end]]))).max() < 1.45 * step  # no jump
    start, end = loop_points(y * np.clip(np.arange(sr) / 80, 0, 1), sr=sr)  # points found: the waves join in phase
    baked = bake_loop(y, start, end, sr=sr)
    assert np.abs(np.diff(np.concatenate([baked[:end], baked[start:end]]))).max() < 1.02 * step


def test_playable_pitches_stay_in_the_model_range(toy):
    assert playable_pitches(toy, 30, 40).tolist() == list(range(36, 41))
    with pytest.raises(ParameterError):
        playable_pitches(toy, 90, 100)
