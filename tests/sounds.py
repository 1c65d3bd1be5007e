"""Small sound files for tests: a decaying harmonic note as WAV bytes, and ZIP archives."""

import io
import zipfile

import numpy as np
import soundfile as sf

from explorer.audio.constants import SR


def wav_bytes(freq: float = 220.0, seconds: float = 1.0) -> bytes:
    """A 16 kHz WAV file of a note at ``freq`` Hz: four harmonics (1/k), decaying (0 Hz: silence)."""
    t = np.arange(int(seconds * SR)) / SR
    note = sum(0.3 / k * np.sin(2 * np.pi * freq * k * t) for k in range(1, 5)) * np.exp(-2 * t)
    buf = io.BytesIO()
    sf.write(buf, note.astype(np.float32), SR, format="WAV")
    return buf.getvalue()


def zip_bytes(files: dict[str, bytes]) -> bytes:
    """A ZIP archive holding ``files`` (name -> contents)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return buf.getvalue()
