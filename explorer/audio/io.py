"""Reading a user's audio and writing ours (WAV/FLAC bytes through soundfile)."""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import BinaryIO, Union

import numpy as np
import soundfile as sf

from explorer.audio.constants import PEAK_DBFS
from explorer.audio.safety import db_to_amplitude, is_silent
from explorer.audio.trim import resample, trim
from explorer.errors import AudioLoadError

AudioSource = Union[str, os.PathLike, bytes, BinaryIO]

#: Upload limits: big enough for any sensible clip, small enough to keep the app responsive.
MAX_BYTES = 25 * 1024 * 1024
MAX_DURATION_S = 60.0
#: The highest sample rate read. With the duration limit it bounds the mono samples held while
#: decoding (60 s x 192 kHz = 46 MB of float32), since channels are mixed down block by block.
MAX_FILE_SR = 192_000
#: Frames decoded at a time: all channels of one block, never of the whole file (an 8-channel
#: 384 kHz FLAC of 5 MB would otherwise cost 750 MB per decode).
DECODE_BLOCK = 1 << 14


def audio_bytes(y: np.ndarray, *, sr: int, format: str = "WAV", subtype: str = "PCM_16") -> bytes:
    """Encode safe mono audio as WAV or FLAC bytes.

    y : np.ndarray [shape=(n,)], already through :func:`explorer.audio.make_safe`.
    Raises ValueError (a bug, not a user error) if ``y`` is not finite or peaks above -1 dBFS.
    """
    y = np.asarray(y, dtype=np.float32)
    if y.ndim != 1 or not np.all(np.isfinite(y)):
        raise ValueError("audio_bytes expects finite mono audio; run make_safe first")
    if y.size and np.max(np.abs(y)) > db_to_amplitude(PEAK_DBFS) + 1e-4:
        raise ValueError("audio_bytes refuses audio above -1 dBFS; run make_safe first")
    buf = io.BytesIO()
    sf.write(buf, y, sr, format=format, subtype=subtype)
    return buf.getvalue()


def write_audio(path: str | os.PathLike, y: np.ndarray, *, sr: int, subtype: str = "PCM_16") -> None:
    """Write safe mono audio to ``path``; the format follows the extension (.wav, .flac)."""
    fmt = Path(path).suffix.lstrip(".").upper() or "WAV"
    Path(path).write_bytes(audio_bytes(y, sr=sr, format=fmt, subtype=subtype))


def _read_all(source: AudioSource, max_bytes: int) -> tuple[bytes, str]:
    if isinstance(source, (bytes, bytearray)):
        data, name = bytes(source), "upload"
    elif isinstance(source, (str, os.PathLike)):
        p = Path(source)
        if not p.is_file():
            raise AudioLoadError(f"{p}: no such file")
        if p.stat().st_size > max_bytes:
            raise AudioLoadError(f"{p.name}: file is larger than {max_bytes // 2**20} MB")
        data, name = p.read_bytes(), p.name
    else:
        name = getattr(source, "name", "upload")
        data = source.read(max_bytes + 1)
    if len(data) == 0:
        raise AudioLoadError(f"{name}: the file is empty")
    if len(data) > max_bytes:
        raise AudioLoadError(f"{name}: file is larger than {max_bytes // 2**20} MB")
    return data, str(name)


