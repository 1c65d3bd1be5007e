"""Griffin-Lim and mel inversion, judged in the spectral domain; mel against librosa."""

from __future__ import annotations

import librosa
import numpy as np
import pytest

from explorer.audio.constants import SR
from explorer.audio.mel import mel_basis, mel_spectrogram, mel_to_audio, mel_to_stft
from explorer.audio.features import spectral_convergence
from explorer.audio.phase import griffin_lim
from explorer.audio.stft import stft
from explorer.errors import ParameterError
from tests.audio.signals import note


@pytest.fixture(scope="module")
def y():
    return note(1.0)


@pytest.fixture(scope="module")
def S_mag(y):
    return np.abs(stft(y))


@pytest.mark.parametrize("n_mels, power, fmax", [(128, 2.0, None), (80, 1.0, 6000.0)])
def test_mel_spectrogram_matches_librosa(y, n_mels, power, fmax):
    ours = mel_spectrogram(y, sr=SR, n_mels=n_mels, power=power, fmax=fmax)
    ref = librosa.feature.melspectrogram(
        y=y, sr=SR, n_fft=1024, hop_length=256, n_mels=n_mels, power=power, fmax=fmax
    )
    assert ours.dtype == np.float32 and ours.shape == ref.shape
    np.testing.assert_allclose(ours, ref, rtol=1e-4, atol=1e-6 * ref.max())


def test_mel_basis_is_librosa_and_read_only():
    W = mel_basis(sr=SR, n_fft=1024, n_mels=64)
    np.testing.assert_allclose(W, librosa.filters.mel(sr=SR, n_fft=1024, n_mels=64), rtol=1e-6)
    with pytest.raises(ValueError):
        W[0, 0] = 1.0


def test_spectral_convergence_of_exact_and_silent_audio(y, S_mag):
    assert spectral_convergence(y, S_mag) < 1e-5
    assert spectral_convergence(np.zeros_like(y), S_mag) == pytest.approx(1.0)
    batch = spectral_convergence(np.stack([y, np.zeros_like(y)]), S_mag)
    np.testing.assert_allclose(batch, [0.0, 1.0], atol=1e-5)


def test_griffin_lim_converges_and_beats_librosa(y, S_mag):
    ours = griffin_lim(S_mag, length=y.size)
    assert ours.dtype == np.float32 and ours.shape == y.shape
    sc = spectral_convergence(ours, S_mag)
    ref = librosa.griffinlim(S_mag, n_iter=32, hop_length=256, length=y.size, random_state=0)
    assert sc < 0.12
    assert sc <= 1.1 * spectral_convergence(ref, S_mag)  # same algorithm: same quality


def test_griffin_lim_is_deterministic_and_seeded(S_mag):
    a = griffin_lim(S_mag, n_iter=4)
    np.testing.assert_array_equal(a, griffin_lim(S_mag, n_iter=4))
    assert not np.allclose(a, griffin_lim(S_mag, n_iter=4, seed=1))


def test_griffin_lim_options(y, S_mag):
    plain = spectral_convergence(griffin_lim(S_mag, momentum=0.0), S_mag)
    fast = spectral_convergence(griffin_lim(S_mag), S_mag)
    assert fast < plain  # momentum accelerates
    zeros = griffin_lim(S_mag, init="zeros", n_iter=0)
    assert np.all(np.isfinite(zeros)) and zeros.shape == ((S_mag.shape[1] - 1) * 256,)
    batch = griffin_lim(np.stack([0.5 * S_mag, S_mag]), n_iter=3)
    np.testing.assert_allclose(batch[1], griffin_lim(S_mag, n_iter=3), atol=1e-6)  # a row as alone
    assert np.all(griffin_lim(np.zeros_like(S_mag), n_iter=3) == 0.0)  # silence stays silent


def test_mel_to_stft_is_closer_than_librosa_nnls(y, S_mag):
    M = mel_spectrogram(y, sr=SR)
    ours = mel_to_stft(M, sr=SR)
    ref = librosa.feature.inverse.mel_to_stft(M, sr=SR, n_fft=1024)
    err = np.linalg.norm(ours - S_mag) / np.linalg.norm(S_mag)
    assert ours.shape == S_mag.shape and ours.min() >= 0.0
    assert err < np.linalg.norm(ref - S_mag) / np.linalg.norm(S_mag)
    assert np.allclose(mel_basis(sr=SR, n_fft=1024, n_mels=128) @ ours**2, M, rtol=0.05, atol=1e-3 * M.max())


def test_mel_to_audio_judged_by_spectral_convergence(y, S_mag):
    M = mel_spectrogram(y, sr=SR)
    ours = mel_to_audio(M, sr=SR, length=y.size)
    assert ours.dtype == np.float32 and ours.shape == y.shape
    sc = spectral_convergence(ours, S_mag)
    assert sc < 0.12
    np.testing.assert_array_equal(ours, mel_to_audio(M, sr=SR, length=y.size))  # deterministic
    batch = mel_to_audio(np.stack([M, M]), sr=SR, n_iter=2)
    np.testing.assert_allclose(batch[1], mel_to_audio(M, sr=SR, n_iter=2), atol=1e-6)


def test_mel_to_audio_no_worse_than_librosa(y, S_mag):
    M = mel_spectrogram(y, sr=SR)
    ref = librosa.feature.inverse.mel_to_audio(M, sr=SR, n_fft=1024, hop_length=256, length=y.size)
    assert spectral_convergence(mel_to_audio(M, sr=SR, length=y.size), S_mag) <= spectral_convergence(ref, S_mag)


@pytest.mark.parametrize(
    "call",
    [
        lambda S: griffin_lim(-S),
        lambda S: griffin_lim(S, n_iter=-1),
        lambda S: griffin_lim(S, momentum=1.5),
        lambda S: griffin_lim(S, init="pghi"),
        lambda S: griffin_lim(S, hop_length=1000),
        lambda S: griffin_lim(S, length=0),
        lambda S: spectral_convergence(np.zeros(100), S, n_fft=512),
        lambda S: mel_to_audio(-np.ones((128, 10)), sr=SR),
        lambda S: mel_to_audio(np.ones((128, 10)), sr=-1),
        lambda S: mel_to_audio(np.ones((128, 10)), sr=SR, fmax=9000.0),
        lambda S: mel_spectrogram(np.zeros(100), sr=SR, n_mels=0),
        lambda S: mel_spectrogram(np.zeros(100), sr=SR, power=0.0),
    ],
)
def test_bad_parameters_raise_parameter_error(call, S_mag):
    with pytest.raises(ParameterError):
        call(S_mag)
