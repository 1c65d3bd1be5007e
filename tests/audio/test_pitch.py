"""Pitch helpers against librosa and known answers."""

import librosa
import numpy as np
import pytest

from explorer.audio.pitch import cents_between, hz_to_midi, midi_to_hz, note_name


@pytest.mark.parametrize("midi, hz", [(69, 440.0), (57, 220.0), (81, 880.0), (60, 261.6255653)])
def test_midi_to_hz_known_answers(midi, hz):
    assert midi_to_hz(midi) == pytest.approx(hz, rel=1e-9)
    assert hz_to_midi(hz) == pytest.approx(midi, abs=1e-6)


def test_arrays_match_librosa():
    m = np.linspace(24, 108, 37)
    np.testing.assert_allclose(midi_to_hz(m), librosa.midi_to_hz(m), rtol=1e-12)
    np.testing.assert_allclose(hz_to_midi(midi_to_hz(m)), m, atol=1e-9)


def test_cents():
    assert cents_between(440.0 * 2 ** (50 / 1200), 440.0) == pytest.approx(50.0)
    assert cents_between(220.0, 440.0) == pytest.approx(-1200.0)


@pytest.mark.parametrize("midi, name", [(60, "C4"), (61, "C#4"), (70, "A#4"), (21, "A0"), (24, "C1"), (108, "C8")])
def test_note_names(midi, name):
    assert note_name(midi) == name
    assert librosa.note_to_midi(name) == midi
