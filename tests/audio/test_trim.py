"""Trimming and resampling for uploads: the same numbers as librosa, without importing its core."""

from __future__ import annotations

import subprocess
import sys

import librosa
import numpy as np
import pytest

from explorer.audio.trim import resample, trim
from explorer.paths import ROOT


def burst(n: int, seed: int = 0) -> np.ndarray:
    """Noise between 20% and 75% of ``n`` samples over a -80 dB floor: float32 [n]."""
    rng = np.random.default_rng(seed)
    y = (rng.standard_normal(n) * 1e-4).astype(np.float32)
    y[n // 5: n * 3 // 4] += (rng.standard_normal(n * 3 // 4 - n // 5) * 0.3).astype(np.float32)
    return y


@pytest.mark.parametrize("n", [100, 2047, 5000, 32000, 44101])
@pytest.mark.parametrize("top_db", [20.0, 40.0, 60.0, 90.0])
def test_trim_cuts_where_librosa_cuts(n, top_db):
    y = burst(n)
    ours, index = trim(y, top_db=top_db)
    theirs, their_index = librosa.effects.trim(y, top_db=top_db)
    assert np.array_equal(index, their_index)
    assert np.array_equal(ours, theirs)


def test_trim_keeps_a_known_burst_and_drops_silence():
    y = np.zeros(16000, np.float32)
    y[4000:8000] = 0.5
    ours, (start, end) = trim(y, top_db=40.0)
    reach = 2048 // 2 + 512  # a centred frame reaches half its length, plus one hop of rounding
    assert 4000 - reach <= start <= 4000 and 8000 <= end <= 8000 + reach
    zeros = np.zeros(5000, np.float32)  # all frames at the floor: kept whole, as librosa does
    assert np.array_equal(trim(zeros, top_db=40.0)[1], librosa.effects.trim(zeros, top_db=40.0)[1])


@pytest.mark.parametrize("orig_sr,target_sr", [(44100, 16000), (8000, 16000), (48000, 22050), (16000, 16000)])
def test_resample_matches_librosa(orig_sr, target_sr):
    y = burst(orig_sr // 2 + 7)
    ours = resample(y, orig_sr=orig_sr, target_sr=target_sr)
    theirs = librosa.resample(y, orig_sr=orig_sr, target_sr=target_sr)
    assert ours.dtype == np.float32 and ours.shape == theirs.shape
    np.testing.assert_allclose(ours, theirs, atol=1e-6)
    rows = np.stack([y, -0.5 * y])  # [2 x n]: each row resampled on its own
    both = resample(rows, orig_sr=orig_sr, target_sr=target_sr)
    np.testing.assert_allclose(both, np.stack([theirs, -0.5 * theirs]), atol=1e-6)


def test_an_upload_never_imports_librosa_core():
    """librosa's core compiles numba kernels on import (about 20 s with an empty cache): a first
    upload (decode, resample, trim, pitch, encode) must not wait for it."""
    script = """
import io, sys
import numpy as np, soundfile as sf
from explorer.models.registry import load_model
from explorer.models.vae.model import encode_sound
t = np.arange(44100 * 2) / 44100
y = np.zeros(t.size + 22050); y[11025:11025 + t.size] = 0.4 * np.sin(2 * np.pi * 440 * t) * np.exp(-t)
buf = io.BytesIO(); sf.write(buf, y, 44100, format="WAV")
enc = encode_sound(load_model("vae"), buf.getvalue())
enc2 = encode_sound(load_model("vae"), buf.getvalue(), offset_s=0.1)
assert enc.pitch == 69 and enc2.z.shape == enc.z.shape, (enc.pitch, enc2.z.shape)
print(sorted(m for m in sys.modules if m.startswith("librosa.")))
"""
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "librosa.core" not in out.stdout, out.stdout
