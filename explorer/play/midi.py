"""Reading a MIDI file into notes (with ``mido``), and fitting them to a model's pitch range.

Every problem a person can fix is a :class:`~explorer.errors.ParameterError` with a plain message:
not a MIDI file, no notes, a song longer than :data:`MAX_SONG_S`, too many notes, too big a file.
Notes outside the model's range are *reported*, then moved by whole octaves into the range
(``"fold"``, the default) or left out (``"skip"``); :class:`RangeReport` says which and how many.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass, field
from pathlib import Path

from explorer.audio.pitch import note_name
from explorer.errors import ParameterError

#: Limits: a MIDI file is small; a song longer than 10 minutes or with more notes is refused.
MAX_BYTES = 2 * 1024 * 1024
MAX_SONG_S = 600.0
MAX_NOTES = 20000
#: MIDI channel 10 (index 9) is General MIDI percussion: its notes are drum sounds, not pitches.
DRUM_CHANNEL = 9
POLICIES = ("fold", "skip")


@dataclass(frozen=True)
class Note:
    """One note of a song: MIDI pitch, onset and duration in seconds, velocity 1-127."""

    pitch: int
    start: float
    duration: float
    velocity: int = 100


@dataclass
class Song:
    """The notes of a MIDI file, sorted by onset, plus what was left out while reading it."""

    notes: list[Note]
    name: str = "song"
    drums_skipped: int = 0
    messages: list[str] = field(default_factory=list)

    @property
    def duration(self) -> float:
        """End of the last note, seconds."""
        return max((n.start + n.duration for n in self.notes), default=0.0)


@dataclass(frozen=True)
class RangeReport:
    """What :func:`fit_range` did to the notes outside the range."""

    policy: str
    outside: int
    changed: int  # folded or skipped
    lowest: int | None
    highest: int | None
    lo: int
    hi: int

    def message(self) -> str:
        """One plain sentence, or "" when every note was in range."""
        if not self.outside:
            return ""
        span = f"{note_name(self.lowest)}..{note_name(self.highest)}"
        where = f"outside this model's range {note_name(self.lo)}..{note_name(self.hi)} (MIDI {self.lo}..{self.hi})"
        if self.policy == "fold":
            left = self.outside - self.changed
            return (f"{_count(self.outside)} ({span}) {_be(self.outside)} {where}: {self.changed} moved by whole "
                    "octaves into the range" + (f", {left} could not be and {_be(left, past=True)} skipped." if left else "."))
        return f"{_count(self.outside)} ({span}) {_be(self.outside)} {where} and {_be(self.outside, past=True)} skipped."


def _count(n: int) -> str:
    return f"{n} note" + ("" if n == 1 else "s")


def _be(n: int, past: bool = False) -> str:
    return ("was" if n == 1 else "were") if past else ("is" if n == 1 else "are")


def _read_bytes(source) -> tuple[bytes, str]:
    if isinstance(source, (bytes, bytearray)):
        return bytes(source), "upload"
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        if not path.is_file():
            raise ParameterError(f"{path}: no such file")
        if path.stat().st_size > MAX_BYTES:
            raise ParameterError(f"{path.name}: a MIDI file of more than {MAX_BYTES // 2**20} MB is refused")
        return path.read_bytes(), path.name
    data = source.read(MAX_BYTES + 1)
    return data, str(getattr(source, "name", "upload"))


def read_midi(source, *, name: str | None = None, max_song_s: float = MAX_SONG_S) -> Song:
    """The notes of a Standard MIDI File (type 0, 1 or 2).

    source : path, bytes or a binary file-like object (e.g. a Streamlit upload)
    Tempo changes are followed (times in seconds); a note-on with velocity 0 ends a note; a note
    still sounding at the end of the file ends there; channel 10 (drums) is left out and counted.

    Raises :class:`ParameterError`: empty, too big, not MIDI, no notes, longer than ``max_song_s``.
    """
    import mido

    data, found = _read_bytes(source)
    name = name or found
    if not data:
        raise ParameterError(f"{name}: the file is empty")
    if len(data) > MAX_BYTES:
        raise ParameterError(f"{name}: a MIDI file of more than {MAX_BYTES // 2**20} MB is refused")
    if data[:4] != b"MThd":
        raise ParameterError(f"{name}: not a MIDI file (a Standard MIDI File starts with 'MThd')")
    try:
        mid = mido.MidiFile(file=io.BytesIO(data), clip=True)
        events = list(mid)  # merged tracks, message.time = seconds since the previous one
    except Exception as exc:  # mido raises OSError, EOFError, ValueError, KeyError ... on broken files
        raise ParameterError(f"{name}: the MIDI file is damaged and cannot be read ({type(exc).__name__})") from None
    length = sum(msg.time for msg in events)
    if length > max_song_s:
        raise ParameterError(f"{name}: the song lasts {_clock(length)}, longer than the "
                             f"{max_song_s / 60:.0f} minutes allowed; play a shorter piece")
    now, sounding, notes, drums = 0.0, {}, [], 0
    for msg in events:
        now += msg.time
        if msg.type not in ("note_on", "note_off"):
            continue
        if msg.channel == DRUM_CHANNEL:
            drums += msg.type == "note_on" and msg.velocity > 0
            continue
        key = (msg.channel, msg.note)
        if msg.type == "note_on" and msg.velocity > 0:
            sounding.setdefault(key, []).append((now, msg.velocity))
        elif sounding.get(key):
            start, velocity = sounding[key].pop(0)
            notes.append(Note(msg.note, start, now - start, velocity))
        if len(notes) > MAX_NOTES:
            raise ParameterError(f"{name}: more than {MAX_NOTES} notes; play a shorter piece")
    for (_, pitch), held in sounding.items():
        notes += [Note(pitch, start, now - start, velocity) for start, velocity in held]
    notes = sorted((n for n in notes if n.duration > 0), key=lambda n: (n.start, n.pitch))
    if not notes:
        raise ParameterError(f"{name}: the file holds no notes to play"
                             + (f" (only {drums} drum notes on channel 10)" if drums else ""))
    song = Song(notes=notes, name=name, drums_skipped=drums)
    if drums:
        song.messages.append(f"{drums} drum notes (channel 10) were left out: drums have no pitch to play.")
    return song


def _clock(seconds: float) -> str:
    h, rest = divmod(int(seconds), 3600)
    return f"{h} h {rest // 60:02d} min" if h else f"{rest // 60} min {rest % 60:02d} s"


def fit_range(notes: list[Note], pitch_range: tuple[float, float] | None, *,
              policy: str = "fold") -> tuple[list[Note], RangeReport]:
    """The notes a model with ``pitch_range`` (MIDI, inclusive; None: any) can play.

    policy : ``"fold"`` moves an outside note by whole octaves to the nearest octave inside the
        range (a range narrower than an octave may leave some outside: those are skipped);
        ``"skip"`` leaves outside notes out.
    """
    if policy not in POLICIES:
        raise ParameterError(f"out-of-range policy must be one of {', '.join(POLICIES)}, got {policy!r}")
    if pitch_range is None:
        return list(notes), RangeReport(policy, 0, 0, None, None, 0, 127)
    lo, hi = int(round(pitch_range[0])), int(round(pitch_range[1]))
    kept, outside, changed = [], [], 0
    for n in notes:
        if lo <= n.pitch <= hi:
            kept.append(n)
            continue
        outside.append(n.pitch)
        if policy == "fold":
            p = n.pitch
            while p < lo:
                p += 12
            while p > hi:
                p -= 12
            if lo <= p <= hi:
                kept.append(Note(p, n.start, n.duration, n.velocity))
                changed += 1
        else:
            changed += 1
    report = RangeReport(policy, len(outside), changed, min(outside, default=None), max(outside, default=None), lo, hi)
    if not kept:
        raise ParameterError(f"none of the notes can be played: {report.message()}")
    return kept, report
