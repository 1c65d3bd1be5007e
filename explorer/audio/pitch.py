"""Pitch: MIDI numbers, frequencies and note names (one home for every family, page and measure).

Estimating pitch from audio (median f0, whether a note is in tune) lives here too, so models,
training, evaluation and pages measure it the same way.
"""

from __future__ import annotations

import numpy as np

from explorer.audio.constants import PITCH_MIN

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


def median_f0(y: np.ndarray, *, sr: int, fmin: float, fmax: float, resolution: float = 0.1) -> float:
    """Median f0 of a note over its voiced frames, Hz, by ``librosa.pyin`` (NaN when nothing is voiced).

    y : np.ndarray [shape=(n,)] audio; fmin, fmax : search range, Hz; resolution : pyin's grid,
    in semitones (``frame_length=2048, hop_length=512``).
    """
    import librosa  # here: the pitch helpers above are needed where librosa's import time is not

    f0, voiced, _ = librosa.pyin(y, sr=sr, fmin=fmin, fmax=fmax, frame_length=2048, hop_length=512,
                                 resolution=resolution)
    f0 = f0[voiced & np.isfinite(f0)]
    return float(np.median(f0)) if f0.size else float("nan")


def pitch_hits(audio: np.ndarray, pitch: np.ndarray, *, sr: int, cents: float = 50.0, search: float = 13.0,
               lowest: float = PITCH_MIN - 2) -> np.ndarray:
    """Boolean [n]: the median f0 of each note (:func:`median_f0`, 0.2-semitone grid) is within
    +-``cents`` of its MIDI ``pitch``.

    pyin searches ``search`` semitones either side of the pitch (not below MIDI ``lowest``), so
    octave errors are found and count as misses, 2.4 times faster than searching C1-C7.

    audio : np.ndarray [shape=(n, samples)]; pitch : [n] MIDI.
    """
    f0 = np.array([median_f0(y, sr=sr, fmin=midi_to_hz(max(p - search, lowest)), fmax=midi_to_hz(p + search),
                             resolution=0.2) for y, p in zip(audio, pitch)])
    with np.errstate(invalid="ignore", divide="ignore"):
        off = cents_between(f0, midi_to_hz(pitch))
    return np.abs(np.nan_to_num(off, nan=1e9)) <= cents
