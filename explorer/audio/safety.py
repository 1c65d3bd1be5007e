"""The safety step every sound passes before it leaves the engine (DESIGN.md section 4).

Player, WAV download and CLI all call :func:`make_safe`, so no slider can produce NaN, a click
or a blast: the output is finite, DC-free, faded in and out over 5 ms, brought to a steady
loudness and never louder than -1 dBFS. Silence stays silence.
"""

from __future__ import annotations

import numpy as np

from explorer.audio.constants import FADE_S, PEAK_DBFS, SILENCE_DBFS, TARGET_RMS_DBFS


def db_to_amplitude(db: float) -> float:
    """dBFS -> linear amplitude."""
    return float(10.0 ** (db / 20.0))


def rms_dbfs(y: np.ndarray) -> np.ndarray:
    """RMS level in dBFS over the last axis; -inf for digital silence.

    y : np.ndarray [shape=(..., n)]
    """
    y = np.asarray(y)
    if y.dtype != np.float32:
        y = y.astype(np.float64)
    # sum of squares per row without a squared copy: a minute of upload is never held twice
    rms = np.sqrt(np.einsum("...i,...i->...", y, y, dtype=np.float64) / max(y.shape[-1], 1))
    with np.errstate(divide="ignore"):
        return 20.0 * np.log10(rms)


def is_silent(y: np.ndarray, *, threshold_dbfs: float = SILENCE_DBFS) -> bool:
    """True when every row of ``y`` is below ``threshold_dbfs`` RMS (or not finite at all)."""
    y = np.asarray(y)
    if not np.all(np.isfinite(y)):
        y = np.nan_to_num(y.astype(np.float64), nan=0.0, posinf=0.0, neginf=0.0)
    return bool(np.all(rms_dbfs(y) < threshold_dbfs))


def fade(y: np.ndarray, *, sr: int, fade_s: float = FADE_S) -> np.ndarray:
    """Raised-cosine fade in and out of ``fade_s`` seconds on the last axis (a copy)."""
    y = np.array(y, dtype=np.float64)
    n = min(int(round(fade_s * sr)), y.shape[-1] // 2)
    if n > 0:
        ramp = 0.5 - 0.5 * np.cos(np.pi * np.arange(n) / n)  # 0 -> ~1
        y[..., :n] *= ramp
        y[..., y.shape[-1] - n :] *= ramp[::-1]
    return y


def make_safe(
    y: np.ndarray, *, sr: int, target_rms_dbfs: float = TARGET_RMS_DBFS, peak_dbfs: float = PEAK_DBFS,
    fade_s: float = FADE_S,
) -> np.ndarray:
    """Make audio safe to play: finite, DC removed, faded, steady loudness, peak <= ``peak_dbfs``.

    Parameters
    ----------
    y : np.ndarray [shape=(n,) or (batch, n)]
        audio, any scale; NaN and +-inf samples are replaced by 0.
    sr : int
        sample rate, Hz (sets the fade length).
    target_rms_dbfs : float
        every non-silent row is scaled to this RMS level first (steady loudness) ...
    peak_dbfs : float
        ... and then scaled down further if its peak would exceed this ceiling.
    fade_s : float
        fade in/out length, seconds.

    Returns
    -------
    y_safe : np.ndarray [shape=y.shape, dtype=float32]
        rows whose RMS is below the silence threshold come back as exact zeros
        (use :func:`is_silent` to tell the user).
    """
    y = np.nan_to_num(np.asarray(y, dtype=np.float64), nan=0.0, posinf=0.0, neginf=0.0)
    if y.ndim not in (1, 2) or y.shape[-1] == 0:
        raise ValueError(f"make_safe expects audio of shape (n,) or (batch, n), got {y.shape}")
    y = y - y.mean(axis=-1, keepdims=True)
    y = fade(y, sr=sr, fade_s=fade_s)
    level = rms_dbfs(y)
    silent = ~(level >= SILENCE_DBFS)  # also catches -inf and NaN
    gain = np.where(silent, 0.0, db_to_amplitude(target_rms_dbfs) / np.maximum(10 ** (level / 20), 1e-30))
    y = y * gain[..., None]
    peak = np.max(np.abs(y), axis=-1)
    ceiling = db_to_amplitude(peak_dbfs)
    y = y * np.where(peak > ceiling, ceiling / np.maximum(peak, 1e-30), 1.0)[..., None]
    return y.astype(np.float32)
