"""Quality control of rendered notes: silence, and pitch against the label.

The pitch tracker is YIN (de Cheveigne & Kawahara 2002) in plain numpy: the cumulative mean
normalized difference of a dozen frames from the note's sustained part, computed through the
FFT, first dip under a threshold, parabolic interpolation, median over the voiced frames. About
a millisecond per note, no JIT compilation (librosa's YIN and pYIN compile with numba on first
use, in every worker process), and exact on periodic signals, missing fundamentals included.
"""

from __future__ import annotations

import math

import numpy as np

#: A note whose RMS over its whole length is below this (dBFS, at the soundfont's own level) is silent.
SILENCE_DBFS = -60.0
#: Harmonic notes whose measured pitch is further than this from the label are dropped, cents.
PITCH_TOLERANCE_CENTS = 50.0
#: The tracker's search range, Hz: MIDI 24 (32.7 Hz) less a semitone, to an octave above MIDI 84.
FMIN, FMAX = 30.0, 2200.0
#: YIN's threshold on the normalized difference.
YIN_THRESHOLD = 0.15


def rms_dbfs(y: np.ndarray) -> float:
    """RMS level of ``y`` [shape=(n,)], dBFS (-inf for digital silence)."""
    ms = float(np.mean(np.square(y, dtype=np.float64))) if y.size else 0.0
    return 10.0 * math.log10(ms) if ms > 0.0 else -math.inf


def estimate_f0(
    y: np.ndarray, *, sr: int, fmin: float = FMIN, fmax: float = FMAX, frame_length: int = 2048,
    n_frames: int = 12, start_s: float = 0.05, end_s: float = 1.45, threshold: float = YIN_THRESHOLD,
    gate_db: float = 30.0,
) -> float | None:
    """Fundamental frequency of a note by YIN, Hz, or None when it has no clear pitch.

    Parameters
    ----------
    y : np.ndarray [shape=(n,)], the note from its onset.
    sr : sample rate, Hz.
    fmin, fmax : search range, Hz; ``sr / fmin`` must be under ``frame_length / 2``.
    frame_length : samples per analysis frame.
    n_frames : frames spread evenly over ``[start_s, end_s]`` (before a 1.536 s note-off).
    threshold : YIN's threshold on the cumulative mean normalized difference.
    gate_db : frames quieter than the loudest by more than this are not used.

    Returns
    -------
    f0 : median of the voiced frames' estimates (at least a third of the used frames must be
        voiced), Hz; None otherwise.
    """
    tau_max = math.ceil(sr / fmin)
    tau_min = max(2, int(sr / fmax))
    window = frame_length - tau_max
    if window < tau_max:
        raise ValueError(f"frame_length {frame_length} is too short for fmin={fmin} Hz at {sr} Hz")
    last = min(int(end_s * sr), y.size - frame_length)
    first = int(start_s * sr)
    if last < first:
        return None
    starts = np.unique(np.linspace(first, last, n_frames).astype(int))
    frames = np.stack([np.asarray(y[s:s + frame_length], dtype=np.float64) for s in starts])
    energy = np.sum(frames[:, :window] ** 2, axis=1)
    if not np.any(energy > 0):
        return None
    frames = frames[energy >= energy.max() * 10.0 ** (-gate_db / 10.0)]

    # difference function d(tau) = E(0) + E(tau) - 2 r(tau), r through the FFT
    n_fft = 1 << math.ceil(math.log2(frame_length + window))
    spec_all = np.fft.rfft(frames, n_fft)
    spec_head = np.fft.rfft(frames[:, :window], n_fft)
    r = np.fft.irfft(np.conj(spec_head) * spec_all, n_fft)[:, : tau_max + 1]
    csum = np.concatenate([np.zeros((len(frames), 1)), np.cumsum(frames**2, axis=1)], axis=1)
    e_tau = csum[:, window : window + tau_max + 1] - csum[:, : tau_max + 1]
    d = np.maximum(e_tau[:, :1] + e_tau - 2.0 * r, 0.0)
    # cumulative mean normalized difference d'(tau) = d(tau) tau / sum_{j<=tau} d(j)
    taus = np.arange(tau_max + 1)
    cum = np.cumsum(d, axis=1)
    dn = np.ones_like(d)
    np.divide(d * taus, cum, out=dn, where=cum > 0)
    dn[:, 0] = 1.0

    estimates = []
    for row, raw in zip(dn, d):
        below = np.flatnonzero(row[tau_min:tau_max] < threshold)
        if below.size == 0:
            continue
        tau = tau_min + int(below[0])
        while tau + 1 < tau_max and row[tau + 1] < row[tau]:  # walk down to the dip's bottom
            tau += 1
        a, b, c = raw[tau - 1], raw[tau], raw[tau + 1]  # the raw difference is the less biased parabola
        den = a - 2.0 * b + c
        shift = 0.5 * (a - c) / den if den > 0 else 0.0  # parabolic interpolation, samples
        estimates.append(sr / (tau + float(np.clip(shift, -1.0, 1.0))))
    if len(estimates) * 3 < len(frames):
        return None
    return float(np.exp(np.median(np.log(estimates))))


def cents_from(f0: float, pitch: int) -> float:
    """How far ``f0`` (Hz) is from MIDI ``pitch``, cents (positive: sharp)."""
    return 1200.0 * math.log2(f0 / (440.0 * 2.0 ** ((pitch - 69) / 12.0)))


def pitch_error(cents: float, *, octaves: bool = False) -> float:
    """Distance from the label, cents; with ``octaves``, to the nearest octave of the label."""
    return abs(cents - 1200.0 * round(cents / 1200.0)) if octaves else abs(cents)


def check_note(y: np.ndarray, *, sr: int, pitch: int, harmonic: bool,
               octaves: bool = False) -> tuple[str | None, dict]:
    """Quality control of one rendered note.

    y : np.ndarray [shape=(n,)], the note at the soundfont's own level (before normalization).
    pitch : the MIDI label; harmonic : whether a pitch more than 50 cents off drops the note.
    octaves : a whole number of octaves off counts as on pitch (organ stops sound at octaves of
        the key by design: a 16' stop an octave below, a 4' one above).

    Returns
    -------
    reason : None to keep the note; "silent" (RMS < -60 dBFS), "no clear pitch" or
        "off pitch" (harmonic families only) to drop it.
    measures : ``rms_dbfs`` (dB), ``f0_hz`` (Hz or None), ``pitch_cents`` (cents from the label
        or None), rounded for the labels file.
    """
    level = rms_dbfs(y)
    measures = {"rms_dbfs": round(level, 2) if math.isfinite(level) else None, "f0_hz": None, "pitch_cents": None}
    if not level >= SILENCE_DBFS:
        return "silent", measures
    f0 = estimate_f0(y, sr=sr)
    if f0 is not None:
        measures["f0_hz"] = round(f0, 3)
        measures["pitch_cents"] = round(cents_from(f0, pitch), 1)
    if harmonic and f0 is None:
        return "no clear pitch", measures
    if harmonic and pitch_error(measures["pitch_cents"], octaves=octaves) > PITCH_TOLERANCE_CENTS:
        return "off pitch", measures
    return None, measures