def load_audio(
    source: AudioSource,
    *,
    sr: int,
    duration: float | None = None,
    max_duration_s: float = MAX_DURATION_S,
    max_bytes: int = MAX_BYTES,
    trim_db: float | None = None,
    keep_s: float | None = None,
) -> np.ndarray:
    """Load a user's sound: any format soundfile (or librosa's fallback) reads.

    Parameters
    ----------
    source : path, bytes or binary file-like (e.g. a Streamlit upload)
    sr : int
        target sample rate, Hz; the sound is downmixed to mono and resampled.
    duration : float or None
        if given, trim or zero-pad the result to exactly ``round(duration * sr)`` samples.
    max_duration_s, max_bytes : limits; longer or bigger inputs are refused before decoding.
    keep_s : float or None
        if given, only the first ``keep_s`` seconds are decoded and a longer sound is cut there
        instead of refused (``max_duration_s`` does not apply; ``max_bytes`` still does).
    trim_db : float or None
        if given, leading/trailing parts quieter than ``trim_db`` below the peak are cut.

    Returns
    -------
    y : np.ndarray [shape=(n,), dtype=float32]

    Raises
    ------
    AudioLoadError
        empty, corrupt, non-audio, silent, too long or too big input (a message for a person).
    """
    data, name = _read_all(source, max_bytes)
    if keep_s is not None:
        max_duration_s = float(keep_s)
    try:
        info = sf.info(io.BytesIO(data))
        if info.frames / info.samplerate > max_duration_s and keep_s is None:
            raise AudioLoadError(
                f"{name}: {info.frames / info.samplerate:.0f} s is too long (limit {max_duration_s:.0f} s)"
            )
        if info.samplerate > MAX_FILE_SR:
            raise AudioLoadError(f"{name}: a sample rate of {info.samplerate / 1000:g} kHz is above the "
                                 f"{MAX_FILE_SR // 1000} kHz this app reads; save it at 48 kHz")
        frames = -1 if keep_s is None else int(round(keep_s * info.samplerate))
        y, file_sr = _read_mono(data, frames, info.frames), info.samplerate
    except AudioLoadError:
        raise
    except Exception:  # soundfile cannot read it: try librosa's fallback decoders (mp3 etc.)
        y, file_sr = _librosa_fallback(data, name, max_duration_s)
        if keep_s is not None:
            y = y[: int(round(keep_s * file_sr))]
    if y.size == 0:
        raise AudioLoadError(f"{name}: the file holds no audio samples")
    if not np.all(np.isfinite(y)):
        raise AudioLoadError(f"{name}: the file holds invalid (NaN or infinite) samples")
    if y.size / file_sr > max_duration_s:
        raise AudioLoadError(f"{name}: {y.size / file_sr:.0f} s is too long (limit {max_duration_s:.0f} s)")
    if is_silent(y):
        raise AudioLoadError(f"{name}: the sound is silent (nothing above -70 dBFS)")
    if file_sr != sr:
        y = resample(y, orig_sr=file_sr, target_sr=sr)
    if trim_db is not None:
        y, _ = trim(y, top_db=trim_db)
    if duration is not None:
        n = int(round(duration * sr))
        y = y[:n] if y.size >= n else np.pad(y, (0, n - y.size))
    return np.ascontiguousarray(y, dtype=np.float32)


def _read_mono(data: bytes, frames: int, total: int) -> np.ndarray:
    """The first ``frames`` frames (-1: all ``total`` the header gives, already checked against the
    duration limit) mixed down to mono, one block of channels at a time. A header that promises
    more than the file holds gives what it holds."""
    out = np.empty(total if frames < 0 else min(frames, total), np.float32)
    done = 0
    for block in sf.blocks(io.BytesIO(data), blocksize=DECODE_BLOCK, frames=frames, dtype="float32", always_2d=True):
        n = min(len(block), out.size - done)
        out[done:done + n] = block[:n].mean(axis=1)
        done += n
    return out[:done]


def _librosa_fallback(data: bytes, name: str, max_duration_s: float) -> tuple[np.ndarray, int]:
    import librosa  # only here: its first import compiles numba kernels (see explorer.audio.trim)

    try:
        y, file_sr = librosa.load(io.BytesIO(data), sr=None, mono=True, duration=max_duration_s + 1)
    except Exception as exc:
        raise AudioLoadError(f"{name}: not a readable audio file ({type(exc).__name__})") from None
    return y.astype(np.float32), int(file_sr)
