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


def test_median_f0_and_pitch_hits_known_answers():
    from explorer.audio.constants import SR
    from explorer.audio.pitch import median_f0, pitch_hits
    from tests.audio.signals import note, tone

    assert median_f0(tone(440.0), sr=SR, fmin=100.0, fmax=1000.0) == pytest.approx(440.0, rel=0.01)
    assert np.isnan(median_f0(np.zeros(16000, np.float32), sr=SR, fmin=100.0, fmax=1000.0))
    audio = np.stack([note(1.0, f0=midi_to_hz(57)), note(1.0, f0=midi_to_hz(57) * 2 ** (70 / 1200)),
                      note(1.0, f0=midi_to_hz(45))])
    # in tune; 70 cents sharp; an octave below the label (an octave error counts as a miss)
    np.testing.assert_array_equal(pitch_hits(audio, np.array([57, 57, 57]), sr=SR), [True, False, False])
