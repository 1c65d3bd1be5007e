"""Silence trimming and resampling for the upload path, without importing librosa's core.

librosa's core compiles numba kernels when it is first imported: about 20 s on a fresh install
(empty numba cache), which a first upload would wait for. :func:`trim` gives the same cut as
``librosa.effects.trim`` (frame RMS in dB against the loudest frame, same framing), and
:func:`resample` calls soxr, the library ``librosa.resample`` itself calls by default.
"""

from __future__ import annotations

import numpy as np

#: librosa.effects.trim's framing, samples.
FRAME_LENGTH, HOP_LENGTH = 2048, 512
#: librosa's amplitude floor in amplitude_to_db.
AMIN = 1e-5


def frame_rms(y: np.ndarray, *, frame_length: int = FRAME_LENGTH, hop_length: int = HOP_LENGTH) -> np.ndarray:
    """RMS of centred frames (zero padding, as ``librosa.feature.rms(center=True)``).

    y : np.ndarray [shape=(n,)]. Returns rms : np.ndarray [shape=(1 + n // hop_length,)].
    """
    x = np.pad(np.asarray(y, dtype=np.float64), frame_length // 2)
    frames = np.lib.stride_tricks.sliding_window_view(x, frame_length)[::hop_length]
    return np.sqrt(np.mean(frames**2, axis=-1))


def trim(y: np.ndarray, *, top_db: float = 60.0, frame_length: int = FRAME_LENGTH,
         hop_length: int = HOP_LENGTH) -> tuple[np.ndarray, np.ndarray]:
    """Cut leading and trailing frames quieter than ``top_db`` dB below the loudest frame.

    y : np.ndarray [shape=(n,)]. Returns (y_trimmed [shape=(m,)], index [start, end] in samples),
    as ``librosa.effects.trim``: the end is one frame past the last loud frame, at most ``n``.
    """
    rms = frame_rms(y, frame_length=frame_length, hop_length=hop_length)
    db = 20.0 * np.log10(np.maximum(rms, AMIN)) - 20.0 * np.log10(max(float(rms.max(initial=0.0)), AMIN))
    loud = np.flatnonzero(db > -top_db)
    if loud.size == 0:
        start = end = 0
    else:
        start, end = int(loud[0] * hop_length), min(y.shape[-1], int((loud[-1] + 1) * hop_length))
    return y[start:end], np.asarray([start, end])


def resample(y: np.ndarray, *, orig_sr: int, target_sr: int) -> np.ndarray:
    """``y`` [shape=(..., n)] at ``orig_sr`` Hz resampled along its last axis to ``target_sr`` Hz
    (soxr, high quality: librosa's default ``res_type="soxr_hq"``, same length as librosa's);
    float32 [shape=(..., ceil(n * target_sr / orig_sr))]."""
    import soxr

    y = np.asarray(y, dtype=np.float32)
    if orig_sr == target_sr:
        return y
    rows = y.reshape(-1, y.shape[-1]).T  # soxr takes [frames x channels]
    out = soxr.resample(np.ascontiguousarray(rows), orig_sr, target_sr, quality="HQ").astype(np.float32)
    out = out.reshape(out.shape[0], -1).T
    n = int(np.ceil(y.shape[-1] * target_sr / orig_sr))  # librosa's length; soxr may be a sample short
    out = out[:, :n] if out.shape[1] >= n else np.pad(out, ((0, 0), (0, n - out.shape[1])))
    return np.ascontiguousarray(out.reshape(*y.shape[:-1], n))
