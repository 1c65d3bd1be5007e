"""The melody parser (clear errors for every bad input) and phrase rendering by overlap-add."""

from __future__ import annotations

import numpy as np
import pytest

from explorer.errors import ParameterError
from explorer.latent.melody import DEFAULT_DURATION, PHRASES, RELEASE_S, MelodyNote, parse_melody, render_melody
from explorer.models.gan import model as gan

RANGE = (24, 84)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("C4 E4 G4 C5", [(60, DEFAULT_DURATION), (64, DEFAULT_DURATION), (67, DEFAULT_DURATION), (72, DEFAULT_DURATION)]),
        ("C4:0.25, R:0.1 60 Bb2:1", [(60, 0.25), (None, 0.1), (60, DEFAULT_DURATION), (46, 1.0)]),
        ("c#4 Db4 f#3", [(61, DEFAULT_DURATION), (61, DEFAULT_DURATION), (54, DEFAULT_DURATION)]),
        ("  C1:2   C6:0.05 ", [(24, 2.0), (84, 0.05)]),
        ("A4 - A4", [(69, DEFAULT_DURATION), (None, DEFAULT_DURATION), (69, DEFAULT_DURATION)]),
    ],
)
def test_parse(text, expected):
    assert parse_melody(text, pitch_range=RANGE) == [MelodyNote(p, d) for p, d in expected]


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "at least one note"),
        ("   ", "at least one note"),
        ("H4", "not a note name"),
        ("C4 E4 Xyz", "not a note name"),
        ("C##4", "not a note name"),
        ("C8", "outside this model's range"),
        ("B0", "outside this model's range"),
        ("100", "outside this model's range"),
        ("C4:abc", "must be a number"),
        ("C4:0", "between"),
        ("C4:9", "between"),
        ("C4:nan", "between"),
        ("C4:0.5:1", "cannot read"),
        ("R R:0.2", "only rests"),
        (" ".join(["C4"] * 65), "at most 64"),
    ],
)
def test_parse_errors_are_clear(text, message):
    with pytest.raises(ParameterError, match=message):
        parse_melody(text, pitch_range=RANGE)


def test_every_preset_phrase_parses():
    for text in PHRASES.values():
        assert parse_melody(text, pitch_range=RANGE)


def test_render_melody_length_safety_and_same_timbre_renders():
    model = gan.debug_model()
    z = model.sample_latent(1, 2)[0]
    notes = parse_melody("C4:0.25 R:0.25 G4:0.5 C4:0.25", pitch_range=RANGE)
    y = render_melody(model, z, notes)
    sr = model.sample_rate
    assert y.dtype == np.float32 and y.shape == (int(round(1.25 * sr)) + int(round(RELEASE_S * sr)),)
    assert np.all(np.isfinite(y)) and np.max(np.abs(y)) <= 0.8913
    assert np.array_equal(y, render_melody(model, z, notes))  # deterministic
    rest = y[int(0.25 * sr + RELEASE_S * sr) + 50 : int(0.5 * sr) - 50]
    assert np.max(np.abs(rest)) < 1e-3 * np.max(np.abs(y))  # silent after the release (up to the DC removal)
