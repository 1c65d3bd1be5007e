"""Listener-level failure rates: what a person notices first, measured on the audio itself.

All in numpy (no JIT compilation), per note, on audio [n x samples]:

- **HNR** (harmonics-to-noise ratio, Boersma 1993): for each frame (2048 samples, hop 1024,
  Hann window) the normalised autocorrelation r(tau) = r_x(tau) / r_w(tau) / r_x(0), the window's
  own autocorrelation divided out; r_max its largest value for periods 0.5-30 ms
  (2000-33 Hz); HNR = 10 log10(r_max / (1 - r_max)) dB. The note's HNR is the median over its
  sounding frames (within 30 dB of its loudest). A sine scores > 20 dB, white noise < -5 dB.
- **noise**: HNR < ``NOISE_HNR_DB`` or unvoiced by CREPE (:mod:`explorer.evaluation.crepe_pitch`).
- **never releases**: the loudest frame of the last ``RELEASE_TAIL_S`` s is within
  ``RELEASE_DB`` of the note's loudest frame (frames of 512 samples, hop 256).
- **click**: a frame, after the first ``ONSET_GRACE_S`` s of the note's onset, whose energy
  above ``CLICK_HZ`` jumps by more than ``CLICK_JUMP_DB`` over the previous frame's while within
  ``CLICK_FLOOR_DB`` of the note's loudest frame (all frequencies) (512-sample frames, hop 128).
- **loudness spread**: standard deviation over notes of each note's RMS level, dB, on the audio
  as produced (before the safety step evens loudness out).
"""

from __future__ import annotations

import numpy as np

NOISE_HNR_DB = 5.0
RELEASE_TAIL_S = 0.2
RELEASE_DB = 20.0
CLICK_HZ = 4000.0
CLICK_JUMP_DB = 20.0
CLICK_FLOOR_DB = 40.0
ONSET_GRACE_S = 0.05
SOUNDING_DB = 30.0


def _frames(y: np.ndarray, frame_length: int, hop_length: int) -> np.ndarray:
    """[n x samples] -> [n x T x frame_length], uncentred (frames start at 0, hop apart)."""
    n_frames = 1 + max(0, (y.shape[-1] - frame_length) // hop_length)
    idx = np.arange(frame_length)[None, :] + hop_length * np.arange(n_frames)[:, None]
    return y[:, idx]


def _level_db(frames: np.ndarray) -> np.ndarray:
    return 10 * np.log10(np.maximum(np.mean(frames.astype(np.float64) ** 2, axis=-1), 1e-20))


def hnr_db(audio: np.ndarray, *, sr: int, frame_length: int = 2048, hop_length: int = 1024,
           fmin: float = 33.0, fmax: float = 2000.0) -> np.ndarray:
    """Harmonics-to-noise ratio of each note, dB, [n] (see the module docstring).

    Parameters
    ----------
    audio : np.ndarray [shape=(n, samples)]
    sr : sample rate, Hz
    """
    audio = np.atleast_2d(np.asarray(audio, dtype=np.float64))
    frames = _frames(audio, frame_length, hop_length)  # [n x T x L]
    level = _level_db(frames)
    w = np.hanning(frame_length)
    n_fft = 2 * frame_length
    x = frames - frames.mean(axis=-1, keepdims=True)
    r_x = np.fft.irfft(np.abs(np.fft.rfft(x * w, n_fft)) ** 2, n_fft)[..., :frame_length]
    r_w = np.fft.irfft(np.abs(np.fft.rfft(w, n_fft)) ** 2, n_fft)[:frame_length]
    lo, hi = max(1, int(sr / fmax)), min(frame_length // 2, int(np.ceil(sr / fmin)))
    r = r_x[..., lo : hi + 1] / r_w[lo : hi + 1] / np.maximum(r_x[..., :1] / r_w[0], 1e-30)
    r_max = np.clip(r.max(axis=-1), 1e-6, 1 - 1e-6)
    frame_hnr = 10 * np.log10(r_max / (1 - r_max))  # [n x T]
    sounding = level >= level.max(axis=1, keepdims=True) - SOUNDING_DB
    sounding &= level > -100  # digital silence is no frame of the note
    return np.array([np.median(h[s]) if s.any() else -60.0 for h, s in zip(frame_hnr, sounding)])


def never_releases(audio: np.ndarray, *, sr: int) -> np.ndarray:
    """Boolean [n]: the last ``RELEASE_TAIL_S`` s is still within ``RELEASE_DB`` of the note's peak."""
    level = _level_db(_frames(np.atleast_2d(audio), 512, 256))
    tail = max(1, int(round(RELEASE_TAIL_S * sr / 256)))
    return level[:, -tail:].max(axis=1) >= level.max(axis=1) - RELEASE_DB


def has_click(audio: np.ndarray, *, sr: int) -> np.ndarray:
    """Boolean [n]: a sudden high-frequency jump after the onset (see the module docstring)."""
    audio = np.atleast_2d(np.asarray(audio, dtype=np.float64))
    frame_length, hop = 512, 128
    frames = _frames(audio, frame_length, hop) * np.hanning(frame_length)
    spec = np.abs(np.fft.rfft(frames, axis=-1)) ** 2
    freqs = np.fft.rfftfreq(frame_length, 1 / sr)
    hf = 10 * np.log10(np.maximum(spec[..., freqs >= CLICK_HZ].sum(-1), 1e-20))  # [n x T]
    total = 10 * np.log10(np.maximum(spec.sum(-1), 1e-20))
    onset = np.argmax(total >= total.max(axis=1, keepdims=True) - SOUNDING_DB, axis=1)
    jump = np.diff(hf, axis=1, prepend=hf[:, :1])
    loud = hf >= total.max(axis=1, keepdims=True) - CLICK_FLOOR_DB
    after = np.arange(hf.shape[1])[None, :] > (onset + int(ONSET_GRACE_S * sr / hop))[:, None]
    return ((jump > CLICK_JUMP_DB) & loud & after).any(axis=1)


def rms_db(audio: np.ndarray) -> np.ndarray:
    """RMS level of each note over its whole length, dBFS, [n] (floor -200)."""
    audio = np.atleast_2d(np.asarray(audio, dtype=np.float64))
    return 10 * np.log10(np.maximum(np.mean(audio**2, axis=1), 1e-20))


def failure_rates(audio: np.ndarray, *, sr: int, voiced: np.ndarray) -> dict[str, float]:
    """``noise_rate``, ``release_fail_rate``, ``click_rate``, ``loudness_spread_db``, ``hnr_db_median``.

    Parameters
    ----------
    audio : np.ndarray [shape=(n, samples)], the notes as produced (before the safety step)
    sr : sample rate, Hz
    voiced : np.ndarray [shape=(n,), dtype=bool], CREPE's voicing decision for each note
    """
    hnr = hnr_db(audio, sr=sr)
    return {
        "noise_rate": float(np.mean((hnr < NOISE_HNR_DB) | ~np.asarray(voiced, bool))),
        "release_fail_rate": float(np.mean(never_releases(audio, sr=sr))),
        "click_rate": float(np.mean(has_click(audio, sr=sr))),
        "loudness_spread_db": float(np.std(rms_db(audio))),
        "hnr_db_median": float(np.median(hnr)),
    }
