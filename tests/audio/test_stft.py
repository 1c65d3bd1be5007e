"""STFT/ISTFT against librosa, shapes, batches and bad parameters."""

from __future__ import annotations

import librosa
import numpy as np
import pytest

from explorer.audio.stft import istft, stft
from explorer.errors import ParameterError
from tests.audio.signals import tone


@pytest.mark.parametrize("n_fft, hop_length, center", [(1024, 256, True), (512, 128, True), (1024, 300, False)])
def test_stft_matches_librosa(n_fft, hop_length, center, rng):
    y = rng.standard_normal(8000).astype(np.float32)
    ours = stft(y, n_fft=n_fft, hop_length=hop_length, center=center)
    ref = librosa.stft(y, n_fft=n_fft, hop_length=hop_length, center=center)
    assert ours.dtype == np.complex64 and ours.shape == ref.shape
    np.testing.assert_allclose(ours, ref, atol=1e-6 * np.abs(ref).max())


def test_istft_matches_librosa(rng):
    S = librosa.stft(rng.standard_normal(8000).astype(np.float32))
    S = S * np.exp(1j * rng.uniform(0, 2 * np.pi, S.shape))  # an inconsistent spectrogram
    ref = librosa.istft(S, hop_length=512, length=8000)
    np.testing.assert_allclose(istft(S, hop_length=512, length=8000), ref, atol=2e-5 * np.abs(ref).max())


def test_shapes_and_units():
    y = tone(1000.0, 2.0)  # 32000 samples
    S = stft(y)
    assert S.shape == (513, 1 + 32000 // 256)
    assert np.argmax(np.abs(S[:, 60])) == 64  # 1000 Hz / (16000 / 1024) Hz per bin
    assert istft(S).shape == ((S.shape[1] - 1) * 256,)
    longer = istft(S, length=40000)
    assert longer.shape == (40000,) and not np.any(longer[32000 + 512 :])  # zero-padded past the last frame


def test_batches_equal_rows(rng):
    y = rng.standard_normal((2, 3, 4000)).astype(np.float32)
    S = stft(y)
    assert S.shape == (2, 3, 513, 16)
    np.testing.assert_allclose(S[1, 2], stft(y[1, 2]), atol=1e-5)
    np.testing.assert_allclose(istft(S, length=4000)[0, 1], istft(S[0, 1], length=4000), atol=1e-6)


@pytest.mark.parametrize(
    "call",
    [
        lambda: stft(np.zeros(100), n_fft=1000 + 1),
        lambda: stft(np.zeros(100), n_fft=0),
        lambda: stft(np.zeros(100), hop_length=0),
        lambda: stft(np.zeros(100), hop_length=2048),
        lambda: stft(np.zeros(100), hop_length=256.0),
        lambda: stft(np.zeros(0)),
        lambda: stft(np.array([0.0, np.nan, 0.0])),
        lambda: stft(np.array([0.0, np.inf])),
        lambda: stft(np.array(["a", "b"])),
        lambda: stft(np.zeros(100), center=False),  # shorter than n_fft
        lambda: istft(np.zeros((513, 4), np.complex64), hop_length=600),  # frames would not overlap
        lambda: istft(np.zeros((1, 4), np.complex64)),
        lambda: istft(np.zeros((513, 4), np.complex64), length=0),
        lambda: istft(np.full((513, 4), np.nan, np.complex64)),
    ],
)
def test_bad_parameters_raise_parameter_error(call):
    with pytest.raises(ParameterError):
        call()
