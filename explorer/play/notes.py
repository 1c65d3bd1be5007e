"""One batch of notes of one timbre: what the keyboard plays, the song renderer and the sampler use.

The same latent z is rendered at every pitch of a range in one call to ``model.render`` (the
timbre stays, only the pitch condition changes), each note passes the safety step on its own (so
every key is equally loud), and each gets *loop points*: a steady stretch that a sustained note
repeats, with the end of the stretch crossfaded into what precedes its start, so that jumping
from the loop end back to its start is seamless (no click, no gap). A sampler reading the WAV
with these loop points and our song renderer hold a long note the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from explorer.audio.safety import make_safe
from explorer.errors import ParameterError
from explorer.models.base import AudioModel

#: Notes rendered per call to ``model.render`` (bounds memory for long GP latents).
CHUNK = 16
#: Shortest loop, and the crossfade baked in at its end, seconds.
MIN_LOOP_S = 0.25
LOOP_XFADE_S = 0.05
#: Envelope analysis frame, seconds.
_FRAME_S = 0.02


@dataclass(frozen=True)
class NoteBatch:
    """Safe notes of one timbre, one per pitch.

    pitches : np.ndarray [shape=(n,), int] MIDI notes played (all keys the batch serves)
    y : np.ndarray [shape=(n, samples), float32] safe audio of each note, loop crossfade baked in
    sr : int, Hz
    loops : np.ndarray [shape=(n, 2), int] loop start and end of each note, samples
        (``y[i, loops[i, 0]:loops[i, 1]]`` repeats seamlessly)
    pitched : bool  False for an unpitched sound (every key plays the same sound)
    """

    pitches: np.ndarray
    y: np.ndarray
    sr: int
    loops: np.ndarray
    pitched: bool

    def note(self, pitch: int) -> int:
        """Row of ``pitch`` in the batch (KeyError when the batch does not hold it)."""
        hits = np.flatnonzero(self.pitches == int(pitch))
        if not hits.size:
            raise KeyError(pitch)
        return int(hits[0])


def playable_pitches(model: AudioModel, lo: int, hi: int) -> np.ndarray:
    """The whole MIDI notes of ``lo..hi`` the model plays (its ``pitch_range``; all of them for an
    unpitched model), int [n]."""
    if model.pitch_range is not None:
        lo, hi = max(lo, int(np.ceil(model.pitch_range[0]))), min(hi, int(np.floor(model.pitch_range[1])))
    if lo > hi:
        raise ParameterError("no note of that range is inside this model's pitch range")
    return np.arange(lo, hi + 1)


def _envelope_db(y: np.ndarray, frame: int) -> np.ndarray:
    n = len(y) // frame
    rms = np.sqrt(np.mean(np.asarray(y[: n * frame], np.float64).reshape(n, frame) ** 2, axis=1))
    return 20 * np.log10(np.maximum(rms, 1e-9))


def loop_points(y: np.ndarray, *, sr: int) -> tuple[int, int]:
    """A steady stretch ``[start, end)`` of a note to hold it by repeating, in samples.

    Searched after the attack peak and before the last 15 % (the release): among stretches of at
    least :data:`MIN_LOOP_S`, the one whose level at start and end differ least (so each repeat
    joins at the same loudness), preferring longer ones by a small margin.

    y : np.ndarray [shape=(samples,)]
    """
    frame = max(1, int(_FRAME_S * sr))
    env = _envelope_db(y, frame)
    n = len(env)
    xf = int(LOOP_XFADE_S * sr) // frame + 1
    first = max(int(np.argmax(env)) + 2, xf + 1)
    last = int(0.85 * n)
    min_len = int(np.ceil(MIN_LOOP_S * sr / frame))
    if last - first < min_len:  # a short note: loop its middle
        first, last = max(xf + 1, n // 4), max(xf + 1 + min_len, 3 * n // 4)
        return first * frame, min(last * frame, len(y))
    best, best_cost = (first, last), np.inf
    for a in range(first, last - min_len + 1):
        b = np.arange(a + min_len, last + 1)
        cost = np.abs(env[a] - env[b - 1]) - 0.5 * (b - a) / n  # dB, minus a bonus for length
        k = int(np.argmin(cost))
        if cost[k] < best_cost:
            best, best_cost = (a, int(b[k])), float(cost[k])
    start, end = best[0] * frame, best[1] * frame
    return start, _align_end(y, start, end, sr=sr)


def _align_end(y: np.ndarray, start: int, end: int, *, sr: int) -> int:
    """``end`` moved back by up to 25 ms so that the samples before it resemble those before
    ``start`` most (normalised correlation): the loop crossfade then joins two waves in phase."""
    c = min(int(LOOP_XFADE_S * sr), start)
    lags = min(int(0.025 * sr), end - start - c - 1)
    if c < 2 or lags < 1:
        return end
    ref = np.asarray(y[start - c : start], dtype=np.float64)
    ends = np.arange(end - lags, end + 1)
    windows = np.lib.stride_tricks.sliding_window_view(np.asarray(y[end - lags - c : end], np.float64), c)
    score = windows @ ref / (np.linalg.norm(windows, axis=1) * np.linalg.norm(ref) + 1e-12)
    return int(ends[int(np.argmax(score))])


def bake_loop(y: np.ndarray, start: int, end: int, *, sr: int) -> np.ndarray:
    """``y`` with its loop end crossfaded (equal power) into the samples before the loop start, so
    that playing ``y[:end]`` then ``y[start:end]`` again and again has no seam (a copy)."""
    y = np.array(y, dtype=np.float64)
    c = min(int(LOOP_XFADE_S * sr), start, end - start)
    if c > 0:
        t = (np.arange(c) + 0.5) / c
        y[end - c : end] = y[end - c : end] * np.cos(0.5 * np.pi * t) + y[start - c : start] * np.sin(0.5 * np.pi * t)
    return y


def render_notes(model: AudioModel, z: np.ndarray, pitches, *, velocity: int | None = None) -> NoteBatch:
    """Render latent ``z`` [latent_dim] at every MIDI pitch of ``pitches`` [n] in one batch
    (at MIDI ``velocity`` for a model conditioned on it; None: its default).

    An unpitched model (``pitch_range`` None) renders its one sound once, and every pitch plays it.
    Each note is made safe on its own (steady loudness across keys), then gets its loop points.
    """
    pitches = np.asarray(pitches, dtype=int).reshape(-1)
    if pitches.size == 0:
        raise ParameterError("no notes to render")
    z = model.check_latent(z)[:1]
    pitched = model.pitch_range is not None
    if pitched:
        model.check_pitch(pitches, len(pitches))
        kw = {"velocity": int(velocity)} if velocity is not None and getattr(model, "velocity_range", None) else {}
        raw = np.concatenate([model.render(np.repeat(z, len(part), axis=0), part.astype(np.float64), **kw)
                              for part in np.array_split(pitches, int(np.ceil(len(pitches) / CHUNK)))])
    else:
        raw = np.repeat(model.render(z, None)[:1], len(pitches), axis=0)
    sr = model.sample_rate
    safe = make_safe(raw, sr=sr)
    loops = np.array([loop_points(y, sr=sr) for y in safe], dtype=int)
    baked = np.stack([bake_loop(y, a, b, sr=sr) for y, (a, b) in zip(safe, loops)])
    return NoteBatch(pitches=pitches, y=make_safe(baked, sr=sr), sr=sr, loops=loops, pitched=pitched)
