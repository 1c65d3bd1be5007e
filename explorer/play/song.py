"""Rendering a song with one timbre: every note at its pitch, velocity and duration.

Each distinct pitch is rendered once (one batch, :func:`explorer.play.notes.render_notes`). A note
shorter than the rendered one is cut at its end and released with a raised-cosine fade; a longer
one is held by repeating the note's steady stretch (its loop, crossfaded so it has no seam) and
then released. Velocity scales the level as a sampler's default does, gain = (velocity / 127)²
(no model here is conditioned on velocity). Overlapping notes are summed with headroom
(1 / sqrt(peak polyphony)) and the mix passes the safety step.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from explorer.audio.safety import make_safe
from explorer.models.base import AudioModel
from explorer.play.midi import Note, RangeReport, Song, fit_range
from explorer.play.notes import NoteBatch, render_notes

#: Release fade after a note's end, seconds.
RELEASE_S = 0.15


@dataclass
class SongRender:
    """A rendered song and what happened on the way.

    y : np.ndarray [shape=(samples,), float32] safe mono audio; sr : int, Hz
    notes : number of notes played; polyphony : most notes sounding at once
    report : what was done to notes outside the pitch range; messages : plain sentences to show
    render_s : wall time of the model's batch render, seconds
    """

    y: np.ndarray
    sr: int
    notes: int
    polyphony: int
    report: RangeReport
    messages: list[str] = field(default_factory=list)
    render_s: float = 0.0


def velocity_gain(velocity: int) -> float:
    """Linear gain of a MIDI velocity 1-127: (velocity / 127)², the SFZ default curve."""
    return (min(max(int(velocity), 1), 127) / 127.0) ** 2


def hold_note(y: np.ndarray, loop: tuple[int, int], length: int) -> np.ndarray:
    """The first ``length`` samples of a note held as long as needed: ``y[:end]`` then its loop
    ``y[start:end]`` repeated (seamless: :func:`~explorer.play.notes.bake_loop`), float64 [length]."""
    start, end = int(loop[0]), int(loop[1])
    if length <= end:
        return np.array(y[:length], dtype=np.float64)
    reps = int(np.ceil((length - end) / (end - start)))
    return np.concatenate([y[:end], np.tile(y[start:end], reps)])[:length].astype(np.float64)


def note_segment(batch: NoteBatch, note: Note, *, release_s: float = RELEASE_S) -> np.ndarray:
    """One note as it sounds in a song: held for its duration, then released, float64 [samples]."""
    row = batch.note(note.pitch)
    sr = batch.sr
    hold = max(1, int(round(note.duration * sr)))
    rel = max(1, int(round(release_s * sr)))
    seg = hold_note(batch.y[row], tuple(batch.loops[row]), hold + rel)
    seg[hold:] *= 0.5 + 0.5 * np.cos(np.pi * np.arange(len(seg) - hold) / rel)
    return seg * velocity_gain(note.velocity)


def peak_polyphony(notes: list[Note], release_s: float = RELEASE_S) -> int:
    """Most notes sounding at once (releases included)."""
    events = sorted([(n.start, 1) for n in notes] + [(n.start + n.duration + release_s, -1) for n in notes],
                    key=lambda e: (e[0], e[1]))
    now = most = 0
    for _, step in events:
        now += step
        most = max(most, now)
    return most


def render_song(model: AudioModel, z: np.ndarray, song: Song, *, policy: str = "fold",
                release_s: float = RELEASE_S) -> SongRender:
    """``song`` played with the timbre of latent ``z`` [latent_dim] on ``model``.

    policy : what happens to notes outside the model's pitch range, ``"fold"`` (octaves) or
        ``"skip"`` (see :func:`explorer.play.midi.fit_range`; a ParameterError when none is left).
    """
    notes, report = fit_range(song.notes, model.pitch_range, policy=policy)
    t0 = time.perf_counter()
    batch = render_notes(model, z, sorted({n.pitch for n in notes}))
    render_s = time.perf_counter() - t0
    sr = model.sample_rate
    rel = int(round(release_s * sr))
    total = max(int(round(n.start * sr)) + max(1, int(round(n.duration * sr))) + rel for n in notes)
    out = np.zeros(total, dtype=np.float64)
    for n in notes:
        seg = note_segment(batch, n, release_s=release_s)
        start = int(round(n.start * sr))
        out[start : start + len(seg)] += seg
    poly = peak_polyphony(notes, release_s)
    out /= np.sqrt(poly)  # headroom before the safety step
    messages = list(song.messages) + ([report.message()] if report.outside else [])
    if not batch.pitched:
        messages.append("This sound has no pitch: every note plays it as it is.")
    return SongRender(y=make_safe(out, sr=sr), sr=sr, notes=len(notes), polyphony=poly, report=report,
                      messages=messages, render_s=render_s)
