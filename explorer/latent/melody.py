"""Play a melody with one timbre: parse typed notes and overlap-add one render per note.

Syntax: notes separated by spaces or commas; each is a note name (``C4``, ``F#3``, ``Bb2``),
a MIDI number (``60``) or a rest (``R`` or ``-``), optionally followed by ``:seconds``
(``C4:0.25``). Without a duration a note lasts :data:`DEFAULT_DURATION` seconds.

Every note is rendered with the same latent z (only the pitch condition changes), cut to its
duration plus a short release, faded out, and overlap-added at its onset: the phrase keeps the
timbre of z across pitches, which is what a pitch-conditioned model promises.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import librosa
import numpy as np

from explorer.audio.safety import make_safe
from explorer.errors import ParameterError
from explorer.models.base import AudioModel

DEFAULT_DURATION = 0.5  # s
MIN_DURATION, MAX_DURATION = 0.05, 2.0  # s; a note of the neural models lasts 2.048 s
RELEASE_S = 0.12
MAX_NOTES = 64
PHRASES = {
    "Arpeggio (C major)": "C4 E4 G4 C5 G4 E4 C4:1",
    "Scale (C major)": "C4:0.3 D4:0.3 E4:0.3 F4:0.3 G4:0.3 A4:0.3 B4:0.3 C5:1",
    "Twinkle, twinkle": "C4 C4 G4 G4 A4 A4 G4:1 F4 F4 E4 E4 D4 D4 C4:1",
    "Bass line": "C2 C2:0.25 G2:0.25 A#2 F2 C2:1",
    "Bells (high)": "C6:0.3 G5:0.3 E5:0.3 C5:1",
}
_TOKEN = re.compile(r"^(?P<note>[^:]+?)(?::(?P<dur>[^:]+))?$")
_NAME = re.compile(r"^[A-Ga-g][#b♯♭]?-?\d$")


@dataclass(frozen=True)
class MelodyNote:
    """One note of a melody: MIDI pitch (None for a rest) and duration in seconds."""

    pitch: int | None
    duration: float


def _midi_name(midi: int) -> str:
    return librosa.midi_to_note(int(midi), unicode=False)


def parse_melody(text: str, *, pitch_range: tuple[int, int], default_duration: float = DEFAULT_DURATION) -> list[MelodyNote]:
    """Parse ``"C4 E4 G4:0.25 R C5:1"`` into notes; every problem is a :class:`ParameterError`.

    pitch_range : (lo, hi) MIDI range the model can play, inclusive.
    """
    if not isinstance(text, str) or not text.strip():
        raise ParameterError("type at least one note, e.g. C4 E4 G4 C5 (add :0.25 for a duration in seconds)")
    tokens = [t for t in re.split(r"[\s,]+", text.strip()) if t]
    if len(tokens) > MAX_NOTES:
        raise ParameterError(f"a melody may have at most {MAX_NOTES} notes, got {len(tokens)}")
    lo, hi = pitch_range
    notes = []
    for tok in tokens:
        m = _TOKEN.match(tok)
        if not m:
            raise ParameterError(f"cannot read {tok!r}: write a note like C4 or C4:0.5")
        name, dur_text = m.group("note"), m.group("dur")
        duration = default_duration
        if dur_text is not None:
            try:
                duration = float(dur_text)
            except ValueError:
                raise ParameterError(f"{tok!r}: the duration after ':' must be a number of seconds") from None
            if not np.isfinite(duration) or not MIN_DURATION <= duration <= MAX_DURATION:
                raise ParameterError(f"{tok!r}: durations must be between {MIN_DURATION} and {MAX_DURATION} s")
        if name.upper() in ("R", "-", "REST"):
            notes.append(MelodyNote(None, duration))
            continue
        if name.lstrip("-").isdigit():
            midi = int(name)
        elif _NAME.match(name):
            try:
                midi = int(round(librosa.note_to_midi(name)))
            except Exception:
                raise ParameterError(f"{name!r} is not a note name (use names like C4, F#3, Bb2, or MIDI numbers)") from None
        else:
            raise ParameterError(f"{name!r} is not a note name (use names like C4, F#3, Bb2, or MIDI numbers)")
        if not lo <= midi <= hi:
            raise ParameterError(
                f"{name} (MIDI {midi}) is outside this model's range {_midi_name(lo)}..{_midi_name(hi)} (MIDI {lo}..{hi})"
            )
        notes.append(MelodyNote(midi, duration))
    if all(n.pitch is None for n in notes):
        raise ParameterError("the melody has only rests; add at least one note")
    return notes


def render_melody(model: AudioModel, z: np.ndarray, notes: list[MelodyNote], *, release_s: float = RELEASE_S) -> np.ndarray:
    """One phrase, safe to play: float32 [samples] at ``model.sample_rate``.

    Each distinct pitch is rendered once with the same z (one batch), brought to a common
    loudness, cut to its duration + ``release_s`` with a raised-cosine release, and added at
    its onset.
    """
    sr = model.sample_rate
    z = np.asarray(z, dtype=np.float32).reshape(1, -1)
    pitches = sorted({n.pitch for n in notes if n.pitch is not None})
    renders = make_safe(model.render(np.repeat(z, len(pitches), axis=0), np.array(pitches)), sr=sr)
    by_pitch = dict(zip(pitches, renders))
    onsets = np.concatenate([[0.0], np.cumsum([n.duration for n in notes])])
    rel = int(round(release_s * sr))
    out = np.zeros(int(round(onsets[-1] * sr)) + rel, dtype=np.float64)
    for note, onset in zip(notes, onsets[:-1]):
        if note.pitch is None:
            continue
        y = by_pitch[note.pitch]
        hold = min(int(round(note.duration * sr)), len(y))
        seg = np.array(y[: min(hold + rel, len(y))], dtype=np.float64)
        tail = len(seg) - hold
        if tail > 0:
            seg[hold:] *= 0.5 + 0.5 * np.cos(np.pi * np.arange(tail) / rel)
        start = int(round(onset * sr))
        out[start : start + len(seg)] += seg
    return make_safe(out, sr=sr)
