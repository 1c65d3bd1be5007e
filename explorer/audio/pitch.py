"""Pitch: MIDI numbers, frequencies and note names (one home for every family, page and measure).

Estimating pitch from audio (median f0, whether a note is in tune) lives here too, so models,
training, evaluation and pages measure it the same way.
"""

from __future__ import annotations

import numpy as np

A4_HZ = 440.0
A4_MIDI = 69.0
_NAMES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")


def midi_to_hz(pitch):
    """MIDI number(s) -> Hz (A4 = MIDI 69 = 440 Hz); a float for a scalar, else an ndarray."""
    if np.ndim(pitch) == 0:
        return A4_HZ * 2.0 ** ((float(pitch) - A4_MIDI) / 12.0)
    return A4_HZ * 2.0 ** ((np.asarray(pitch, dtype=np.float64) - A4_MIDI) / 12.0)


def hz_to_midi(f_hz):
    """Hz -> (fractional) MIDI number(s); a float for a scalar, else an ndarray."""
    if np.ndim(f_hz) == 0:
        return A4_MIDI + 12.0 * float(np.log2(float(f_hz) / A4_HZ))
    return A4_MIDI + 12.0 * np.log2(np.asarray(f_hz, dtype=np.float64) / A4_HZ)


def cents_between(f_hz, ref_hz):
    """How far ``f_hz`` is from ``ref_hz``, in cents (100 per semitone; positive = sharp)."""
    return 1200.0 * np.log2(np.asarray(f_hz, dtype=np.float64) / np.asarray(ref_hz, dtype=np.float64))


def note_name(midi: int) -> str:
    """MIDI number -> scientific pitch name with sharps, e.g. 60 -> 'C4', 70 -> 'A#4'."""
    m = int(round(midi))
    return f"{_NAMES[m % 12]}{m // 12 - 1}"
